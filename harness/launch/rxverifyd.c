/*
 * rxverifyd — a benign near-miss: a service that verifies RandomX proofs of
 * work, as a Monero node verifies blocks and a pool verifies its miners'
 * shares. It holds what a miner holds in memory (librandomx, its 256 MiB
 * light-mode cache, JIT pages, the Argon2 salt) and burns CPU on RandomX,
 * but it mines nothing: it hashes block headers it is handed, at the rate
 * they arrive, and answers whether each meets its target. It opens no
 * socket and knows no pool, wallet or job.
 *
 *   rxverifyd [--seconds S] [--rate N] [--rekey-s K]
 *
 * S (default 20, at most 86400): how long it serves. N (default 10, at
 * most 1000): headers verified per second, spread evenly (a pool's share
 * stream). K (default 120): a new RandomX key every K seconds (a node
 * following the seed-hash schedule). Built without the emulator's library
 * on purpose: nothing of minerlab's miner is linked into this process.
 * Prints one summary line on stdout at the end.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <randomx.h>

#define HEADER_LEN 76

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
    double d = t - now_s();
    if (d <= 0)
        return;
    struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int parse_arg(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* xorshift64*: the headers are synthetic, so any fixed stream will do. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static int rekey(randomx_cache *cache, uint64_t *rng)
{
    uint8_t key[32];
    for (size_t i = 0; i < sizeof(key); i += 8) {
        uint64_t v = next_rand(rng);
        memcpy(key + i, &v, 8);
    }
    randomx_init_cache(cache, key, sizeof(key));
    return 0;
}

int main(int argc, char **argv)
{
    double seconds = 20, rate = 10, rekey_s = 120;
    for (int i = 1; i < argc; i++) {
        double *dst = !strcmp(argv[i], "--seconds")   ? &seconds
                      : !strcmp(argv[i], "--rate")    ? &rate
                      : !strcmp(argv[i], "--rekey-s") ? &rekey_s
                                                      : NULL;
        double hi = dst == &seconds ? 86400 : dst == &rate ? 1000 : 86400;
        if (!dst || i + 1 >= argc || parse_arg(argv[++i], 0.001, hi, dst)) {
            fprintf(stderr,
                    "usage: rxverifyd [--seconds S] [--rate N] [--rekey-s K]\n");
            return 2;
        }
    }
    randomx_flags flags = randomx_get_flags();
    randomx_cache *cache = randomx_alloc_cache(flags);
    if (!cache) {
        fprintf(stderr, "rxverifyd: cannot allocate the RandomX cache\n");
        return 1;
    }
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    rekey(cache, &rng);
    randomx_vm *vm = randomx_create_vm(flags, cache, NULL);
    if (!vm) {
        fprintf(stderr, "rxverifyd: cannot create a RandomX VM\n");
        randomx_release_cache(cache);
        return 1;
    }
    double start = now_s(), next = start, next_key = start + rekey_s;
    unsigned long verified = 0, met = 0, keys = 1;
    uint8_t header[HEADER_LEN], hash[RANDOMX_HASH_SIZE];
    while (now_s() - start < seconds) {
        if (now_s() >= next_key) {
            rekey(cache, &rng);
            randomx_vm_set_cache(vm, cache);
            next_key += rekey_s;
            keys++;
        }
        for (size_t i = 0; i < HEADER_LEN; i += 8) {
            uint64_t v = next_rand(&rng);
            memcpy(header + i, &v, HEADER_LEN - i < 8 ? HEADER_LEN - i : 8);
        }
        randomx_calculate_hash(vm, header, sizeof(header), hash);
        verified++;
        /* The share's claim: its hash's top byte (the most significant of
         * the little-endian 64-bit word a pool compares) is below 16/256,
         * a target of difficulty ~16. */
        met += hash[31] < 16;
        next += 1.0 / rate;
        sleep_until(next);
    }
    randomx_destroy_vm(vm);
    randomx_release_cache(cache);
    printf("rxverifyd: verified %lu headers in %.1f s (%lu met the target), %lu keys\n",
           verified, now_s() - start, met, keys);
    return 0;
}
