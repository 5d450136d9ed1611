# Network detectors' keep-up benchmark (not run by ctest):
#   cmake --build build --target bench-detnet
add_executable(det_net_load ${CMAKE_SOURCE_DIR}/tests/bench/det_net_load.c)
target_link_libraries(det_net_load PRIVATE minerlab_warnings)
if(TARGET minerlab-det-stratum-dpi AND TARGET minerlab-det-tshark)
    add_custom_target(bench-detnet
        COMMAND ${CMAKE_SOURCE_DIR}/tests/bench/det_net_load.sh ${CMAKE_BINARY_DIR}/bin 60 5000 100
        DEPENDS det_net_load minerlab-det-stratum-dpi minerlab-det-pool-endpoint
                minerlab-det-flow-cadence minerlab-det-tshark
        USES_TERMINAL)
endif()
