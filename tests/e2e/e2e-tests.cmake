# tests/e2e: the dure binary driven as a user drives it. import/*: init,
# import, export and db verify on a BlockchainTests fixture chain (valid, a
# truncated file, a corrupted block) and an import killed with SIGKILL at
# random moments (on a `dure chaingen` chain when dure has the command).
find_program(PYTHON3_EXE python3 REQUIRED)

foreach(t valid truncated corrupt crash)
  add_test(NAME e2e/import-${t}
           COMMAND ${PYTHON3_EXE} ${CMAKE_SOURCE_DIR}/tests/e2e/test_import.py
                   $<TARGET_FILE:dure> ${t})
  set_tests_properties(e2e/import-${t} PROPERTIES LABELS e2e TIMEOUT 120
                       ENVIRONMENT "DURE_FIXTURES=${DURE_FIXTURES}")
endforeach()

# e2e/chaingen: `dure chaingen` chains (erc20, transfer) import and verify.
add_test(NAME e2e/chaingen
         COMMAND ${PYTHON3_EXE} ${CMAKE_SOURCE_DIR}/tests/e2e/test_chaingen.py
                 $<TARGET_FILE:dure>)
set_tests_properties(e2e/chaingen PROPERTIES LABELS e2e TIMEOUT 120)
include(${CMAKE_CURRENT_LIST_DIR}/dev-tests.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/hardhat-tests.cmake)
