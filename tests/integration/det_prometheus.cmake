# The Prometheus detector starting Debian's prometheus stack for real and
# alerting on a CPU hog (skipped, code 77, when the packages are missing).
# 46 s alone, 85 s under the full suite's load: labelled slow.
if(TARGET minerlab-det-prometheus)
    add_test(NAME det_prometheus_stack
        COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/det_prometheus/stack.sh)
    set_tests_properties(det_prometheus_stack PROPERTIES TIMEOUT 180 SKIP_RETURN_CODE 77
        LABELS "integration;slow"
        ENVIRONMENT "ML_BIN_DIR=${CMAKE_BINARY_DIR}/bin;ML_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endif()
