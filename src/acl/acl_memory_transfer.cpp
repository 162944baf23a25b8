// Copies and fills (aclrtMemcpy, aclrtMemset and their async forms), and the lifetime of the blocks
// they touch: a block is released only after the work on it has finished, and queued work whose
// block was freed before it ran is refused, even when the address was handed out again.
#include <string>

#include "acl/acl.h"
#include "acl/boundary.hpp"
#include "acl/c_enum.hpp"
#include "acl/runtime_messages.hpp"
#include "core/message.hpp"
#include "runtime/device_backend.hpp"
#include "runtime/memory.hpp"
#include "runtime/stream.hpp"

namespace advstep::acl {
namespace {

/// A copy or a fill, as the caller gave it; the copy's kind already validated.
struct Transfer {
  bool fill = false;  ///< a fill: value is set and src unused
  void* dst = nullptr;
  size_t limit = 0;  ///< destMax or maxCount
  const void* src = nullptr;
  size_t count = 0;
  int32_t value = 0;
  aclrtMemcpyKind kind = ACL_MEMCPY_DEFAULT;
  [[nodiscard]] bool is_fill() const { return fill; }
};

/// The device blocks a transfer touches (their ids; 0 for host memory).
struct TransferBlocks {
  uint64_t dst = 0;
  uint64_t src = 0;
};

/// @p address must be @p count bytes of a live device block; it is device memory (as its kind says,
/// or as its address does: a freed block or the bytes past a block's end are never host memory).
Status check_device_range(const char* api, const char* side, const void* address, size_t count) {
  if (runtime::find_block(address, count, runtime::MemoryKind::kDevice) != nullptr) return {};
  const std::string what = std::string(side) + " must be " + std::to_string(count) +
                           " bytes of device memory from aclrtMalloc (expected a live block with room, got ";
  // Inside a live block, say how much of it is left: the usual mistake is a count past its end.
  if (const runtime::Block* block = runtime::find_block_containing(address, runtime::MemoryKind::kDevice)) {
    const auto used = static_cast<size_t>(reinterpret_cast<uintptr_t>(address) - block->begin);
    return runtime_error(StatusCode::kRtParamInvalid, api,
                         what + std::to_string(block->size - used) + " bytes left in a block of " +
                             std::to_string(block->size) + " at " + core::address_string(address) + ")");
  }
  const char* state = runtime::is_device_address(address) ? " (device memory that is no live block: freed, or past a block's end)"
                                                          : " (not device memory)";
  return runtime_error(StatusCode::kRtParamInvalid, api, what + core::address_string(address) + state + ")");
}

/// Checks one side of a transfer and records its block: device memory when @p named_device (the
/// copy kind says so) or when the address is device memory whatever the kind says; else host memory.
Status check_side(const char* api, const char* side, const void* address, size_t count, bool named_device,
                  uint64_t& block) {
  block = 0;
  if (!named_device && !runtime::is_device_address(address)) return {};
  if (Status s = check_device_range(api, side, address, count); !s.ok()) return s;
  block = runtime::block_id(address, runtime::MemoryKind::kDevice);
  return {};
}

/// Every argument rule of a copy or fill; the async forms apply them at the call, as CANN's runtime
/// does, and again when the work runs.
Status check(const char* api, const Transfer& transfer, TransferBlocks& blocks) {
  blocks = {};
  if (transfer.count == 0) return {};
  if (transfer.dst == nullptr) return null_argument(api, transfer.is_fill() ? "devPtr" : "dst");
  if (transfer.count > transfer.limit) {
    const char* limit = transfer.is_fill() ? "maxCount" : "destMax";
    return runtime_error(StatusCode::kRtParamInvalid, api,
                         std::string("count must not exceed ") + limit + " (expected <= " +
                             std::to_string(transfer.limit) + ", got " + std::to_string(transfer.count) + ")");
  }
  if (transfer.is_fill()) return check_side(api, "devPtr", transfer.dst, transfer.count, false, blocks.dst);
  const aclrtMemcpyKind kind = transfer.kind;
  const bool dst_device = kind == ACL_MEMCPY_HOST_TO_DEVICE || kind == ACL_MEMCPY_DEVICE_TO_DEVICE ||
                          kind == ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE;
  const bool src_device = kind == ACL_MEMCPY_DEVICE_TO_HOST || kind == ACL_MEMCPY_DEVICE_TO_DEVICE;
  if (Status s = check_side(api, "dst", transfer.dst, transfer.count, dst_device, blocks.dst); !s.ok()) return s;
  return check_side(api, "src", transfer.src, transfer.count, src_device, blocks.src);
}

/// Refuses queued work whose block was freed after it was queued (whether or not the address was
/// allocated again): the blocks found now must be the blocks found at the call.
Status check_same_blocks(const char* api, const Transfer& transfer, const TransferBlocks& queued,
                         const TransferBlocks& now) {
  const auto refuse = [&](const char* side, const void* address) {
    return runtime_error(StatusCode::kRtParamInvalid, api,
                         std::string(side) +
                             "'s aclrtMalloc block was freed after the work was queued (expected the block to stay "
                             "allocated until the stream is synchronised, got a freed block at " +
                             core::address_string(address) + ", since allocated again to another owner)");
  };
  if (queued.dst != now.dst) return refuse(transfer.is_fill() ? "devPtr" : "dst", transfer.dst);
  if (queued.src != now.src) return refuse("src", transfer.src);
  return {};
}

runtime::CopyDirection direction_of(aclrtMemcpyKind kind) {
  switch (kind) {
    case ACL_MEMCPY_HOST_TO_HOST:
      return runtime::CopyDirection::kHostToHost;
    case ACL_MEMCPY_HOST_TO_DEVICE:
    case ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE:
      return runtime::CopyDirection::kHostToDevice;
    case ACL_MEMCPY_DEVICE_TO_HOST:
      return runtime::CopyDirection::kDeviceToHost;
    case ACL_MEMCPY_DEVICE_TO_DEVICE:
      return runtime::CopyDirection::kDeviceToDevice;
    default:
      return runtime::CopyDirection::kInfer;
  }
}

/// Checks (again) and moves the bytes, holding the blocks against aclrtFree until the last byte is
/// written. @p queued: the blocks found at the call of queued work, null for work now. @p queue:
/// the stream's device queue, null for a synchronous call.
Status execute(const char* api, const Transfer& transfer, const TransferBlocks* queued, runtime::DeviceQueue* queue) {
  const runtime::BlocksInUse in_use;  // aclrtFree on another thread waits for these writes
  TransferBlocks now;
  if (Status s = check(api, transfer, now); !s.ok()) return s;
  if (queued != nullptr) {
    if (Status s = check_same_blocks(api, transfer, *queued, now); !s.ok()) return s;
  }
  if (transfer.count == 0) return {};
  if (transfer.is_fill()) {
    return named(api, queue != nullptr ? queue->fill(transfer.dst, transfer.value, transfer.count)
                                       : runtime::backend().fill(transfer.dst, transfer.value, transfer.count));
  }
  const runtime::CopyDirection direction = direction_of(transfer.kind);
  return named(api, queue != nullptr ? queue->copy(transfer.dst, transfer.src, transfer.count, direction)
                                     : runtime::backend().copy(transfer.dst, transfer.src, transfer.count, direction));
}

/// A copy's arguments with its kind validated as an integer first (a C caller may pass any).
Status make_copy(const char* api, void* dst, size_t dest_max, const void* src, size_t count, int64_t raw_kind,
                 Transfer& transfer) {
  const std::optional<aclrtMemcpyKind> kind = enum_from(raw_kind, kMemcpyKinds);
  if (count > 0) {
    if (dst == nullptr) return null_argument(api, "dst");
    if (src == nullptr) return null_argument(api, "src");
    // The device-to-device kinds between and within devices are not this runtime's.
    if (!kind || *kind > ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE) {
      return runtime_error(StatusCode::kAclInvalidParam, api,
                           "kind must name a copy direction (expected 0..5, got " + std::to_string(raw_kind) + ")");
    }
  }
  transfer = Transfer{false, dst, dest_max, src, count, 0, kind.value_or(ACL_MEMCPY_DEFAULT)};
  return {};
}

/// Queues @p transfer on @p stream after checking it at the call; the blocks it found are kept.
Status submit(const char* api, const Transfer& transfer, aclrtStream stream) {
  const auto found = runtime::find_stream(stream);
  if (!found) return unknown_stream(api, stream);
  TransferBlocks blocks;
  if (Status s = check(api, transfer, blocks); !s.ok()) return s;
  found->submit([api, transfer, blocks, device = &found->device()]() { return execute(api, transfer, &blocks, device); });
  return {};
}

}  // namespace
}  // namespace advstep::acl

using advstep::Status;
using advstep::acl::guarded;
using advstep::acl::raw_value;
using advstep::acl::Transfer;
namespace runtime = advstep::runtime;

extern "C" {

aclError aclrtMemcpy(void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind) {
  const int64_t raw_kind = raw_value(kind);
  return guarded("aclrtMemcpy", [&]() -> Status {
    if (Status s = runtime::device_ready("aclrtMemcpy"); !s.ok()) return s;
    Transfer transfer;
    if (Status s = advstep::acl::make_copy("aclrtMemcpy", dst, destMax, src, count, raw_kind, transfer); !s.ok()) {
      return s;
    }
    return advstep::acl::execute("aclrtMemcpy", transfer, nullptr, nullptr);
  });
}

aclError aclrtMemcpyAsync(void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind,
                          aclrtStream stream) {
  const int64_t raw_kind = raw_value(kind);
  return guarded("aclrtMemcpyAsync", [&]() -> Status {
    if (!runtime::find_stream(stream)) return advstep::acl::unknown_stream("aclrtMemcpyAsync", stream);
    Transfer transfer;
    if (Status s = advstep::acl::make_copy("aclrtMemcpyAsync", dst, destMax, src, count, raw_kind, transfer);
        !s.ok()) {
      return s;
    }
    return advstep::acl::submit("aclrtMemcpyAsync", transfer, stream);
  });
}

aclError aclrtMemset(void* devPtr, size_t maxCount, int32_t value, size_t count) {
  return guarded("aclrtMemset", [&]() -> Status {
    if (Status s = runtime::device_ready("aclrtMemset"); !s.ok()) return s;
    return advstep::acl::execute("aclrtMemset", Transfer{true, devPtr, maxCount, nullptr, count, value}, nullptr, nullptr);
  });
}

aclError aclrtMemsetAsync(void* devPtr, size_t maxCount, int32_t value, size_t count, aclrtStream stream) {
  return guarded("aclrtMemsetAsync", [&]() -> Status {
    return advstep::acl::submit("aclrtMemsetAsync", Transfer{true, devPtr, maxCount, nullptr, count, value}, stream);
  });
}

}  // extern "C"
