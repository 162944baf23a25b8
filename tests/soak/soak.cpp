// Soak: 8 threads, each with its own stream (eager and deferred alternately), make mixed calls of
// aclnnAdvanceStep / aclnnAdvanceStepV2 at once: valid seeded random cases, cases with planted data
// faults, and calls with a bad argument (numSeqs, a dtype, host memory). Every result is checked:
// a valid call equals the independent oracle, a faulty one reports 507015 at synchronisation and a
// bad one its status, both without changing a byte. Not part of CI (scripts/soak.sh runs it).
//   advstep_soak [calls] [threads]
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "acl/acl.h"
#include "aclnnop/aclnn_advance_step.h"
#include "aclnnop/aclnn_advance_step_v2.h"
#include "oracle/random_cases.hpp"
#include "support/device_tensor.hpp"

namespace {

namespace oracle = advstep::oracle;
using advstep::testing::DeviceTensor;

enum class Spoil : int32_t { kNone, kNumSeqs, kDtype, kHostMemory };

struct Outcome {
  std::string failure;  ///< empty when the call behaved
};

/// The tensors of one case in aclrtMalloc'd memory, in the operator's argument order.
struct CaseTensors {
  std::vector<DeviceTensor> tensors;
  std::vector<int64_t> host_slots;  ///< where a spoiled call points slotMapping instead
  aclTensor* host_view = nullptr;

  CaseTensors(const oracle::StepInputs& in, Spoil spoil) {
    const int64_t n = in.num_seqs;
    const int64_t cells = static_cast<int64_t>(in.input_tokens.size());
    const bool v2 = in.speculative();
    tensors.emplace_back(in.input_tokens, std::vector<int64_t>{cells});
    if (spoil == Spoil::kDtype) {
      tensors.push_back(DeviceTensor::int32(std::vector<int32_t>(in.sampled_token_ids.size(), 1),
                                            {v2 ? n : in.num_queries, v2 ? in.spec_num + 1 : 1}));
    } else {
      tensors.emplace_back(in.sampled_token_ids, std::vector<int64_t>{v2 ? n : in.num_queries, v2 ? in.spec_num + 1 : 1});
    }
    tensors.emplace_back(in.input_positions, std::vector<int64_t>{cells});
    tensors.emplace_back(in.seq_lens, std::vector<int64_t>{cells});
    tensors.emplace_back(in.slot_mapping, std::vector<int64_t>{cells});
    tensors.emplace_back(in.block_tables, std::vector<int64_t>{n, in.table_width});
    if (v2) {
      tensors.emplace_back(in.spec_token, std::vector<int64_t>{n, in.spec_num});
      tensors.emplace_back(in.accepted_num, std::vector<int64_t>{n});
    }
    if (spoil == Spoil::kHostMemory) {
      host_slots = in.slot_mapping;
      const std::vector<int64_t> dims = {cells};
      host_view = aclCreateTensor(dims.data(), 1, ACL_INT64, nullptr, 0, ACL_FORMAT_ND, dims.data(), 1, host_slots.data());
    }
  }
  ~CaseTensors() { (void)aclDestroyTensor(host_view); }
  CaseTensors(const CaseTensors&) = delete;
  CaseTensors& operator=(const CaseTensors&) = delete;

  [[nodiscard]] const aclTensor* at(size_t role) const {
    if (role == 4 && host_view != nullptr) return host_view;
    return role < tensors.size() ? tensors[role].get() : nullptr;
  }
  [[nodiscard]] std::vector<std::vector<uint8_t>> bytes() const {
    std::vector<std::vector<uint8_t>> all;
    for (const DeviceTensor& t : tensors) all.push_back(t.raw());
    return all;
  }
};

std::string call(const oracle::RandomCase& random_case, Spoil spoil, aclrtStream stream) {
  const oracle::StepInputs& in = random_case.inputs;
  const CaseTensors t(in, spoil);
  const std::vector<std::vector<uint8_t>> before = t.bytes();
  const int64_t num_seqs = in.num_seqs + (spoil == Spoil::kNumSeqs ? 1 : 0);
  uint64_t workspace = 0;
  aclOpExecutor* executor = nullptr;
  const bool v2 = in.speculative();
  const aclnnStatus planned =
      v2 ? aclnnAdvanceStepV2GetWorkspaceSize(t.at(0), t.at(1), t.at(2), t.at(3), t.at(4), t.at(5), t.at(6), t.at(7),
                                              num_seqs, v2 ? num_seqs : in.num_queries, in.block_size, &workspace,
                                              &executor)
         : aclnnAdvanceStepGetWorkspaceSize(t.at(0), t.at(1), t.at(2), t.at(3), t.at(4), t.at(5), num_seqs,
                                            in.num_queries, in.block_size, &workspace, &executor);
  const std::string label = random_case.label();
  if (spoil != Spoil::kNone) {
    const aclnnStatus want = spoil == Spoil::kNumSeqs ? 561002 : 161002;
    if (planned != want) return "bad argument: status " + std::to_string(planned) + " instead of " + std::to_string(want) + " " + label;
    if (advstep::testing::last_error_message().empty()) return "bad argument without a message " + label;
    if (t.bytes() != before) return "a refused call changed a byte " + label;
    return "";
  }
  if (planned != ACL_SUCCESS) return "phase 1: " + advstep::testing::last_error_message() + " " + label;
  const aclnnStatus ran = v2 ? aclnnAdvanceStepV2(nullptr, 0, executor, stream) : aclnnAdvanceStep(nullptr, 0, executor, stream);
  if (ran != ACL_SUCCESS) return "phase 2: " + advstep::testing::last_error_message() + " " + label;
  const aclError synced = aclrtSynchronizeStream(stream);
  const std::string message = advstep::testing::last_error_message();
  const oracle::Expected expected = oracle::reference_advance_step(in);
  if (expected.fault) {
    if (synced != ACL_ERROR_RT_AICORE_EXCEPTION) return "a data fault not reported: " + std::to_string(synced) + " " + label;
    if (message.empty()) return "a data fault without a message " + label;
    if (t.bytes() != before) return "a faulty call changed a byte " + label;
    return "";
  }
  if (synced != ACL_SUCCESS) return "synchronisation: " + message + " " + label;
  const oracle::StepOutputs actual{t.tensors[0].values(), t.tensors[2].values(), t.tensors[3].values(),
                                   t.tensors[4].values()};
  if (const std::string d = oracle::difference(expected.outputs, actual); !d.empty()) return d + " " + label;
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t calls = argc > 1 ? std::atoll(argv[1]) : 1000000;
  const int32_t thread_count = argc > 2 ? std::atoi(argv[2]) : 8;
  if (aclInit(nullptr) != ACL_SUCCESS || aclrtSetDevice(0) != ACL_SUCCESS) return 2;
  std::vector<aclrtStream> streams(static_cast<size_t>(thread_count));
  for (int32_t t = 0; t < thread_count; ++t) {  // created here: the stream mode is read from the environment
    if (t % 2 == 1) setenv("ADVSTEP_STREAM_MODE", "deferred", 1);
    if (aclrtCreateStream(&streams[static_cast<size_t>(t)]) != ACL_SUCCESS) return 2;
    unsetenv("ADVSTEP_STREAM_MODE");
  }
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> failures{0};
  std::mutex print;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int32_t t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      const int64_t share = calls / thread_count + (t < calls % thread_count ? 1 : 0);
      for (int64_t k = 0; k < share; ++k) {
        const uint64_t seed = (static_cast<uint64_t>(t) << 40) + static_cast<uint64_t>(k);
        oracle::CaseOptions options;
        options.speculative = (seed & 1) != 0;
        options.max_seqs = 24;
        options.max_entries = 512;
        options.plant_faults = (seed % 5 == 0) ? 2 : 0;
        const auto spoil = static_cast<Spoil>(seed % 11 < 3 ? seed % 11 + 1 : 0);
        const std::string failure = call(oracle::make_random_case(seed, options), spoil, streams[static_cast<size_t>(t)]);
        if (!failure.empty()) {
          failures.fetch_add(1);
          const std::lock_guard<std::mutex> lock(print);
          std::fprintf(stderr, "thread %d call %lld: %s\n", t, static_cast<long long>(k), failure.c_str());
        }
        if (done.fetch_add(1) % 100000 == 99999) {
          const std::lock_guard<std::mutex> lock(print);
          std::printf("%lld calls\n", static_cast<long long>(done.load()));
          std::fflush(stdout);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (aclrtStream stream : streams) (void)aclrtDestroyStream(stream);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("soak: %lld calls on %d threads in %.1f s, %lld failures\n", static_cast<long long>(done.load()),
              thread_count, seconds, static_cast<long long>(failures.load()));
  (void)aclrtResetDevice(0);
  (void)aclFinalize();
  return failures.load() == 0 ? 0 : 1;
}
