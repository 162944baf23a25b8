// Contexts: a context names a device, and each thread works in one context at a time.
#pragma once

#include <cstdint>

#include "advstep/status.hpp"

namespace advstep::runtime {

/// Creates a context on @p device (checked by the caller) and makes it the calling thread's.
Status create_context(int32_t device, void*& handle);

/// Makes the context behind @p handle the calling thread's, and binds the thread to its device.
/// ACL_ERROR_RT_PARAM_INVALID for a handle that is not a live context.
Status set_current_context(void* handle);

/// The calling thread's context; ACL_ERROR_RT_CONTEXT_NULL when it has none, or it was destroyed.
Status current_context(void*& handle);

/// Destroys a context from create_context(); ACL_ERROR_RT_PARAM_INVALID for any other handle.
Status destroy_context(void* handle);

/// After aclrtSetDevice: the thread's context becomes @p device's default context.
void enter_default_context(int32_t device);

}  // namespace advstep::runtime
