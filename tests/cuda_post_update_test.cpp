// advstep::post_update on CUDA tensors: Ex 2 and every planted fault case of the host suite
// (support/post_update_cases.hpp) and seeded random cases run on the GPU and on the CPU, with the
// same state afterwards and the same error (code and message) or none; the enqueued form reports its
// fault at check_cuda_faults() and writes nothing.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "advstep/advance_step.hpp"
#include "cuda_support/gpu_support.hpp"
#include "support/post_update_cases.hpp"

namespace advstep::testing {
namespace {

/// A copy of one host view in device memory (the bytes it spans), and the same view of it.
struct DeviceCopy {
  const TensorView* host = nullptr;
  std::unique_ptr<DeviceArray<unsigned char>> bytes;
  TensorView view;
};

size_t span_bytes(const TensorView& view) {
  const size_t element = view.dtype == DType::kInt32 ? 4 : 8;
  int64_t last = 0;
  for (int32_t d = 0; d < view.rank; ++d) {
    const int64_t n = view.shape[static_cast<size_t>(d)];
    if (n == 0) return 0;
    last += (n - 1) * view.strides[static_cast<size_t>(d)];  // the cases' strides are positive
  }
  return static_cast<size_t>(last + 1) * element;
}

/// Every given tensor of a host step mirrored onto the GPU.
class DeviceStep {
 public:
  explicit DeviceStep(PostUpdateStep& host) : step_(host) {
    for (TensorView* view : {&step_.idx_mapping, &step_.num_computed_tokens, &step_.last_sampled_tokens,
                             &step_.sampled_tokens, &step_.num_sampled, &step_.num_rejected, &step_.query_start_loc,
                             &step_.total_len, &step_.all_token_ids}) {
      if (view->rank == 0) continue;
      const size_t bytes = span_bytes(*view);
      const auto* first = static_cast<const unsigned char*>(view->data);
      DeviceCopy copy;
      copy.bytes = std::make_unique<DeviceArray<unsigned char>>(std::vector<unsigned char>(first, first + bytes));
      copy.host = view;
      copy.view = *view;
      copy.view.data = copy.bytes->data();
      copy.view.device = Device::kCuda;
      originals_.push_back(*view);
      *view = copy.view;
      copies_.push_back(std::move(copy));
    }
  }
  /// The step on the device tensors.
  [[nodiscard]] const PostUpdateStep& step() const { return step_; }
  /// Copies the device state back over the host tensors the step came from.
  void copy_back() {
    for (size_t k = 0; k < copies_.size(); ++k) {
      const std::vector<unsigned char> values = copies_[k].bytes->values();
      if (!values.empty()) std::memcpy(originals_[k].data, values.data(), values.size());
    }
  }

 private:
  PostUpdateStep step_;
  std::vector<DeviceCopy> copies_;
  std::vector<TensorView> originals_;
};

/// The error of one call, or none.
std::optional<std::pair<StatusCode, std::string>> outcome(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& error) {
    return std::make_pair(error.code(), std::string(error.what()));
  }
  return std::nullopt;
}

/// Runs @p plant's case on the CPU and on the GPU (@p enqueued: the async form, checked after) and
/// expects the same state and the same error.
void expect_same_as_cpu(bool narrow, bool history, const std::function<void(PostUpdateExample&, PostUpdateStep&)>& plant,
                        bool enqueued = false) {
  PostUpdateExample cpu(narrow);
  PostUpdateStep cpu_step = cpu.step(history);
  plant(cpu, cpu_step);
  const auto on_cpu = outcome([&] { post_update(cpu_step); });

  PostUpdateExample gpu(narrow);
  PostUpdateStep gpu_step = gpu.step(history);
  plant(gpu, gpu_step);
  const std::vector<Values> before = gpu.state();
  DeviceStep device(gpu_step);
  auto on_gpu = outcome([&] {
    if (enqueued) {
      post_update_async(device.step());
      check_cuda_faults(0);
    } else {
      post_update(device.step());
    }
  });
  device.copy_back();
  EXPECT_EQ(gpu.state(), cpu.state()) << (on_cpu ? on_cpu->second : "ok");
  ASSERT_EQ(on_gpu.has_value(), on_cpu.has_value()) << (on_gpu ? on_gpu->second : "gpu ok") << " / "
                                                    << (on_cpu ? on_cpu->second : "cpu ok");
  if (on_cpu) {
    EXPECT_EQ(on_gpu->first, on_cpu->first);
    EXPECT_EQ(on_gpu->second, on_cpu->second);
    if (on_cpu->first == StatusCode::kDataFault) {
      EXPECT_EQ(gpu.state(), before) << "a faulty update wrote the state";
    }
  }
}

class CudaPostUpdate : public GpuTest {};

TEST_F(CudaPostUpdate, Example2MatchesTheCpu) {
  for (const bool narrow : {false, true}) {
    for (const bool history : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "narrow " << narrow << ", history " << history);
      expect_same_as_cpu(narrow, history, [](PostUpdateExample&, PostUpdateStep&) {});
      PostUpdateExample e(narrow);
      PostUpdateStep s = e.step(history);
      DeviceStep device(s);
      post_update(device.step());
      device.copy_back();
      EXPECT_EQ(e.nc.values(), (Values{14, 9, 0, 9}));
      EXPECT_EQ(e.last.values(), (Values{260, 0, 0, 350}));
    }
  }
}

TEST_F(CudaPostUpdate, EveryFaultCaseMatchesTheCpu) {
  for (const PostUpdateCase& c : post_update_fault_cases()) {
    for (const bool enqueued : {false, true}) {
      SCOPED_TRACE(::testing::Message() << c.name << (enqueued ? " (enqueued)" : ""));
      expect_same_as_cpu(c.narrow, false, c.plant, enqueued);
    }
  }
}

TEST_F(CudaPostUpdate, SkippedRowsAndDuplicatesMatchTheCpu) {
  expect_same_as_cpu(false, true, [](PostUpdateExample& e, PostUpdateStep&) {
    e.idx.set(1, -1);
    e.num_sampled.set(1, 99);
  });
  expect_same_as_cpu(false, false, [](PostUpdateExample& e, PostUpdateStep&) {
    e.idx.set(0, 0);  // rows 0 and 2 both name state row 0: the later one faults
  });
}

TEST_F(CudaPostUpdate, SeededRandomBatchesMatchTheCpu) {
  // Larger batches than Ex 2, many blocks: R rows over a state of Rmax rows, some skipped, some
  // repeated, some counts out of range.
  for (uint32_t seed = 0; seed < 60; ++seed) {
    std::mt19937_64 rng(seed);
    const int64_t rows = static_cast<int64_t>(rng() % 3000);
    const int64_t state_rows = rows + static_cast<int64_t>(rng() % 50) + 1;
    const int64_t width = 1 + static_cast<int64_t>(rng() % 4);
    const bool narrow = (seed & 1) != 0;
    const auto plant = [&](PostUpdateExample& e, PostUpdateStep& s) {
      std::mt19937_64 values(seed);
      std::vector<int64_t> order(static_cast<size_t>(state_rows));
      for (int64_t r = 0; r < state_rows; ++r) order[static_cast<size_t>(r)] = r;
      std::shuffle(order.begin(), order.end(), values);
      Values idx, qsl{0}, sampled, counts, rejected;
      for (int64_t b = 0; b < rows; ++b) {
        const uint64_t dice = values() % 1000;
        idx.push_back(dice == 0 ? -1 : (dice == 1 && seed % 3 == 0 ? order[0] : order[static_cast<size_t>(b)]));
        const int64_t length = static_cast<int64_t>(values() % 5);
        qsl.push_back(qsl.back() + length);
        const int64_t n = static_cast<int64_t>(values() % static_cast<uint64_t>(width + 1));
        counts.push_back(dice == 2 && seed % 5 == 0 ? width + 1 : n);
        rejected.push_back(length == 0 ? 0 : static_cast<int64_t>(values() % static_cast<uint64_t>(length + 1)));
        for (int64_t k = 0; k < width; ++k) sampled.push_back(static_cast<int64_t>(values() % 100000));
      }
      e.idx = HostValues(idx, narrow);
      e.qsl = HostValues(qsl, narrow);
      e.nc = HostValues(Values(static_cast<size_t>(state_rows), 7), narrow);
      e.last = HostValues(Values(static_cast<size_t>(state_rows), -1), narrow);
      e.sampled = HostValues(sampled.empty() ? Values(static_cast<size_t>(width), 0) : sampled, narrow);
      e.num_sampled = HostValues(counts, narrow);
      e.num_rejected = HostValues(rejected, narrow);
      s = PostUpdateStep{};
      s.idx_mapping = e.idx.vec();
      s.num_computed_tokens = e.nc.vec();
      s.last_sampled_tokens = e.last.vec();
      s.sampled_tokens = e.sampled.mat(std::max<int64_t>(rows, 1));
      s.num_sampled = e.num_sampled.vec();
      s.num_rejected = e.num_rejected.vec();
      s.query_start_loc = e.qsl.vec();
    };
    SCOPED_TRACE(::testing::Message() << "seed " << seed << ", R = " << rows);
    expect_same_as_cpu(narrow, false, plant, (seed & 2) != 0);
  }
}

}  // namespace
}  // namespace advstep::testing
