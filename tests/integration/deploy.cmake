# The Kubernetes recipe of the scale-out (deploy/kubernetes/), decoded
# offline by kubectl; skipped where kubectl is not installed.
add_test(NAME deploy_kubernetes
    COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/deploy/kubernetes.sh)
set_tests_properties(deploy_kubernetes PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77
    ENVIRONMENT "ML_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
