/* The CPU backend on real RandomX (light mode): shares meet the target and
 * re-hash to the same value, a seed change re-keys, nicehash keeps byte 42,
 * pause stops hashing, stop joins every thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "ml_util.h"
#include "rx.h"
#include "rx_vectors.h"

struct sink {
    pthread_mutex_t lock;
    struct miner_result r[512];
    int n;
};

static void on_result(void *ud, const struct miner_result *r)
{
    struct sink *s = ud;
    pthread_mutex_lock(&s->lock);
    if (s->n < 512)
        s->r[s->n++] = *r;
    pthread_mutex_unlock(&s->lock);
}

static void wait_results(struct sink *s, int want, double max_s)
{
    uint64_t end = ml_mono_ns() + (uint64_t)(max_s * 1e9);
    for (;;) {
        pthread_mutex_lock(&s->lock);
        int n = s->n;
        pthread_mutex_unlock(&s->lock);
        if (n >= want || ml_mono_ns() > end)
            return;
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
}

static struct miner_job make_job(const char *id, uint8_t seed_byte, int nicehash)
{
    struct miner_job j = {
        .blob_len = 76, .target64 = UINT64_MAX / 4, .nicehash = nicehash};
    snprintf(j.job_id, sizeof(j.job_id), "%s", id);
    memcpy(j.blob, rx_bench_template, RX_BENCH_TEMPLATE_LEN);
    j.blob[42] = 0xAB; /* the proxy's byte in nicehash mode */
    memset(j.seed_hash, seed_byte, 32);
    return j;
}

/* Recomputes a result with an independent light-mode context. */
static void check_results(struct sink *s, const struct miner_job *job, int from)
{
    struct rx_config cfg = {.mode = RX_MODE_LIGHT, .pages = RX_PAGES_SMALL, .quiet = 1};
    struct rx_ctx *ctx;
    char err[128];
    assert_int_equal(rx_ctx_create(&cfg, &ctx, err, sizeof(err)), 0);
    assert_int_equal(rx_ctx_rekey(ctx, job->seed_hash, 32), 0);
    struct rx_vm *vm = rx_vm_create(ctx, err, sizeof(err));
    assert_non_null(vm);
    assert_int_equal(rx_vm_sync(vm), 0);
    int checked = 0;
    for (int i = from; i < s->n && checked < 4; i++) {
        if (strcmp(s->r[i].job_id, job->job_id))
            continue;
        uint8_t blob[76], out[32];
        memcpy(blob, job->blob, 76);
        ml_store32le(blob + MINER_NONCE_OFFSET, s->r[i].nonce);
        rx_vm_hash(vm, blob, 76, out);
        assert_memory_equal(out, s->r[i].hash, 32);
        assert_true(miner_hash_meets(out, job->target64));
        if (job->nicehash)
            assert_int_equal(s->r[i].nonce >> 24, 0xAB);
        checked++;
    }
    assert_true(checked > 0);
    rx_vm_destroy(vm);
    rx_ctx_destroy(ctx);
}

static void shares_rekey_nicehash_pause(void **state)
{
    static struct sink s = {.lock = PTHREAD_MUTEX_INITIALIZER};
    struct backend_config cfg = {
        .threads = 2,
        .duty_pct = 100,
        .cpu_priority = -1,
        .rx = {.mode = RX_MODE_LIGHT, .pages = RX_PAGES_SMALL, .quiet = 1}};
    void *be = NULL;
    char err[256];
    assert_int_equal(cpu_backend_ops.create(&cfg, on_result, &s, &be, err, sizeof(err)),
                     0);

    struct miner_job a = make_job("job-a", 0x11, 0);
    assert_int_equal(cpu_backend_ops.set_job(be, &a), 0);
    wait_results(&s, 4, 60);
    assert_true(s.n >= 4);
    check_results(&s, &a, 0);

    /* New seed: the backend re-keys; results must verify with the new key. */
    int mark = s.n;
    struct miner_job b = make_job("job-b", 0x22, 1);
    assert_int_equal(cpu_backend_ops.set_job(be, &b), 0);
    wait_results(&s, mark + 8, 60);
    check_results(&s, &b, mark);

    struct backend_stats st;
    cpu_backend_ops.stats(be, &st);
    assert_true(st.hashes > 0);
    assert_int_equal(st.threads, 2);
    assert_true(st.ready);

    /* Paused: the hash count stops moving (allow one in-flight hash each). */
    cpu_backend_ops.pause(be);
    struct timespec ts = {0, 200000000};
    nanosleep(&ts, NULL);
    cpu_backend_ops.stats(be, &st);
    uint64_t before = st.hashes;
    nanosleep(&ts, NULL);
    nanosleep(&ts, NULL);
    cpu_backend_ops.stats(be, &st);
    assert_true(st.hashes - before <= 2);

    cpu_backend_ops.set_duty(be, 250);
    cpu_backend_ops.stats(be, &st);
    assert_int_equal(st.duty_pct, 100);
    cpu_backend_ops.stop(be);
    cpu_backend_ops.stop(be); /* twice is fine */
    cpu_backend_ops.destroy(be);
}

static void rejects_bad_job(void **state)
{
    struct sink s = {.lock = PTHREAD_MUTEX_INITIALIZER};
    struct backend_config cfg = {
        .threads = 1,
        .duty_pct = 100,
        .cpu_priority = -1,
        .rx = {.mode = RX_MODE_LIGHT, .pages = RX_PAGES_SMALL, .quiet = 1}};
    void *be = NULL;
    char err[256];
    assert_int_equal(cpu_backend_ops.create(&cfg, on_result, &s, &be, err, sizeof(err)),
                     0);
    struct miner_job j = make_job("short", 1, 0);
    j.blob_len = 20; /* too short to hold the nonce */
    assert_int_not_equal(cpu_backend_ops.set_job(be, &j), 0);
    cpu_backend_ops.destroy(be);
    assert_null(backend_find("fpga", err, sizeof(err)));
    assert_non_null(backend_find("cpu", err, sizeof(err)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shares_rekey_nicehash_pause),
        cmocka_unit_test(rejects_bad_job),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
