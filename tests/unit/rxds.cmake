# rxds, the own dataset builder: every kernel vs randomx_init_dataset on
# 48 x 37 items spread over the dataset (no dataset allocated), and the
# whole 2080 MiB dataset both ways, item by item (slow: 2 x 2.3 GiB, both
# builders, ~1-2 min on 2 idle cores).
if(TARGET minerlab_rxref)
    add_cmocka_test(test_rxds
        SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_rxds.c
        LINK minerlab_rxref minerlab_common)
    add_test(NAME test_rxds_full COMMAND minerlab-dataset --builder own --threads 2 --compare)
    set_tests_properties(test_rxds_full PROPERTIES LABELS "slow" TIMEOUT 1800)
endif()
