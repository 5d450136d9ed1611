#include "duty.h"

#include "ml_util.h"

void duty_init(struct duty_ctl *d, int pct, uint64_t wall_ns, uint64_t cpu_ns)
{
    if (pct < 1)
        pct = 1;
    if (pct > 100)
        pct = 100;
    d->duty_ppm = (uint32_t)pct * 10000u;
    d->wall0_ns = wall_ns;
    d->cpu0_ns = cpu_ns;
}

uint64_t duty_sleep_ns(struct duty_ctl *d, uint64_t wall_ns, uint64_t cpu_ns)
{
    if (d->duty_ppm >= 1000000u)
        return 0;
    uint64_t elapsed = wall_ns - d->wall0_ns;
    uint64_t used = cpu_ns - d->cpu0_ns;
    /* elapsed < 2^63 ns and duty_ppm <= 1e6: the product needs 128 bits. */
    uint64_t allowed = (uint64_t)((unsigned __int128)elapsed * d->duty_ppm / 1000000u);
    if (allowed >= used) {
        uint64_t credit = allowed - used;
        if (credit > DUTY_MAX_CREDIT_NS) {
            /* Forget budget older than the cap: move wall0 forward. */
            uint64_t excess = credit - DUTY_MAX_CREDIT_NS;
            d->wall0_ns += (uint64_t)((unsigned __int128)excess * 1000000u / d->duty_ppm);
        }
        return 0;
    }
    /* Ahead of budget: sleep until duty * (elapsed + s) == used. */
    uint64_t debt = used - allowed;
    uint64_t s = (uint64_t)((unsigned __int128)debt * 1000000u / d->duty_ppm);
    if (s < DUTY_MIN_SLEEP_NS)
        return 0;
    return s > DUTY_MAX_SLEEP_NS ? DUTY_MAX_SLEEP_NS : s;
}

int duty_ramp_pct(int from_pct, int to_pct, int seconds, double elapsed_s)
{
    int d = (int)(ml_ramp_pct(from_pct, to_pct, seconds, elapsed_s) + 0.5);
    return d < 1 ? 1 : d > 100 ? 100 : d;
}
