# The install laid out as a CANN toolkit (spec 5.1), so the prefix serves as ASCEND_HOME_PATH:
# - lib64/ holds the library names CANN programs link (libascendcl.so, libopapi_nn.so, ...), each a
#   symlink to the one libadvstep: a program linked against any of them needs libadvstep.so.N at run
#   time, and finds it in lib64/ too;
# - every shared library of the install is reachable from lib64/, also when CMAKE_INSTALL_LIBDIR
#   is not lib64 (symlinks to it, made after every other install rule, plugins included);
# - set_env.sh at the prefix root exports what CANN's set_env.sh does.
# Linux only: the toolkit layout and its .so names are a Linux convention.
if(NOT (UNIX AND NOT APPLE))
  return()
endif()

set(ADVSTEP_TOOLKIT_LIBDIR lib64)
# The names CANN's build lines and sample CMakeLists link: ops-nn's build.sh (opapi_nn, opapi_math,
# acl_rt or ascendcl, nnopbase) and the classic aclnn samples (ascendcl, nnopbase, opapi).
set(ADVSTEP_CANN_LIBRARIES ascendcl acl_rt nnopbase opapi opapi_nn opapi_math)

# The aliases are made here, in the build tree, and installed as they are (file(INSTALL) copies a
# symlink as a symlink); they point at libadvstep's SONAME, which lib64/ holds.
get_target_property(advstep_soversion advstep SOVERSION)
set(advstep_soname ${CMAKE_SHARED_LIBRARY_PREFIX}advstep${CMAKE_SHARED_LIBRARY_SUFFIX}.${advstep_soversion})
set(advstep_alias_dir ${PROJECT_BINARY_DIR}/toolkit/${ADVSTEP_TOOLKIT_LIBDIR})
file(MAKE_DIRECTORY ${advstep_alias_dir})
set(advstep_aliases)
foreach(name IN LISTS ADVSTEP_CANN_LIBRARIES)
  set(alias ${advstep_alias_dir}/${CMAKE_SHARED_LIBRARY_PREFIX}${name}${CMAKE_SHARED_LIBRARY_SUFFIX})
  file(CREATE_LINK ${advstep_soname} ${alias} SYMBOLIC)
  list(APPEND advstep_aliases ${alias})
endforeach()
install(FILES ${advstep_aliases} DESTINATION ${ADVSTEP_TOOLKIT_LIBDIR})

# set_env.sh names the prefix it is installed to (sh cannot find a sourced file's own path), so it
# is written at install time, when `cmake --install --prefix` has decided the prefix.
# A relative --prefix is taken from the directory `cmake --install` runs in, as the other rules do.
install(CODE "
  get_filename_component(ADVSTEP_TOOLKIT_HOME \"\${CMAKE_INSTALL_PREFIX}\" ABSOLUTE)
  string(REPLACE \"'\" \"'\\\\''\" ADVSTEP_TOOLKIT_HOME \"\${ADVSTEP_TOOLKIT_HOME}\")
  configure_file(\"${PROJECT_SOURCE_DIR}/cmake/set_env.sh.in\" \"${PROJECT_BINARY_DIR}/toolkit/set_env.sh\" @ONLY)
  file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}\" TYPE FILE FILES \"${PROJECT_BINARY_DIR}/toolkit/set_env.sh\"
       PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
")

# With the libraries elsewhere (GNUInstallDirs' lib/ on Debian, where CMake's find_package does not
# look in lib64/), lib64/ gets a symlink to each shared library this install put there, plugins
# included: deferred to the end of this (the top-level) directory, so that it runs after every other
# install rule.
if(NOT CMAKE_INSTALL_LIBDIR STREQUAL ADVSTEP_TOOLKIT_LIBDIR)
  cmake_language(DEFER CALL install CODE "
    get_filename_component(advstep_prefix \"\${CMAKE_INSTALL_PREFIX}\" ABSOLUTE)
    set(advstep_libdir \"${CMAKE_INSTALL_LIBDIR}\")
    if(NOT IS_ABSOLUTE \"\${advstep_libdir}\")
      set(advstep_libdir \"\${advstep_prefix}/\${advstep_libdir}\")
    endif()
    set(advstep_lib64 \"\${advstep_prefix}/${ADVSTEP_TOOLKIT_LIBDIR}\")
    file(RELATIVE_PATH advstep_link_dir \"\${advstep_lib64}\" \"\${advstep_libdir}\")
    # Only what this install wrote (its manifest so far, paths without DESTDIR), never other
    # libraries of a shared prefix.
    foreach(advstep_file IN LISTS CMAKE_INSTALL_MANIFEST_FILES)
      get_filename_component(advstep_dir \"\${advstep_file}\" DIRECTORY)
      get_filename_component(advstep_dir \"\${advstep_dir}\" ABSOLUTE)
      get_filename_component(advstep_name \"\${advstep_file}\" NAME)
      if(advstep_dir STREQUAL advstep_libdir AND advstep_name MATCHES \"[.]so([.].*)?$\")
        message(STATUS \"Linking: \$ENV{DESTDIR}\${advstep_lib64}/\${advstep_name} -> \${advstep_link_dir}/\${advstep_name}\")
        file(CREATE_LINK \"\${advstep_link_dir}/\${advstep_name}\" \"\$ENV{DESTDIR}\${advstep_lib64}/\${advstep_name}\" SYMBOLIC)
        list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${advstep_lib64}/\${advstep_name}\")
      endif()
    endforeach()
  ")
endif()
