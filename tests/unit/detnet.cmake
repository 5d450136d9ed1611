# Network reference detectors (stratum-dpi, pool-endpoint, flow-cadence) and
# the shared capture code, run on the recorded pcaps in tests/data/detnet/.
if(TARGET det_stratum_dpi AND TARGET det_pool_endpoint AND TARGET det_flow_cadence
   AND TARGET PkgConfig::CMOCKA)
    set(_dn ${CMAKE_SOURCE_DIR}/tests/unit)
    foreach(_t capture sdpi pep fc)
        set(_lib det_stratum_dpi)
        if(_t STREQUAL "pep")
            set(_lib det_pool_endpoint)
        elseif(_t STREQUAL "fc")
            set(_lib det_flow_cadence)
        endif()
        add_cmocka_test(test_det_net_${_t}
            SOURCES ${_dn}/test_det_net_${_t}.c ${_dn}/test_det_net_util.c
            LINK ${_lib})
        target_include_directories(test_det_net_${_t} PRIVATE ${_dn})
    endforeach()
    add_cmocka_test(test_det_home SOURCES ${_dn}/test_det_home.c LINK minerlab_detcommon)
    # The three executables' command lines: option tables, --home-net, exit 2.
    add_test(NAME det_net_cli COMMAND bash ${CMAKE_SOURCE_DIR}/tests/data/detnet/cli.sh
             ${CMAKE_BINARY_DIR}/bin ${CMAKE_SOURCE_DIR}/tests/data/detnet)
    set_tests_properties(det_net_cli PROPERTIES TIMEOUT 120)
endif()

# The adapters run Debian's yara and tshark for real (skipped when missing).
if(TARGET minerlab-det-yara AND TARGET minerlab-det-tshark AND TARGET PkgConfig::CMOCKA)
    add_cmocka_test(test_det_net_adapters
        SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_det_net_adapters.c
                ${CMAKE_SOURCE_DIR}/tests/unit/test_det_net_util.c
        LINK minerlab_detcommon PkgConfig::PCAP)
    target_include_directories(test_det_net_adapters PRIVATE ${CMAKE_SOURCE_DIR}/tests/unit)
    add_dependencies(test_det_net_adapters minerlab-det-yara minerlab-det-tshark)
endif()

# The detectors' own WebSocket parser against RFC 6455's examples and the
# emulator's framing (the test links both; the detectors link only det_ws).
if(TARGET PkgConfig::CMOCKA AND TARGET minerlab_detcommon)
    add_cmocka_test(test_det_ws SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_det_ws.c
                    LINK minerlab_detcommon minerlab_common)
endif()

