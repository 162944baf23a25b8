#include "cuda/fault_record.hpp"

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
  return core::describe_fault(plan, report.fault);
}

}  // namespace advstep::cuda
