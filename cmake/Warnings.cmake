# One INTERFACE target that every component links: warnings plus the
# optional sanitizer build (libuv's ASAN/UBSAN options, folded into one).
option(MINERLAB_SANITIZE "Build with AddressSanitizer and UBSan" OFF)
option(MINERLAB_WERROR "Treat warnings as errors" OFF)

add_library(minerlab_warnings INTERFACE)
target_compile_options(minerlab_warnings INTERFACE
    $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra -Wshadow -Wstrict-prototypes
    -Wno-unused-parameter>)
target_compile_definitions(minerlab_warnings INTERFACE _GNU_SOURCE)
if(MINERLAB_WERROR)
    target_compile_options(minerlab_warnings INTERFACE -Werror)
endif()
if(MINERLAB_SANITIZE)
    target_compile_options(minerlab_warnings INTERFACE
        -fsanitize=address,undefined -fno-omit-frame-pointer
        -fno-sanitize-recover=undefined)
    target_link_options(minerlab_warnings INTERFACE -fsanitize=address,undefined)
endif()
