# Integration tests of the network layer: the real pool and miner against
# each other over TCP, TLS and WebSocket; the lab guard; bad input.
set(_net_dir ${CMAKE_SOURCE_DIR}/tests/integration/net)
set(_net_env "ML_BIN_DIR=${CMAKE_BINARY_DIR}/bin;ML_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
foreach(t tcp tls ws rotate)
    add_test(NAME net_pool_miner_${t} COMMAND bash ${_net_dir}/pool_miner.sh ${t})
    set_tests_properties(net_pool_miner_${t} PROPERTIES TIMEOUT 120
        ENVIRONMENT "${_net_env}" LABELS "net;integration")
endforeach()
# Re-keys on both sides every 8 s: too slow to be dependable under ASan on a
# loaded 2-core box, so it runs in the plain build only.
set_tests_properties(net_pool_miner_rotate PROPERTIES LABELS "net;integration;slow")
add_test(NAME net_guard COMMAND bash ${_net_dir}/guard.sh)
set_tests_properties(net_guard PROPERTIES TIMEOUT 90 ENVIRONMENT "${_net_env}"
    LABELS "net;integration")
add_test(NAME net_pool_bad_input COMMAND bash ${_net_dir}/bad_input.sh)
set_tests_properties(net_pool_bad_input PROPERTIES TIMEOUT 120 ENVIRONMENT "${_net_env}"
    LABELS "net;integration")
add_test(NAME net_browser_lane COMMAND bash ${_net_dir}/browser_lane.sh)
set_tests_properties(net_browser_lane PROPERTIES TIMEOUT 90 ENVIRONMENT "${_net_env}"
    LABELS "net;integration")
add_test(NAME net_reconnect_vardiff COMMAND bash ${_net_dir}/reconnect.sh)
set_tests_properties(net_reconnect_vardiff PROPERTIES TIMEOUT 120 ENVIRONMENT "${_net_env}"
    LABELS "net;integration")
