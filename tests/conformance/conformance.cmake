# Conformance suites: `dure fixtures` over ../shared/fixtures. A missing
# fixtures directory fails the test; it is never skipped.
function(dure_fixture_test name)
  add_test(NAME conformance/${name}
           COMMAND dure fixtures ${ARGN})
  set_tests_properties(conformance/${name} PROPERTIES LABELS conformance)
endfunction()

dure_fixture_test(rlp         "${DURE_FIXTURES}/RLPTests")
dure_fixture_test(trie        "${DURE_FIXTURES}/TrieTests")
dure_fixture_test(transaction "${DURE_FIXTURES}/TransactionTests")
dure_fixture_test(keyaddr     "${DURE_FIXTURES}/BasicTests/keyaddrtest.json")
dure_fixture_test(keystore    "${DURE_FIXTURES}/KeyStoreTests")
dure_fixture_test(state       "${DURE_FIXTURES}/GeneralStateTests")
dure_fixture_test(blockchain-valid
                  "${DURE_FIXTURES}/BlockchainTests/ValidBlocks")
dure_fixture_test(blockchain-invalid
                  "${DURE_FIXTURES}/BlockchainTests/InvalidBlocks")

# The EVM benchmark runner (`dure evm bench`), run once per case (--quick):
# these check its verdicts, never its times. On a few of the shared
# benchmarks every answer must be accepted; on the hand-written cases in
# tests/conformance/evmbench the right ones must be accepted and the wrong
# ones (post-state root, output, status) reported.
add_test(NAME conformance/evm-bench-shared
         COMMAND dure evm bench --quick
                 --run "^(main/swap_math/received|micro/signextend/one|raw/micro/memory_grow_mstore/by32|raw/main/sha1_divs/empty)$"
                 "${DURE_EVM_BENCHMARKS}")
set_tests_properties(conformance/evm-bench-shared PROPERTIES
  LABELS conformance
  PASS_REGULAR_EXPRESSION "\n4 benchmarks, 4 passed, 0 failed\n")
add_test(NAME conformance/evm-bench-verdicts
         COMMAND dure evm bench --quick
                 "${CMAKE_SOURCE_DIR}/tests/conformance/evmbench")
set_tests_properties(conformance/evm-bench-verdicts PROPERTIES
  LABELS conformance
  PASS_REGULAR_EXPRESSION "main/wrongroot/ret42 +(- +)+FAIL: post-state root mismatch\nmicro/rightroot/ret42 +18 [^\n]+ ok\nraw/main/stop +0 [^\n]+ ok\nraw/micro/invalid +(- +)+FAIL: invalid instruction\nraw/micro/ret42/right +18 [^\n]+ ok\nraw/micro/ret42/wrong +(- +)+FAIL: output mismatch\nraw/micro/ret42/unchecked +18 [^\n]+ ok\n7 benchmarks, 4 passed, 3 failed\n")
