# The CUDA backend: resolves ADVSTEP_CUDA (ON / OFF / AUTO) into ADVSTEP_CUDA_ENABLED, enables the
# CUDA language when it is on, and gives libadvstep either the CUDA sources or the stub that says
# the backend is absent. Included at the top level, before any target exists.
include(CheckLanguage)

string(TOUPPER "${ADVSTEP_CUDA}" advstep_cuda_request)
set_property(CACHE ADVSTEP_CUDA PROPERTY STRINGS ON OFF AUTO)
if(advstep_cuda_request STREQUAL "AUTO")
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(ADVSTEP_CUDA_ENABLED ON)
  else()
    set(ADVSTEP_CUDA_ENABLED OFF)
    message(STATUS "advstep: nvcc not found, building without the CUDA backend (ADVSTEP_CUDA=AUTO)")
  endif()
elseif(advstep_cuda_request MATCHES "^(ON|YES|TRUE|1)$")
  set(ADVSTEP_CUDA_ENABLED ON)
elseif(advstep_cuda_request MATCHES "^(OFF|NO|FALSE|0)$")
  set(ADVSTEP_CUDA_ENABLED OFF)
else()
  message(FATAL_ERROR "ADVSTEP_CUDA must be ON, OFF or AUTO (got '${ADVSTEP_CUDA}')")
endif()
if(ADVSTEP_CUDA_ENABLED)
  # Ampere and Hopper; set CMAKE_CUDA_ARCHITECTURES to build for others (e.g. "native" on a GPU box).
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES "80;90" CACHE STRING "CUDA architectures of the CUDA backend")
  endif()
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)
  message(STATUS "advstep: CUDA backend on (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES})")
endif()

# Adds the device backend to @p target: the CUDA sources and cudart, or the stub.
function(advstep_add_device_backend target)
  if(NOT ADVSTEP_CUDA_ENABLED)
    target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src/cuda/absent/cuda_absent.cpp)
    return()
  endif()
  file(GLOB cuda_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/cuda/*.cu ${PROJECT_SOURCE_DIR}/src/cuda/*.cpp)
  target_sources(${target} PRIVATE ${cuda_sources})
  # One cudart in the process, shared with the caller's (so streams, events and graphs interoperate
  # without two runtime instances), instead of the static copy CMake links by default.
  set_target_properties(${target} PROPERTIES CUDA_RUNTIME_LIBRARY Shared INSTALL_RPATH_USE_LINK_PATH ON)
  target_link_libraries(${target} PRIVATE CUDA::cudart)
  # core/row.hpp is shared with the host and uses std::numeric_limits, whose constexpr members are
  # host functions to nvcc unless relaxed.
  # C++20 spelled out: CMake before 3.26 has no CUDA20 dialect flag for nvcc.
  target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CUDA>:-std=c++20;--expt-relaxed-constexpr>")
endfunction()
