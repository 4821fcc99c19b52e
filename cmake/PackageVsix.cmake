# cmake -DVSCE=node_modules/.bin/vsce -DDIR=editors/vscode -DOUT=file.vsix -P PackageVsix.cmake
# Packages the VS Code extension quietly: vsce's file listing is printed only
# when it fails. The .vsix appears whole or not at all.
execute_process(COMMAND ${VSCE} package --out ${OUT}.tmp WORKING_DIRECTORY ${DIR} OUTPUT_VARIABLE log ERROR_VARIABLE log
                RESULT_VARIABLE status)
if(NOT status EQUAL 0 OR NOT EXISTS ${OUT}.tmp)
  file(REMOVE ${OUT}.tmp)
  message(FATAL_ERROR "vsce package in ${DIR} failed (${status}):\n${log}\n"
                      "Run `npm ci` in editors/vscode again (scripts/setup.sh does), or configure with -DPIPE_VSIX=OFF.")
endif()
file(RENAME ${OUT}.tmp ${OUT})
