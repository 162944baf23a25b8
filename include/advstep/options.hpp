// The semantics a caller chooses for advance_step: whose results, and how far a block index may go.
#pragma once

#include <cstdint>
#include <span>

#include "advstep/export.hpp"

namespace advstep {

/// Whose results advance_step reproduces.
enum class Semantics : int32_t {
  /// vLLM's kernel and CANN's documentation (spec sections 2 and 3): every query row and every
  /// padding row, slot = block_tables[i, pos / B] * B + pos % B, 64-bit arithmetic. The default.
  kVllm = 0,
  /// The Ascend NPU kernels bit for bit (spec section 6): V1 reads the block id from row 0 and adds
  /// W * i to it, updates only rows i < min(Q, cores) and pads only rows Q + k * cores, and needs
  /// N > Q; V2 computes positions, lengths and slots in int32 with wrap-around and finds the last
  /// token as the argmin of the row with -1 appended. INT64 tensors only.
  kAscend = 1,
};

/// How far a block index may reach (spec section 4.1).
enum class BlockBound : int32_t {
  /// The whole table: i * W + pos / B < numel(block_tables), as vLLM and Ascend read. The default.
  kTable = 0,
  /// The sequence's own row: pos / B < W; past it the slot would be another sequence's KV block,
  /// which is then a data fault naming both sequences.
  kRow = 1,
};

/// The options of one advance_step call. The defaults are vLLM's semantics with the table bound.
struct Options {
  Semantics semantics = Semantics::kVllm;
  /// The NPU's vector-core count the Ascend kernels are emulated for; 0 takes it from the SoC the
  /// runtime reports (ascend_cores_for_soc()). Must be 0 or in [1, 2^31 - 1] under every semantics
  /// (else kInvalidArgument); under kVllm a valid count is checked and then unused.
  int64_t ascend_cores = 0;
  BlockBound block_bound = BlockBound::kTable;
};

/// The vector-core count of the Ascend part named @p soc_name (aclrtGetSocName's spelling): 40 for
/// the Atlas A2 parts with 20 AI cores (Ascend910B3, Ascend910B4, as Huawei's unit tests model),
/// 48 for every other name, the A2/A3 parts with 24 AI cores.
ADVSTEP_API int64_t ascend_cores_for_soc(const char* soc_name);

/// Parses a semantics name ("vllm" or "ascend"); false when it names none.
ADVSTEP_API bool parse_semantics(const char* text, Semantics& semantics);
/// Parses a block bound name ("table" or "row"); false when it names none.
ADVSTEP_API bool parse_block_bound(const char* text, BlockBound& bound);
/// Every semantics name, in the enumeration's order ("vllm", "ascend"): what parse_semantics takes.
ADVSTEP_API std::span<const char* const> semantics_names();
/// Every block bound name, in the enumeration's order ("table", "row"): what parse_block_bound takes.
ADVSTEP_API std::span<const char* const> block_bound_names();
/// The largest Options::ascend_cores (2^31 - 1); the smallest a count may be is 1 (0 asks the SoC).
inline constexpr int64_t kMaxAscendCores = 2147483647;

/// The name of @p semantics ("vllm", "ascend") and of @p bound ("table", "row").
ADVSTEP_API const char* semantics_name(Semantics semantics);
ADVSTEP_API const char* block_bound_name(BlockBound bound);

}  // namespace advstep
