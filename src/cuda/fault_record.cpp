#include "cuda/fault_record.hpp"

#include <string>

#include "core/fault.hpp"

namespace advstep::cuda {

Status describe(const FaultReport& report) {
  core::Plan plan;
  plan.api = report.context.api;
  plan.contract = report.context.contract;
  plan.path = report.context.path;
  plan.spec_num = report.context.spec_num;
  plan.block_size = report.context.block_size;
  plan.table_stride = report.context.table_stride;
  plan.table_numel = report.context.table_numel;
  Status status = core::describe_fault(plan, report.fault);
  if (report.later == 0) return status;
  // Reported with the first, so that none is lost when the stream was synchronised in between
  // through CUDA (which reports nothing) or several launches faulted before one synchronisation.
  return {status.code(), status.message() + "; " + std::to_string(report.later) +
                             (report.later == 1 ? " later launch" : " later launches") +
                             " on this stream also faulted and wrote nothing"};
}

}  // namespace advstep::cuda
