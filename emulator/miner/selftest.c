#include "selftest.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "miner_job.h"
#include "ml_util.h"
#include "rx.h"
#include "rx_vectors.h"

const char selftest_bench_xor_hex[65] =
    "10b649a3f15c7c7f88277812f2e74b337a0f20ce909af09199cccb960771cfa1";

static int check_vector(struct rx_ctx *ctx, struct rx_vm *vm, const struct rx_vector *v,
                        int idx)
{
    uint8_t in[128], out[32];
    char hex[65];
    size_t len = rx_vector_input(v, in, sizeof(in));
    rx_ctx_rekey(ctx, v->key, strlen(v->key));
    if (!len || rx_vm_sync(vm))
        return -1;
    rx_vm_hash(vm, in, len, out);
    ml_hex_encode(out, 32, hex);
    int ok = !strcmp(hex, v->hash);
    printf("selftest: vector %d (%s): %s\n", idx + 1, v->key, ok ? "ok" : "MISMATCH");
    if (!ok)
        printf("  expected %s\n  got      %s\n", v->hash, hex);
    return ok ? 0 : -1;
}

struct xor_job {
    struct rx_vm *vm;
    int index, stride;
    uint8_t xor [32];
};

static void *xor_worker(void *arg)
{
    struct xor_job *j = arg;
    uint8_t blob[76], out[32];
    memcpy(blob, rx_bench_template, sizeof(blob));
    if (rx_vm_sync(j->vm)) {
        memset(j->xor, 0xff, sizeof(j->xor)); /* makes the check fail */
        return NULL;
    }
    for (uint32_t n = (uint32_t)j->index; n < 1000; n += (uint32_t)j->stride) {
        ml_store32le(blob + MINER_NONCE_OFFSET, n);
        rx_vm_hash(j->vm, blob, sizeof(blob), out);
        for (int i = 0; i < 32; i++)
            j->xor [i] ^= out[i];
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
            total[i] ^= jobs[t].xor [i];
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
    struct rx_config cfg = {
        .mode = RX_MODE_LIGHT, .pages = RX_PAGES_SMALL, .quiet = !verbose};
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
    for (int i = 0; i < RX_NVECTORS; i++)
        failed |= check_vector(ctx, vms[0], &rx_vectors[i], i) != 0;
    failed |= check_bench_xor(ctx, vms, threads) != 0;
    printf("selftest: %s\n", failed ? "FAILED" : "all checks passed");
out:
    for (int t = 0; t < threads; t++)
        rx_vm_destroy(vms[t]);
    rx_ctx_destroy(ctx);
    return failed ? -1 : 0;
}
