# The tshark adapter's ring feeder (dumpcap ring files -> one tshark stream),
# and the adapter capturing live through it.
if(TARGET det_tshark AND TARGET minerlab-det-tshark AND TARGET PkgConfig::CMOCKA)
    add_cmocka_test(test_det_tshark_ring
        SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_det_tshark_ring.c
        LINK det_tshark)
    add_dependencies(test_det_tshark_ring minerlab-det-tshark)
endif()
