/*
 * ml_util — small helpers shared by every minerlab executable: clocks, hex,
 * strict number parsing, little-endian loads and an error-string convention.
 *
 * Conventions used across the project: functions return 0 or a negative
 * errno-style code; parsers take `char *err, size_t errlen` and write one
 * readable sentence there on failure. Nothing here calls exit().
 */
#ifndef ML_UTIL_H
#define ML_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Wall clock in Unix seconds with sub-second precision. Any thread. */
double ml_now_unix(void);
/* Monotonic clock in nanoseconds. Any thread. */
uint64_t ml_mono_ns(void);
/* CPU time consumed by the calling thread, in nanoseconds. */
uint64_t ml_thread_cpu_ns(void);

/* Writes 2*len lowercase hex digits and a NUL into out (size >= 2*len+1). */
void ml_hex_encode(const uint8_t *in, size_t len, char *out);
/*
 * Decodes exactly 2*outlen hex digits from hex (which must be that long and
 * not longer). Returns 0, or -EINVAL on a bad digit or length.
 */
int ml_hex_decode(const char *hex, uint8_t *out, size_t outlen);

/* snprintf into err when err is non-NULL; returns the given code. */
int ml_err(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Strict integer parse of the whole string within [min, max]. 0 or -EINVAL. */
int ml_parse_long(const char *s, long min, long max, long *out);
/*
 * Strict double parse of the whole string (strtod syntax, no trailing
 * bytes, no overflow) within [min, max]; NaN is never in range. 0 or -EINVAL.
 */
int ml_parse_double(const char *s, double min, double max, double *out);

/*
 * The duty ramp of a scenario (scenarios' miner.ramp, the miner's --ramp):
 * from_pct at elapsed 0 to to_pct at `seconds`, linear, held at the ends.
 * seconds <= 0 gives to_pct. Unrounded: the miner rounds, the harness logs.
 */
double ml_ramp_pct(double from_pct, double to_pct, double seconds, double elapsed_s);

/* MemAvailable from /proc/meminfo in bytes, or 0 when unknown. */
uint64_t ml_mem_available(void);

/* Little-endian loads and stores. */
static inline uint64_t ml_load64le(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}
static inline uint32_t ml_load32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
static inline void ml_store32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

#endif
