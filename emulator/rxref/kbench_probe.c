/*
 * kbench_probe — the memory-latency bound: a dependent pointer chase over a
 * 2 GiB buffer (a random cyclic permutation of its 64-byte lines, Sattolo's
 * algorithm) with the dataset's page strategy, one chaser per thread.
 */
#include "kbench.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "ml_util.h"

struct chase {
    const uint64_t *mem;
    uint64_t start;
    double seconds, ns_per_read;
};

static void *chase_main(void *arg)
{
    struct chase *c = arg;
    uint64_t i = c->start, reads = 0;
    uint64_t t0 = ml_mono_ns(), end = t0 + (uint64_t)(c->seconds * 1e9), now = t0;
    while (now < end) {
        for (int k = 0; k < 4096; k++)
            i = c->mem[i * 8];
        reads += 4096;
        now = ml_mono_ns();
    }
    c->ns_per_read = (double)(now - t0) / (double)reads;
    c->start = i; /* keeps the chase from being optimised away */
    return NULL;
}

double kb_probe_latency(size_t bytes, int thp, int threads, double seconds)
{
    enum { MAXT = 256 };
    size_t lines = bytes / 64;
    uint64_t *mem =
        mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        return -1;
    if (thp)
        madvise(mem, bytes, MADV_HUGEPAGE);
    /* Sattolo: one cycle through every line, in random order. */
    for (size_t i = 0; i < lines; i++)
        mem[i * 8] = i;
    uint64_t s = 0x853c49e6748fea9bull;
    for (size_t i = lines - 1; i > 0; i--) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        size_t j = (size_t)((s >> 11) % i);
        uint64_t t = mem[i * 8];
        mem[i * 8] = mem[j * 8];
        mem[j * 8] = t;
    }
    if (threads < 1)
        threads = 1;
    if (threads > MAXT)
        threads = MAXT;
    pthread_t tid[MAXT];
    struct chase c[MAXT];
    int started = 1;
    for (int t = 0; t < threads; t++)
        c[t] = (struct chase){mem, (uint64_t)t * (lines / (size_t)threads), seconds, 0};
    for (int t = 1; t < threads && started == t; t++)
        if (pthread_create(&tid[t], NULL, chase_main, &c[t]) == 0)
            started++;
    chase_main(&c[0]);
    double sum = 0;
    for (int t = 1; t < started; t++)
        pthread_join(tid[t], NULL);
    for (int t = 0; t < started; t++)
        sum += c[t].ns_per_read;
    munmap(mem, bytes);
    return started == threads ? sum / threads : -1;
}
