# Installs the build into a fresh prefix with a plain `cmake --install`, then uses it three ways:
# 1. as a CANN toolkit (cann_toolkit_check.sh): lib64/ aliases, set_env.sh, and CANN-style programs
#    built by each of CANN's build routes and run with set_env.sh alone;
# 2. with `g++ app.cpp -I$PREFIX/include -L$PREFIX/lib64 -ladvstep`, for the V1 and the V2 example;
# 3. from CMake, find_package(advstep) giving advstep::advstep;
# 4. the README's CANN-sample block (examples/cann_sample/), run as written (readme_cann_sample.sh).
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "failed: ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

# A relative --prefix, as a user may type it: taken from the directory the install runs in.
file(MAKE_DIRECTORY ${WORK_DIR})
run(${CMAKE_COMMAND} -E chdir ${WORK_DIR} ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix prefix)
foreach(header acl/acl.h acl/acl_base.h acl/acl_rt.h aclnn/acl_meta.h aclnn/aclnn_base.h aclnnop/aclnn_util.h
               aclnnop/aclnn_advance_step.h aclnnop/aclnn_advance_step_v2.h advstep/advance_step.hpp)
  if(NOT EXISTS ${prefix}/include/${header})
    message(FATAL_ERROR "missing installed header include/${header}")
  endif()
endforeach()

# 1. The CANN toolkit.
run(${CMAKE_COMMAND} -E env CXX=${CXX} CMAKE=${CMAKE_COMMAND}
    sh ${SOURCE_DIR}/cann_toolkit_check.sh ${prefix} ${WORK_DIR}/cann)
message(STATUS "${last_output}")

# 2. -ladvstep, from lib64/ as CANN's libraries; each example prints what it prints in the build tree.
set(libdir ${prefix}/lib64)
foreach(example aclnn_advance_step aclnn_advance_step_v2)
  run(${CXX} ${SOURCE_DIR}/../../examples/${example}.cpp -I${prefix}/include -L${libdir} -ladvstep
      -o ${WORK_DIR}/gxx_${example})
  run(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${libdir} ${WORK_DIR}/gxx_${example})
  file(READ ${SOURCE_DIR}/../expected/${example}.txt expected)
  if(NOT last_output STREQUAL expected)
    message(FATAL_ERROR "installed ${example} client printed:\n${last_output}")
  endif()
endforeach()

# 3. find_package(advstep) giving advstep::advstep.
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/cmake_client -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/cmake_client)
run(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${libdir} ${WORK_DIR}/cmake_client/native_client)
if(NOT last_output MATCHES "slot 104")
  message(FATAL_ERROR "find_package client printed:\n${last_output}")
endif()

# 4. The README's CANN-sample block.
get_filename_component(repository ${SOURCE_DIR}/../.. ABSOLUTE)
run(sh ${SOURCE_DIR}/readme_cann_sample.sh ${prefix} ${WORK_DIR}/readme_cann_sample ${repository})
message(STATUS "${last_output}")
