// ADVSTEP_API marks what libadvstep exports of its C++ API. The library is built with hidden
// visibility: only the CANN C API (whose headers carry CANN's own ACL_FUNC_VISIBILITY and ACLNN_API)
// and the declarations marked here are in its dynamic symbol table, so its internals are not its ABI
// (tests/abi checks the list). For a program using the headers the macro only restates the default.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define ADVSTEP_API __attribute__((visibility("default")))
#else
#define ADVSTEP_API
#endif
