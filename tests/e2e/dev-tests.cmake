# tests/e2e/dev: `dure dev` driven by real clients (ethers, viem, Foundry's
# cast), one CTest test per file. The same files pass against Anvil
# (DURE_E2E_TARGET=anvil, `node tests/e2e/dev/run.mjs`), which is how they
# were validated. Needs `npm ci --prefix tests/e2e/dev` first. Exit code 77
# is a skip (dev/persistence under Anvil), never a pass.
find_program(NODE_EXE node REQUIRED)

foreach(t 01-ethers 02-viem 03-timing 04-errors 05-cast 06-persistence 07-flags
          08-trace 09-proof)
  add_test(NAME e2e/dev-${t}
           COMMAND ${NODE_EXE} ${CMAKE_SOURCE_DIR}/tests/e2e/dev/${t}.mjs)
  set_tests_properties(e2e/dev-${t} PROPERTIES
                       LABELS "e2e;dev" TIMEOUT 150 SKIP_RETURN_CODE 77
                       ENVIRONMENT "DURE_E2E_TARGET=dure;DURE_BIN=$<TARGET_FILE:dure>")
endforeach()
