// Enums from a C caller are integers until they are known to name a value: a C program may pass
// any int where the header says aclrtMemcpyKind, and loading an unlisted value as the enum is
// undefined. Read the bits, look them up in the header's list, and only then use the enum.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <type_traits>

#include "acl/acl_base.h"
#include "acl/acl_rt.h"

namespace advstep::acl {

/// The integer a C caller passed as @p value, read as bytes, never loaded as the enum; signed, as a
/// C caller writes it (-7 stays -7 whether the compiler made the enum's type int or unsigned int).
template <typename Enum>
[[nodiscard]] int64_t raw_value(const Enum& value) noexcept {
  static_assert(std::is_enum_v<Enum>);
  std::make_signed_t<std::underlying_type_t<Enum>> raw;
  std::memcpy(&raw, &value, sizeof raw);
  return static_cast<int64_t>(raw);
}

/// The value of @p valid numbered @p raw, or nullopt when the list has none.
template <typename Enum, size_t N>
[[nodiscard]] constexpr std::optional<Enum> enum_from(int64_t raw, const Enum (&valid)[N]) noexcept {
  for (const Enum known : valid) {
    if (static_cast<int64_t>(known) == raw) return known;
  }
  return std::nullopt;
}

/// The values each header lists (include/acl/acl_base.h, include/acl/acl_rt.h).
inline constexpr aclDataType kDataTypes[] = {
    ACL_DT_UNDEFINED, ACL_FLOAT,       ACL_FLOAT16,       ACL_INT8,          ACL_INT32,         ACL_UINT8,
    ACL_INT16,        ACL_UINT16,      ACL_UINT32,        ACL_INT64,         ACL_UINT64,        ACL_DOUBLE,
    ACL_BOOL,         ACL_STRING,      ACL_COMPLEX64,     ACL_COMPLEX128,    ACL_BF16,          ACL_INT4,
    ACL_UINT1,        ACL_COMPLEX32,   ACL_HIFLOAT8,      ACL_FLOAT8_E5M2,   ACL_FLOAT8_E4M3FN, ACL_FLOAT8_E8M0,
    ACL_FLOAT6_E3M2,  ACL_FLOAT6_E2M3, ACL_FLOAT4_E2M1,   ACL_FLOAT4_E1M2};

inline constexpr aclFormat kFormats[] = {
    ACL_FORMAT_UNDEFINED,        ACL_FORMAT_NCHW,             ACL_FORMAT_NHWC,            ACL_FORMAT_ND,
    ACL_FORMAT_NC1HWC0,          ACL_FORMAT_FRACTAL_Z,        ACL_FORMAT_NC1HWC0_C04,     ACL_FORMAT_HWCN,
    ACL_FORMAT_NDHWC,            ACL_FORMAT_FRACTAL_NZ,       ACL_FORMAT_NCDHW,           ACL_FORMAT_NDC1HWC0,
    ACL_FRACTAL_Z_3D,            ACL_FORMAT_NC,               ACL_FORMAT_NCL,             ACL_FORMAT_FRACTAL_NZ_C0_16,
    ACL_FORMAT_FRACTAL_NZ_C0_32, ACL_FORMAT_FRACTAL_NZ_C0_2,  ACL_FORMAT_FRACTAL_NZ_C0_4, ACL_FORMAT_FRACTAL_NZ_C0_8};

inline constexpr aclrtMemcpyKind kMemcpyKinds[] = {
    ACL_MEMCPY_HOST_TO_HOST, ACL_MEMCPY_HOST_TO_DEVICE,        ACL_MEMCPY_DEVICE_TO_HOST,
    ACL_MEMCPY_DEVICE_TO_DEVICE, ACL_MEMCPY_DEFAULT,           ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE,
    ACL_MEMCPY_INNER_DEVICE_TO_DEVICE, ACL_MEMCPY_INTER_DEVICE_TO_DEVICE};

inline constexpr aclrtMemAttr kMemAttrs[] = {
    ACL_DDR_MEM,          ACL_HBM_MEM,           ACL_DDR_MEM_HUGE,       ACL_DDR_MEM_NORMAL,  ACL_HBM_MEM_HUGE,
    ACL_HBM_MEM_NORMAL,   ACL_DDR_MEM_P2P_HUGE,  ACL_DDR_MEM_P2P_NORMAL, ACL_HBM_MEM_P2P_HUGE, ACL_HBM_MEM_P2P_NORMAL,
    ACL_HBM_MEM_HUGE1G,   ACL_HBM_MEM_P2P_HUGE1G, ACL_MEM_NORMAL,        ACL_MEM_HUGE,        ACL_MEM_HUGE1G,
    ACL_MEM_P2P_NORMAL,   ACL_MEM_P2P_HUGE,      ACL_MEM_P2P_HUGE1G};

/// aclrtMalloc's policies proper; a policy may add the memory-type and access flags below with |.
inline constexpr aclrtMemMallocPolicy kMallocPolicies[] = {
    ACL_MEM_MALLOC_HUGE_FIRST,     ACL_MEM_MALLOC_HUGE_ONLY,     ACL_MEM_MALLOC_NORMAL_ONLY,
    ACL_MEM_MALLOC_HUGE_FIRST_P2P, ACL_MEM_MALLOC_HUGE_ONLY_P2P, ACL_MEM_MALLOC_NORMAL_ONLY_P2P,
    ACL_MEM_MALLOC_HUGE1G_ONLY,    ACL_MEM_MALLOC_HUGE1G_ONLY_P2P};
inline constexpr int64_t kMallocPolicyFlags =
    ACL_MEM_TYPE_LOW_BAND_WIDTH | ACL_MEM_TYPE_HIGH_BAND_WIDTH | ACL_MEM_ACCESS_USER_SPACE_READONLY;

}  // namespace advstep::acl
