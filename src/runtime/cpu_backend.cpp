#include "runtime/cpu_backend.hpp"

#include <cstdlib>
#include <cstring>

#include "core/fault.hpp"
#include "cpu/cpu_kernel.hpp"

namespace advstep::runtime {
namespace {

constexpr size_t kAlignment = 64;  // aclrtMalloc's documented start alignment

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
    const core::RowFault fault = cpu::run(plan);
    return fault.ok() ? Status() : core::describe_fault(plan, fault);
  }

  Status wait() override { return {}; }
};

class CpuBackend final : public DeviceBackend {
 public:
  [[nodiscard]] const char* name() const override { return "cpu"; }
  [[nodiscard]] uint32_t device_count() const override { return 1; }
  [[nodiscard]] const char* soc_name(int32_t /*device*/) const override { return "CPU"; }
  Status set_device(int32_t /*device*/) override { return {}; }

  void* allocate(size_t size, MemoryKind /*kind*/) override {
    const size_t rounded = (size + kAlignment - 1) / kAlignment * kAlignment;
    return std::aligned_alloc(kAlignment, rounded);
  }

  void deallocate(void* address, MemoryKind /*kind*/) override { std::free(address); }

  Status copy(void* dst, const void* src, size_t count, CopyDirection /*direction*/) override {
    std::memmove(dst, src, count);
    return {};
  }

  Status fill(void* dst, int32_t value, size_t count) override {
    std::memset(dst, static_cast<unsigned char>(value), count);
    return {};
  }

  Status create_queue(bool /*default_stream*/, std::unique_ptr<DeviceQueue>& queue) override {
    queue = std::make_unique<CpuQueue>();
    return {};
  }

  [[nodiscard]] bool supports_deferred() const override { return true; }
};

}  // namespace

std::unique_ptr<DeviceBackend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

}  // namespace advstep::runtime
