/*
 * rx_ceiling — the bare-library ceiling: the smallest pipelined librandomx
 * loop with the given mode, threads and page strategy, on the same job as
 * `minerlab-miner --bench` (the upstream benchmark template, key LE u32 0).
 * Prints one JSON object. Used by tests/bench/miner_bench.sh; not a test.
 *
 *   rx_ceiling MODE(light|fast) THREADS SECONDS PAGES(small|thp|huge)
 */
#include <pthread.h>
#include <randomx.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

static const unsigned char tmpl[76] = {
    0x07, 0x07, 0xf7, 0xa4, 0xf0, 0xd6, 0x05, 0xb3, 0x03, 0x26, 0x08, 0x16, 0xba, 0x3f, 0x10,
    0x90, 0x2e, 0x1a, 0x14, 0x5a, 0xc5, 0xfa, 0xd3, 0xaa, 0x3a, 0xf6, 0xea, 0x44, 0xc1, 0x18,
    0x69, 0xdc, 0x4f, 0x85, 0x3f, 0x00, 0x2b, 0x2e, 0xea, 0x00, 0x00, 0x00, 0x00, 0x77, 0xb2,
    0x06, 0xa0, 0x2c, 0xa5, 0xb1, 0xd4, 0xce, 0x6b, 0xbf, 0xdf, 0x0a, 0xca, 0xc3, 0x8b, 0xde,
    0xd3, 0x4d, 0x2d, 0xcd, 0xee, 0xf9, 0x5c, 0xd2, 0x0c, 0xef, 0xc1, 0x2f, 0x61, 0xd5, 0x61,
    0x09};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct range {
    randomx_dataset *ds;
    randomx_cache *cache;
    unsigned long start, count;
};

static void *init_range(void *arg)
{
    struct range *r = arg;
    randomx_init_dataset(r->ds, r->cache, r->start, r->count);
    return NULL;
}

struct worker {
    randomx_vm *vm;
    int index, threads;
    double deadline;
    unsigned long hashes;
    pthread_t tid;
};

static void *hash_loop(void *arg)
{
    struct worker *w = arg;
    unsigned char blob[2][76], out[32];
    unsigned nonce = (unsigned)w->index;
    int cur = 0;
    memcpy(blob[0], tmpl, 76);
    memcpy(blob[1], tmpl, 76);
    memcpy(blob[cur] + 39, &nonce, 4);
    randomx_calculate_hash_first(w->vm, blob[cur], 76);
    while (now() < w->deadline) {
        nonce += (unsigned)w->threads;
        memcpy(blob[cur ^ 1] + 39, &nonce, 4);
        randomx_calculate_hash_next(w->vm, blob[cur ^ 1], 76, out);
        w->hashes++;
        cur ^= 1;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: rx_ceiling light|fast THREADS SECONDS small|thp|huge\n");
        return 2;
    }
    int fast = !strcmp(argv[1], "fast"), threads = atoi(argv[2]);
    double seconds = atof(argv[3]);
    const char *pages = argv[4];
    randomx_flags flags = randomx_get_flags();
    unsigned char key[4] = {0};
    randomx_dataset *ds = NULL;
    double t0 = now();
    randomx_cache *cache = randomx_alloc_cache(flags);
    randomx_init_cache(cache, key, sizeof(key));
    double cache_s = now() - t0, ds_s = 0;
    int huge = 0;
    if (fast) {
        if (!strcmp(pages, "huge") && (ds = randomx_alloc_dataset(flags | RANDOMX_FLAG_LARGE_PAGES)))
            huge = 1;
        if (!ds)
            ds = randomx_alloc_dataset(flags);
        if (!ds) {
            fprintf(stderr, "cannot allocate the dataset\n");
            return 1;
        }
        if (!huge && !strcmp(pages, "thp")) {
            size_t size = randomx_dataset_item_count() * RANDOMX_DATASET_ITEM_SIZE;
            uintptr_t b = (uintptr_t)randomx_get_dataset_memory(ds), h = 2u << 20;
            uintptr_t s = (b + h - 1) & ~(h - 1), e = (b + size) & ~(h - 1);
            madvise((void *)s, e - s, MADV_HUGEPAGE);
        }
        pthread_t tids[64];
        struct range rs[64];
        unsigned long items = randomx_dataset_item_count();
        t0 = now();
        for (int i = 0; i < threads; i++) {
            rs[i] = (struct range){ds, cache, items * (unsigned long)i / (unsigned long)threads,
                                   items * (unsigned long)(i + 1) / (unsigned long)threads -
                                       items * (unsigned long)i / (unsigned long)threads};
            pthread_create(&tids[i], NULL, init_range, &rs[i]);
        }
        for (int i = 0; i < threads; i++)
            pthread_join(tids[i], NULL);
        ds_s = now() - t0;
        flags |= RANDOMX_FLAG_FULL_MEM;
    }
    struct worker ws[64];
    for (int i = 0; i < threads; i++) {
        ws[i] = (struct worker){.index = i, .threads = threads};
        ws[i].vm = randomx_create_vm(flags | (huge ? RANDOMX_FLAG_LARGE_PAGES : 0),
                                     fast ? NULL : cache, ds);
        if (!ws[i].vm)
            ws[i].vm = randomx_create_vm(flags, fast ? NULL : cache, ds);
    }
    double start = now();
    for (int i = 0; i < threads; i++) {
        ws[i].deadline = start + seconds;
        pthread_create(&ws[i].tid, NULL, hash_loop, &ws[i]);
    }
    unsigned long total = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(ws[i].tid, NULL);
        total += ws[i].hashes;
    }
    double elapsed = now() - start;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"program\":\"rx_ceiling\",\"mode\":\"%s\",\"threads\":%d,\"pages\":\"%s\","
           "\"large_pages\":%s,\"hashes\":%lu,\"seconds\":%.3f,\"hashrate\":%.2f,"
           "\"cache_init_s\":%.3f,\"dataset_init_s\":%.3f,\"flags_bits\":%d,"
           "\"peak_rss_mib\":%.1f}\n",
           fast ? "fast" : "light", threads, pages, huge ? "true" : "false", total, elapsed,
           (double)total / elapsed, cache_s, ds_s, (int)flags, (double)ru.ru_maxrss / 1024);
    return 0;
}
