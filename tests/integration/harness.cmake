# Integration tests of the harness: fake pool/detectors/launchers from
# tests/data/harness, plus one run with the real pool and miner.
if(TARGET minerlab)
    foreach(t tiny_run sigint sigkill baseline bad_input full_disk real_miner shard_merge
              cost_duty measured_duty compare)
        add_test(NAME harness_${t}
            COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/harness/${t}.sh)
        set_tests_properties(harness_${t} PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77
            ENVIRONMENT "ML_BIN_DIR=${CMAKE_BINARY_DIR}/bin;ML_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
    endforeach()
    # The real miner's measured duty against its nominal one: timing-sensitive.
    set_tests_properties(harness_measured_duty PROPERTIES LABELS slow)
    # Two runs of 10 short windows each.
    set_tests_properties(harness_compare PROPERTIES TIMEOUT 240)
endif()
