#include "rx_vectors.h"

#include <string.h>

#include "ml_util.h"

const struct rx_vector rx_vectors[RX_NVECTORS] = {
    {"test key 000", "This is a test", 0,
     "639183aae1bf4c9a35884cb46b09cad9175f04efd7684e7262a0ac1c2f0b4e3f"},
    {"test key 000", "Lorem ipsum dolor sit amet", 0,
     "300a0adb47603dedb42228ccb2b211104f4da45af709cd7547cd049e9489c969"},
    {"test key 000",
     "sed do eiusmod tempor incididunt ut labore et dolore magna aliqua", 0,
     "c36d4ed4191e617309867ed66a443be4075014e2b061bcdaf9ce7b721d2b77a8"},
    {"test key 001",
     "sed do eiusmod tempor incididunt ut labore et dolore magna aliqua", 0,
     "e9ff4503201c0c2cca26d285c93ae883f9b1d30c9eb240b820756f2d5a7905fc"},
    {"test key 001",
     "0b0b98bea7e805e0010a2126d287a2a0cc833d312cb786385a7c2f9de69d25537f584a9bc99"
     "77b00000000666fd8753bf61a8631f12984e3fd44f4014eca629276817b56f32e9b68bd82f416",
     1, "c56414121acda1713c2f2a819d8ae38aed7c80c35c2a769298d34f03833cd5f1"},
};

const uint8_t rx_bench_template[RX_BENCH_TEMPLATE_LEN] = {
    0x07, 0x07, 0xf7, 0xa4, 0xf0, 0xd6, 0x05, 0xb3, 0x03, 0x26, 0x08, 0x16, 0xba,
    0x3f, 0x10, 0x90, 0x2e, 0x1a, 0x14, 0x5a, 0xc5, 0xfa, 0xd3, 0xaa, 0x3a, 0xf6,
    0xea, 0x44, 0xc1, 0x18, 0x69, 0xdc, 0x4f, 0x85, 0x3f, 0x00, 0x2b, 0x2e, 0xea,
    0x00, 0x00, 0x00, 0x00, 0x77, 0xb2, 0x06, 0xa0, 0x2c, 0xa5, 0xb1, 0xd4, 0xce,
    0x6b, 0xbf, 0xdf, 0x0a, 0xca, 0xc3, 0x8b, 0xde, 0xd3, 0x4d, 0x2d, 0xcd, 0xee,
    0xf9, 0x5c, 0xd2, 0x0c, 0xef, 0xc1, 0x2f, 0x61, 0xd5, 0x61, 0x09};

size_t rx_vector_input(const struct rx_vector *v, uint8_t *buf, size_t cap)
{
    size_t len = strlen(v->input);
    if (v->input_hex) {
        len /= 2;
        if (len > cap || ml_hex_decode(v->input, buf, len) != 0)
            return 0;
        return len;
    }
    if (len > cap)
        return 0;
    memcpy(buf, v->input, len);
    return len;
}
