# The miner's command line end to end: self-test vectors, the offline bench,
# process identity and clear errors on bad input.
add_test(NAME miner_selftest COMMAND ${CMAKE_BINARY_DIR}/bin/minerlab-miner --selftest)
set_tests_properties(miner_selftest PROPERTIES TIMEOUT 300
    PASS_REGULAR_EXPRESSION "all checks passed")
add_test(NAME miner_cli COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/miner/miner_cli.sh
    ${CMAKE_BINARY_DIR}/bin/minerlab-miner)
set_tests_properties(miner_cli PROPERTIES TIMEOUT 300)
if(MINERLAB_SANITIZE)
    set_tests_properties(miner_cli PROPERTIES ENVIRONMENT "ML_SANITIZED=1")
endif()
