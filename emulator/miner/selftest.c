#include "selftest.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "miner_job.h"
#include "ml_util.h"
#include "rx.h"

const uint8_t selftest_block_template[76] = {
    0x07, 0x07, 0xf7, 0xa4, 0xf0, 0xd6, 0x05, 0xb3, 0x03, 0x26, 0x08, 0x16, 0xba, 0x3f, 0x10,
    0x90, 0x2e, 0x1a, 0x14, 0x5a, 0xc5, 0xfa, 0xd3, 0xaa, 0x3a, 0xf6, 0xea, 0x44, 0xc1, 0x18,
    0x69, 0xdc, 0x4f, 0x85, 0x3f, 0x00, 0x2b, 0x2e, 0xea, 0x00, 0x00, 0x00, 0x00, 0x77, 0xb2,
    0x06, 0xa0, 0x2c, 0xa5, 0xb1, 0xd4, 0xce, 0x6b, 0xbf, 0xdf, 0x0a, 0xca, 0xc3, 0x8b, 0xde,
    0xd3, 0x4d, 0x2d, 0xcd, 0xee, 0xf9, 0x5c, 0xd2, 0x0c, 0xef, 0xc1, 0x2f, 0x61, 0xd5, 0x61,
    0x09};

const char selftest_bench_xor_hex[65] =
    "10b649a3f15c7c7f88277812f2e74b337a0f20ce909af09199cccb960771cfa1";

struct vector {
    const char *key, *input, *input_hex, *expect;
};

static const char lorem[] = "sed do eiusmod tempor incididunt ut labore et dolore magna aliqua";

static const struct vector vectors[] = {
    {"test key 000", "This is a test", NULL,
     "639183aae1bf4c9a35884cb46b09cad9175f04efd7684e7262a0ac1c2f0b4e3f"},
    {"test key 000", "Lorem ipsum dolor sit amet", NULL,
     "300a0adb47603dedb42228ccb2b211104f4da45af709cd7547cd049e9489c969"},
    {"test key 000", lorem, NULL,
     "c36d4ed4191e617309867ed66a443be4075014e2b061bcdaf9ce7b721d2b77a8"},
    {"test key 001", lorem, NULL,
     "e9ff4503201c0c2cca26d285c93ae883f9b1d30c9eb240b820756f2d5a7905fc"},
    {"test key 001", NULL,
     "0b0b98bea7e805e0010a2126d287a2a0cc833d312cb786385a7c2f9de69d25537f584a9bc9977b00000000"
     "666fd8753bf61a8631f12984e3fd44f4014eca629276817b56f32e9b68bd82f416",
     "c56414121acda1713c2f2a819d8ae38aed7c80c35c2a769298d34f03833cd5f1"},
};

static int check_vector(struct rx_ctx *ctx, struct rx_vm *vm, const struct vector *v, int idx)
{
    uint8_t in[128], out[32];
    size_t len;
    char hex[65];
    rx_ctx_rekey(ctx, v->key, strlen(v->key));
    if (rx_vm_sync(vm))
        return -1;
    if (v->input_hex) {
        len = strlen(v->input_hex) / 2;
        ml_hex_decode(v->input_hex, in, len);
    } else {
        len = strlen(v->input);
        memcpy(in, v->input, len);
    }
    rx_vm_hash(vm, in, len, out);
    ml_hex_encode(out, 32, hex);
    int ok = !strcmp(hex, v->expect);
    printf("selftest: vector %d (%s): %s\n", idx + 1, v->key, ok ? "ok" : "MISMATCH");
    if (!ok)
        printf("  expected %s\n  got      %s\n", v->expect, hex);
    return ok ? 0 : -1;
}

struct xor_job {
    struct rx_vm *vm;
    int index, stride;
    uint8_t xor[32];
};

static void *xor_worker(void *arg)
{
    struct xor_job *j = arg;
    uint8_t blob[76], out[32];
    memcpy(blob, selftest_block_template, sizeof(blob));
    if (rx_vm_sync(j->vm)) {
        memset(j->xor, 0xff, sizeof(j->xor)); /* makes the check fail */
        return NULL;
    }
    for (uint32_t n = (uint32_t)j->index; n < 1000; n += (uint32_t)j->stride) {
        ml_store32le(blob + MINER_NONCE_OFFSET, n);
        rx_vm_hash(j->vm, blob, sizeof(blob), out);
        for (int i = 0; i < 32; i++)
            j->xor[i] ^= out[i];
    }
    return NULL;
}

/* The upstream benchmark reference: 1000 nonces, XOR of all hashes. */
static int check_bench_xor(struct rx_ctx *ctx, struct rx_vm **vms, int threads)
{
    struct xor_job jobs[64];
    pthread_t tids[64];
    uint8_t key[4] = {0, 0, 0, 0}, total[32] = {0};
    char hex[65];
    uint64_t t0 = ml_mono_ns();
    rx_ctx_rekey(ctx, key, sizeof(key));
    for (int t = 0; t < threads; t++) {
        jobs[t] = (struct xor_job){.vm = vms[t], .index = t, .stride = threads};
        pthread_create(&tids[t], NULL, xor_worker, &jobs[t]);
    }
    for (int t = 0; t < threads; t++) {
        pthread_join(tids[t], NULL);
        for (int i = 0; i < 32; i++)
            total[i] ^= jobs[t].xor[i];
    }
    ml_hex_encode(total, 32, hex);
    int ok = !strcmp(hex, selftest_bench_xor_hex);
    printf("selftest: 1000-nonce benchmark XOR (%d threads, %.1f s): %s\n", threads,
           (double)(ml_mono_ns() - t0) / 1e9, ok ? "ok" : "MISMATCH");
    if (!ok)
        printf("  expected %s\n  got      %s\n", selftest_bench_xor_hex, hex);
    return ok ? 0 : -1;
}

int selftest_run(int threads, int verbose)
{
    struct rx_config cfg = {.mode = RX_MODE_LIGHT, .pages = RX_PAGES_SMALL, .quiet = !verbose};
    struct rx_ctx *ctx = NULL;
    struct rx_vm *vms[64] = {0};
    char err[256];
    int failed = 0;
    if (threads <= 0)
        threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads > 64)
        threads = 64;
    if (rx_ctx_create(&cfg, &ctx, err, sizeof(err))) {
        fprintf(stderr, "selftest: %s\n", err);
        return -1;
    }
    for (int t = 0; t < threads; t++) {
        if (!(vms[t] = rx_vm_create(ctx, err, sizeof(err)))) {
            fprintf(stderr, "selftest: %s\n", err);
            failed = 1;
            goto out;
        }
    }
    printf("selftest: librandomx flags %s, light mode\n", rx_ctx_info(ctx)->flags_str);
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
        failed |= check_vector(ctx, vms[0], &vectors[i], (int)i) != 0;
    failed |= check_bench_xor(ctx, vms, threads) != 0;
    printf("selftest: %s\n", failed ? "FAILED" : "all checks passed");
out:
    for (int t = 0; t < threads; t++)
        rx_vm_destroy(vms[t]);
    rx_ctx_destroy(ctx);
    return failed ? -1 : 0;
}
