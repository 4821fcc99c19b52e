# cmake -DEXE=program -DARGS="a;b" [-DIN=input] -DOUT=file -P RunToFile.cmake
# Runs a build tool and keeps its standard output in OUT (man pages, completions).
if(IN)
  execute_process(COMMAND ${EXE} ${ARGS} INPUT_FILE ${IN} OUTPUT_FILE ${OUT}.tmp RESULT_VARIABLE status)
else()
  execute_process(COMMAND ${EXE} ${ARGS} OUTPUT_FILE ${OUT}.tmp RESULT_VARIABLE status)
endif()
if(NOT status EQUAL 0)
  file(REMOVE ${OUT}.tmp)
  message(FATAL_ERROR "${EXE} ${ARGS} failed: ${status}")
endif()
file(RENAME ${OUT}.tmp ${OUT})
