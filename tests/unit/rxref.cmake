# Portable RandomX reference VM (emulator/rxref): bit-exactness against
# librandomx, the five vectors and 1000 random inputs (light mode: items are
# computed one at a time from librandomx's 256 MiB cache; the test's sparse
# dataset grows to ~2 GiB of address space, mostly huge pages).
if(TARGET minerlab_rxref)
    if(MINERLAB_SANITIZE)
        set(_rxref_n 150)   # same code paths; the VM is several times slower
    else()
        set(_rxref_n 1000)
    endif()
    add_cmocka_test(test_rxref
        SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_rxref.c
        LINK minerlab_rxref OpenSSL::Crypto)
    target_compile_definitions(test_rxref PRIVATE RXREF_TEST_DEFAULT_N=${_rxref_n})
    # ~95 s of CPU; on a loaded 2-core machine the wall time can triple.
    set_tests_properties(test_rxref PROPERTIES TIMEOUT 900)
    add_test(NAME test_rxref_slow COMMAND test_rxref)
    set_tests_properties(test_rxref_slow PROPERTIES LABELS "slow" TIMEOUT 3600
        ENVIRONMENT "RXREF_SEED=3;RXREF_RANDOM_N=10000;ML_BIN_DIR=${CMAKE_BINARY_DIR}/bin;ML_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endif()
