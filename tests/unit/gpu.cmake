# GPU pieces that CI can check without a GPU: the gpu-util detector (parsers
# and the real executable against a fake nvidia-smi), the CUDA check tool's
# and the gpu launcher's "no NVIDIA GPU" path. The checks that need a GPU are
# tests/gpu/run.sh (run by hand on a GPU machine).
if(TARGET det_gpu_util)
    add_cmocka_test(test_gpu_util
        SOURCES ${CMAKE_SOURCE_DIR}/tests/gpu/test_gpu_util.c
        LINK det_gpu_util)
    add_dependencies(test_gpu_util minerlab-det-gpu-util)
endif()
set(_gpu_env "ML_BIN_DIR=${CMAKE_BINARY_DIR}/bin;ML_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
if(TARGET minerlab-cuda-check)
    add_test(NAME test_cuda_nogpu COMMAND sh ${CMAKE_SOURCE_DIR}/tests/gpu/nogpu.sh cuda-check)
    set_tests_properties(test_cuda_nogpu PROPERTIES TIMEOUT 60 LABELS "noasan"
        ENVIRONMENT "${_gpu_env}")
endif()
add_test(NAME test_gpu_launcher_check COMMAND sh ${CMAKE_SOURCE_DIR}/tests/gpu/nogpu.sh launcher)
set_tests_properties(test_gpu_launcher_check PROPERTIES TIMEOUT 60 ENVIRONMENT "${_gpu_env}")
