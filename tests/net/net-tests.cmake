# tests/net: several real dure processes on 127.0.0.1 or in network
# namespaces (discovery at scale, interop with @ethereumjs/devp2p,
# misbehaving peers, proof-of-work networks). The node tests need
# `npm ci --prefix tests/net` first (the Makefile does it). net/32nodes runs
# alone: it measures convergence time.
find_program(PYTHON3_EXE python3 REQUIRED)
find_program(NODE_EXE node REQUIRED)

add_test(NAME net/32nodes
         COMMAND ${PYTHON3_EXE} ${CMAKE_SOURCE_DIR}/tests/net/test_32nodes.py
                 $<TARGET_FILE:dure>)
set_tests_properties(net/32nodes PROPERTIES LABELS net TIMEOUT 150 RUN_SERIAL TRUE)

add_test(NAME net/devnet_cli
         COMMAND ${PYTHON3_EXE} ${CMAKE_SOURCE_DIR}/tests/net/test_devnet_cli.py
                 $<TARGET_FILE:dure>)
set_tests_properties(net/devnet_cli PROPERTIES LABELS net TIMEOUT 150)

foreach(t interop garbage misbehave)
  add_test(NAME net/${t}
           COMMAND ${NODE_EXE} ${CMAKE_SOURCE_DIR}/tests/net/${t}.mjs
                   $<TARGET_FILE:dure>)
  set_tests_properties(net/${t} PROPERTIES LABELS net TIMEOUT 90)
endforeach()

# Proof-of-work networks of real nodes: mining, gossip, sync. They mine on
# every core they get, so each runs alone.
foreach(t powchain partition crash survive)
  add_test(NAME net/${t}
           COMMAND ${NODE_EXE} ${CMAKE_SOURCE_DIR}/tests/net/${t}.mjs
                   $<TARGET_FILE:dure>)
  set_tests_properties(net/${t} PROPERTIES LABELS net TIMEOUT 180 RUN_SERIAL TRUE)
endforeach()
# `dure node --unlock`: keystore accounts signing over JSON-RPC on one
# mining node, and the unlocks it refuses.
add_test(NAME net/unlock
         COMMAND ${NODE_EXE} ${CMAKE_SOURCE_DIR}/tests/net/unlock.mjs
                 $<TARGET_FILE:dure>)
set_tests_properties(net/unlock PROPERTIES LABELS net TIMEOUT 120 RUN_SERIAL TRUE)
# partition needs root (network namespaces); without it it exits 77.
set_tests_properties(net/partition PROPERTIES SKIP_RETURN_CODE 77)

# BFT networks of real nodes: validators that crash, a quorum lost and
# regained, a partition in network namespaces, a byzantine validator.
# Their rounds run on timeouts, so each runs alone.
foreach(t bft bft_valset bft_waittxs bft_partition)
  add_test(NAME net/${t}
           COMMAND ${NODE_EXE} ${CMAKE_SOURCE_DIR}/tests/net/${t}.mjs
                   $<TARGET_FILE:dure>)
  set_tests_properties(net/${t} PROPERTIES LABELS net TIMEOUT 180 RUN_SERIAL TRUE)
endforeach()
set_tests_properties(net/bft_partition PROPERTIES SKIP_RETURN_CODE 77)

# A byzantine validator (tests/net/byzantine/bft_byzantine.c: it proposes
# two blocks a height and signs both a block and nil at every step)
# against three honest validators and a follower.
add_executable(bft_byzantine
               "${CMAKE_SOURCE_DIR}/tests/net/byzantine/bft_byzantine.c")
target_link_libraries(bft_byzantine PRIVATE dure_all)
add_test(NAME net/bft_byzantine
         COMMAND ${NODE_EXE} ${CMAKE_SOURCE_DIR}/tests/net/bft_byzantine.mjs
                 $<TARGET_FILE:dure> $<TARGET_FILE:bft_byzantine>)
set_tests_properties(net/bft_byzantine PROPERTIES LABELS net TIMEOUT 150
                     RUN_SERIAL TRUE)
