# Integration tests of the harness: fake pool/detectors/launchers from
# tests/data/harness, plus one run with the real pool and miner.
if(TARGET minerlab)
    foreach(t tiny_run sigint sigkill baseline bad_input full_disk real_miner shard_merge cloud_cgroup
              short_lived wallet_scan alert_everything
              cost_duty measured_duty compare labdns_attribution soak soak_slow)
        add_test(NAME harness_${t}
            COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/harness/${t}.sh)
        set_tests_properties(harness_${t} PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77
            ENVIRONMENT "ML_BIN_DIR=${CMAKE_BINARY_DIR}/bin;ML_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
    endforeach()
    # The real miner's measured duty against its nominal one: timing-sensitive.
    set_tests_properties(harness_measured_duty PROPERTIES LABELS slow)
    # The lab internet's namespace and dnsmasq: one at a time.
    set_tests_properties(harness_labdns_attribution PROPERTIES RUN_SERIAL TRUE)
    # Two runs of 10 short windows each.
    set_tests_properties(harness_compare PROPERTIES TIMEOUT 240)
    # A soak killed once it judged an episode (about a minute), and a
    # 10-minute one that runs to its end (slow).
    set_tests_properties(harness_soak PROPERTIES TIMEOUT 240)
    set_tests_properties(harness_soak_slow PROPERTIES TIMEOUT 1200 LABELS slow)
    # Every command's --help, usage errors and short forms (no run started).
    add_test(NAME harness_cli
        COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/harness/cli.sh)
    set_tests_properties(harness_cli PROPERTIES TIMEOUT 60
        ENVIRONMENT "ML_BIN_DIR=${CMAKE_BINARY_DIR}/bin;ML_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endif()
# A small fleet (3 hosts behind a NAT gateway namespace, light mode, 15 s):
# NATed flows on the uplink, their ground truth and scoring, nothing left.
if(TARGET minerlab)
    add_test(NAME harness_fleet
        COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/harness/fleet.sh)
    set_tests_properties(harness_fleet PROPERTIES TIMEOUT 180 SKIP_RETURN_CODE 77
        RUN_SERIAL TRUE LABELS "harness;integration"
        ENVIRONMENT "ML_BIN_DIR=${CMAKE_BINARY_DIR}/bin;ML_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endif()
# Chaos: SIGKILL of the harness (alone, or with its process group) at random
# moments of a real run with cloud/lab-link, fileless and Chromium scenarios;
# nothing of the run may be left. CI: 3 kills; slow: 20.
foreach(v ci slow)
    if(v STREQUAL ci)
        set(_n 3)
        set(_labels "harness;integration")
    else()
        set(_n 20)
        set(_labels "harness;integration;slow")
    endif()
    add_test(NAME harness_chaos_${v}
             COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/harness/chaos.sh ${_n})
    set_tests_properties(harness_chaos_${v} PROPERTIES TIMEOUT 3000 SKIP_RETURN_CODE 77
        LABELS "${_labels}"
        ENVIRONMENT "ML_BIN_DIR=${CMAKE_BINARY_DIR}/bin;ML_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endforeach()
