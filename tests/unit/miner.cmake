# The miner's core: option parser, duty controller, RandomX wrapper.
add_cmocka_test(test_miner_options
    SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_miner_options.c
    LINK minerlab_miner)
add_cmocka_test(test_miner_duty
    SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_miner_duty.c
    LINK minerlab_miner)
add_cmocka_test(test_miner_backend
    SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_miner_backend.c
    LINK minerlab_miner)
