# Tests that are programs or builds rather than GoogleTest cases.

# The examples print exactly what spec sections 2 and 3 say.
if(ADVSTEP_BUILD_EXAMPLES)
  foreach(example aclnn_advance_step aclnn_advance_step_v2)
    add_test(NAME example_output.${example}
             COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:${example}>
                     -DEXPECTED=${CMAKE_CURRENT_SOURCE_DIR}/expected/${example}.txt
                     -P ${CMAKE_CURRENT_SOURCE_DIR}/compare_output.cmake)
  endforeach()
  # The V1 example as an NPU with 40 vector cores prints it: only padding row 4 is written. (Its own
  # verdict, which expects vLLM's values, reports the difference; the values are what is checked.)
  set(skip_notes "(  [^\n]*\n)*")
  add_test(NAME example_output.aclnn_advance_step_ascend_40_cores COMMAND aclnn_advance_step)
  set_tests_properties(example_output.aclnn_advance_step_ascend_40_cores PROPERTIES
                       ENVIRONMENT "ADVSTEP_DEVICE=cpu;ADVSTEP_SEMANTICS=ascend;ADVSTEP_ASCEND_CORES=40"
                       PASS_REGULAR_EXPRESSION
                       "inputTokens +0 1 2 3 0 5 6 7\n${skip_notes}inputPositions +0 1 2 3 0 5 6 7\n${skip_notes}seqLens +1 2 3 4 4 5 6 7\n${skip_notes}slotMapping +0 3 6 9 -1 5 6 7\n")
endif()

# The public C headers compile as C99 and as C++11, as CANN's do.
add_library(advstep_header_check_c OBJECT headers/all_headers.c)
target_include_directories(advstep_header_check_c PRIVATE ${PROJECT_SOURCE_DIR}/include)
set_target_properties(advstep_header_check_c PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
target_compile_options(advstep_header_check_c PRIVATE -Wall -Wextra -Wpedantic -Werror)
add_library(advstep_header_check_cxx11 OBJECT headers/all_headers.cpp)
target_include_directories(advstep_header_check_cxx11 PRIVATE ${PROJECT_SOURCE_DIR}/include)
set_target_properties(advstep_header_check_cxx11 PROPERTIES CXX_STANDARD 11 CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF)
target_compile_options(advstep_header_check_cxx11 PRIVATE -Wall -Wextra -Wpedantic -Werror)
add_dependencies(advstep_tests advstep_header_check_c advstep_header_check_cxx11)

# cmake --install lays out CANN's headers and libadvstep: a client builds with the plain g++ line
# and with find_package(advstep).
if(NOT ADVSTEP_SANITIZE)
  add_test(NAME install.layout_and_clients
           COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${PROJECT_BINARY_DIR} -DSOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}/install_client
                   -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/install_check -DCXX=${CMAKE_CXX_COMPILER}
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/install_client/check_install.cmake)
  set_tests_properties(install.layout_and_clients PROPERTIES TIMEOUT 300)
endif()

# A CUDA build's libadvstep runs where libcudart is missing (the backend is a library of its own).
if(TARGET advstep_cuda AND ADVSTEP_BUILD_EXAMPLES AND NOT ADVSTEP_SANITIZE)
  add_test(NAME loader.runs_without_cudart
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/loader/runs_without_cudart.sh $<TARGET_FILE:advstep>
                   $<TARGET_FILE:advstep_cuda> $<TARGET_FILE:aclnn_advance_step>
                   ${CMAKE_CURRENT_SOURCE_DIR}/expected/aclnn_advance_step.txt)
endif()

# The device rules of the registry with two devices on the host (tests/device_mismatch_test.cpp).
add_test(NAME device_mismatch.two_host_devices COMMAND advstep_tests --gtest_filter=DeviceMismatch.*)
set_tests_properties(device_mismatch.two_host_devices PROPERTIES
                     ENVIRONMENT "ADVSTEP_DEVICE=cpu;ADVSTEP_CPU_DEVICES=2" FAIL_REGULAR_EXPRESSION "SKIPPED")
