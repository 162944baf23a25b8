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

# Gives @p target (libadvstep) the loader of the CUDA backend and, in a CUDA build, builds that
# backend as the module library advstep_cuda (libadvstep_cuda.so), which libadvstep dlopen()s from
# its own directory at run time: libadvstep itself never links libcudart, so one build runs on
# machines with and without CUDA.
#
# The backend's sources are compiled once, as the object library advstep_cuda_objects (hidden
# visibility), archived as advstep_cuda_archive: the backend library links that archive with the
# core's (advstep_core_archive: its own copy of the stateless core, so it needs no symbol of
# libadvstep, whose internals are hidden), and the GPU tests link it to drive the backend's host
# logic directly.
function(advstep_add_device_backend target)
  target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src/runtime/cuda_loader.cpp)
  target_link_libraries(${target} PRIVATE ${CMAKE_DL_LIBS})
  target_compile_definitions(${target} PRIVATE ADVSTEP_VERSION="${PROJECT_VERSION}")
  if(NOT ADVSTEP_CUDA_ENABLED)
    return()
  endif()
  target_compile_definitions(${target} PRIVATE ADVSTEP_CUDA_PLUGIN_FILE="libadvstep_cuda.so")
  # The backend's own files, and each variant's kernels (src/variants/<variant>/*.cu).
  file(GLOB cuda_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/cuda/*.cu ${PROJECT_SOURCE_DIR}/src/cuda/*.cpp
       ${PROJECT_SOURCE_DIR}/src/variants/*/*.cu)
  set(entry ${PROJECT_SOURCE_DIR}/src/cuda/plugin_entry.cpp)
  list(REMOVE_ITEM cuda_sources ${entry})
  add_library(advstep_cuda_objects OBJECT ${cuda_sources})
  advstep_internal_target(advstep_cuda_objects)
  target_compile_definitions(advstep_cuda_objects PUBLIC ADVSTEP_VERSION="${PROJECT_VERSION}")
  target_link_libraries(advstep_cuda_objects PUBLIC CUDA::cudart)
  # core/row.hpp is shared with the host and uses std::numeric_limits, whose constexpr members are
  # host functions to nvcc unless relaxed.
  # C++20 spelled out: CMake before 3.26 has no CUDA20 dialect flag for nvcc.
  target_compile_options(advstep_cuda_objects PRIVATE "$<$<COMPILE_LANGUAGE:CUDA>:-std=c++20;--expt-relaxed-constexpr>")
  add_library(advstep_cuda_archive STATIC $<TARGET_OBJECTS:advstep_cuda_objects>)
  target_link_libraries(advstep_cuda_archive PUBLIC advstep_core_archive CUDA::cudart)
  target_include_directories(advstep_cuda_archive INTERFACE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
  target_compile_definitions(advstep_cuda_archive INTERFACE ADVSTEP_VERSION="${PROJECT_VERSION}")

  add_library(advstep_cuda MODULE ${entry})
  advstep_internal_target(advstep_cuda)
  target_compile_definitions(advstep_cuda PRIVATE ADVSTEP_VERSION="${PROJECT_VERSION}")
  # Declared where libadvstep is, so both land in one directory (the loader looks nowhere else).
  set_target_properties(advstep_cuda PROPERTIES
    # One cudart in the process, shared with the caller's (so streams, events and graphs interoperate
    # without two runtime instances), instead of the static copy CMake links by default.
    CUDA_RUNTIME_LIBRARY Shared
    # cudart from where it was linked (or the loader's search path).
    INSTALL_RPATH_USE_LINK_PATH ON)
  target_link_libraries(advstep_cuda PRIVATE advstep_cuda_archive)
  # Only advstep_cuda_plugin is exported: hidden visibility leaves the backend's own symbols out,
  # and the version script the standard library's template instances compiled into it too.
  if(UNIX AND NOT APPLE)
    target_link_options(advstep_cuda PRIVATE "LINKER:--version-script=${PROJECT_SOURCE_DIR}/cmake/advstep_cuda.map"
                        "LINKER:--no-undefined")
    set_property(TARGET advstep_cuda APPEND PROPERTY LINK_DEPENDS ${PROJECT_SOURCE_DIR}/cmake/advstep_cuda.map)
  endif()
endfunction()

# Makes @p target (a program linking libadvstep) build the CUDA backend too, so that a build of
# that target alone runs where it would after a full build.
function(advstep_needs_device_backend target)
  if(TARGET advstep_cuda)
    add_dependencies(${target} advstep_cuda)
  endif()
endfunction()
