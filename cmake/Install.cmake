# `cmake --install` (FHS under the prefix) and the generated man pages and
# shell completions it installs (docs/install.md).
include(GNUInstallDirs)

set(PIPE_ZSH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions"
    CACHE STRING "Where zsh completion functions are installed, under the prefix")

# Generated from the programs' own option tables (pipec --man-page, piperun
# --man-page, --completion) and from docs/language.md, so they cannot drift.
set(PIPE_SHARE_OUT ${CMAKE_BINARY_DIR}/share)
set(PIPE_GENERATED)
function(pipe_generate out exe args)
  cmake_parse_arguments(GEN "" "INPUT" "DEPENDS" ${ARGN})
  set(extra)
  if(GEN_INPUT)
    set(extra -DIN=${GEN_INPUT})
  endif()
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:${exe}> "-DARGS=${args}" ${extra} -DOUT=${out}
            -P ${CMAKE_SOURCE_DIR}/cmake/RunToFile.cmake
    DEPENDS ${exe} ${GEN_INPUT} ${GEN_DEPENDS} ${CMAKE_SOURCE_DIR}/cmake/RunToFile.cmake
    COMMENT "Generating ${out}"
    VERBATIM)
  set(PIPE_GENERATED ${PIPE_GENERATED} ${out} PARENT_SCOPE)
endfunction()

file(MAKE_DIRECTORY ${PIPE_SHARE_OUT}/man/man1 ${PIPE_SHARE_OUT}/man/man5 ${PIPE_SHARE_OUT}/completions)
pipe_generate(${PIPE_SHARE_OUT}/man/man1/pipec.1 pipec --man-page)
pipe_generate(${PIPE_SHARE_OUT}/man/man5/pipe.5 pipe_md2man "pipe;5;the .pipe pipeline language;${PROJECT_VERSION}"
              INPUT ${CMAKE_SOURCE_DIR}/docs/language.md)
foreach(shell bash zsh fish)
  pipe_generate(${PIPE_SHARE_OUT}/completions/pipec.${shell} pipec "completion;${shell}")
endforeach()
if(TARGET piperun)
  pipe_generate(${PIPE_SHARE_OUT}/man/man1/piperun.1 piperun --man-page)
  foreach(shell bash zsh fish)
    pipe_generate(${PIPE_SHARE_OUT}/completions/piperun.${shell} piperun --completion=${shell})
  endforeach()
endif()
add_custom_target(pipe_share ALL DEPENDS ${PIPE_GENERATED})

install(TARGETS pipec RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET piperun)
  install(TARGETS piperun RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
# The installed pipec looks for its stdlib at ../share/pipe/stdlib from its
# own directory (compiler/driver/Frontend.cpp), so any prefix works.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/stdlib/ DESTINATION ${CMAKE_INSTALL_DATADIR}/pipe/stdlib
        FILES_MATCHING PATTERN "*.pipe")
install(DIRECTORY ${CMAKE_SOURCE_DIR}/editors/vim/ DESTINATION ${CMAKE_INSTALL_DATADIR}/vim/vimfiles
        PATTERN "README.md" EXCLUDE)
install(DIRECTORY ${PIPE_SHARE_OUT}/man/ DESTINATION ${CMAKE_INSTALL_MANDIR})
foreach(program pipec piperun)
  if(program STREQUAL "piperun" AND NOT TARGET piperun)
    continue()
  endif()
  install(FILES ${PIPE_SHARE_OUT}/completions/${program}.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
          RENAME ${program})
  install(FILES ${PIPE_SHARE_OUT}/completions/${program}.zsh DESTINATION ${PIPE_ZSH_COMPLETION_DIR} RENAME _${program})
  install(FILES ${PIPE_SHARE_OUT}/completions/${program}.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d
          RENAME ${program}.fish)
endforeach()
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/docs/language.md ${CMAKE_SOURCE_DIR}/docs/install.md
              ${CMAKE_SOURCE_DIR}/docs/ci.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

include(${CMAKE_CURRENT_LIST_DIR}/Vsix.cmake)
