# The Sigma engine and the detectors built on it (sigma, auditd, bpftrace),
# and the Suricata EVE / Falco adapters, on recorded inputs in tests/data/sigma/.
if(TARGET det_sigma AND TARGET PkgConfig::CMOCKA)
    add_cmocka_test(test_det_sigma SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_det_sigma.c
        LINK det_sigma)
    target_compile_definitions(test_det_sigma PRIVATE MINERLAB_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
endif()
