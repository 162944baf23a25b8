# libadvstep and what it shares with the CUDA backend and the tests, each source compiled once.
#
# The ABI: every object is compiled with hidden visibility, so libadvstep.so exports only the CANN C
# API (declared with CANN's own ACL_FUNC_VISIBILITY / ACLNN_API, which say "default") and the C++ API
# marked ADVSTEP_API (include/advstep/export.hpp). The alternative, a linker version script, would
# repeat the export list in mangled patterns beside the headers, and would still let the compiler
# route every internal call through the PLT; visibility in the code keeps the list where the
# declarations are and lets internal calls bind directly. tests/abi checks what comes out.
#
# - advstep_core (OBJECT): src/core/*.cpp, the stateless core (plans, checks, messages, fault
#   descriptions), with each variant's plan checks and fault messages (src/variants/*/*.cpp but its
#   CPU kernel). Linked into libadvstep, and through the archive advstep_core_archive into the
#   CUDA backend library (which so needs no symbol of libadvstep's) and into tests that call it.
# - advstep (SHARED): the core's objects plus the runtime, the C API, the native API, the CPU kernel.

# The internals' flags: hidden visibility, src/ and include/ on the path, C++20, the warnings.
function(advstep_internal_target target)
  set_target_properties(${target} PROPERTIES CXX_VISIBILITY_PRESET hidden CUDA_VISIBILITY_PRESET hidden
                                             VISIBILITY_INLINES_HIDDEN ON POSITION_INDEPENDENT_CODE ON)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
  advstep_apply_warnings(${target})
endfunction()

function(advstep_add_library)
  # A variant's plan checks and fault messages (src/variants/<variant>/*.cpp) are part of the core;
  # its CPU kernel (*_cpu.cpp) belongs to libadvstep, beside the host's scratch memory and threads.
  file(GLOB core_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/core/*.cpp ${PROJECT_SOURCE_DIR}/src/variants/*/*.cpp)
  list(FILTER core_sources EXCLUDE REGEX "_cpu\\.cpp$")
  add_library(advstep_core OBJECT ${core_sources})
  advstep_internal_target(advstep_core)
  # The same objects as an archive, for the targets that link only what they use of the core.
  add_library(advstep_core_archive STATIC $<TARGET_OBJECTS:advstep_core>)
  target_include_directories(advstep_core_archive INTERFACE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
  target_compile_features(advstep_core_archive INTERFACE cxx_std_20)

  list(FILTER ARGN EXCLUDE REGEX "^src/core/")  # the core is above, whatever the list says
  add_library(advstep SHARED ${ARGN} $<TARGET_OBJECTS:advstep_core>)
  add_library(advstep::advstep ALIAS advstep)
  target_compile_features(advstep PUBLIC cxx_std_20)
  target_include_directories(advstep
    PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  set_target_properties(advstep PROPERTIES VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
                                           CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  advstep_apply_warnings(advstep)
  find_package(Threads REQUIRED)
  target_link_libraries(advstep PRIVATE Threads::Threads)
  advstep_add_device_backend(advstep)
endfunction()
