// The GPU kernels' work items (src/cuda/work_items.hpp) walked on the host, against the oracle: the
// smallest fault key must be the oracle's first fault and recompute to it, and writing every item
// must give the oracle's outputs. This runs without a GPU; it checks the kernels' logic (keys, the
// key decoding, the per-item writes, padding), not CUDA itself (atomics, barriers, launches).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/plan.hpp"
#include "core/step_views.hpp"
#include "cuda/work_items.hpp"
#include "oracle/ascend_cases.hpp"
#include "oracle/ascend_reference.hpp"
#include "oracle/sweeps.hpp"
#include "support/oracle_expectations.hpp"

namespace advstep::testing {
namespace {

using oracle::IndexType;
using oracle::StepInputs;

/// The case's arrays on the host, with the element types it asks for, and a plan over them as
/// make_plan would build it (the work items read nothing else).
class HostStep {
 public:
  /// @p ascend_cores > 0 plans the Ascend semantics for that many cores, as make_plan would.
  explicit HostStep(const StepInputs& in, int64_t ascend_cores = 0)
      : in_(in),
        tokens_(in.input_tokens),
        sampled_(in.sampled_token_ids),
        positions_(in.input_positions),
        slots_(in.slot_mapping),
        spec_(in.spec_token),
        accepted_(in.accepted_num),
        seq64_(in.seq_lens),
        seq32_(in.seq_lens.begin(), in.seq_lens.end()),
        table64_(in.block_tables),
        table32_(in.block_tables.begin(), in.block_tables.end()) {
    const bool seq32 = in.seq_lens_type == IndexType::kInt32;
    const bool table32 = in.block_tables_type == IndexType::kInt32;
    set(core::TensorRole::kInputTokens, tokens_.data(), false);
    set(core::TensorRole::kSampledTokenIds, sampled_.data(), false);
    set(core::TensorRole::kInputPositions, positions_.data(), false);
    set(core::TensorRole::kSlotMapping, slots_.data(), false);
    set(core::TensorRole::kSpecToken, spec_.data(), false);
    set(core::TensorRole::kAcceptedNum, accepted_.data(), false);
    set(core::TensorRole::kSeqLens, seq32 ? static_cast<void*>(seq32_.data()) : seq64_.data(), seq32);
    set(core::TensorRole::kBlockTables, table32 ? static_cast<void*>(table32_.data()) : table64_.data(), table32);
    plan_.api = "host walk";
    plan_.num_seqs = in.num_seqs;
    plan_.num_queries = in.num_queries;
    plan_.block_size = in.block_size;
    plan_.table_stride = in.table_width;
    plan_.table_numel = in.num_seqs * in.table_width;
    plan_.block_bound = in.row_bound ? BlockBound::kRow : BlockBound::kTable;
    if (ascend_cores > 0) plan_.semantics = Semantics::kAscend;
    if (in.speculative()) {
      plan_.shape = variants::SpeculativeShape{in.spec_num};
    } else if (ascend_cores > 0) {
      plan_.shape = variants::DecodeShape{std::min(in.num_queries, ascend_cores), ascend_cores};
    } else {
      plan_.shape = variants::DecodeShape{in.num_queries, 1};
    }
  }

  /// What the kernels do, one item at a time: the smallest key of every check, then every write, or
  /// nothing and the fault recomputed from that key.
  core::RowFault walk() {
    return core::with_formula(plan_, [&]<typename Formula, typename SeqLen, typename Block>() {
      if (const auto* shape = std::get_if<variants::SpeculativeShape>(&plan_.shape)) {
        return walk(cuda::SpeculativeWork<Formula, SeqLen, Block>{core::speculative_step<SeqLen, Block>(plan_, *shape),
                                                                  core::Divider(shape->spec_num + 1)});
      }
      return walk(cuda::PlainWork<Formula, SeqLen, Block>{
          core::plain_step<SeqLen, Block>(plan_, std::get<variants::DecodeShape>(plan_.shape))});
    });
  }

  [[nodiscard]] oracle::StepOutputs outputs() const {
    const std::vector<int64_t> lengths = in_.seq_lens_type == IndexType::kInt32
                                             ? std::vector<int64_t>(seq32_.begin(), seq32_.end())
                                             : seq64_;
    return {tokens_, positions_, lengths, slots_};
  }

 private:
  template <typename Work>
  core::RowFault walk(const Work& work) {
    unsigned long long first = cuda::kNoFault;
    for (int64_t k = 0; k < work.check_count(); ++k) {
      const unsigned long long key = work.check(k);
      if (key < first) first = key;
    }
    if (first != cuda::kNoFault) return work.fault_at(first);
    for (int64_t k = 0; k < work.write_count(); ++k) work.write(k);
    return {};
  }

  void set(core::TensorRole role, void* data, bool narrow) {
    core::TensorDesc& tensor = plan_.tensor(role);
    tensor.data = data;
    tensor.type = narrow ? core::ElementType::kInt32 : core::ElementType::kInt64;
  }

  const StepInputs& in_;
  std::vector<int64_t> tokens_, sampled_, positions_, slots_, spec_, accepted_, seq64_;
  std::vector<int32_t> seq32_;
  std::vector<int64_t> table64_;
  std::vector<int32_t> table32_;
  core::Plan plan_;
};

void check_case(const oracle::RandomCase& random_case) {
  SCOPED_TRACE(random_case.label());
  const oracle::Expected expected = expected_for(random_case);
  HostStep step(random_case.inputs);
  const core::RowFault fault = step.walk();
  if (expected.fault) {
    ASSERT_FALSE(fault.ok()) << "the items found no fault";
    EXPECT_EQ(fault.sequence, expected.fault->sequence) << oracle::fault_cause_name(expected.fault->cause);
    EXPECT_EQ(fault.column, random_case.inputs.speculative() ? expected.fault->column : 0);
    const StepInputs& in = random_case.inputs;
    EXPECT_EQ(oracle::difference({in.input_tokens, in.input_positions, in.seq_lens, in.slot_mapping}, step.outputs()),
              "")
        << "a faulty walk wrote";
  } else {
    ASSERT_TRUE(fault.ok()) << "a fault in a valid case, sequence " << fault.sequence;
    EXPECT_EQ(oracle::difference(expected.outputs, step.outputs()), "");
  }
}

class CudaWorkItems : public ::testing::TestWithParam<oracle::Sweep> {};

TEST_P(CudaWorkItems, WalkedOnTheHostMatchOracle) {
  const oracle::Sweep& sweep = GetParam();
  for (int32_t k = 0; k < sweep.count && !HasFailure(); ++k) {
    check_case(oracle::make_random_case(sweep.first_seed + static_cast<uint64_t>(k), sweep.options));
  }
}

std::vector<oracle::Sweep> all_sweeps() {
  std::vector<oracle::Sweep> all;
  for (const bool speculative : {false, true}) {
    for (const bool cann : {true, false}) {
      for (oracle::Sweep sweep : oracle::sweeps(speculative, cann)) {
        sweep.name = std::string(speculative ? "v2_" : "v1_") + (cann ? "cann_" : "vllm_") + sweep.name;
        all.push_back(sweep);
      }
    }
  }
  return all;
}

std::string sweep_name(const ::testing::TestParamInfo<oracle::Sweep>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Sweeps, CudaWorkItems, ::testing::ValuesIn(all_sweeps()), sweep_name);

// The Ascend formulas and the row bound through the same items, against the Ascend oracle.
TEST(CudaWorkItemsAscend, WalkedOnTheHostMatchTheAscendOracle) {
  for (const bool speculative : {false, true}) {
    for (uint64_t k = 0; k < 1000 && !HasFailure(); ++k) {
      const oracle::AscendCase ascend_case = oracle::make_ascend_case(7600000 + k, speculative, (k & 1) != 0, true);
      SCOPED_TRACE(ascend_case.label());
      const StepInputs& in = ascend_case.inputs;
      const oracle::Expected expected = oracle::ascend_reference_advance_step(in, ascend_case.cores, in.row_bound);
      HostStep step(in, ascend_case.cores);
      const core::RowFault fault = step.walk();
      if (expected.fault) {
        ASSERT_FALSE(fault.ok()) << "the items found no fault";
        EXPECT_EQ(fault.sequence, expected.fault->sequence);
        EXPECT_EQ(fault.column, expected.fault->column);
        EXPECT_EQ(oracle::difference({in.input_tokens, in.input_positions, in.seq_lens, in.slot_mapping}, step.outputs()),
                  "");
      } else {
        ASSERT_TRUE(fault.ok()) << "a fault in a valid case, sequence " << fault.sequence;
        EXPECT_EQ(oracle::difference(expected.outputs, step.outputs()), "");
      }
    }
  }
}

TEST(CudaWorkItemsRowBound, WalkedOnTheHostMatchTheOracle) {
  for (const bool speculative : {false, true}) {
    oracle::CaseOptions options;
    options.speculative = speculative;
    options.cann = false;
    for (uint64_t seed = 7700000; seed < 7700400 && !HasFailure(); ++seed) {
      oracle::RandomCase random_case = oracle::make_random_case(seed, options);
      random_case.inputs.row_bound = true;
      SCOPED_TRACE(random_case.label());
      const oracle::Expected expected = oracle::reference_advance_step(random_case.inputs);
      HostStep step(random_case.inputs);
      const core::RowFault fault = step.walk();
      ASSERT_EQ(fault.ok(), !expected.fault.has_value());
      if (!expected.fault) {
        EXPECT_EQ(oracle::difference(expected.outputs, step.outputs()), "");
      }
    }
  }
}

}  // namespace
}  // namespace advstep::testing
