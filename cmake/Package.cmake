# `cpack -G DEB` in the build directory writes pipe_<version>_amd64.deb
# (docs/install.md). The packaging test checks that Depends: covers every
# shared library the installed binaries link.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pipe)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "pipe")
set(CPACK_PACKAGE_CONTACT "pipe maintainers <pipe@example.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "pipelines as code for safe, hands-off deployments (pipec, piperun)")
set(CPACK_PACKAGE_DESCRIPTION
    "pipec checks .pipe deployment pipelines and compiles them to execution plans; piperun executes the plans: windows, blockers, one-box, bakes and automatic rollback.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: computed by dpkg-shlibdeps (package dpkg-dev) from the libraries
# the binaries link directly; without it, the Debian 12 packages of those
# libraries (readelf -d NEEDED + dpkg -S). LLVM Support is linked statically.
find_program(PIPE_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(PIPE_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  set(PIPE_DEB_DEPENDS "libc6, libgcc-s1, libstdc++6, libfmt9, libantlr4-runtime4.9, libsqlite3-0, libcurl4, libcpp-httplib0.11, libssl3, libtinfo6"
      CACHE STRING "Depends: of the Debian package when dpkg-shlibdeps is not installed")
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "${PIPE_DEB_DEPENDS}")
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "git")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "graphviz, vim, pre-commit")
include(CPack)
