// The prepare step (prepare_inputs, advance_drafts) on CUDA tensors: seeded random cases, faulty ones
// included, run on the host and on the GPU from the same values; the outputs, the error code and the
// message must be identical (the GPU's check kernel reduces to the fault the host loop reports), and
// a fault must leave every GPU array as it was. Skips without a GPU.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "advstep/advance_step.hpp"
#include "advstep/prepare_step.hpp"
#include "cuda_support/gpu_support.hpp"

namespace advstep::testing {
namespace {

using Values = std::vector<int64_t>;

/// Named int64 arrays, viewed on the host or copied to the GPU.
class Arrays {
 public:
  explicit Arrays(bool on_gpu) : on_gpu_(on_gpu) {}
  TensorView view(const std::string& name, const Values& values, std::initializer_list<int64_t> shape) {
    host_[name] = values;
    int64_t* data = host_[name].data();
    if (on_gpu_) {
      device_[name] = std::make_unique<DeviceArray<int64_t>>(values);
      data = device_[name]->data();
    }
    return advstep::view(data, shape, on_gpu_ ? Device::kCuda : Device::kCpu);
  }
  [[nodiscard]] std::map<std::string, Values> now() const {
    std::map<std::string, Values> result;
    for (const auto& [name, values] : host_) result[name] = on_gpu_ ? device_.at(name)->values() : values;
    return result;
  }

 private:
  bool on_gpu_;
  std::map<std::string, Values> host_;
  std::map<std::string, std::unique_ptr<DeviceArray<int64_t>>> device_;
};

struct Outcome {
  std::string error;  ///< "" when it ran
  std::map<std::string, Values> arrays;
};

/// One random case of either operation, built the same way from @p seed on the host or the GPU;
/// @p enqueued: through the _async form, its fault reported by check_cuda_faults().
Outcome run_case(uint64_t seed, bool on_gpu, bool enqueued = false) {
  std::mt19937_64 rng(seed);
  const auto pick = [&](int64_t low, int64_t high) {  // in [low, high]; low when the range is empty
    return high <= low ? low : low + static_cast<int64_t>(rng() % static_cast<uint64_t>(high - low + 1));
  };
  const bool advance = (seed & 1) != 0;
  const int64_t rows = pick(0, 40);
  const int64_t spec = pick(0, 3);
  const int64_t state_rows = rows + pick(0, 3);
  const int64_t width = pick(1, 6);
  const int64_t block = pick(1, 8);
  const bool faulty = seed % 3 == 0;
  Values idx(rows);
  Values qsl{0};
  for (int64_t b = 0; b < rows; ++b) {
    idx[b] = pick(0, state_rows - 1);
    qsl.push_back(qsl.back() + pick(1, spec + 1));
  }
  const int64_t tokens = qsl.back() + pick(0, 4);
  Values nc(state_rows), last(state_rows), drafts(state_rows * spec), table(state_rows * width);
  for (auto& v : nc) v = pick(0, block * width - spec - 2);
  for (auto& v : last) v = pick(0, 1000);
  for (auto& v : drafts) v = pick(1000, 2000);
  for (auto& v : table) v = pick(0, 500);
  Values positions(tokens, -7);
  for (auto& v : positions) v = pick(0, block * width - 2);
  Values tokens_in(rows);
  for (auto& v : tokens_in) v = pick(0, 1000);
  if (faulty && rows > 0) {
    switch (pick(0, 4)) {
      case 0:
        idx[pick(0, rows - 1)] = state_rows + 1;
        break;
      case 1:
        qsl[pick(1, rows)] -= 2;
        break;
      case 2:
        nc[idx[pick(0, rows - 1)]] = -1;
        positions[pick(0, tokens - 1)] = -9;
        break;
      case 3:
        table[pick(0, state_rows * width - 1)] = -3;
        break;
      default:
        nc[idx[pick(0, rows - 1)]] = block * width;
        positions[pick(0, tokens - 1)] = block * width;
        break;
    }
  }
  Arrays a(on_gpu);
  std::string error;
  try {
    if (advance) {
      AdvanceDraftsStep s;
      s.idx_mapping = a.view("idx", idx, {rows});
      s.query_start_loc = a.view("qsl", qsl, {rows + 1});
      s.positions = a.view("positions", positions, {tokens});
      s.input_ids = a.view("input_ids", Values(tokens, -7), {tokens});
      s.slot_mapping = a.view("slots", Values(tokens, -7), {tokens});
      s.block_tables = {a.view("table", table, {state_rows, width})};
      s.block_size = {block};
      s.tokens = a.view("tokens", tokens_in, {rows});
      if (spec > 0) s.draft_tokens = a.view("drafts", drafts, {state_rows, spec});
      s.seq_lens = a.view("seq_lens", Values(rows + 2, 3), {rows + 2});
      s.token_seq_lens = a.view("token_seq_lens", Values(tokens, -7), {tokens});
      s.pos_cap = std::max<int64_t>(block * width - 2, 0);
      s.seq_cap = block * width + 3;
      s.seq_lens_tail = SeqLensTail::kZero;
      if (enqueued) {
        advance_drafts_async(s);
        if (on_gpu) check_cuda_faults(0);
      } else {
        advance_drafts(s);
      }
    } else {
      Values cu{0};
      for (int64_t b = 0; b < rows; ++b) cu.push_back(cu.back() + pick(1, std::max<int64_t>(qsl[b + 1] - qsl[b], 1)));
      PrepareInputsStep s;
      s.idx_mapping = a.view("idx", idx, {rows});
      s.query_start_loc = a.view("qsl", qsl, {rows + 1});
      s.num_computed_tokens = a.view("nc", nc, {state_rows});
      s.block_tables = {a.view("table", table, {state_rows, width})};
      s.block_size = {block};
      s.positions = a.view("positions", Values(tokens, -7), {tokens});
      s.seq_lens = a.view("seq_lens", Values(rows + 2, -7), {rows + 2});
      s.slot_mapping = a.view("slots", Values(tokens, -7), {tokens});
      s.input_ids = a.view("input_ids", Values(tokens, -7), {tokens});
      s.last_sampled_tokens = a.view("last", last, {state_rows});
      if (spec > 0) s.draft_tokens = a.view("drafts", drafts, {state_rows, spec});
      s.cu_num_logits = a.view("cu", cu, {rows + 1});
      s.logits_indices = a.view("logits", Values(cu.back(), -7), {cu.back()});
      s.token_seq_lens = a.view("token_seq_lens", Values(tokens, -7), {tokens});
      s.token_tail = TokenTail::kZero;
      if (enqueued) {
        prepare_inputs_async(s);
        if (on_gpu) check_cuda_faults(0);
      } else {
        prepare_inputs(s);
      }
    }
  } catch (const Error& e) {
    error = e.what();
  }
  return {error, a.now()};
}

class CudaPrepareStep : public GpuTest {};

TEST_F(CudaPrepareStep, RandomCasesMatchTheHost) {
  int faults = 0;
  for (uint64_t seed = 0; seed < 300 && !HasFailure(); ++seed) {
    SCOPED_TRACE(seed);
    const Outcome cpu = run_case(seed, false);
    const Outcome gpu = run_case(seed, true);
    EXPECT_EQ(gpu.error, cpu.error);
    EXPECT_EQ(gpu.arrays, cpu.arrays);
    if (!cpu.error.empty()) {  // the host wrote nothing (tested on the host), so the GPU did not either
      ++faults;
      EXPECT_NE(cpu.error.find("data fault"), std::string::npos) << cpu.error;
    }
  }
  EXPECT_GT(faults, 20);
  EXPECT_LT(faults, 250);
}

TEST_F(CudaPrepareStep, EnqueuedFormsReportFaultsAtCheckCudaFaults) {
  for (uint64_t seed = 0; seed < 60 && !HasFailure(); ++seed) {
    SCOPED_TRACE(seed);
    const Outcome cpu = run_case(seed, false);
    const Outcome gpu = run_case(seed, true, true);
    EXPECT_EQ(gpu.error, cpu.error);
    EXPECT_EQ(gpu.arrays, cpu.arrays);
  }
  EXPECT_NO_THROW(check_cuda_faults(0));  // every fault was reported once
}

}  // namespace
}  // namespace advstep::testing
