# Unit tests of the harness (minerlab): scoring, scenario loading, detector
# lines, reports and baselines. Only when the harness is built (libcyaml).
if(TARGET minerlab_harness AND TARGET PkgConfig::CMOCKA)
    foreach(t score scenario detector report plan proc_events stats cpumeter labdnslog natflows soak)
        add_cmocka_test(test_harness_${t}
            SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_harness_${t}.c
            LINK minerlab_harness)
    endforeach()
endif()
