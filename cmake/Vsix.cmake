# The VS Code extension's .vsix (editors/vscode), packaged by the pinned
# @vscode/vsce from editors/vscode/node_modules and installed as
# share/pipe/vscode/pipe-lang.vsix (docs/install.md). The build never
# downloads: `npm ci` in editors/vscode is a setup step (scripts/setup.sh).
#   PIPE_VSIX=AUTO (default): packaged when node_modules has vsce, else a
#                             warning says how to get it;
#   PIPE_VSIX=ON:             configuring fails without vsce;
#   PIPE_VSIX=OFF:            never packaged.
# Build trees configured when this was a BOOL option (default OFF) move to AUTO.
get_property(vsix_type CACHE PIPE_VSIX PROPERTY TYPE)
if(vsix_type STREQUAL "BOOL" AND NOT PIPE_VSIX)
  unset(PIPE_VSIX CACHE)
endif()
set(PIPE_VSIX AUTO CACHE STRING "Build and install the VS Code extension (.vsix): AUTO, ON or OFF")
set_property(CACHE PIPE_VSIX PROPERTY STRINGS AUTO ON OFF)

set(PIPE_VSCODE_DIR ${CMAKE_SOURCE_DIR}/editors/vscode)
set(PIPE_VSCE ${PIPE_VSCODE_DIR}/node_modules/.bin/vsce)
# npm ci writes this file last; packaging again after a fresh npm ci.
set(PIPE_VSCODE_MODULES_STAMP ${PIPE_VSCODE_DIR}/node_modules/.package-lock.json)

set(PIPE_VSIX_BUILT OFF)
if(NOT PIPE_VSIX STREQUAL "OFF")
  if(EXISTS ${PIPE_VSCE} AND EXISTS ${PIPE_VSCODE_MODULES_STAMP})
    set(PIPE_VSIX_BUILT ON)
    # Configure again if node_modules goes away, so the build then says so.
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PIPE_VSCODE_MODULES_STAMP})
  elseif(PIPE_VSIX STREQUAL "ON")
    message(FATAL_ERROR "PIPE_VSIX=ON: the VS Code extension needs its pinned tooling; "
                        "run `npm ci` in editors/vscode (scripts/setup.sh does) and configure again.")
  else()
    message(WARNING "The VS Code extension (.vsix) will not be built or installed: editors/vscode/node_modules "
                    "has no vsce. Run `npm ci` in editors/vscode (scripts/setup.sh does); the next build "
                    "then packages it. -DPIPE_VSIX=OFF silences this.")
    # npm ci creates node_modules in this folder, which changes its time:
    # the next build configures again and finds vsce.
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PIPE_VSCODE_DIR})
  endif()
endif()

if(PIPE_VSIX_BUILT)
  # The installed extension carries the project's version.
  file(READ ${PIPE_VSCODE_DIR}/package.json manifest)
  string(JSON extension_version GET "${manifest}" version)
  if(NOT extension_version STREQUAL PROJECT_VERSION)
    message(FATAL_ERROR "editors/vscode/package.json has version ${extension_version} but the project is "
                        "${PROJECT_VERSION}: give both the same version.")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PIPE_VSCODE_DIR}/package.json)
  file(GLOB_RECURSE shipped CONFIGURE_DEPENDS ${PIPE_VSCODE_DIR}/syntaxes/* ${PIPE_VSCODE_DIR}/snippets/*)
  set(PIPE_VSIX_FILE ${PIPE_SHARE_OUT}/vscode/pipe-lang.vsix)
  add_custom_command(
    OUTPUT ${PIPE_VSIX_FILE}
    COMMAND ${CMAKE_COMMAND} -DVSCE=${PIPE_VSCE} -DDIR=${PIPE_VSCODE_DIR} -DOUT=${PIPE_VSIX_FILE} -P
            ${CMAKE_CURRENT_LIST_DIR}/PackageVsix.cmake
    DEPENDS ${CMAKE_CURRENT_LIST_DIR}/PackageVsix.cmake ${PIPE_VSCODE_DIR}/package.json ${PIPE_VSCODE_DIR}/extension.js
            ${PIPE_VSCODE_DIR}/language-configuration.json ${PIPE_VSCODE_DIR}/.vscodeignore
            ${PIPE_VSCODE_DIR}/README.md ${PIPE_VSCODE_DIR}/LICENSE ${PIPE_VSCODE_MODULES_STAMP} ${shipped}
    COMMENT "Packaging the VS Code extension (vsce, offline)"
    VERBATIM)
  add_custom_target(pipe_vsix ALL DEPENDS ${PIPE_VSIX_FILE})
  install(FILES ${PIPE_VSIX_FILE} DESTINATION ${CMAKE_INSTALL_DATADIR}/pipe/vscode)
endif()
