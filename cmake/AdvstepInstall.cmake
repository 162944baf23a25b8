# Installs CANN's header layout, libadvstep and the CMake package advstep::advstep, laid out as a CANN
# toolkit (AdvstepToolkit.cmake).
include(CMakePackageConfigHelpers)

install(TARGETS advstep EXPORT advstepTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The CUDA backend goes beside libadvstep's file, the one place libadvstep loads it from.
if(TARGET advstep_cuda)
  install(TARGETS advstep_cuda LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
install(DIRECTORY include/acl include/aclnn include/aclnnop include/advstep
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT advstepTargets NAMESPACE advstep:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/advstep)
configure_package_config_file(cmake/advstepConfig.cmake.in ${PROJECT_BINARY_DIR}/advstepConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/advstep)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/advstepConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/advstepConfig.cmake ${PROJECT_BINARY_DIR}/advstepConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/advstep)
include(${CMAKE_CURRENT_LIST_DIR}/AdvstepToolkit.cmake)
