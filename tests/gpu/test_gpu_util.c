/*
 * Tests of the gpu-util detector without a GPU: the nvidia-smi parsers, and
 * the real executable run against tests/gpu/fake-nvidia-smi.sh (sustained
 * load with a big process -> an alert naming its pid; 30 % load -> none; a
 * missing nvidia-smi or driver -> one degraded notice, then idle until
 * SIGTERM, exit 0).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gpu_util.h"

static void test_parse_gpus(void **state)
{
    struct gpu_util_gpu g[4];
    char err[128];
    assert_int_equal(
        gpu_util_parse_gpus("87 %, 250.12 W\n3 %, [N/A]\n", g, 4, err, sizeof(err)), 2);
    assert_true(g[0].util_pct == 87 && g[0].power_w > 250.1 && g[0].power_w < 250.2);
    assert_true(g[1].util_pct == 3 && g[1].power_w < 0);
    assert_int_equal(gpu_util_parse_gpus("", g, 4, err, sizeof(err)), 0);
    assert_int_equal(gpu_util_parse_gpus("lots %, 1 W\n", g, 4, err, sizeof(err)),
                     -EINVAL);
    assert_int_equal(gpu_util_parse_gpus("87 %\n", g, 4, err, sizeof(err)), -EINVAL);
    assert_int_equal(gpu_util_parse_gpus("87 MiB, 1 W\n", g, 4, err, sizeof(err)),
                     -EINVAL);
}

static void test_parse_apps(void **state)
{
    struct gpu_util_app a[4];
    char err[128];
    assert_int_equal(
        gpu_util_parse_apps("1234, 2100 MiB\r\n77, 5 MiB\n", a, 4, err, sizeof(err)),
        2);
    assert_int_equal(a[0].pid, 1234);
    assert_true(a[0].used_mib == 2100 && a[1].pid == 77);
    assert_int_equal(gpu_util_parse_apps("", a, 4, err, sizeof(err)), 0);
    assert_int_equal(
        gpu_util_parse_apps("No running processes found\n", a, 4, err, sizeof(err)), 0);
    assert_int_equal(gpu_util_parse_apps("x, 1 MiB\n", a, 4, err, sizeof(err)),
                     -EINVAL);
    assert_int_equal(gpu_util_parse_apps("12 2100 MiB\n", a, 4, err, sizeof(err)),
                     -EINVAL);
    /* Bounded: more lines than room are counted up to max only. */
    assert_int_equal(
        gpu_util_parse_apps("1, 1 MiB\n2, 1 MiB\n3, 1 MiB\n", a, 2, err, sizeof(err)),
        2);
}

/*
 * Runs the detector for run_ms with extra environment, then SIGTERMs it.
 * Returns its exit status; out gets its stdout.
 */
static int run_detector(const char *const *env, const char *smi, int run_ms, char *out,
                        size_t len)
{
    char bin[512], fake[512];
    const char *bdir = getenv("ML_BIN_DIR"), *sdir = getenv("ML_SOURCE_DIR");
    assert_non_null(bdir);
    assert_non_null(sdir);
    snprintf(bin, sizeof(bin), "%s/minerlab-det-gpu-util", bdir);
    snprintf(fake, sizeof(fake), "%s/tests/gpu/fake-nvidia-smi.sh", sdir);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t parent = getpid(), pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(99);
        dup2(fds[1], 1);
        close(fds[0]);
        for (int i = 0; env[i]; i++)
            putenv((char *)env[i]);
        execl(bin, bin, "--nvidia-smi", smi ? smi : fake, "--interval-ms", "100",
              "--sustain-s", "0.3", (char *)NULL);
        _exit(98);
    }
    close(fds[1]);
    size_t got = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        int left = run_ms - (int)((t.tv_sec - t0.tv_sec) * 1000 +
                                  (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0)
            break;
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        if (poll(&p, 1, left) > 0) {
            ssize_t r = read(fds[0], out + got, len - 1 - got);
            if (r <= 0)
                break;
            got += (size_t)r;
        }
    }
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    ssize_t r;
    while (got < len - 1 && (r = read(fds[0], out + got, len - 1 - got)) > 0)
        got += (size_t)r;
    out[got] = 0;
    close(fds[0]);
    return status;
}

static void test_alerts_on_sustained_load(void **state)
{
    static char out[8192];
    const char *env[] = {"FAKE_GPU_UTIL=97", "FAKE_GPU_PID=4242", "FAKE_GPU_MEM=2300",
                         NULL};
    int st = run_detector(env, NULL, 1200, out, sizeof(out));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_non_null(strstr(out, "\"detector\":\"gpu-util\""));
    assert_non_null(strstr(out, "\"pid\":4242"));
    assert_non_null(strstr(out, "\"technique\":\"system-metrics\""));
    /* Once per pid within the cool-down, not once per poll. */
    assert_null(strstr(strstr(out, "\"pid\":4242") + 1, "\"pid\":4242"));
}

static void test_host_level_without_process(void **state)
{
    static char out[8192];
    const char *env[] = {"FAKE_GPU_UTIL=99", "FAKE_GPU_PID=", NULL};
    int st = run_detector(env, NULL, 1000, out, sizeof(out));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_non_null(strstr(out, "no visible process"));
    assert_null(strstr(out, "\"pid\""));
}

static void test_quiet_below_level(void **state)
{
    static char out[8192];
    const char *env[] = {"FAKE_GPU_UTIL=30", "FAKE_GPU_PID=4242", NULL};
    int st = run_detector(env, NULL, 1000, out, sizeof(out));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* Only its info line (min_observation_s), no alert. */
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
        assert_non_null(strstr(line, "\"info\":{\"min_observation"));
}

static void test_small_process_is_not_named(void **state)
{
    static char out[8192];
    const char *env[] = {"FAKE_GPU_UTIL=97", "FAKE_GPU_PID=4242", "FAKE_GPU_MEM=200",
                         NULL};
    int st = run_detector(env, NULL, 1000, out, sizeof(out));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_null(strstr(out, "\"pid\":4242"));
    assert_non_null(strstr(out, "no visible process"));
}

static void test_degraded_without_nvidia_smi(void **state)
{
    static char out[8192];
    const char *env[] = {NULL};
    int st = run_detector(env, "/nonexistent/nvidia-smi", 800, out, sizeof(out));
    /* Still running when SIGTERMed (exit 0), exactly one degraded line. */
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char *d = strstr(out, "\"degraded\":true");
    assert_non_null(d);
    assert_null(strstr(d + 1, "\"degraded\":true"));
    assert_non_null(strstr(out, "nvidia-smi not found"));
}

static void test_degraded_without_driver(void **state)
{
    static char out[8192];
    const char *env[] = {"FAKE_GPU_FAIL=1", NULL};
    int st = run_detector(env, NULL, 800, out, sizeof(out));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_non_null(strstr(out, "\"degraded\":true"));
    assert_non_null(strstr(out, "no GPU or driver"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_gpus),
        cmocka_unit_test(test_parse_apps),
        cmocka_unit_test(test_alerts_on_sustained_load),
        cmocka_unit_test(test_host_level_without_process),
        cmocka_unit_test(test_quiet_below_level),
        cmocka_unit_test(test_small_process_is_not_named),
        cmocka_unit_test(test_degraded_without_nvidia_smi),
        cmocka_unit_test(test_degraded_without_driver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
