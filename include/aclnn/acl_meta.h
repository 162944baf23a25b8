/* The aclnn meta API: tensors, integer arrays and operator executors, with CANN's names and
 * signatures. Compiles as C99 and as C++11. */
#ifndef ACLNN_ACL_META_H_
#define ACLNN_ACL_META_H_

#include <stddef.h>
#include <stdint.h>

#include "../acl/acl_base.h" /* relative: -I <prefix>/include/aclnn alone suffices */

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t aclnnStatus;
typedef struct aclTensor aclTensor;
typedef struct aclIntArray aclIntArray;
typedef struct aclOpExecutor aclOpExecutor;

/**
 * @brief Describes device memory as a tensor: a view (shape, strides and offset in elements) over storage.
 * @param[in] viewDims the shape (copied). @param[in] stride one per dim, or NULL for row-major.
 * @param[in] offset elements from @p tensorData to the first element. @param[in] storageDims storage shape.
 * @param[in] tensorData device address of the storage; not owned.
 * @return the tensor, or NULL when @p viewDims or @p storageDims is NULL with a non-zero count.
 */
ACL_FUNC_VISIBILITY aclTensor *aclCreateTensor(const int64_t *viewDims, uint64_t viewDimsNum, aclDataType dataType,
                                               const int64_t *stride, int64_t offset, aclFormat format,
                                               const int64_t *storageDims, uint64_t storageDimsNum,
                                               void *tensorData);

/** @brief Destroys a tensor (never its memory). NULL is accepted. @return ACLNN_SUCCESS. */
ACL_FUNC_VISIBILITY aclnnStatus aclDestroyTensor(const aclTensor *tensor);

/** @brief Re-describes @p tensor in place; dims and address are replaced only when given. */
ACL_FUNC_VISIBILITY aclnnStatus aclInitTensor(aclTensor *tensor, const int64_t *viewDims, uint64_t viewDimsNum,
                                              aclDataType dataType, const int64_t *stride, int64_t offset,
                                              aclFormat format, const int64_t *storageDims, uint64_t storageDimsNum,
                                              void *tensorDataAddr);

/** @param[out] viewDims a new[] array the caller delete[]s. @return ACLNN_SUCCESS or 161001. */
ACL_FUNC_VISIBILITY aclnnStatus aclGetViewShape(const aclTensor *tensor, int64_t **viewDims, uint64_t *viewDimsNum);
/** @param[out] storageDims a new[] array the caller delete[]s. @return ACLNN_SUCCESS or 161001. */
ACL_FUNC_VISIBILITY aclnnStatus aclGetStorageShape(const aclTensor *tensor, int64_t **storageDims,
                                                   uint64_t *storageDimsNum);
/** @param[out] stridesValue a new[] array the caller delete[]s. @return ACLNN_SUCCESS or 161001. */
ACL_FUNC_VISIBILITY aclnnStatus aclGetViewStrides(const aclTensor *tensor, int64_t **stridesValue,
                                                  uint64_t *stridesNum);
/** @return ACLNN_SUCCESS or 161001. */
ACL_FUNC_VISIBILITY aclnnStatus aclGetViewOffset(const aclTensor *tensor, int64_t *offset);
/** @return ACLNN_SUCCESS or 161001. */
ACL_FUNC_VISIBILITY aclnnStatus aclGetFormat(const aclTensor *tensor, aclFormat *format);
/** @return ACLNN_SUCCESS or 161001. */
ACL_FUNC_VISIBILITY aclnnStatus aclGetDataType(const aclTensor *tensor, aclDataType *dataType);
/** @brief Points @p tensor at @p addr. @return ACLNN_SUCCESS or 161001. */
ACL_FUNC_VISIBILITY aclnnStatus aclSetRawTensorAddr(aclTensor *tensor, void *addr);
/** @return ACLNN_SUCCESS or 161001. */
ACL_FUNC_VISIBILITY aclnnStatus aclGetRawTensorAddr(const aclTensor *tensor, void **addr);

/** @brief Copies @p size host integers. (NULL, 0) gives an empty array. */
ACL_FUNC_VISIBILITY aclIntArray *aclCreateIntArray(const int64_t *value, uint64_t size);
/** @brief NULL is accepted. @return ACLNN_SUCCESS. */
ACL_FUNC_VISIBILITY aclnnStatus aclDestroyIntArray(const aclIntArray *array);
/** @return ACLNN_SUCCESS or 161001. */
ACL_FUNC_VISIBILITY aclnnStatus aclGetIntArraySize(const aclIntArray *array, uint64_t *size);

/**
 * @brief Lets the second phase run @p executor any number of times; the caller then destroys it.
 * @return ACLNN_SUCCESS; ACLNN_ERR_INNER_NULLPTR (561103) for NULL; 161002 for an executor already run.
 */
ACL_FUNC_VISIBILITY aclnnStatus aclSetAclOpExecutorRepeatable(aclOpExecutor *executor);

/**
 * @brief Frees an executor of a first phase that the second phase will not free: a repeatable one,
 *        or a single-use one that was planned but is never going to run (CANN frees both).
 * @param executor in: a live executor; a single-use executor that already ran was freed by its run.
 * @return ACLNN_SUCCESS; 561103 for NULL; 161002 when @p executor is not a live executor (already run
 *         or destroyed, or not from a first phase).
 */
ACL_FUNC_VISIBILITY aclnnStatus aclDestroyAclOpExecutor(aclOpExecutor *executor);

/**
 * @brief Re-points input @p index of a repeatable executor (and @p tensor) at @p addr.
 *        Indices follow the operator's inputs: inputTokens 0, sampledTokenIds 1, inputPositions 2,
 *        seqLens 3, slotMapping 4, blockTables 5, specTokenOptional 6, acceptedNumOptional 7.
 * @return ACLNN_SUCCESS; 561103 for a null executor; 161002 for an index out of range.
 */
ACL_FUNC_VISIBILITY aclnnStatus aclSetInputTensorAddr(aclOpExecutor *executor, const size_t index,
                                                      aclTensor *tensor, void *addr);

/** @brief As aclSetInputTensorAddr over the outputs: inputTokens 0, inputPositions 1, seqLens 2, slotMapping 3. */
ACL_FUNC_VISIBILITY aclnnStatus aclSetOutputTensorAddr(aclOpExecutor *executor, const size_t index,
                                                       aclTensor *tensor, void *addr);

/** @brief As aclSetInputTensorAddr over inputs then outputs, numbered together. */
ACL_FUNC_VISIBILITY aclnnStatus aclSetTensorAddr(aclOpExecutor *executor, const size_t index, aclTensor *tensor,
                                                 void *addr);

#ifdef __cplusplus
}
#endif

#endif /* ACLNN_ACL_META_H_ */
