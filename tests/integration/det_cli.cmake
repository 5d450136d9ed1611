# The base/opt command lines, --version and --needs of the detectors that
# drive third-party tools, and `minerlab list` showing them.
if(TARGET minerlab AND TARGET minerlab-det-ndpi AND TARGET minerlab-det-tshark
   AND TARGET minerlab-det-sigma AND TARGET minerlab-det-falco)
    add_test(NAME det_cli COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/det_cli/cli.sh
                                  ${CMAKE_BINARY_DIR}/bin)
    set_tests_properties(det_cli PROPERTIES TIMEOUT 120)
endif()
