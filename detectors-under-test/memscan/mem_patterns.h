/*
 * mem_patterns — the evidence memscan looks for in process memory and maps:
 * content patterns found in one pass over a buffer (Monero wallet address,
 * Stratum URL with a host, XMRig option strings, RandomX's Argon2 salt) and
 * mapping shapes (a ~2080 MiB dataset, a ~256 MiB cache, executable anonymous
 * JIT pages), plus how they combine into a score.
 *
 * Pure functions; any thread.
 */
#ifndef MEM_PATTERNS_H
#define MEM_PATTERNS_H

#include <stddef.h>
#include <stdint.h>

#include "det_proc.h"

enum mem_evidence {
    MEM_EV_WALLET = 1 << 0,  /* 4[0-9AB][base58]{93} */
    MEM_EV_URL = 1 << 1,     /* stratum+tcp|ssl|tls|udp:// followed by a host */
    MEM_EV_OPTION = 1 << 2,  /* --donate-level, --cpu-priority */
    MEM_EV_SALT = 1 << 3,    /* "RandomX\x03" */
    MEM_EV_DATASET = 1 << 4, /* anonymous mapping of ~2080 MiB */
    MEM_EV_CACHE = 1 << 5,   /* anonymous mapping of ~256 MiB */
    MEM_EV_JIT = 1 << 6,     /* executable anonymous mapping */
};
#define MEM_EV_COUNT 7

/* Samples of what matched, for the alert reason (NUL-terminated). */
struct mem_samples {
    char url[64];
    char wallet[16]; /* first 12 characters and "..." */
};

/* Minimum bytes a pattern may need past its start (scan windows overlap by this). */
#define MEM_PATTERN_MAX 100

/*
 * Scans buf[0..n) for content evidence, looking at pattern starts in
 * [0, starts) only (bytes past starts are look-ahead from the next window).
 * Returns the MEM_EV_* bits found; fills samples on first sight.
 */
unsigned mem_scan_buffer(const unsigned char *buf, size_t n, size_t starts,
                         struct mem_samples *samples);

/* Shape evidence of one maps line (MEM_EV_DATASET / CACHE / JIT or 0). */
unsigned mem_map_shape(const struct det_map *m);

/*
 * Combined score 1 - prod(1 - w) over the bits (wallet .35, url .45,
 * option .25, salt .4, dataset .45, cache .3, JIT .15).
 */
double mem_score(unsigned bits);
/*
 * 1 when the evidence is enough to alert: score >= threshold and at least
 * one sign of a mining client (URL, miner option or the dataset), so that a
 * RandomX verifier (a node or a pool) holding wallets is not called a miner.
 */
int mem_should_alert(unsigned bits, double threshold);
/* Writes "wallet, url, salt" style names of the bits. */
void mem_evidence_names(unsigned bits, char *out, size_t len);

#endif
