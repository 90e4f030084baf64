# cmake -DMODE=find_package|add_subdirectory -DSOURCE_DIR=... -DWORK_DIR=... -P run_consumer.cmake
# Configures, builds and runs tests/consumer against rtrisk; fails on the first failing step.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

set(consumer_args -DRTRISK_CONSUMER_MODE=${MODE} -DRTRISK_SOURCE_DIR=${SOURCE_DIR})
if(MODE STREQUAL "find_package")
  # Install the library alone (no tests/benchmarks/examples) into a private prefix.
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/lib -DRTRISK_BUILD_TESTS=OFF -DRTRISK_BUILD_BENCHMARKS=OFF
      -DRTRISK_BUILD_EXAMPLES=OFF -DRTRISK_INSTALL=ON -DCMAKE_INSTALL_PREFIX=${WORK_DIR}/prefix)
  run(${CMAKE_COMMAND} --install ${WORK_DIR}/lib)
  list(APPEND consumer_args -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
endif()
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/build ${consumer_args})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer)
