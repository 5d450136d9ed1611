/*
 * cpu-steady: the shape test on synthetic series, and live children — a
 * duty-cycled worker pair (what a throttled miner looks like) must alert,
 * an irregular bursty child must not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>

#include "cpu_steady.h"
#include "test_det_host_util.h"

static struct cpu_steady_config default_cfg(void)
{
    struct cpu_steady_config cfg;
    char *argv[] = {"det"};
    char err[256];
    assert_int_equal(cpu_steady_parse_args(1, argv, &cfg, err, sizeof(err)), 0);
    return cfg;
}

static void test_shape(void **state)
{
    (void)state;
    struct cpu_steady_config cfg = default_cfg();
    double mean, cv;
    double steady[10] = {0.30, 0.31, 0.29, 0.30, 0.30, 0.31, 0.30, 0.29, 0.30, 0.30};
    assert_int_equal(cpu_steady_shape(&cfg, steady, 10, 0.01, &mean, &cv), 1);
    assert_float_equal(mean, 0.30, 0.005);
    assert_true(cv < 0.05);
    /* Bursty work (a compile with many short jobs) is not steady. */
    double bursty[10] = {0.9, 0.1, 0.8, 0.0, 1.0, 0.2, 0.9, 0.1, 0.7, 0.3};
    assert_int_equal(cpu_steady_shape(&cfg, bursty, 10, 0.01, &mean, &cv), 0);
    assert_true(cv > 0.5);
    /* Steady but below the floor (an idle daemon's 1 %). */
    double low[5] = {0.01, 0.01, 0.01, 0.01, 0.01};
    assert_int_equal(cpu_steady_shape(&cfg, low, 5, 0.01, &mean, &cv), 0);
    /* 6 % of a core measured in 100 Hz ticks: 5-7 ticks a second is still steady. */
    double quantised[8] = {0.06, 0.05, 0.07, 0.06, 0.06, 0.07, 0.05, 0.06};
    assert_int_equal(cpu_steady_shape(&cfg, quantised, 8, 0.01, &mean, &cv), 1);
    assert_int_equal(cpu_steady_shape(&cfg, steady, 2, 0.01, &mean, &cv), -EINVAL);
    char *bad[] = {"det", "--window-s", "1", "--interval-ms", "1000"};
    char err[256];
    assert_int_equal(cpu_steady_parse_args(5, bad, &cfg, err, sizeof(err)), -EINVAL);
}

static double now_s(void)
{
    return mono_now();
}

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A worker that burns duty of every 50 ms period in CPU time, closed-loop
 * like the miner's throttle, so a loaded machine does not blur its shape.
 */
static void *duty_worker(void *arg)
{
    double duty = *(const double *)arg, period = 0.05;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (;;) {
        double c0 = thread_cpu_s();
        while (thread_cpu_s() - c0 < period * duty)
            ;
        next.tv_nsec += (long)(period * 1e9);
        if (next.tv_nsec >= 1000000000L) {
            next.tv_sec++;
            next.tv_nsec -= 1000000000L;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    return NULL;
}

static void duty_child(void *arg)
{
    pthread_t t;
    pthread_create(&t, NULL, duty_worker, arg);
    duty_worker(arg);
}

/* Random bursts of 0.1-0.9 s busy / idle: CPU-heavy but irregular. */
static void bursty_child(void *arg)
{
    (void)arg;
    unsigned seed = 12345;
    for (;;) {
        double busy = 0.1 + (rand_r(&seed) % 800) / 1000.0;
        double t0 = now_s();
        while (now_s() - t0 < busy)
            ;
        struct timespec ts = {0, (long)((0.1 + (rand_r(&seed) % 800) / 1000.0) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static void test_live_duty_vs_bursty(void **state)
{
    (void)state;
    static double duty = 0.35;
    pid_t steady = spawn_child(duty_child, &duty);
    pid_t bursty = spawn_child(bursty_child, NULL);
    /* A short window so the test stays short; the loose CV allows a busy CI host. */
    char *argv[] = {"det", "--window-s", "4",   "--interval-ms",
                    "500", "--cv-max",   "0.35"};
    struct cpu_steady_config cfg;
    char err[256];
    assert_int_equal(cpu_steady_parse_args(7, argv, &cfg, err, sizeof(err)), 0);
    struct cpu_steady *cs = cpu_steady_new(&cfg);
    assert_non_null(cs);
    capture_begin();
    int alerted = 0;
    double t0 = mono_now();
    while (mono_now() - t0 < 12) {
        alerted += cpu_steady_tick(cs) > 0;
        fflush(stdout);
        usleep(500000);
        if (alerted && mono_now() - t0 > 7)
            break;
    }
    char *out = capture_end();
    reap_child(steady);
    reap_child(bursty);
    fprintf(stderr, "%s", out);
    assert_int_equal(count_lines(out, steady, 0), 1);
    assert_non_null(strstr(out, "2 busy thread(s)"));
    assert_int_equal(count_lines(out, bursty, 0), 0);
    free(out);
    cpu_steady_free(cs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_live_duty_vs_bursty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
