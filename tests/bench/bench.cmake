# Benchmarks: built with everything (so they keep compiling) but never run by
# ctest. `cmake --build build --target bench-miner` runs the miner's set.
add_executable(rx_ceiling ${CMAKE_SOURCE_DIR}/tests/bench/rx_ceiling.c)
target_link_libraries(rx_ceiling PRIVATE randomx::randomx minerlab_warnings)
add_custom_target(bench-miner
    COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/bench/miner_bench.py ${CMAKE_BINARY_DIR}/bin
            ${CMAKE_BINARY_DIR}/bench-results
    DEPENDS rx_ceiling minerlab-miner USES_TERMINAL)
