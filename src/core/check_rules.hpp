// The argument rules every variant's checks are built from (written once, in make_plan.cpp): the
// attribute names, the options, the layouts a tensor may take and the dtypes an index may have.
#pragma once

#include <cstdint>

#include "advstep/status.hpp"
#include "core/plan.hpp"

namespace advstep::core {

inline constexpr int64_t kMaxNumSeqs = 200000000;  // CANN's limit (ops-nn issue 439)

struct Names {
  const char* num_seqs;
  const char* num_queries;
  const char* block_size;
};

/// "numSeqs"... under CANN's contract, "num_seqs"... under vLLM's.
Names attribute_names(Contract contract);

/// Whether @p role holds indices (token ids, lengths, counts, block ids, page metadata) rather than
/// the positions and slots every variant keeps in int64.
bool index_role(TensorRole role);

/// vLLM's contract takes int32 or int64 indices; CANN's and the Ascend kernels INT64 only.
bool allows_int32(const Request& request, TensorRole role);

/// The options are attributes too: a value outside its enumeration, or a core count out of range.
Status check_options(const Request& request);

/// The layouts a tensor may take: [rows * columns] flat and/or [rows, columns].
struct ShapeRule {
  const char* shape_name;  ///< how the rule reads in a message: "[N] or [N, 1]"
  const char* rows_name;   ///< "numSeqs" or "numQueries"
  int64_t rows;
  int64_t columns;                ///< required dim 1; -1: any >= 1 (block tables)
  bool flat_allowed;              ///< [rows * columns] accepted as rank 1
  bool matrix_allowed;            ///< [rows, columns] accepted as rank 2
  const char* any_columns = "W";  ///< how a free dim 1 (columns -1) reads: "W" for tables, "S" for specToken
  bool columns_are_e = false;     ///< the columns are E = S + 1, S from specToken's shape (said in messages)
};

/// 561002 (kOutOfRange) naming the tensor of @p role when its shape breaks @p rule.
Status check_shape(const Request& request, TensorRole role, const ShapeRule& rule);

/// The plan's fields every variant fills the same way (names, counts, the table's geometry,
/// semantics), once its tensors are in the plan.
void fill_common(const Request& request, Plan& plan);

}  // namespace advstep::core
