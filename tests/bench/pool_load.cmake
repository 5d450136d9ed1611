# The pool load generator (tests/bench/pool_load.c) and a short smoke test
# of it against a real pool; the full benchmark is pool_load.sh (slow).
add_executable(pool_load ${CMAKE_SOURCE_DIR}/tests/bench/pool_load.c)
target_link_libraries(pool_load PRIVATE minerlab_common minerlab_warnings)
add_test(NAME net_pool_load_smoke
    COMMAND bash ${CMAKE_SOURCE_DIR}/tests/bench/pool_load.sh smoke)
set_tests_properties(net_pool_load_smoke PROPERTIES TIMEOUT 60
    ENVIRONMENT "ML_BIN_DIR=${CMAKE_BINARY_DIR}/bin" LABELS "net;bench")
