# The base library (base/): parsers and fork-and-pipe.
if(TARGET PkgConfig::CMOCKA)
    add_cmocka_test(test_base SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_base.c
                    LINK minerlab_base)
endif()
# The option tables' second-wave kinds (short names, callbacks, operands).
if(TARGET PkgConfig::CMOCKA)
    add_cmocka_test(test_base_opt SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_base_opt.c
                    LINK minerlab_base)
endif()
