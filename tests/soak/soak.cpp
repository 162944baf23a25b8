// Soak: 8 threads, each with its own stream (eager and deferred alternately), make mixed calls of
// aclnnAdvanceStep / aclnnAdvanceStepV2 at once: valid seeded random cases, cases with planted data
// faults, and calls with a bad argument (numSeqs, a dtype, host memory). Every result is checked:
// a valid call equals the independent oracle, a faulty one reports 507015 at synchronisation and a
// bad one its status, both without changing a byte. Meanwhile two more threads free and re-allocate
// a pool of blocks while two others copy into, out of and fill those blocks (one eagerly, one through
// a deferred stream): every copy either succeeds on a live block or is refused (107000), a read
// finds only the pool's bytes, and nothing faults. Not part of CI (scripts/soak.sh runs it).
//   advstep_soak [calls] [threads]
#include <algorithm>
#include <array>
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

/// Blocks that two threads free and re-allocate while two others copy and fill them. A copy always
/// covers a whole pool block, larger than any of the operator threads' blocks: a stale address that
/// the runtime handed to an operator thread meanwhile is refused (too small), never written.
class FreeUnderCopies {
 public:
  static constexpr size_t kBlockBytes = size_t{64} << 10;
  static constexpr uint8_t kPattern = 0xab;

  FreeUnderCopies() {
    for (auto& slot : pool_) slot.store(fresh_block());
  }
  ~FreeUnderCopies() {
    for (auto& slot : pool_) (void)aclrtFree(slot.load());
  }
  FreeUnderCopies(const FreeUnderCopies&) = delete;
  FreeUnderCopies& operator=(const FreeUnderCopies&) = delete;

  /// Frees and replaces pool blocks until @p stop.
  void free_blocks(const std::atomic<bool>& stop, uint64_t seed) {
    while (!stop.load(std::memory_order_acquire)) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      void* old = pool_[(seed >> 33) % pool_.size()].exchange(fresh_block());
      if (aclrtFree(old) != ACL_SUCCESS) fail("aclrtFree of a pool block: " + advstep::testing::last_error_message());
      frees_.fetch_add(1);
    }
  }

  /// Copies into, out of and fills pool blocks until @p stop; @p stream is eager or deferred.
  void copy_blocks(const std::atomic<bool>& stop, aclrtStream stream, uint64_t seed) {
    std::vector<uint8_t> host(kBlockBytes, kPattern);
    while (!stop.load(std::memory_order_acquire)) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      void* block = pool_[(seed >> 33) % pool_.size()].load();
      aclError result = ACL_SUCCESS;
      bool read = false;
      switch ((seed >> 20) % 4) {
        case 0: result = aclrtMemcpy(block, kBlockBytes, host.data(), kBlockBytes, ACL_MEMCPY_HOST_TO_DEVICE); break;
        case 1:
          std::fill(host.begin(), host.end(), uint8_t{0});
          result = aclrtMemcpy(host.data(), kBlockBytes, block, kBlockBytes, ACL_MEMCPY_DEFAULT);
          read = true;
          break;
        case 2: result = aclrtMemset(block, kBlockBytes, kPattern, kBlockBytes); break;
        default:
          result = aclrtMemcpyAsync(block, kBlockBytes, host.data(), kBlockBytes, ACL_MEMCPY_HOST_TO_DEVICE, stream);
          if (result == ACL_SUCCESS) result = aclrtMemsetAsync(block, kBlockBytes, kPattern, kBlockBytes, stream);
          if (const aclError synced = aclrtSynchronizeStream(stream); result == ACL_SUCCESS) result = synced;
          break;
      }
      const std::string message = advstep::testing::last_error_message();
      if (result == ACL_SUCCESS) {
        copies_.fetch_add(1);
        // A stale address may already be a freer's next block, still being filled (fresh pages are
        // zero): a read finds the pattern or zeros, never anything else (no other owner's data).
        if (read && std::any_of(host.begin(), host.end(), [](uint8_t b) { return b != kPattern && b != 0; })) {
          fail("a read of a pool block found bytes no pool block holds");
        }
      } else if (result == ACL_ERROR_RT_PARAM_INVALID && !message.empty()) {
        refused_.fetch_add(1);
      } else {
        fail("a copy on a pool block returned " + std::to_string(result) + ": " + message);
      }
      std::fill(host.begin(), host.end(), kPattern);
    }
  }

  [[nodiscard]] int64_t failures() const { return failures_.load(); }
  [[nodiscard]] std::string summary() const {
    return std::to_string(frees_.load()) + " frees, " + std::to_string(copies_.load()) + " copies and fills done, " +
           std::to_string(refused_.load()) + " refused (freed block), " + std::to_string(failures_.load()) + " failures";
  }

 private:
  static void* fresh_block() {
    void* block = nullptr;
    if (aclrtMalloc(&block, kBlockBytes, ACL_MEM_MALLOC_HUGE_FIRST) != ACL_SUCCESS ||
        aclrtMemset(block, kBlockBytes, kPattern, kBlockBytes) != ACL_SUCCESS) {
      std::fprintf(stderr, "pool: cannot allocate a block\n");
      std::abort();
    }
    return block;
  }
  void fail(const std::string& what) {
    failures_.fetch_add(1);
    std::fprintf(stderr, "free under copies: %s\n", what.c_str());
  }

  std::array<std::atomic<void*>, 8> pool_{};
  std::atomic<int64_t> frees_{0}, copies_{0}, refused_{0}, failures_{0};
};

}  // namespace

int main(int argc, char** argv) {
  const int64_t calls = argc > 1 ? std::atoll(argv[1]) : 1000000;
  const int32_t thread_count = argc > 2 ? std::atoi(argv[2]) : 8;
  if (aclInit(nullptr) != ACL_SUCCESS || aclrtSetDevice(0) != ACL_SUCCESS) return 2;
  std::vector<aclrtStream> streams(static_cast<size_t>(thread_count) + 2);  // the last two: the copiers'
  for (size_t t = 0; t < streams.size(); ++t) {  // created here: the stream mode is read from the environment
    if (t % 2 == 1) setenv("ADVSTEP_STREAM_MODE", "deferred", 1);
    if (aclrtCreateStream(&streams[t]) != ACL_SUCCESS) return 2;
    unsetenv("ADVSTEP_STREAM_MODE");
  }
  FreeUnderCopies pool;
  std::atomic<bool> steps_done{false};
  std::vector<std::thread> pool_threads;
  for (uint64_t k = 0; k < 2; ++k) {
    pool_threads.emplace_back([&, k] { pool.free_blocks(steps_done, 17 + k); });
    pool_threads.emplace_back([&, k] { pool.copy_blocks(steps_done, streams[static_cast<size_t>(thread_count) + k], 91 + k); });
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
  steps_done.store(true, std::memory_order_release);
  for (std::thread& thread : pool_threads) thread.join();
  for (aclrtStream stream : streams) (void)aclrtDestroyStream(stream);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("soak: %lld calls on %d threads in %.1f s, %lld failures\n", static_cast<long long>(done.load()),
              thread_count, seconds, static_cast<long long>(failures.load()));
  std::printf("free under copies (2 freeing, 2 copying threads): %s\n", pool.summary().c_str());
  (void)aclrtResetDevice(0);
  (void)aclFinalize();
  return failures.load() == 0 && pool.failures() == 0 ? 0 : 1;
}
