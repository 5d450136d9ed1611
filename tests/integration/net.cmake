# Integration tests of the network layer: the real pool and miner against
# each other over TCP, TLS and WebSocket; the lab guard; bad input; the
# browser lane; reconnects and vardiff.
set(_net_dir ${CMAKE_SOURCE_DIR}/tests/integration/net)
function(net_test name labels)
    add_test(NAME ${name} COMMAND bash ${_net_dir}/${ARGN})
    set_tests_properties(${name} PROPERTIES TIMEOUT 120 LABELS "${labels}"
        ENVIRONMENT "ML_BIN_DIR=${CMAKE_BINARY_DIR}/bin;ML_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()
foreach(t tcp tls ws)
    net_test(net_pool_miner_${t} "net;integration" pool_miner.sh ${t})
endforeach()
# Re-keys on both sides every 8 s: too slow to be dependable under ASan on a
# loaded 2-core box, so it runs in the plain build only.
net_test(net_pool_miner_rotate "net;integration;slow" pool_miner.sh rotate)
net_test(net_guard "net;integration" guard.sh)
net_test(net_non_lab_job "net;integration" non_lab_job.sh)
net_test(net_safety "net;integration" safety.sh)
# The guard inside an empty network namespace (unshare -n; root only, else 77).
net_test(net_guard_netns "net;integration" netns.sh)
set_tests_properties(net_guard_netns PROPERTIES SKIP_RETURN_CODE 77)
net_test(net_pool_bad_input "net;integration" bad_input.sh)
net_test(net_browser_lane "net;integration" browser_lane.sh)
net_test(net_reconnect_vardiff "net;integration" reconnect.sh)
# Pool names through a real dnsmasq (the lab DNS), SNI, lab-CA certificates,
# wss:// (issue 12). Skips (77) without dnsmasq.
net_test(net_labdns "net;integration" labdns.sh)
set_tests_properties(net_labdns PROPERTIES SKIP_RETURN_CODE 77)
# The same bars inside an empty network namespace with every packet
# captured: nothing but the lab DNS and the pool is ever contacted. Root only
# (skips with 77 otherwise).
net_test(net_labdns_netns "net;integration" labdns_netns.sh)
set_tests_properties(net_labdns_netns PROPERTIES SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
# The lab internet (harness/launch/labinet.sh): the pool as a remote host
# reached by name from the root namespace. Root only (77 otherwise).
net_test(net_labinet "net;integration" labinet.sh)
set_tests_properties(net_labinet PROPERTIES SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
# The real-Chromium page from the lab web host by name, wss:// to the pool by
# name, every packet of the victim captured: DNS goes to the lab DNS only.
# Root and chromium (77 otherwise); ~40 s of Chromium: slow.
net_test(net_chromium_labweb "net;integration;slow" chromium_labweb.sh)
set_tests_properties(net_chromium_labweb PROPERTIES SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
net_test(net_slow_peer "net;integration" slow_peer.sh)
net_test(net_share_flood "net;integration" share_flood.sh)
net_test(net_pool_caps "net;integration" caps.sh)
