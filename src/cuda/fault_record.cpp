#include "cuda/fault_record.hpp"

#include <cstring>
#include <string>

#include "core/fault.hpp"
#include "variants/prepare/post_update_row.hpp"

namespace advstep::cuda {

namespace {

/// The message of a post_update fault, from the values its launch packed (post_update_cuda.cu).
Status describe_post_update(const FaultReport& report) {
  variants::PostUpdateFault fault;
  fault.kind = static_cast<variants::PostUpdateFaultKind>(report.context.spec_num);
  fault.narrow = static_cast<int32_t>(report.context.block_size);
  fault.b = report.fault.sequence;
  fault.r = report.fault.column;
  fault.value = report.fault.value;
  fault.extra = report.fault.extra;
  fault.limit = report.fault.row_start;
  return variants::describe_post_update_fault(fault);
}

/// The message of an advance_step fault: the plan's message, from the launch's context.
Status describe_advance_step(const FaultReport& report) {
  core::Plan plan;
  plan.api = report.context.api;
  plan.contract = report.context.contract;
  // The variant as the launch's context names it: what the message reads is its path and S.
  switch (report.context.path) {
    case core::Path::kSpeculative: plan.shape = variants::SpeculativeShape{report.context.spec_num}; break;
    case core::Path::kFlashInfer: plan.shape = variants::FlashInferShape{}; break;
    case core::Path::kPlain: plan.shape = variants::DecodeShape{}; break;
  }
  plan.block_size = report.context.block_size;
  plan.table_stride = report.context.table_stride;
  plan.table_numel = report.context.table_numel;
  if (plan.api == nullptr) plan.api = "advance_step";
  return core::describe_fault(plan, report.fault);
}

}  // namespace

Status describe(const FaultReport& report) {
  const bool post_update = report.fault.kind == core::FaultKind::kPostUpdate;
  Status status = post_update ? describe_post_update(report) : describe_advance_step(report);
  const char* api = post_update ? "advstep::post_update" : report.context.api;
  if (api == nullptr) api = "advance_step";
  if (status.ok() || (post_update && report.context.spec_num == 0)) {
    // A claimed record always stands for a launch that faulted and wrote nothing: never success.
    status = {StatusCode::kDataFault, std::string(api) +
                                          ": data fault: a launch found a fault and wrote nothing, but its details "
                                          "were lost"};
  }
  if (report.later == 0) return status;
  // Reported with the first, so that none is lost when the stream was synchronised in between
  // through CUDA (which reports nothing) or several launches faulted before one synchronisation.
  return {status.code(), status.message() + "; " + std::to_string(report.later) +
                             (report.later == 1 ? " later launch" : " later launches") +
                             " on this stream also faulted and wrote nothing"};
}

cudaError_t allocate_readback(size_t count, FaultReport*& readback) {
  // Mapped: the collect kernel writes the reports straight into it (with unified addressing, on
  // every platform CUDA 13 supports, the host pointer is the device's too). Portable: any GPU may.
  void* host = nullptr;
  const size_t bytes = count * sizeof(FaultReport);
  if (cudaError_t e = cudaHostAlloc(&host, bytes, cudaHostAllocMapped | cudaHostAllocPortable); e != cudaSuccess) {
    return e;
  }
  std::memset(host, 0, bytes);
  readback = static_cast<FaultReport*>(host);
  return cudaSuccess;
}

}  // namespace advstep::cuda
