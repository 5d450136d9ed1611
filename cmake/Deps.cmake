# Debian 12 packages; Debian ships no pkg-config file for librandomx.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)

find_library(RANDOMX_LIB randomx REQUIRED)
find_path(RANDOMX_INCLUDE randomx.h REQUIRED)
add_library(randomx::randomx INTERFACE IMPORTED)
set_target_properties(randomx::randomx PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${RANDOMX_INCLUDE}"
    INTERFACE_LINK_LIBRARIES "${RANDOMX_LIB};stdc++;Threads::Threads")

pkg_check_modules(LIBUV REQUIRED IMPORTED_TARGET libuv)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
# c-ares: the miner resolves pool names through the lab DNS only (labdns.c).
pkg_check_modules(CARES REQUIRED IMPORTED_TARGET libcares)
pkg_check_modules(CMOCKA IMPORTED_TARGET cmocka)
pkg_check_modules(PCAP IMPORTED_TARGET libpcap)

find_library(CYAML_LIB cyaml)
find_path(CYAML_INCLUDE cyaml/cyaml.h)
if(CYAML_LIB AND CYAML_INCLUDE)
    add_library(cyaml::cyaml INTERFACE IMPORTED)
    set_target_properties(cyaml::cyaml PROPERTIES
        INTERFACE_INCLUDE_DIRECTORIES "${CYAML_INCLUDE}"
        INTERFACE_LINK_LIBRARIES "${CYAML_LIB}")
endif()

# RandomX v2 appears in upstream 2.0; guard its code at compile time.
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_INCLUDES ${RANDOMX_INCLUDE})
check_c_source_compiles("#include <randomx.h>
int main(void) { return (int)RANDOMX_FLAG_V2; }" MINERLAB_HAVE_RANDOMX_V2)
unset(CMAKE_REQUIRED_INCLUDES)
