# Prometheus detector: config/rule generation (checked by Debian's promtool
# when installed), alerts-API parsing on recorded pages, exporter pages.
if(TARGET det_prometheus AND TARGET PkgConfig::CMOCKA)
    add_cmocka_test(test_det_prometheus
        SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_det_prometheus.c
        LINK det_prometheus)
endif()
