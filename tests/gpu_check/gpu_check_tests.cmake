# scripts/gpu_check.sh without a GPU: it must stop at the probe, loudly and with status 2, when the
# driver answers nothing; and with a GPU reported, a dry run prints the plan for its architecture.
# (nvidia-smi and nvcc are stand-ins from tests/gpu_check/, first on PATH.)
set(gpu_check_dir ${CMAKE_CURRENT_SOURCE_DIR}/gpu_check)
set(gpu_check_run ${CMAKE_CURRENT_BINARY_DIR}/gpu_check_run)
add_test(NAME gpu_check.stops_at_the_probe
         COMMAND ${CMAKE_COMMAND} -E env "PATH=${gpu_check_dir}/no_driver:$ENV{PATH}"
                 ${gpu_check_dir}/expect_exit.sh 2 "^GPU PROBE FAILED: nvidia-smi found no GPU"
                 "couldn't communicate with the NVIDIA driver" "^gpu_check: probe +FAIL" --
                 ${PROJECT_SOURCE_DIR}/scripts/gpu_check.sh --build-dir ${gpu_check_run})
add_test(NAME gpu_check.dry_run_plan
         COMMAND ${CMAKE_COMMAND} -E env "PATH=${gpu_check_dir}/one_gpu:$ENV{PATH}"
                 ${gpu_check_dir}/expect_exit.sh 0 "^gpu_check: probe +PASS .*NVIDIA H200 x1, sm_90"
                 "-DCMAKE_CUDA_ARCHITECTURES=90" "ADVSTEP_REQUIRE_GPU=1 ctest" "racecheck" "triton_peer.py" --
                 ${PROJECT_SOURCE_DIR}/scripts/gpu_check.sh --dry-run --build-dir ${gpu_check_run})
set_tests_properties(gpu_check.stops_at_the_probe gpu_check.dry_run_plan PROPERTIES LABELS gpu-check TIMEOUT 60)

# A driver that answers while CUDA cannot run (here: no GPU at all behind a stand-in nvidia-smi): the
# CUDA probe of the carried build (this one) must stop the run, as an old driver must. On a machine
# where the probe finds a GPU this would start a real run, so it skips there.
if(TARGET advstep_gpu_probe)
  add_test(NAME gpu_check.stops_at_the_cuda_probe
           COMMAND bash -c "\"$<TARGET_FILE:advstep_gpu_probe>\" >/dev/null && exit 77; exec \"$@\"" gpu_check
                   ${CMAKE_COMMAND} -E env "PATH=${gpu_check_dir}/one_gpu:$ENV{PATH}"
                   ${gpu_check_dir}/expect_exit.sh 2 "^gpu_check: build +PASS .*carried build"
                   "^GPU PROBE FAILED: advstep_gpu_probe exited with 1 under ADVSTEP_REQUIRE_GPU=1"
                   "^gpu_check: cuda_probe +FAIL" --
                   ${PROJECT_SOURCE_DIR}/scripts/gpu_check.sh --prebuilt --build-dir ${PROJECT_BINARY_DIR}
                   --report ${gpu_check_run}/report.md)
  set_tests_properties(gpu_check.stops_at_the_cuda_probe PROPERTIES LABELS gpu-check TIMEOUT 60 SKIP_RETURN_CODE 77)
endif()
