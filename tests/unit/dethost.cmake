# Host-side reference detectors (cpu-threshold, cpu-steady, memscan,
# exec-watch, browser-watch) and their shared /proc readers, run on recorded
# /proc snapshots in tests/data/dethost/ and on live helper children.
if(TARGET PkgConfig::CMOCKA AND TARGET minerlab_detcommon)
    set(_dh ${CMAKE_SOURCE_DIR}/tests/unit)
    add_cmocka_test(test_det_proc SOURCES ${_dh}/test_det_proc.c
        LINK minerlab_detcommon)
    foreach(_t cpu_threshold cpu_steady memscan exec_watch browser_watch)
        if(TARGET det_${_t} AND EXISTS ${_dh}/test_det_${_t}.c)
            add_cmocka_test(test_det_${_t} SOURCES ${_dh}/test_det_${_t}.c
                LINK det_${_t})
        endif()
    endforeach()
    # The test builds its base64 inputs with OpenSSL; the detector does not link it.
    if(TARGET test_det_exec_watch)
        target_link_libraries(test_det_exec_watch PRIVATE OpenSSL::Crypto)
    endif()
endif()

# The executables themselves: usage errors, --once on a snapshot, SIGTERM.
if(TARGET minerlab-det-exec-watch AND TARGET minerlab-det-memscan)
    add_test(NAME dethost_cli_smoke
        COMMAND ${CMAKE_SOURCE_DIR}/tests/data/dethost/cli_smoke.sh
                ${CMAKE_BINARY_DIR}/bin ${CMAKE_SOURCE_DIR}/tests/data/dethost)
    set_tests_properties(dethost_cli_smoke PROPERTIES TIMEOUT 120)
endif()
