# tests/e2e/hardhat: a small Hardhat 2 project (contracts, fixtures, the
# network helpers, the chai matchers) whose unchanged `npx hardhat test
# --network dure` suite runs against `dure dev`, started on a free port by
# run.mjs. The same suite passes against Anvil (DURE_E2E_TARGET=anvil),
# which is how it was validated. Needs `npm ci --prefix tests/e2e/hardhat`
# first; nothing is downloaded at run time (solc comes from npm).
find_program(NODE_EXE node REQUIRED)

add_test(NAME e2e/hardhat
         COMMAND ${NODE_EXE} ${CMAKE_SOURCE_DIR}/tests/e2e/hardhat/run.mjs)
set_tests_properties(e2e/hardhat PROPERTIES
                     LABELS "e2e;dev" TIMEOUT 600
                     ENVIRONMENT "DURE_E2E_TARGET=dure;DURE_BIN=$<TARGET_FILE:dure>")
