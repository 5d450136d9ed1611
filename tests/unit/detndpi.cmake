# nDPI detector (Debian's libndpi) on the recorded pcaps in tests/data/detnet/.
if(TARGET det_ndpi AND TARGET PkgConfig::CMOCKA)
    add_cmocka_test(test_det_ndpi
        SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_det_ndpi.c
                ${CMAKE_SOURCE_DIR}/tests/unit/test_det_net_util.c
        LINK det_ndpi)
    target_include_directories(test_det_ndpi PRIVATE ${CMAKE_SOURCE_DIR}/tests/unit)
endif()
