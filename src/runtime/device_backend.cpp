#include "runtime/device_backend.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "runtime/cpu_backend.hpp"
#include "runtime/cuda_plugin.hpp"

namespace advstep::runtime {
namespace {

constexpr StatusCode kNoDevice = StatusCode::kRtNoDevice;

/// A stream of a backend that cannot run anything: each call answers with the reason.
class UnavailableQueue final : public DeviceQueue {
 public:
  explicit UnavailableQueue(Status reason) : reason_(std::move(reason)) {}
  [[nodiscard]] void* native_handle() const override { return nullptr; }
  Status copy(void*, const void*, size_t, CopyDirection) override { return reason_; }
  Status fill(void*, int32_t, size_t) override { return reason_; }
  Status run(const core::Plan&) override { return reason_; }
  Status wait() override { return reason_; }
  Status call_host(void (*)(void*), void*) override { return reason_; }

 private:
  Status reason_;
};

/// What an explicit request gets when it cannot be met (ADVSTEP_DEVICE=cuda without a GPU, or a
/// value that names no device): no devices, and every device call fails with the reason, so a
/// program learns at its first call instead of silently running somewhere else.
class UnavailableBackend final : public DeviceBackend {
 public:
  explicit UnavailableBackend(std::string reason) : reason_(kNoDevice, std::move(reason)) {}

  [[nodiscard]] const char* name() const override { return "none"; }
  [[nodiscard]] Status usable() const override { return reason_; }
  [[nodiscard]] uint32_t device_count() const override { return 0; }
  [[nodiscard]] const char* soc_name(int32_t /*device*/) const override { return ""; }
  Status set_device(int32_t /*device*/) override { return reason_; }
  void* allocate(size_t /*size*/, MemoryKind /*kind*/, int32_t /*device*/) override { return nullptr; }
  void deallocate(void* /*address*/, MemoryKind /*kind*/) override {}
  Status copy(void*, const void*, size_t, CopyDirection) override { return reason_; }
  Status fill(void*, int32_t, size_t) override { return reason_; }

  Status create_queue(int32_t /*device*/, bool default_stream, std::unique_ptr<DeviceQueue>& queue) override {
    // The default stream must exist (NULL is always a valid aclrtStream); its work fails instead.
    queue = std::make_unique<UnavailableQueue>(reason_);
    return default_stream ? Status() : reason_;
  }

  Status create_event(int32_t /*device*/, bool /*timing*/, std::unique_ptr<DeviceEvent>& /*event*/) override {
    return reason_;
  }
  Status memory_info(int32_t /*device*/, size_t& /*free*/, size_t& /*total*/) override { return reason_; }
  [[nodiscard]] bool supports_deferred() const override { return false; }

 private:
  Status reason_;
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

constexpr uint32_t kMaxCpuDevices = 64;

/// The CPU backend with ADVSTEP_CPU_DEVICES devices (1 when unset), or the error backend for a
/// value that is not a count in [1, kMaxCpuDevices].
std::unique_ptr<DeviceBackend> cpu_backend() {
  const char* variable = std::getenv("ADVSTEP_CPU_DEVICES");
  if (variable == nullptr || *variable == '\0') return make_cpu_backend(1);
  char* end = nullptr;
  const unsigned long count = std::strtoul(variable, &end, 10);
  if (*end != '\0' || count < 1 || count > kMaxCpuDevices || variable[0] == '-') {
    return std::make_unique<UnavailableBackend>("ADVSTEP_CPU_DEVICES must be a device count (expected 1.." +
                                                std::to_string(kMaxCpuDevices) + ", got \"" + variable + "\")");
  }
  return make_cpu_backend(static_cast<uint32_t>(count));
}

std::unique_ptr<DeviceBackend> select_backend() {
  const char* variable = std::getenv("ADVSTEP_DEVICE");
  const std::string request = lower(variable == nullptr ? "" : variable);
  if (request == "cpu") return cpu_backend();
  if (request.empty() || request == "auto" || request == "cuda") {
    std::string why_not;
    if (std::unique_ptr<DeviceBackend> gpu = cuda_plugin().make_backend(why_not)) return gpu;
    if (request != "cuda") {
      // A build made for GPUs that runs on the CPU says so, once: silently slower is worse.
      if (cuda_plugin_built()) {
        std::fprintf(stderr, "advstep: running on the CPU: no usable GPU (%s); ADVSTEP_DEVICE=cpu silences this\n",
                     why_not.c_str());
      }
      return cpu_backend();
    }
    return std::make_unique<UnavailableBackend>("ADVSTEP_DEVICE=cuda asks for a GPU (expected a visible CUDA device, got " +
                                                why_not + ")");
  }
  return std::make_unique<UnavailableBackend>("ADVSTEP_DEVICE must name a device (expected cpu, cuda or auto, got \"" +
                                              std::string(variable) + "\")");
}

}  // namespace

DeviceBackend& backend() {
  static const std::unique_ptr<DeviceBackend> selected = select_backend();
  return *selected;
}

std::unique_ptr<DeviceQueue> make_failing_queue(Status reason) {
  return std::make_unique<UnavailableQueue>(std::move(reason));
}

Status device_ready(const char* api) {
  Status status = backend().usable();
  if (status.ok()) return status;
  return {status.code(), std::string(api) + ": " + status.message()};
}

}  // namespace advstep::runtime
