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
dure_fixture_test(state       "${DURE_FIXTURES}/GeneralStateTests")
