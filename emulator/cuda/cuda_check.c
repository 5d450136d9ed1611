/*
 * minerlab-cuda-check — the GPU checks of tests/gpu/run.sh, one subcommand
 * each, results as one JSON object on stdout. Exit 0 = pass, 1 = fail,
 * 2 = usage (base/opt.h; one line on stderr), 77 = no NVIDIA GPU (reason on
 * stderr). Each subcommand's options are a table; `COMMAND --help` prints it.
 *
 *   info                         device, memory, batch size
 *   vectors                      the five RandomX test vectors on the GPU
 *   random [-n N] [-s SEED] [-b BATCH] [-t SECONDS]
 *                                N random nonces, GPU hash vs CPU hash
 *                                (-t: stop launching after SECONDS)
 *   duty [-p 30,70] [-t SECONDS] the backend at each duty; kernel-time duty,
 *                                nvidia-smi utilisation, feeder CPU use
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cuda_backend.h"
#include "cuda_dev.h"
#include "ml_util.h"
#include "opt.h"
#include "rx.h"
#include "rx_vectors.h"
#include "rxref.h"

struct ctx {
    struct cuda_dev *dev;
    struct rx_ctx *rx;
    int threads;
    int batch;
    char err[256];
};

/*
 * A subcommand's options: -1 to go on, or the exit status: 0 after --help,
 * 2 after a usage error (one line on stderr).
 */
static int sub_opts(int argc, char **argv, const struct opt *t, size_t n)
{
    char prog[64];
    snprintf(prog, sizeof(prog), "minerlab-cuda-check %s", argv[0]);
    return opt_main(argc, argv, prog, NULL, t, n, NULL);
}

static void print_json(json_t *o)
{
    char *s = json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(2));
    if (s)
        printf("%s\n", s);
    free(s);
    json_decref(o);
}

static int open_all(struct ctx *c, int need_rx)
{
    int rc = cuda_dev_open(0, &c->dev, c->err, sizeof(c->err));
    if (rc == -ENODEV) {
        fprintf(stderr, "no NVIDIA GPU: %s\n", c->err);
        return 77;
    }
    if (rc)
        goto fail;
    if (need_rx) {
        struct rx_config rxc = {
            .mode = RX_MODE_FAST, .init_threads = c->threads, .quiet = 1};
        if (rx_ctx_create(&rxc, &c->rx, c->err, sizeof(c->err)) != 0)
            goto fail;
    }
    return 0;
fail:
    fprintf(stderr, "minerlab-cuda-check: %s\n", c->err);
    return 1;
}

/* Re-keys the CPU dataset and uploads it; returns seconds or < 0. */
static double key_and_upload(struct ctx *c, const void *key, size_t len)
{
    uint64_t t0 = ml_mono_ns();
    size_t bytes = 0;
    if (rx_ctx_rekey(c->rx, key, len) != 0)
        return -1;
    void *mem = rx_ctx_dataset_memory(c->rx, &bytes);
    if (!mem || cuda_dev_upload_dataset(c->dev, mem, bytes, c->err, sizeof(c->err)))
        return -1;
    return (double)(ml_mono_ns() - t0) / 1e9;
}

static int cmd_info(struct ctx *c, int argc, char **argv)
{
    struct cuda_dev_info in;
    int rc = open_all(c, 0);
    if (rc)
        return rc;
    cuda_dev_get_info(c->dev, &in);
    json_t *o = json_pack(
        "{s:s,s:s,s:I,s:I,s:i,s:s,s:i,s:i}", "check", "info", "device", in.name,
        "total_mib", (json_int_t)(in.total_mem >> 20), "free_mib",
        (json_int_t)(in.free_mem >> 20), "sm_count", in.sm_count, "compute_capability",
        "", "driver", in.driver_version, "runtime", in.runtime_version);
    char cc[16];
    snprintf(cc, sizeof(cc), "%d.%d", in.cc_major, in.cc_minor);
    json_object_set_new(o, "compute_capability", json_string(cc));
    print_json(o);
    return 0;
}

static int cmd_vectors(struct ctx *c, int argc, char **argv)
{
    int rc = open_all(c, 1), pass = 0;
    if (rc)
        return rc;
    if (cuda_dev_alloc_batch(c->dev, 64, c->err, sizeof(c->err)) < 0)
        goto fail;
    json_t *list = json_array();
    for (size_t i = 0; i < RX_NVECTORS; i++) {
        const struct rx_vector *v = &rx_vectors[i];
        uint8_t in[CUDA_DEV_INPUT_MAX] = {0}, out[32];
        uint32_t len = (uint32_t)rx_vector_input(v, in, sizeof(in));
        char hex[65];
        if (i == 0 || strcmp(v->key, rx_vectors[i - 1].key))
            if (key_and_upload(c, v->key, strlen(v->key)) < 0)
                goto fail;
        struct cuda_dev_run run = {
            .inputs = in, .lens = &len, .count = 1, .hashes = out};
        if (cuda_dev_run(c->dev, &run, c->err, sizeof(c->err)))
            goto fail;
        ml_hex_encode(out, 32, hex);
        int ok = !strcmp(hex, v->hash);
        pass += ok;
        json_array_append_new(
            list, json_pack("{s:s,s:s,s:b}", "key", v->key, "gpu_hash", hex, "ok", ok));
    }
    print_json(json_pack("{s:s,s:o,s:i,s:b}", "check", "vectors", "vectors", list,
                         "passed", pass, "ok", pass == RX_NVECTORS));
    return pass == RX_NVECTORS ? 0 : 1;
fail:
    fprintf(stderr, "minerlab-cuda-check: %s\n", c->err);
    return 1;
}

/*
 * The dataset built on the GPU from our own cache vs librandomx's dataset
 * built on the CPU, item by item (all 34 million), with both build times.
 */
static int cmd_dataset(struct ctx *c, int argc, char **argv)
{
    const char *key = "test key 000";
    long bad = 0, first_bad = -1;
    struct rxref_cache *own = NULL;
    uint8_t *host = NULL;
    double kernel_s = 0;
    const struct opt opts[] = {
        {"k|", OPT_STRING, &key, 0, 0, "KEY", "the RandomX key"}};
    int rc = sub_opts(argc, argv, opts, 1);
    if (rc >= 0)
        return rc;
    rc = open_all(c, 1);
    if (rc)
        return rc;
    size_t bytes = 0;
    uint64_t t0 = ml_mono_ns();
    if (rx_ctx_rekey(c->rx, key, strlen(key)) != 0)
        goto fail;
    const uint8_t *ref = rx_ctx_dataset_memory(c->rx, &bytes);
    uint64_t t1 = ml_mono_ns();
    if (!ref || rxref_cache_create(&own, c->err, sizeof(c->err)) != 0)
        goto fail;
    rxref_cache_init(own, key, strlen(key));
    uint64_t t2 = ml_mono_ns();
    if (cuda_dev_build_dataset(c->dev, rxref_cache_memory(own),
                               rxref_cache_programs(own), &kernel_s, c->err,
                               sizeof(c->err)))
        goto fail;
    uint64_t t3 = ml_mono_ns();
    if (!(host = malloc(bytes)) ||
        cuda_dev_download_dataset(c->dev, host, bytes, c->err, sizeof(c->err)))
        goto fail;
    for (size_t i = 0; i < bytes / 64; i++)
        if (memcmp(host + 64 * i, ref + 64 * i, 64) != 0 && bad++ == 0)
            first_bad = (long)i;
    print_json(json_pack(
        "{s:s,s:s,s:I,s:I,s:I,s:f,s:i,s:f,s:f,s:f,s:b}", "check", "dataset", "key", key,
        "items", (json_int_t)(bytes / 64), "mismatched_items", (json_int_t)bad,
        "first_mismatch", (json_int_t)first_bad, "cpu_librandomx_build_s",
        (double)(t1 - t0) / 1e9, "cpu_threads", c->threads, "own_cache_init_s",
        (double)(t2 - t1) / 1e9, "gpu_build_s", (double)(t3 - t2) / 1e9, "gpu_kernel_s",
        kernel_s, "ok", bad == 0));
    rc = bad ? 1 : 0;
    goto out;
fail:
    fprintf(stderr, "minerlab-cuda-check: %s\n",
            c->err[0] ? c->err : "dataset check failed");
    rc = 1;
out:
    free(host);
    rxref_cache_destroy(own);
    return rc;
}

struct cpu_job {
    struct rx_ctx *rx;
    const uint8_t *inputs;
    uint8_t *hashes;
    int n, stride, first;
};

static void *cpu_worker(void *arg)
{
    struct cpu_job *j = arg;
    char err[128];
    struct rx_vm *vm = rx_vm_create(j->rx, err, sizeof(err));
    if (!vm)
        return NULL;
    for (int i = j->first; i < j->n; i += j->stride)
        rx_vm_hash(vm, j->inputs + (size_t)i * CUDA_DEV_INPUT_MAX, 76,
                   j->hashes + 32 * (size_t)i);
    rx_vm_destroy(vm);
    return NULL;
}

/* Hashes n inputs on all CPU threads; returns the wall seconds. */
static double cpu_hash_all(struct ctx *c, const uint8_t *inputs, uint8_t *hashes, int n)
{
    pthread_t th[256];
    struct cpu_job jobs[256];
    int t = c->threads > 256 ? 256 : c->threads;
    uint64_t t0 = ml_mono_ns();
    for (int i = 0; i < t; i++) {
        jobs[i] = (struct cpu_job){c->rx, inputs, hashes, n, t, i};
        pthread_create(&th[i], NULL, cpu_worker, &jobs[i]);
    }
    for (int i = 0; i < t; i++)
        pthread_join(th[i], NULL);
    return (double)(ml_mono_ns() - t0) / 1e9;
}

static int cmd_random(struct ctx *c, int argc, char **argv)
{
    long n = 10000, seed = 1, done = 0;
    double max_s = 0; /* 0 = no time limit */
    const struct opt opts[] = {
        {"n|", OPT_LONG, &n, 1, 1000000, "N", "random nonces"},
        {"s|", OPT_LONG, &seed, -2147483648.0, 2147483647.0, "SEED", "srand seed"},
        {"b|", OPT_INT, &c->batch, -2147483648.0, 2147483647.0, "BATCH",
         "hashes per launch (0 or less: from free memory)"},
        {"t|", OPT_DOUBLE, &max_s, 0, 1e7, "S",
         "stop launching after S seconds (0: no limit)"},
    };
    int rc = sub_opts(argc, argv, opts, sizeof(opts) / sizeof(opts[0]));
    if (rc >= 0)
        return rc;
    rc = open_all(c, 1);
    if (rc)
        return rc;
    int batch = cuda_dev_alloc_batch(c->dev, c->batch, c->err, sizeof(c->err));
    uint8_t *in = calloc((size_t)n, CUDA_DEV_INPUT_MAX), *gpu = malloc(32 * (size_t)n),
            *cpu = malloc(32 * (size_t)n), key[32], blob[76];
    uint32_t *lens = malloc(sizeof(uint32_t) * (size_t)n);
    if (batch < 0 || !in || !gpu || !cpu || !lens)
        goto fail;
    srand((unsigned)seed);
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)rand();
    for (int i = 0; i < 76; i++)
        blob[i] = (uint8_t)rand();
    double key_s = key_and_upload(c, key, 32), busy = 0;
    if (key_s < 0)
        goto fail;
    for (long i = 0; i < n; i++) {
        memcpy(in + i * CUDA_DEV_INPUT_MAX, blob, 76);
        ml_store32le(in + i * CUDA_DEV_INPUT_MAX + MINER_NONCE_OFFSET,
                     (uint32_t)rand());
        lens[i] = 76;
    }
    /* With -t, stop launching batches when the time is up: the JSON then
     * says how many were compared (fewer than asked = not ok). */
    uint64_t t0 = ml_mono_ns();
    while (done < n && (max_s <= 0 || (double)(ml_mono_ns() - t0) / 1e9 < max_s)) {
        struct cuda_dev_run run = {.inputs = in + done * CUDA_DEV_INPUT_MAX,
                                   .lens = lens + done,
                                   .count = (int)(n - done < batch ? n - done : batch),
                                   .hashes = gpu + 32 * done};
        if (cuda_dev_run(c->dev, &run, c->err, sizeof(c->err)))
            goto fail;
        busy += run.busy_ms / 1e3;
        done += run.count;
    }
    double gpu_wall = (double)(ml_mono_ns() - t0) / 1e9;
    double cpu_wall = cpu_hash_all(c, in, cpu, (int)done);
    long bad = 0;
    for (long i = 0; i < done; i++)
        bad += memcmp(gpu + 32 * i, cpu + 32 * i, 32) != 0;
    print_json(json_pack(
        "{s:s,s:I,s:I,s:I,s:b,s:i,s:f,s:f,s:f,s:f,s:i,s:f}", "check", "random",
        "requested", (json_int_t)n, "hashes", (json_int_t)done, "mismatches",
        (json_int_t)bad, "ok", bad == 0 && done == n, "batch", batch, "gpu_wall_s",
        gpu_wall, "gpu_busy_s", busy, "gpu_hs", done / gpu_wall, "cpu_hs",
        done / cpu_wall, "cpu_threads", c->threads, "dataset_key_upload_s", key_s));
    rc = bad || done < n ? 1 : 0;
    goto out;
fail:
    fprintf(stderr, "minerlab-cuda-check: %s\n", c->err);
    rc = 1;
out:
    free(in);
    free(gpu);
    free(cpu);
    free(lens);
    return rc;
}

/* Mean of nvidia-smi's utilization.gpu samples over seconds (1 per s). */
static double sample_util(double seconds, int *samples)
{
    double sum = 0;
    *samples = 0;
    for (int i = 0; i < (int)seconds; i++) {
        sleep(1);
        FILE *p =
            popen("nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits"
                  " -i 0 2>/dev/null",
                  "r");
        int v = -1;
        if (p) {
            if (fscanf(p, "%d", &v) != 1)
                v = -1;
            pclose(p);
        }
        if (v >= 0) {
            sum += v;
            (*samples)++;
        }
    }
    return *samples ? sum / *samples : -1;
}

static void on_share(void *ud, const struct miner_result *r)
{
    (*(unsigned long *)ud)++;
}

static int cmd_duty(struct ctx *c, int argc, char **argv)
{
    const char *pcts = "30,70";
    double seconds = 20;
    unsigned long shares = 0;
    void *be = NULL;
    const struct opt opts[] = {
        {"p|", OPT_STRING, &pcts, 0, 0, "LIST", "duty cycles to hold, in %"},
        {"t|", OPT_DOUBLE, &seconds, 0, 1e7, "S", "seconds at each duty"},
    };
    int prc = sub_opts(argc, argv, opts, sizeof(opts) / sizeof(opts[0]));
    if (prc >= 0)
        return prc;
    struct backend_config cfg = {
        .threads = 1,
        .duty_pct = 100,
        .cpu_priority = -1,
        .rx = {.mode = RX_MODE_FAST, .init_threads = c->threads, .quiet = 1}};
    int rc =
        cuda_backend_ops.create(&cfg, on_share, &shares, &be, c->err, sizeof(c->err));
    if (rc == -ENODEV) {
        fprintf(stderr, "no NVIDIA GPU: %s\n", c->err);
        return 77;
    }
    if (rc) {
        fprintf(stderr, "minerlab-cuda-check: %s\n", c->err);
        return 1;
    }
    /* Difficulty ~100000: shares are rare, as when mining for a pool. */
    struct miner_job job = {
        .blob_len = 76, .target64 = UINT64_MAX / 100000, .height = 1};
    snprintf(job.job_id, sizeof(job.job_id), "duty");
    for (int i = 0; i < 76; i++)
        job.blob[i] = (uint8_t)(i * 7);
    cuda_backend_ops.set_job(be, &job);
    struct backend_stats st;
    do {
        sleep(1);
        cuda_backend_ops.stats(be, &st);
    } while (!st.ready);
    json_t *phases = json_array();
    int all_ok = 1;
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", pcts);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        int pct = atoi(tok);
        struct cuda_backend_report a, b;
        cuda_backend_ops.set_duty(be, pct);
        sleep(3); /* let the previous duty's launches drain */
        cuda_backend_report(be, &a);
        int ns = 0;
        double util = sample_util(seconds, &ns);
        cuda_backend_report(be, &b);
        double busy = b.gpu_busy_s - a.gpu_busy_s, idle = b.gpu_idle_s - a.gpu_idle_s;
        double kduty = busy + idle > 0 ? 100 * busy / (busy + idle) : 0;
        double cpu_pct = 100 * (b.feeder_cpu_s - a.feeder_cpu_s) /
                         (b.feeder_wall_s - a.feeder_wall_s);
        int ok = kduty > pct - 3 && kduty < pct + 3 &&
                 (ns == 0 || (util > pct - 3 && util < pct + 3));
        all_ok &= ok;
        json_array_append_new(
            phases, json_pack("{s:i,s:f,s:f,s:i,s:f,s:I,s:b}", "target_pct", pct,
                              "kernel_duty_pct", kduty, "nvidia_smi_util_pct", util,
                              "smi_samples", ns, "feeder_cpu_pct_of_core", cpu_pct,
                              "gpu_hashes", (json_int_t)(b.gpu_hashes - a.gpu_hashes),
                              "within_3_points", ok));
    }
    struct cuda_backend_report r;
    cuda_backend_report(be, &r);
    cuda_backend_ops.destroy(be);
    print_json(json_pack("{s:s,s:s,s:i,s:o,s:I,s:I,s:I,s:f,s:s,s:b}", "check", "duty",
                         "device", r.device, "batch", r.batch, "phases", phases,
                         "shares", (json_int_t)shares, "checked", (json_int_t)r.checked,
                         "mismatches", (json_int_t)r.mismatches,
                         "feeder_cpu_pct_of_core_total", r.feeder_cpu_pct, "last_error",
                         r.last_error, "ok", all_ok && r.mismatches == 0));
    return all_ok && r.mismatches == 0 ? 0 : 1;
}

static const struct {
    const char *name;
    int (*fn)(struct ctx *c, int argc, char **argv);
    const char *help;
} cmds[] = {
    {"info", cmd_info, "device, memory and SM count"},
    {"vectors", cmd_vectors, "the five RandomX vectors on the GPU"},
    {"dataset", cmd_dataset, "[-k KEY]: dataset built on the GPU vs librandomx's"},
    {"random", cmd_random,
     "[-n N] [-s SEED] [-b BATCH] [-t S]: GPU vs CPU, random nonces"},
    {"duty", cmd_duty, "[-p 30,70] [-t SECONDS]: duty cycle vs nvidia-smi"},
};

int main(int argc, char **argv)
{
    struct ctx c = {0};
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    c.threads = n > 0 ? (int)n : 1;
    if (argc >= 2)
        for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
            if (!strcmp(argv[1], cmds[i].name)) {
                int rc = cmds[i].fn(&c, argc - 1, argv + 1);
                cuda_dev_close(c.dev);
                rx_ctx_destroy(c.rx);
                return rc;
            }
    fprintf(stderr, "usage: minerlab-cuda-check COMMAND [options]\n");
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        fprintf(stderr, "  %-8s %s\n", cmds[i].name, cmds[i].help);
    return 2;
}
