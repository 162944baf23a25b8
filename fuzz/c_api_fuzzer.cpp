// libFuzzer harness over the C API: one aclnnAdvanceStep(V2) call sequence per input, built from
// the input's bytes, then the contract's two invariants:
//   - whenever a call, a run or a synchronisation fails, every byte of every tensor is unchanged;
//   - whenever everything succeeds, the tensors hold what the independent oracle (tests/oracle)
//     computes from the bytes they held before.
// The bytes choose the operator, the stream (eager, deferred, default), attributes (values near
// the int64 limits included), and for each tensor its dtype, shape, strides, offset and memory (its
// own aclrtMalloc block, host memory, a freed block, past the end of a block, another tensor's
// block, or no tensor at all), then what happens to the executor (run once, again after its single
// use, repeatable and run several times, destroyed unrun, a block freed between the phases). The
// semantics (vLLM's or Ascend's, table or row bound) are the process's, from the same environment
// variables the C API reads; scripts/fuzz.sh runs each. One input in four is a memory scenario
// instead (memory_scenario.hpp): copies, fills, frees and re-allocations, address setters, and enum
// arguments as raw integers, against a model of every block's bytes.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "acl/acl.h"
#include "aclnnop/aclnn_advance_step.h"
#include "aclnnop/aclnn_advance_step_v2.h"
#include "oracle/ascend_reference.hpp"
#include "oracle/reference.hpp"
#include "memory_scenario.hpp"
#include "scenario.hpp"

namespace {

namespace oracle = advstep::oracle;
using namespace advstep::fuzz;  // the scenario types, kMax/kMin, the roles, finding and expect

using oracle::StepInputs;
using oracle::StepOutputs;

/// How the inputs ended, printed at exit when ADVSTEP_FUZZ_STATS is set (is the oracle reached?).
struct Outcomes {
  int64_t refused_phase1 = 0, compared = 0, data_faults = 0, freed_between = 0, destroyed_unrun = 0, reruns = 0;
  ~Outcomes() {
    if (std::getenv("ADVSTEP_FUZZ_STATS") == nullptr) return;
    std::fprintf(stderr,
                 "outcomes: %lld refused in phase 1, %lld runs compared with the oracle, %lld data faults, "
                 "%lld blocks freed between the phases, %lld unrun executors destroyed, %lld spent executors rerun\n",
                 static_cast<long long>(refused_phase1), static_cast<long long>(compared),
                 static_cast<long long>(data_faults), static_cast<long long>(freed_between),
                 static_cast<long long>(destroyed_unrun), static_cast<long long>(reruns));
  }
};
Outcomes outcomes;

/// The C API's semantics are chosen per process (ADVSTEP_SEMANTICS, ADVSTEP_ASCEND_CORES,
/// ADVSTEP_BLOCK_BOUND): the harness reads the same variables and asks the matching oracle.
struct ProcessSemantics {
  bool ascend = false;
  int64_t cores = 48;  ///< the host's SoC name is no Ascend part: 48, as the runtime decides
  bool row_bound = false;
  ProcessSemantics() {
    const char* semantics = std::getenv("ADVSTEP_SEMANTICS");
    ascend = semantics != nullptr && std::strcmp(semantics, "ascend") == 0;
    if (const char* cores_text = std::getenv("ADVSTEP_ASCEND_CORES")) cores = std::atoll(cores_text);
    const char* bound = std::getenv("ADVSTEP_BLOCK_BOUND");
    row_bound = bound != nullptr && std::strcmp(bound, "row") == 0;
  }
  [[nodiscard]] oracle::Expected expect(oracle::StepInputs in) const {
    in.row_bound = row_bound;
    return ascend ? oracle::ascend_reference_advance_step(in, cores, row_bound) : oracle::reference_advance_step(in);
  }
};

/// The memory of one input: an aclrtMalloc block per tensor, a host buffer, and the tensors.
class Arena {
 public:
  explicit Arena(const Scenario& s) : host_(64, 0x5a5a5a5a5a5a5a5a) {
    for (size_t r = 0; r < kRoles; ++r) {
      const TensorPlan& t = s.tensors[r];
      const size_t bytes = std::max<size_t>(8, t.values.size() * 8);
      void* block = nullptr;
      if (aclrtMalloc(&block, bytes, ACL_MEM_MALLOC_HUGE_FIRST) != ACL_SUCCESS) finding("aclrtMalloc");
      if (!t.values.empty()) std::memcpy(block, t.values.data(), t.values.size() * 8);
      blocks_[r] = {block, bytes};
    }
    // Freed last, so that no block of this input can reuse its address.
    if (aclrtMalloc(&freed_, 64, ACL_MEM_MALLOC_HUGE_FIRST) != ACL_SUCCESS || aclrtFree(freed_) != ACL_SUCCESS) {
      finding("aclrtMalloc/aclrtFree");
    }
    for (size_t r = 0; r < kRoles; ++r) {
      const TensorPlan& t = s.tensors[r];
      if (t.absent) continue;
      void* data = blocks_[r].address;
      switch (t.memory) {
        case Memory::kOwn: break;
        case Memory::kHost: data = host_.data(); break;
        case Memory::kFreed: data = freed_; break;
        case Memory::kPastEnd: data = static_cast<char*>(data) + blocks_[r].bytes; break;
        case Memory::kOther: data = blocks_[t.other].address; break;
        case Memory::kNull: data = nullptr; break;
      }
      tensors_[r] = aclCreateTensor(t.dims.data(), t.dims.size(), t.type, t.strides.empty() ? nullptr : t.strides.data(),
                                    t.offset, ACL_FORMAT_ND, t.dims.data(), t.dims.size(), data);
    }
  }
  ~Arena() {
    for (aclTensor* t : tensors_) (void)aclDestroyTensor(t);
    for (const Block& b : blocks_) {
      if (b.address != nullptr) (void)aclrtFree(b.address);
    }
  }
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  [[nodiscard]] const aclTensor* tensor(size_t role) const { return tensors_[role]; }

  /// The element count of @p role's view, as the first phase saw it (a spoiled dim may pass it:
  /// the table's width is free).
  [[nodiscard]] int64_t numel(size_t role) const {
    int64_t* dims = nullptr;
    uint64_t rank = 0;
    if (aclGetViewShape(tensors_[role], &dims, &rank) != ACL_SUCCESS) finding("aclGetViewShape");
    int64_t count = 1;
    for (uint64_t d = 0; d < rank; ++d) count *= dims[d];
    delete[] dims;
    return count;
  }

  /// Frees @p role's block (a use-after-free scenario); its bytes are no longer compared.
  void free_block(size_t role) {
    if (aclrtFree(blocks_[role].address) != ACL_SUCCESS) finding("aclrtFree");
    blocks_[role].address = nullptr;
  }

  /// Every byte of every live block, and of the host buffer.
  [[nodiscard]] std::vector<std::vector<uint8_t>> bytes() const {
    std::vector<std::vector<uint8_t>> all;
    for (const Block& b : blocks_) {
      const auto* p = static_cast<const uint8_t*>(b.address);
      all.emplace_back(p == nullptr ? nullptr : p, p == nullptr ? nullptr : p + b.bytes);
    }
    const auto* h = reinterpret_cast<const uint8_t*>(host_.data());
    all.emplace_back(h, h + host_.size() * 8);
    return all;
  }

  /// The values a successful call worked on: @p role's elements from its data pointer, in order.
  [[nodiscard]] std::vector<int64_t> elements(size_t role, int64_t count) const {
    void* data = nullptr;
    if (aclGetRawTensorAddr(tensors_[role], &data) != ACL_SUCCESS) finding("aclGetRawTensorAddr");
    int64_t offset = 0;
    (void)aclGetViewOffset(tensors_[role], &offset);
    std::vector<int64_t> values(static_cast<size_t>(count));
    std::memcpy(values.data(), static_cast<const int64_t*>(data) + offset, values.size() * 8);
    return values;
  }

 private:
  struct Block {
    void* address = nullptr;
    size_t bytes = 0;
  };
  std::array<Block, kRoles> blocks_{};
  std::array<aclTensor*, kRoles> tensors_{};
  std::vector<int64_t> host_;
  void* freed_ = nullptr;
};

/// The oracle's inputs, read from the tensors a successful first phase accepted.
StepInputs oracle_inputs(const Scenario& s, const Arena& arena) {
  StepInputs in;
  const bool speculative = s.v2 && s.v2_form == 0;
  in.num_seqs = s.num_seqs;
  in.num_queries = s.num_queries;
  in.block_size = s.block_size;
  in.table_width = arena.numel(kTables) / s.num_seqs;
  in.spec_num = speculative ? arena.numel(kSpec) / s.num_seqs : 0;
  const int64_t cells = s.num_seqs * (in.spec_num + 1);
  in.input_tokens = arena.elements(kTokens, cells);
  in.input_positions = arena.elements(kPositions, cells);
  in.seq_lens = arena.elements(kSeqLens, cells);
  in.slot_mapping = arena.elements(kSlots, cells);
  in.sampled_token_ids = arena.elements(kSampled, speculative ? cells : s.num_queries);
  in.block_tables = arena.elements(kTables, arena.numel(kTables));
  if (speculative) {
    in.spec_token = arena.elements(kSpec, s.num_seqs * s.spec_num);
    in.accepted_num = arena.elements(kAccepted, s.num_seqs);
  }
  return in;
}

StepOutputs read_outputs(const Scenario& s, const Arena& arena) {
  const int64_t cells = s.num_seqs * ((s.v2 && s.v2_form == 0 ? arena.numel(kSpec) / s.num_seqs : 0) + 1);
  return {arena.elements(kTokens, cells), arena.elements(kPositions, cells), arena.elements(kSeqLens, cells),
          arena.elements(kSlots, cells)};
}

/// The inputs of the next step after @p out: the oracle advances its own copy.
void apply(StepInputs& in, const StepOutputs& out) {
  in.input_tokens = out.input_tokens;
  in.input_positions = out.input_positions;
  in.seq_lens = out.seq_lens;
  in.slot_mapping = out.slot_mapping;
}

aclnnStatus plan(const Scenario& s, const Arena& a, aclOpExecutor** executor, uint64_t& workspace) {
  uint64_t* workspace_size = s.null_workspace_size ? nullptr : &workspace;
  aclOpExecutor** out = s.null_executor ? nullptr : executor;
  if (!s.v2) {
    return aclnnAdvanceStepGetWorkspaceSize(a.tensor(kTokens), a.tensor(kSampled), a.tensor(kPositions),
                                            a.tensor(kSeqLens), a.tensor(kSlots), a.tensor(kTables), s.num_seqs,
                                            s.num_queries, s.block_size, workspace_size, out);
  }
  return aclnnAdvanceStepV2GetWorkspaceSize(a.tensor(kTokens), a.tensor(kSampled), a.tensor(kPositions),
                                            a.tensor(kSeqLens), a.tensor(kSlots), a.tensor(kTables), a.tensor(kSpec),
                                            a.tensor(kAccepted), s.num_seqs, s.num_queries, s.block_size,
                                            workspace_size, out);
}

/// The workspace phase 1 asked for (the ascend semantics asks for CANN's 32 MiB), never touched.
class Workspace {
 public:
  explicit Workspace(uint64_t size) : size_(size) {
    if (size_ > 0 && aclrtMalloc(&address_, size_, ACL_MEM_MALLOC_HUGE_FIRST) != ACL_SUCCESS) finding("workspace");
  }
  ~Workspace() {
    if (address_ != nullptr) (void)aclrtFree(address_);
  }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  [[nodiscard]] void* address() const { return address_; }
  [[nodiscard]] uint64_t size() const { return size_; }

 private:
  uint64_t size_;
  void* address_ = nullptr;
};

aclnnStatus run(const Scenario& s, aclOpExecutor* executor, const Workspace& w) {
  return s.v2 ? aclnnAdvanceStepV2(w.address(), w.size(), executor, s.stream)
              : aclnnAdvanceStep(w.address(), w.size(), executor, s.stream);
}

/// A failure must leave a message and change no byte. Returns the message.
std::string expect_refusal(const Arena& arena, const std::vector<std::vector<uint8_t>>& before, const char* what) {
  const char* message = aclGetRecentErrMsg();
  expect(message != nullptr && message[0] != '\0', "a failure without a message:", what);
  expect(arena.bytes() == before, "bytes changed by a failed", what);
  return message;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Streams streams;
  static const ProcessSemantics semantics;
  FuzzedDataProvider provider(data, size);
  // One input in four drives the runtime's memory calls instead (memory_scenario.hpp).
  if (provider.ConsumeIntegralInRange<int>(0, 3) == 0) {
    run_memory_scenario(provider, streams);
    return 0;
  }
  const Scenario s = make_scenario(provider, streams);
  Arena arena(s);
  (void)aclGetRecentErrMsg();  // aclCreateTensor refusals of this input's own making
  std::vector<std::vector<uint8_t>> before = arena.bytes();

  aclOpExecutor* executor = nullptr;
  uint64_t workspace_size = 0;
  if (plan(s, arena, &executor, workspace_size) != ACL_SUCCESS) {
    expect(executor == nullptr, "a refused first phase handed out an executor");
    expect_refusal(arena, before, "first phase");
    ++outcomes.refused_phase1;
    return 0;
  }
  const Workspace workspace(workspace_size);
  StepInputs expected_in = oracle_inputs(s, arena);
  const bool repeatable = s.executor_use == 2;
  if (repeatable && aclSetAclOpExecutorRepeatable(executor) != ACL_SUCCESS) finding("aclSetAclOpExecutorRepeatable");
  if (s.executor_use == 3) {
    expect(aclDestroyAclOpExecutor(executor) == ACL_SUCCESS, "an unrun executor was not destroyed");
    expect(run(s, executor, workspace) != ACL_SUCCESS, "a destroyed executor ran");
    expect_refusal(arena, before, "run of a destroyed executor");
    ++outcomes.destroyed_unrun;
    return 0;
  }
  if (s.executor_use == 4) {  // the block behind one tensor is freed between the phases
    const TensorPlan& doomed = s.tensors[s.freed_role];
    arena.free_block(doomed.memory == Memory::kOther ? doomed.other : s.freed_role);
    before = arena.bytes();
    const aclnnStatus ran = run(s, executor, workspace);
    const aclError synced = aclrtSynchronizeStream(s.stream);
    expect(ran != ACL_SUCCESS || synced != ACL_SUCCESS, "a run over a freed block succeeded");
    expect_refusal(arena, before, "run over a freed block");
    ++outcomes.freed_between;
    return 0;
  }
  const int32_t runs = s.executor_use == 0 ? 1 : repeatable ? s.runs : 2;
  for (int32_t k = 0; k < runs; ++k) {
    const bool spent = k > 0 && !repeatable;
    const aclnnStatus ran = run(s, executor, workspace);
    if (spent) {
      expect(ran != ACL_SUCCESS, "a single-use executor ran twice");
      expect_refusal(arena, before, "second run of a single-use executor");
      ++outcomes.reruns;
      continue;
    }
    if (ran != ACL_SUCCESS) {  // nothing in a valid plan may be refused but memory changes
      finding("a planned executor was refused", aclGetRecentErrMsg());
    }
    const aclError synced = aclrtSynchronizeStream(s.stream);
    const oracle::Expected expected = semantics.expect(expected_in);
    if (std::getenv("ADVSTEP_FUZZ_DEBUG") != nullptr) {
      std::fprintf(stderr, "run %d of %s: %s\n", k, s.v2 ? "V2" : "V1", expected_in.describe().c_str());
      for (const auto* v : {&expected_in.input_tokens, &expected_in.input_positions, &expected_in.seq_lens,
                            &expected_in.sampled_token_ids, &expected_in.block_tables, &expected_in.accepted_num}) {
        for (int64_t x : *v) std::fprintf(stderr, "%lld ", static_cast<long long>(x));
        std::fprintf(stderr, "|\n");
      }
    }
    if (synced != ACL_SUCCESS) {
      const std::string message = expect_refusal(arena, before, "run (data fault)");
      expect(synced == ACL_ERROR_RT_AICORE_EXCEPTION, "a synchronisation failed with an unexpected code:",
             message.c_str());
      expect(expected.fault.has_value(), "a data fault the oracle does not see:", message.c_str());
      ++outcomes.data_faults;
      break;
    }
    expect(!expected.fault.has_value(), "a run succeeded where the oracle finds a fault",
           expected.fault ? oracle::fault_cause_name(expected.fault->cause) : "");
    const std::string difference = oracle::difference(expected.outputs, read_outputs(s, arena));
    expect(difference.empty(), "results differ from the oracle:", difference.c_str());
    const StepInputs after = oracle_inputs(s, arena);
    expect(after.sampled_token_ids == expected_in.sampled_token_ids && after.block_tables == expected_in.block_tables &&
               after.spec_token == expected_in.spec_token && after.accepted_num == expected_in.accepted_num,
           "a read-only input changed");
    ++outcomes.compared;
    apply(expected_in, expected.outputs);
    before = arena.bytes();
  }
  if (repeatable) expect(aclDestroyAclOpExecutor(executor) == ACL_SUCCESS, "a repeatable executor was not destroyed");
  return 0;
}
