# CTest's outputs_agree_across_instruction_sets (CMakeLists.txt): gr_check_outputs writes every
# operation's outputs on the baseline copy (x86-64, or neon on arm64) and on every other copy
# this CPU runs (avx2, avx512), and compares each with the baseline: words and D bit-identical,
# gradients within the agreement tolerance (native/check/outputs.cpp, "compare").
#   cmake -DCHECK=<gr_check_outputs> -DDIR=<scratch folder> -P outputs_agree.cmake
file(MAKE_DIRECTORY ${DIR})
if(CMAKE_HOST_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(baseline neon)
  set(others)
else()
  set(baseline x86-64)
  set(others avx2 avx512)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env GR_CHECK_ISA=${baseline} ${CHECK} write
                        ${DIR}/${baseline}.bin RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gr_check_outputs write on ${baseline} failed (${rc})")
endif()
set(compared 0)
foreach(isa ${others})
  execute_process(COMMAND ${CMAKE_COMMAND} -E env GR_CHECK_ISA=${isa} ${CHECK} write
                          ${DIR}/${isa}.bin RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    message(STATUS "${isa}: not run by this CPU")
    continue()
  endif()
  execute_process(COMMAND ${CHECK} compare ${DIR}/${baseline}.bin ${DIR}/${isa}.bin
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${isa} disagrees with ${baseline}")
  endif()
  math(EXPR compared "${compared} + 1")
endforeach()
message(STATUS "${compared} instruction-set copies agree with ${baseline}")
