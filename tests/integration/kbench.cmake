# minerlab bench, the hash-kernel benchmark: light mode, lib-jit and the demo
# external kernel, its four faults, and the memory check (docs/kbench.md).
if(TARGET minerlab AND TARGET minerlab-kbench)
    add_test(NAME kbench_light COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/kbench/kbench.sh)
    set_tests_properties(kbench_light PROPERTIES TIMEOUT 600
        ENVIRONMENT "ML_BIN_DIR=${CMAKE_BINARY_DIR}/bin;ML_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endif()
