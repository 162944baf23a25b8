# The GPU suite (a CUDA build only): tests/cuda_*_test.cpp with the oracle and the shared support, in
# its own binary because it links cudart. Every test skips (GTEST_SKIP) on a machine with no GPU (and
# fails instead under ADVSTEP_REQUIRE_GPU=1, or when CUDA fails on a GPU machine), but for the tests
# that drive host logic (cuda_work_items_test.cpp, cuda_status_test.cpp, cuda_fault_report_test.cpp,
# cuda_gpu_presence_test.cpp, ...).
file(GLOB advstep_cuda_test_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/cuda_*_test.cpp
     ${CMAKE_CURRENT_SOURCE_DIR}/cuda_support/*.cpp ${CMAKE_CURRENT_SOURCE_DIR}/oracle/*.cpp
     ${CMAKE_CURRENT_SOURCE_DIR}/support/*.cpp)
list(FILTER advstep_cuda_test_sources EXCLUDE REGEX "/gpu_probe\\.cpp$")
add_executable(advstep_cuda_tests ${advstep_cuda_test_sources})
target_include_directories(advstep_cuda_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
# The public API from libadvstep; the host logic of the CUDA backend (and the core beneath it) that
# these tests drive directly from the backend's own objects, compiled once for the backend library
# and archived (advstep_cuda_archive: neither library exports its internals).
target_link_libraries(advstep_cuda_tests PRIVATE advstep::advstep advstep_cuda_archive GTest::gtest GTest::gtest_main
                                                 CUDA::cudart ${CMAKE_DL_LIBS})
advstep_apply_warnings(advstep_cuda_tests)
advstep_needs_device_backend(advstep_cuda_tests)
gtest_discover_tests(advstep_cuda_tests DISCOVERY_TIMEOUT 60
                     PROPERTIES TIMEOUT 600 ENVIRONMENT ADVSTEP_DEVICE=cuda LABELS gpu
                                SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")

# Exits 77 on a machine with no GPU, so that the entries below skip there (and only there).
add_executable(advstep_gpu_probe ${CMAKE_CURRENT_SOURCE_DIR}/cuda_support/gpu_probe.cpp)
target_include_directories(advstep_gpu_probe PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(advstep_gpu_probe PRIVATE CUDA::cudart ${CMAKE_DL_LIBS})
advstep_apply_warnings(advstep_gpu_probe)

find_program(ADVSTEP_COMPUTE_SANITIZER compute-sanitizer
             HINTS ${CUDAToolkit_BIN_DIR} ${CUDAToolkit_BIN_DIR}/../compute-sanitizer)
set(run_on_gpu ${CMAKE_CURRENT_SOURCE_DIR}/cuda_support/run_on_gpu.sh $<TARGET_FILE:advstep_gpu_probe>)

# The GPU suite under compute-sanitizer: memcheck (out-of-bounds and misaligned accesses; no leak
# check, as the runtime keeps its default streams' fault records for the process) and racecheck
# (shared-memory hazards).
foreach(tool memcheck racecheck)
  add_test(NAME cuda_sanitizer.${tool}
           COMMAND ${run_on_gpu} ${tool} "${ADVSTEP_COMPUTE_SANITIZER}" $<TARGET_FILE:advstep_cuda_tests>)
  set_tests_properties(cuda_sanitizer.${tool} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 3600 LABELS "gpu;sanitizer")
endforeach()

# The host suite again with the C API on the GPU (ADVSTEP_DEVICE=cuda). Deferred streams emulate an
# NPU's asynchrony on the host only (a GPU is asynchronous by itself), so their tests stay out.
add_test(NAME cuda_suite.host_tests_on_gpu
         COMMAND ${run_on_gpu} none "" $<TARGET_FILE:advstep_tests>
                 "--gtest_filter=-DeferredStream.*:ThreadedSteps.Deferred*:DeferredLifetime.*")
set_tests_properties(cuda_suite.host_tests_on_gpu PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 1800 LABELS gpu)
