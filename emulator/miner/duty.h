/*
 * duty — the closed-loop duty-cycle controller, pure arithmetic so it can be
 * unit-tested with synthetic clocks. One controller per worker thread.
 *
 * It is a token bucket on the thread's own CPU clock: since the last re-base
 * the thread may have used duty * elapsed_wall of CPU. While it is ahead of
 * that budget it sleeps exactly long enough to fall back to it, so a hash
 * that takes longer than a slice (light mode: ~27 ms) is repaid by a longer
 * sleep, and the long-run share converges on the target. Credit is capped so
 * a thread that was starved (or paused) does not burst afterwards.
 */
#ifndef MINER_DUTY_H
#define MINER_DUTY_H

#include <stdint.h>

#define DUTY_MAX_CREDIT_NS 20000000ull  /* 20 ms of CPU burst at most */
#define DUTY_MAX_SLEEP_NS 100000000ull  /* wake at least every 100 ms */
#define DUTY_MIN_SLEEP_NS 200000ull     /* below this, just keep working */

struct duty_ctl {
    uint32_t duty_ppm;  /* share of one core, parts per million */
    uint64_t wall0_ns;  /* re-base point, monotonic clock */
    uint64_t cpu0_ns;   /* thread CPU clock at the re-base point */
};

/* Starts (or re-bases) the controller at pct percent (clamped to 1..100). */
void duty_init(struct duty_ctl *d, int pct, uint64_t wall_ns, uint64_t cpu_ns);
/*
 * How long to sleep before the next hash, in ns; 0 means hash now. Call it
 * between hashes with the current monotonic and thread-CPU clocks. May move
 * the re-base point forward to cap credit (anti-windup).
 */
uint64_t duty_sleep_ns(struct duty_ctl *d, uint64_t wall_ns, uint64_t cpu_ns);

/*
 * The duty of a ramp from from_pct to to_pct over seconds, elapsed_s after
 * it started (held at to_pct afterwards), clamped to 1..100.
 */
int duty_ramp_pct(int from_pct, int to_pct, int seconds, double elapsed_s);

#endif
