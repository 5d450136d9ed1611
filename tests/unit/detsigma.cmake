# The Sigma engine and the detectors built on it (sigma, auditd, bpftrace),
# and the Suricata EVE / Falco adapters, on recorded inputs in tests/data/sigma/.
if(TARGET det_sigma AND TARGET PkgConfig::CMOCKA)
    add_cmocka_test(test_det_sigma SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_det_sigma.c
        LINK det_sigma)
    target_compile_definitions(test_det_sigma PRIVATE MINERLAB_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
endif()

if(TARGET det_suricata_eve AND TARGET det_falco AND TARGET PkgConfig::CMOCKA)
    add_cmocka_test(test_det_log_adapters
        SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_det_log_adapters.c
        LINK det_suricata_eve det_falco)
    target_include_directories(test_det_log_adapters PRIVATE
        ${CMAKE_SOURCE_DIR}/detectors-under-test/falco)
    target_compile_definitions(test_det_log_adapters PRIVATE
        MINERLAB_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
endif()
if(TARGET minerlab-det-suricata-eve AND TARGET minerlab-det-falco)
    add_test(NAME detsigma_adapters_cli
        COMMAND ${CMAKE_SOURCE_DIR}/tests/data/sigma/adapters_cli.sh
                ${CMAKE_BINARY_DIR}/bin ${CMAKE_SOURCE_DIR}/tests/data/sigma)
    set_tests_properties(detsigma_adapters_cli PROPERTIES TIMEOUT 60)
endif()

if(TARGET det_auditd AND TARGET PkgConfig::CMOCKA)
    add_cmocka_test(test_det_auditd SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_det_auditd.c
        LINK det_auditd)
endif()
if(TARGET minerlab-det-sigma AND TARGET minerlab-det-auditd)
    add_test(NAME detsigma_cli
        COMMAND ${CMAKE_SOURCE_DIR}/tests/data/sigma/sigma_cli.sh
                ${CMAKE_BINARY_DIR}/bin ${CMAKE_SOURCE_DIR}/tests/data/sigma)
    set_tests_properties(detsigma_cli PROPERTIES TIMEOUT 60)
endif()

if(TARGET det_bpftrace AND TARGET PkgConfig::CMOCKA)
    add_cmocka_test(test_det_bpftrace SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_det_bpftrace.c
        LINK det_bpftrace)
    target_compile_definitions(test_det_bpftrace PRIVATE MINERLAB_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
endif()

# The adapters run by the harness with --detector NAME:FILE (fake pool and miner).
if(TARGET minerlab AND TARGET minerlab-det-falco AND TARGET minerlab-det-suricata-eve)
    add_test(NAME detsigma_adapter_run
        COMMAND bash ${CMAKE_SOURCE_DIR}/tests/data/sigma/adapter_run.sh)
    set_tests_properties(detsigma_adapter_run PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77
        ENVIRONMENT "ML_BIN_DIR=${CMAKE_BINARY_DIR}/bin;ML_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endif()
