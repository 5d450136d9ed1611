# Portable RandomX reference VM (emulator/rxref): bit-exactness against
# librandomx. Light mode only (256 MiB cache; dataset items one at a time).
# 1000 random inputs in two shards of 500 (different seeds) so that the two
# CI cores share them; about 75 s each in the plain build.
if(TARGET minerlab_rxref)
    if(MINERLAB_SANITIZE)
        set(_rxref_n 80)   # same code paths, the VM is ~5x slower under ASan
    else()
        set(_rxref_n 500)
    endif()
    add_cmocka_test(test_rxref
        SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_rxref.c
        LINK minerlab_rxref OpenSSL::Crypto)
    target_compile_definitions(test_rxref PRIVATE RXREF_TEST_DEFAULT_N=${_rxref_n})
    set(_rxref_env "ML_BIN_DIR=${CMAKE_BINARY_DIR}/bin;ML_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
    add_test(NAME test_rxref_shard2 COMMAND test_rxref)
    set_tests_properties(test_rxref_shard2 PROPERTIES TIMEOUT 300
        ENVIRONMENT "RXREF_SEED=2;${_rxref_env}")
    add_test(NAME test_rxref_slow COMMAND test_rxref)
    set_tests_properties(test_rxref_slow PROPERTIES LABELS "slow" TIMEOUT 3600
        ENVIRONMENT "RXREF_SEED=3;RXREF_RANDOM_N=10000;${_rxref_env}")
endif()
