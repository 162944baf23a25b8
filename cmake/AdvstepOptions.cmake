# Build options and the compiler flags they imply.
option(ADVSTEP_BUILD_TESTS "Build the GoogleTest suite" ON)
option(ADVSTEP_BUILD_EXAMPLES "Build the examples" ON)
option(ADVSTEP_WERROR "Treat warnings as errors" OFF)
option(ADVSTEP_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(ADVSTEP_BUILD_BENCH "Build the benchmark binary bench/ (needs Google Benchmark)" ON)
# On by default when scikit-build-core drives the build (`pip install .` sets SKBUILD).
if(DEFINED SKBUILD)
  option(ADVSTEP_PYTHON "Build the Python extension (python/)" ON)
else()
  option(ADVSTEP_PYTHON "Build the Python extension (python/)" OFF)
endif()

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()
set(CMAKE_CXX_EXTENSIONS OFF)

if(ADVSTEP_SANITIZE)
  # Host code only: nvcc does not take these flags.
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=address,undefined;-fno-sanitize-recover=all;-fno-omit-frame-pointer>")
  add_link_options(-fsanitize=address,undefined)
endif()

option(ADVSTEP_TSAN "Build with ThreadSanitizer (Clang; only the threading tests are built)" OFF)
if(ADVSTEP_TSAN)
  if(ADVSTEP_SANITIZE)
    message(FATAL_ERROR "ADVSTEP_TSAN and ADVSTEP_SANITIZE cannot be combined")
  endif()
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=thread;-fno-omit-frame-pointer>")
  add_link_options(-fsanitize=thread)
endif()

option(ADVSTEP_FUZZ "Build the libFuzzer harness over the C API (Clang; fuzz/)" OFF)
if(ADVSTEP_FUZZ)
  # Coverage feedback from the library too, not only from the harness.
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=fuzzer-no-link>")
endif()

# Warnings for the project's own targets. nvcc takes its own flags; the host half of a .cu file gets
# the host compiler's -Wall -Wextra (the stricter set trips over the code nvcc generates).
function(advstep_apply_warnings target)
  set(cxx_warnings -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
  target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CXX>:${cxx_warnings}>"
                                           "$<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra>")
  if(ADVSTEP_WERROR)
    target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CXX>:-Werror>"
                                             "$<$<COMPILE_LANGUAGE:CUDA>:-Werror=all-warnings;-Xcompiler=-Werror>")
  endif()
endfunction()
set(ADVSTEP_CUDA "AUTO" CACHE STRING "Build the CUDA backend: ON, OFF or AUTO (on when nvcc is found)")
