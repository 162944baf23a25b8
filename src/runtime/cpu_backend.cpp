#include "runtime/cpu_backend.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "advstep/detail/checked_arithmetic.hpp"
#include "backends/backend.hpp"
#include "runtime/device_arena.hpp"

namespace advstep::runtime {
namespace {

constexpr size_t kAlignment = 64;  // aclrtMalloc's documented start alignment
/// Blocks from 2 MiB on start on a 2 MiB boundary and are advised for transparent huge pages, the
/// host's reading of CANN's default policy (ACL_MEM_MALLOC_HUGE_FIRST): a kernel that reads one
/// entry from each row of a wide block table then needs one TLB entry per 2 MiB, not per 4 KiB.
constexpr size_t kHugePage = size_t{2} << 20;

/// Work on the host runs in the calling thread: when the stream submits it (eager) or at
/// synchronisation (deferred), so a fault is known as soon as the plan has run.
class CpuQueue final : public DeviceQueue {
 public:
  [[nodiscard]] void* native_handle() const override { return nullptr; }

  Status copy(void* dst, const void* src, size_t count, CopyDirection /*direction*/) override {
    std::memmove(dst, src, count);
    return {};
  }

  Status fill(void* dst, int32_t value, size_t count) override {
    std::memset(dst, static_cast<unsigned char>(value), count);
    return {};
  }

  Status run(const core::Plan& plan) override {
    return backends::run_supported(backends::backend_for(Device::kCpu), plan, {});
  }

  Status wait() override { return {}; }

  Status call_host(void (*function)(void*), void* args) override {
    function(args);
    return {};
  }
};

class CpuBackend final : public DeviceBackend {
 public:
  explicit CpuBackend(uint32_t devices) : devices_(devices) {}

  [[nodiscard]] const char* name() const override { return "cpu"; }
  [[nodiscard]] uint32_t device_count() const override { return devices_; }
  [[nodiscard]] const char* soc_name(int32_t /*device*/) const override { return "CPU"; }
  Status set_device(int32_t /*device*/) override { return {}; }

  void* allocate(size_t size, MemoryKind kind, int32_t /*device*/) override {
    const size_t alignment = size >= kHugePage ? kHugePage : kAlignment;
    if (kind == MemoryKind::kDevice) {
      void* address = device_memory_.allocate(size, alignment);
#if defined(MADV_HUGEPAGE)
      if (address != nullptr && alignment == kHugePage) (void)madvise(address, size, MADV_HUGEPAGE);  // advice only
#endif
      return address;
    }
    size_t rounded = 0;
    if (!detail::checked_add(size, alignment - 1, rounded)) return nullptr;  // no block that large exists
    rounded = rounded / alignment * alignment;
    return std::aligned_alloc(alignment, rounded);
  }

  void deallocate(void* address, MemoryKind kind) override {
    if (kind == MemoryKind::kDevice) {
      device_memory_.release(address);
    } else {
      std::free(address);
    }
  }

  [[nodiscard]] bool is_device_address(const void* address) const override { return device_memory_.contains(address); }

  Status copy(void* dst, const void* src, size_t count, CopyDirection /*direction*/) override {
    std::memmove(dst, src, count);
    return {};
  }

  Status fill(void* dst, int32_t value, size_t count) override {
    std::memset(dst, static_cast<unsigned char>(value), count);
    return {};
  }

  Status create_queue(int32_t /*device*/, bool /*default_stream*/, std::unique_ptr<DeviceQueue>& queue) override {
    queue = std::make_unique<CpuQueue>();
    return {};
  }

  Status memory_info(int32_t /*device*/, size_t& free, size_t& total) override { return host_memory(free, total); }

  [[nodiscard]] bool supports_deferred() const override { return true; }

 private:
  uint32_t devices_;
  DeviceArena device_memory_;  ///< every device's blocks: devices share the host's memory
};

}  // namespace

std::unique_ptr<DeviceBackend> make_cpu_backend(uint32_t devices) { return std::make_unique<CpuBackend>(devices); }

Status host_memory(size_t& free, size_t& total) {
  const int64_t page = sysconf(_SC_PAGESIZE);
  const int64_t pages = sysconf(_SC_PHYS_PAGES);
  const int64_t available = sysconf(_SC_AVPHYS_PAGES);
  if (page <= 0 || pages <= 0 || available < 0) {
    return {StatusCode::kRtInternalError, "sysconf cannot tell the host's memory (expected page counts, got -1)"};
  }
  total = static_cast<size_t>(pages) * static_cast<size_t>(page);
  free = static_cast<size_t>(available) * static_cast<size_t>(page);
  return {};
}

}  // namespace advstep::runtime
