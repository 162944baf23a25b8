// The DLPack structures a capsule points to (DLPack 0.x "dltensor" and 1.x "dltensor_versioned"),
// declared from the DLPack specification's ABI: only what the importer reads.
#pragma once

#include <cstdint>

namespace advstep::python::dlpack {

/// Capsule names: a fresh capsule, and the name its consumer gives it once it owns the tensor.
inline constexpr const char* kUnversionedName = "dltensor";
inline constexpr const char* kVersionedName = "dltensor_versioned";
inline constexpr const char* kUsedUnversionedName = "used_dltensor";
inline constexpr const char* kUsedVersionedName = "used_dltensor_versioned";

/// The one major version whose layout this file declares; minor versions only add enum values.
inline constexpr uint32_t kMajorVersion = 1;

/// Flags of a versioned tensor.
inline constexpr uint64_t kFlagReadOnly = 1u << 0;  ///< the consumer must not write the memory
inline constexpr uint64_t kFlagIsCopied = 1u << 1;  ///< the producer copied: writes never reach its array

/// Device types the importer names (the others are refused by number).
enum DeviceType : int32_t { kCpu = 1, kCuda = 2, kCudaHost = 3, kCudaManaged = 13 };

struct Device {
  int32_t device_type;
  int32_t device_id;
};

struct DataType {
  uint8_t code;  ///< 0 int, 1 uint, 2 float, 4 bfloat, 5 complex, 6 bool, ...
  uint8_t bits;
  uint16_t lanes;
};

struct Tensor {
  void* data;
  Device device;
  int32_t ndim;
  DataType dtype;
  int64_t* shape;    ///< ndim extents
  int64_t* strides;  ///< ndim strides in elements; null: compact row-major
  uint64_t byte_offset;
};

/// A "dltensor" capsule's pointer.
struct ManagedTensor {
  Tensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(ManagedTensor* self);
};

struct Version {
  uint32_t major;
  uint32_t minor;
};

/// A "dltensor_versioned" capsule's pointer: the version comes first so that any release can read it.
struct ManagedTensorVersioned {
  Version version;
  void* manager_ctx;
  void (*deleter)(ManagedTensorVersioned* self);
  uint64_t flags;
  Tensor dl_tensor;
};

}  // namespace advstep::python::dlpack
