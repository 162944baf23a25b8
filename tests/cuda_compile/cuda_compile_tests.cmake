# Every CUDA source of the project compiled for each architecture of the build, device code only,
# warnings as errors, with ptxas' register and spill report (compile_kernels.sh): needs nvcc, not a
# GPU. The source list is found when the test runs, so a new .cu file is covered as it lands.
if(NOT ADVSTEP_CUDA_ENABLED)
  return()
endif()
set(compile_kernels ${CMAKE_CURRENT_SOURCE_DIR}/cuda_compile/compile_kernels.sh)
add_test(NAME cuda_compile.kernels
         COMMAND ${compile_kernels} ${CMAKE_CUDA_COMPILER} ${PROJECT_SOURCE_DIR} "${CMAKE_CUDA_ARCHITECTURES}")
set_tests_properties(cuda_compile.kernels PROPERTIES LABELS cuda-compile SKIP_RETURN_CODE 77 TIMEOUT 600)
# The check itself: a kernel with a warning fails it.
add_test(NAME cuda_compile.check_finds_warnings
         COMMAND ${compile_kernels} ${CMAKE_CUDA_COMPILER} ${CMAKE_CURRENT_SOURCE_DIR}/cuda_compile/fixture 90)
set_tests_properties(cuda_compile.check_finds_warnings PROPERTIES LABELS cuda-compile TIMEOUT 120
                     PASS_REGULAR_EXPRESSION "FAILED: src/warning_kernel.cu for sm_90:.*never referenced")
