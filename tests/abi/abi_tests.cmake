# The ABI: libadvstep.so exports only the CANN C API and the ADVSTEP_API declarations of
# include/advstep, and libadvstep_cuda.so only its entry point (cmake/AdvstepLibrary.cmake says
# how). Not under the sanitizers, whose instrumentation adds symbols of its own.
if(ADVSTEP_SANITIZE OR NOT (UNIX AND NOT APPLE))
  return()
endif()
set(abi_dir ${CMAKE_CURRENT_SOURCE_DIR}/abi)
add_test(NAME abi.libadvstep_exports
         COMMAND ${abi_dir}/check_exports.sh $<TARGET_FILE:advstep> ${abi_dir}/exported_symbols.txt
                 ${PROJECT_SOURCE_DIR}/include)
if(TARGET advstep_cuda)
  add_test(NAME abi.cuda_backend_exports
           COMMAND ${abi_dir}/check_exports.sh $<TARGET_FILE:advstep_cuda> ${abi_dir}/exported_symbols_cuda.txt)
endif()

# The check itself: a library built with default visibility must fail it, naming both leaks.
add_library(advstep_abi_leaky_library SHARED EXCLUDE_FROM_ALL ${abi_dir}/leaky_library.cpp)
add_dependencies(advstep_tests advstep_abi_leaky_library)
add_test(NAME abi.check_finds_leaks
         COMMAND ${abi_dir}/check_exports.sh $<TARGET_FILE:advstep_abi_leaky_library> ${abi_dir}/exported_symbols.txt)
set_tests_properties(abi.check_finds_leaks PROPERTIES
  PASS_REGULAR_EXPRESSION "advstep::core::leaked_internal\\(int\\).*std::vector<advstep::core::Row")
