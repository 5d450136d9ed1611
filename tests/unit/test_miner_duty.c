/* The duty controller with synthetic clocks: a simulated thread that hashes
 * in fixed-cost steps and sleeps as told must converge on the target. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "duty.h"
#include "hashrate.h"

#define MS 1000000ull

/* Simulates `seconds` of a thread whose hashes cost hash_ns each. */
static double simulate(int pct, uint64_t hash_ns, double seconds, double *worst_window)
{
    struct duty_ctl d;
    uint64_t wall = 1000 * MS, cpu = 5 * MS, end = wall + (uint64_t)(seconds * 1e9);
    uint64_t win_start = wall, win_cpu = cpu, start_cpu = cpu, start = wall;
    double worst = 0;
    duty_init(&d, pct, wall, cpu);
    while (wall < end) {
        uint64_t s = duty_sleep_ns(&d, wall, cpu);
        if (s) {
            wall += s;
        } else {
            wall += hash_ns;
            cpu += hash_ns;
        }
        if (wall - win_start >= 5000 * MS) {
            double share = (double)(cpu - win_cpu) / (double)(wall - win_start) * 100;
            double dev = share > pct ? share - pct : pct - share;
            if (win_start - start >= 5000 * MS && dev > worst)
                worst = dev;
            win_start = wall;
            win_cpu = cpu;
        }
    }
    *worst_window = worst;
    return (double)(cpu - start_cpu) / (double)(wall - start) * 100;
}

static void converges_light_and_fast(void **state)
{
    const int duties[] = {10, 30, 50, 70, 100};
    const uint64_t costs[] = {27 * MS, 2 * MS}; /* light-mode and fast-mode hashes */
    for (size_t c = 0; c < 2; c++) {
        for (size_t i = 0; i < 5; i++) {
            double worst;
            double avg = simulate(duties[i], costs[c], 60, &worst);
            assert_true(avg > duties[i] - 1.0 && avg < duties[i] + 1.0);
            assert_true(worst < 1.5);
        }
    }
}

static void full_duty_never_sleeps(void **state)
{
    struct duty_ctl d;
    duty_init(&d, 100, 0, 0);
    assert_int_equal(duty_sleep_ns(&d, 10 * MS, 10 * MS), 0);
    duty_init(&d, 250, 0, 0); /* clamped to 100 */
    assert_int_equal(duty_sleep_ns(&d, 10 * MS, 10 * MS), 0);
}

static void long_hash_is_repaid(void **state)
{
    struct duty_ctl d;
    duty_init(&d, 10, 0, 0);
    /* One 27 ms hash at 10 %: 243 ms of debt, paid in capped sleeps. */
    uint64_t s = duty_sleep_ns(&d, 27 * MS, 27 * MS);
    assert_int_equal(s, DUTY_MAX_SLEEP_NS);
    s = duty_sleep_ns(&d, 227 * MS, 27 * MS);
    assert_true(s > 40 * MS && s < 45 * MS);
    assert_int_equal(duty_sleep_ns(&d, 270 * MS, 27 * MS), 0);
}

static void starved_thread_does_not_burst(void **state)
{
    struct duty_ctl d;
    duty_init(&d, 50, 0, 0);
    /* Ten seconds with no CPU (starved or paused): credit is capped. */
    assert_int_equal(duty_sleep_ns(&d, 10000 * MS, 0), 0);
    /* After spending the capped credit plus a bit, it must sleep again. */
    uint64_t s = duty_sleep_ns(&d, 10000 * MS, DUTY_MAX_CREDIT_NS + 2 * MS);
    assert_true(s > 0);
}

static void ramp_interpolates_and_holds(void **state)
{
    assert_int_equal(duty_ramp_pct(5, 100, 60, 0), 5);
    assert_int_equal(duty_ramp_pct(5, 100, 60, 30), 53);
    assert_int_equal(duty_ramp_pct(5, 100, 60, 600), 100);
    assert_int_equal(duty_ramp_pct(80, 20, 10, 5), 50); /* ramps down too */
    assert_int_equal(duty_ramp_pct(0, 0, 10, 5), 1);     /* clamped */
}

static void hashrate_windows_follow_history(void **state)
{
    static struct hashrate r;
    double hr[3];
    hashrate_windows(&r, hr);
    assert_true(hr[0] == 0 && hr[2] == 0);
    /* 100 H/s for 20 minutes, then 40 H/s for the last 30 s. */
    uint64_t h = 0, t = 0;
    for (int s = 0; s <= 1200; s++, t += 1000 * MS)
        hashrate_add(&r, t, h += 100);
    for (int s = 0; s < 30; s++, t += 1000 * MS)
        hashrate_add(&r, t, h += 40);
    hashrate_windows(&r, hr);
    assert_true(hr[0] > 39.9 && hr[0] < 40.1);
    assert_true(hr[1] > 69.9 && hr[1] < 70.1);  /* 30 s at 40 + 30 s at 100 */
    assert_true(hr[2] > 97.9 && hr[2] < 98.1);  /* (870 s x 100 + 30 s x 40) / 900 s */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(converges_light_and_fast),
        cmocka_unit_test(full_duty_never_sleeps),
        cmocka_unit_test(long_hash_is_repaid),
        cmocka_unit_test(starved_thread_does_not_burst),
        cmocka_unit_test(ramp_interpolates_and_holds),
        cmocka_unit_test(hashrate_windows_follow_history),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
