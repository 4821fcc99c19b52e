# Strict warnings for our own code only; generated ANTLR code gets its own flags.
function(pipe_strict_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()
