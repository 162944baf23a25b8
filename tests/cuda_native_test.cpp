// The native C++ API on CUDA tensors: the same oracle cases as on the host, with exact equality,
// and each result (values, error code and message) identical to the CPU's for the same case.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "advstep/advance_step.hpp"
#include "cuda_support/gpu_native_runner.hpp"
#include "cuda_support/gpu_support.hpp"
#include "oracle/ascend_cases.hpp"
#include "oracle/ascend_reference.hpp"
#include "oracle/sweeps.hpp"
#include "support/native_runner.hpp"
#include "support/oracle_expectations.hpp"

namespace advstep::testing {
namespace {

using oracle::Sweep;

void check_case(const oracle::RandomCase& random_case, bool matrix_layout, cudaStream_t stream) {
  SCOPED_TRACE(random_case.label());
  const oracle::Expected expected = expected_for(random_case);
  const NativeResult gpu = run_native_on_gpu(random_case.inputs, matrix_layout, stream);
  const NativeResult cpu = run_native(random_case.inputs, matrix_layout);
  EXPECT_EQ(gpu.error, cpu.error) << "gpu: " << gpu.message << "\ncpu: " << cpu.message;
  EXPECT_EQ(gpu.message, cpu.message);
  EXPECT_EQ(oracle::difference(cpu.outputs, gpu.outputs), "") << "the GPU and the CPU differ";
  if (expected.fault) {
    ASSERT_TRUE(gpu.error.has_value());
    EXPECT_TRUE(gpu.is_data_fault) << gpu.message;
    EXPECT_TRUE(gpu.all_unchanged) << "a faulty step wrote an array";
    expect_names_fault(gpu.message, "advstep::advance_step", *expected.fault, random_case.inputs.speculative());
  } else {
    EXPECT_FALSE(gpu.error.has_value()) << gpu.message;
    EXPECT_EQ(oracle::difference(expected.outputs, gpu.outputs), "");
    EXPECT_TRUE(gpu.inputs_unchanged);
  }
}

class CudaNativeRandom : public GpuTest, public ::testing::WithParamInterface<Sweep> {
 protected:
  void run_sweep() {
    cudaStream_t stream = nullptr;
    ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
    const Sweep& sweep = GetParam();
    for (int32_t k = 0; k < sweep.count && !HasFailure(); ++k) {
      const uint64_t seed = sweep.first_seed + static_cast<uint64_t>(k);
      // Odd seeds on the created stream, even ones on the default stream.
      check_case(oracle::make_random_case(seed, sweep.options), (seed & 2) != 0, (seed & 1) != 0 ? stream : nullptr);
    }
    EXPECT_EQ(cudaStreamDestroy(stream), cudaSuccess);
  }
};

TEST_P(CudaNativeRandom, MatchesOracleAndCpu) {
  run_sweep();
}

std::string sweep_name(const ::testing::TestParamInfo<Sweep>& info) {
  return info.param.name;
}

std::vector<Sweep> native_sweeps() {
  std::vector<Sweep> all = oracle::sweeps(false, false);
  for (Sweep sweep : oracle::sweeps(true, false)) {
    sweep.name = "speculative_" + sweep.name;
    all.push_back(sweep);
  }
  return all;
}

INSTANTIATE_TEST_SUITE_P(Sweeps, CudaNativeRandom, ::testing::ValuesIn(native_sweeps()), sweep_name);

class CudaNative : public GpuTest {};

// The Ascend formulas and the row bound on the GPU: the Ascend oracle's values, and the CPU's
// result (values, code and message) for every case.
TEST_F(CudaNative, AscendSemanticsMatchesItsOracleAndTheCpu) {
  for (const bool speculative : {false, true}) {
    for (uint64_t k = 0; k < 800 && !HasFailure(); ++k) {
      const oracle::AscendCase ascend_case = oracle::make_ascend_case(7800000 + k, speculative, (k & 1) != 0, true);
      SCOPED_TRACE(ascend_case.label());
      const oracle::StepInputs& in = ascend_case.inputs;
      Options options;
      options.semantics = Semantics::kAscend;
      options.ascend_cores = ascend_case.cores;
      options.block_bound = in.row_bound ? BlockBound::kRow : BlockBound::kTable;
      const oracle::Expected expected = oracle::ascend_reference_advance_step(in, ascend_case.cores, in.row_bound);
      const NativeResult gpu = run_native_on_gpu(in, (k & 2) != 0, nullptr, options);
      const NativeResult cpu = run_native(in, (k & 2) != 0, options);
      EXPECT_EQ(gpu.message, cpu.message);
      EXPECT_EQ(oracle::difference(cpu.outputs, gpu.outputs), "") << "the GPU and the CPU differ";
      if (expected.fault) {
        EXPECT_TRUE(gpu.is_data_fault) << gpu.message;
        EXPECT_TRUE(gpu.all_unchanged) << "a faulty step wrote an array";
      } else {
        EXPECT_FALSE(gpu.error.has_value()) << gpu.message;
        EXPECT_EQ(oracle::difference(expected.outputs, gpu.outputs), "");
      }
    }
  }
}

TEST_F(CudaNative, CudaIsAvailable) {
  EXPECT_TRUE(device_available(Device::kCuda));
}

TEST_F(CudaNative, HostMemoryTaggedCudaIsRefused) {
  std::vector<int64_t> host = {0, 1, 2, 3};
  const DeviceArray<int64_t> gpu(host);
  const TensorView on_gpu = view(gpu.data(), {4}, Device::kCuda);
  const TensorView on_host = view(host.data(), {4}, Device::kCuda);
  const TensorView sampled = view(gpu.data(), {4, 1}, Device::kCuda);
  try {
    advance_step(DecodeStep{on_host, sampled, on_gpu, on_gpu, on_gpu, on_gpu, 4, 4, 1});
    FAIL() << "host memory was accepted as a CUDA tensor";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(error.what()).find("input_tokens is a CUDA tensor, so its data must be GPU memory"),
              std::string::npos)
        << error.what();
  }
}

TEST_F(CudaNative, MixedDevicesAreRefused) {
  std::vector<int64_t> host = {0, 1, 2, 3};
  const DeviceArray<int64_t> gpu(host);
  try {
    advance_step(DecodeStep{view(gpu.data(), {4}, Device::kCuda), view(host.data(), {4, 1}),
                            view(gpu.data(), {4}, Device::kCuda), view(gpu.data(), {4}, Device::kCuda),
                            view(gpu.data(), {4}, Device::kCuda), view(gpu.data(), {4}, Device::kCuda), 4, 4, 1});
    FAIL() << "a host tensor was mixed with CUDA tensors";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(error.what()).find("sampled_token_ids must be on the same device as input_tokens"),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace advstep::testing
