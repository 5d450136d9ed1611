# Fuzz targets of the network layer and the YAML loaders. With clang and
# -DMINERLAB_FUZZ=ON they build as libFuzzer binaries (fuzz_stratum, fuzz_ws,
# fuzz_httphead, fuzz_yaml); otherwise they build as corpus replays that
# ctest runs over the seed corpus.
set(_fz ${CMAKE_SOURCE_DIR}/tests/fuzz)
foreach(t stratum ws httphead yaml)
    if(MINERLAB_FUZZ)
        add_executable(fuzz_${t} ${_fz}/fuzz_${t}.c)
        target_compile_options(fuzz_${t} PRIVATE -fsanitize=fuzzer,address,undefined)
        target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer,address,undefined)
    else()
        add_executable(fuzz_${t} ${_fz}/fuzz_${t}.c ${_fz}/fuzz_replay.c)
        add_test(NAME fuzz_replay_${t} COMMAND fuzz_${t} ${_fz}/corpus/${t})
        set_tests_properties(fuzz_replay_${t} PROPERTIES TIMEOUT 60 LABELS "net;fuzz")
    endif()
    if(t STREQUAL yaml)
        target_link_libraries(fuzz_${t} PRIVATE minerlab_harness minerlab_warnings)
    else()
        target_link_libraries(fuzz_${t} PRIVATE minerlab_common minerlab_warnings)
    endif()
endforeach()
# The pool under a fuzzing client over TCP, TLS and WebSocket at once (20 s
# here; tests/fuzz/pool_fuzz.sh 600 is the long run).
add_test(NAME fuzz_pool_client COMMAND bash ${_fz}/pool_fuzz.sh 20)
set_tests_properties(fuzz_pool_client PROPERTIES TIMEOUT 150 LABELS "net;fuzz"
    ENVIRONMENT "ML_BIN_DIR=${CMAKE_BINARY_DIR}/bin;ML_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
