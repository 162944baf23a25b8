// Huawei's golden rules for aclnnAdvanceStep/V2, re-derived from their public test sources and
// written here in their own shape (a loop over "cores", torch-like whole-tensor steps), apart from
// tests/oracle: ops-nn's kernel unit-test data generator and ST executors, and op-plugin's goldens
// for torch_npu.npu_advance_step_flashattn. Each also draws its inputs as its source does.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "oracle/reference.hpp"

namespace advstep::testing::goldens {

/// The V1 rule every Huawei golden shares: a loop over `cores` block indices; block 0 pads every
/// cores-th padding row; block b < Q advances query b, reading the block id at flat entry pos // B
/// and adding stride(0) * b to it. Python's // and % (floor), as the goldens compute.
oracle::StepOutputs v1_golden(const oracle::StepInputs& in, int64_t cores);

/// The V2 rule of the ST executor and op-plugin: positions += repeat(acceptedNum) + 1, seqLens =
/// positions + 1, last token at argmin(row ++ [-1]) - 1 (Python indexing: -1 is the last column),
/// slot = flatten(blockTables)[i * W + pos // B] * B + pos % B.
oracle::StepOutputs v2_golden(const oracle::StepInputs& in);

/// ops-nn tests/ut/op_kernel/advance_step_data/gen_data.py: N 16, Q 8, B 8, every tensor drawn from
/// [0, 10), the table flat [16] (stride 1).
oracle::StepInputs kernel_ut_case(std::mt19937_64& engine);
/// op-plugin's V1 test, iteration @p i (0..6 there; any i here): N 2i + 2, Q i + 1, B i + 1, values
/// in [5, 50), the table [N, max(seqLens) // B + 1].
oracle::StepInputs op_plugin_v1_case(std::mt19937_64& engine, int64_t i);
/// op-plugin's V2 test, iteration @p i: N 2i + 2, S 3, B 8, values in [5, 50) (acceptedNum above S),
/// the table [N, 10000].
oracle::StepInputs op_plugin_v2_case(std::mt19937_64& engine, int64_t i);
/// ops-nn's V2 ST cases (atk_aclnnAdvanceStepV2.json): N = Q, S in [1, 126], B 8, values in
/// [0, 100], the table [N, 10000]; N is capped at @p max_seqs and the table narrowed to 64 blocks
/// past 64 sequences, which every position still fits (at most 201 / 8).
oracle::StepInputs st_v2_case(std::mt19937_64& engine, int64_t max_seqs);

}  // namespace advstep::testing::goldens
