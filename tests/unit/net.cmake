# Unit tests of the network layer (Stratum codec, line reader, WebSocket
# framing and HTTP heads, lab guard).
foreach(t test_stratum test_linereader test_ws test_netguard test_labdns)
    add_cmocka_test(${t} SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/${t}.c
                    LINK minerlab_common LABELS net)
endforeach()
