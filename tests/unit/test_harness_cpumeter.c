/* cpumeter: /proc parsing, allowed cores, a miner's measured duty and a
 * detector group's cost, on real child processes that burn a known amount
 * of CPU time (CPU time, not wall time: exact on a loaded box too). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cpumeter.h"
#include "detector.h"
#include "jsonl.h"
#include "ml_util.h"
#include "model.h"
#include "proc.h"
#include "scenario.h"

static double own_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void burn(double cpu_s)
{
    double end = own_cpu() + cpu_s;
    volatile unsigned long x = 0;
    while (own_cpu() < end)
        for (int i = 0; i < 10000; i++)
            x += (unsigned long)i;
}

/* A child that burns cpu_s (and, when child_s > 0, first forks and waits for
 * a grandchild that burns child_s), writes one byte to fd, then waits. */
static pid_t burner(double cpu_s, double child_s, int fd)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    setpgid(0, 0);
    if (child_s > 0) {
        pid_t g = fork();
        if (g == 0) {
            burn(child_s);
            _exit(0);
        }
        waitpid(g, NULL, 0);
    }
    burn(cpu_s);
    if (write(fd, "x", 1) != 1)
        _exit(1);
    pause();
    _exit(0);
}

static void test_parse(void **state)
{
    (void)state;
    struct cpum_stat st;
    long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
    char buf[512];
    /* A comm with a space and a ')' inside, as a hostile process can choose. */
    snprintf(buf, sizeof(buf),
             "4242 (a) b) R 1 4200 4200 0 -1 4194560 100 0 0 0 %ld %ld %ld %ld 20 0 "
             "3 0 777 123456 250 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 "
             "0 0 0 0 0",
             3 * tick, tick, 2 * tick, 0L);
    assert_int_equal(cpum_parse_stat(buf, &st), 0);
    assert_int_equal(st.pid, 4242);
    assert_int_equal(st.ppid, 1);
    assert_int_equal(st.pgid, 4200);
    assert_float_equal(st.utime, 3, 1e-9);
    assert_float_equal(st.stime, 1, 1e-9);
    assert_float_equal(st.cutime, 2, 1e-9);
    assert_true(st.starttime == 777);
    assert_true(st.rss_bytes == 250ULL * (unsigned long long)page);
    assert_int_equal(cpum_parse_stat("4242 (x) R 1", &st), -EINVAL);
    assert_int_equal(cpum_parse_stat("garbage", &st), -EINVAL);

    double c;
    assert_int_equal(cpum_parse_cpu_max("max 100000\n", &c), 0);
    assert_true(c == 0);
    assert_int_equal(cpum_parse_cpu_max("50000 100000\n", &c), 0);
    assert_float_equal(c, 0.5, 1e-12);
    assert_int_equal(cpum_parse_cpu_max("150000 100000", &c), 0);
    assert_float_equal(c, 1.5, 1e-12);
    assert_int_equal(cpum_parse_cpu_max("-1 100000", &c), -EINVAL);
    assert_int_equal(cpum_parse_cpu_max("100 0", &c), -EINVAL);
    assert_int_equal(cpum_parse_cpu_max("", &c), -EINVAL);

    assert_float_equal(cpum_share_pct(1.5, 10, 2), 7.5, 1e-12);

    /* A tree: 10 -> 11 -> 12, and 20 elsewhere; cutime counts (reaped children). */
    const struct cpum_stat tree[] = {
        {.pid = 10, .ppid = 1, .utime = 1, .stime = 0.5, .cutime = 0.25},
        {.pid = 11, .ppid = 10, .utime = 2},
        {.pid = 12, .ppid = 11, .stime = 4},
        {.pid = 20, .ppid = 1, .utime = 100},
    };
    assert_float_equal(cpum_tree_cpu(10, tree, 4), 7.75, 1e-12);
    assert_float_equal(cpum_tree_cpu(11, tree, 4), 6, 1e-12);
    assert_float_equal(cpum_tree_cpu(99, tree, 4), 0, 1e-12);
    assert_true(isnan(cpum_share_pct(1, 0, 2)));
}

static void test_allowed_cores(void **state)
{
    (void)state;
    cpu_set_t set;
    CPU_ZERO(&set);
    assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
    double self = cpum_allowed_cores(getpid());
    assert_true(self > 0 && self <= CPU_COUNT(&set));
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = burner(0, 0, fds[1]);
    char b;
    assert_int_equal(read(fds[0], &b, 1), 1);
    int first = 0;
    while (!CPU_ISSET(first, &set))
        first++;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    assert_int_equal(sched_setaffinity(pid, sizeof(one), &one), 0);
    double c = cpum_allowed_cores(pid);
    assert_true(c > 0 && c <= 1.0); /* one CPU, or less under a quota */
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    assert_true(cpum_allowed_cores(pid) == 0); /* gone */
    close(fds[0]);
    close(fds[1]);
}

/* Reads the events named ev from the timeline file. */
static json_t *events(const char *path, const char *ev)
{
    json_t *a = json_array();
    FILE *f = fopen(path, "r");
    char line[4096];
    while (f && fgets(line, sizeof(line), f)) {
        json_t *o = json_loads(line, 0, NULL);
        if (o && !strcmp(json_string_value(json_object_get(o, "event")), ev))
            json_array_append(a, o);
        json_decref(o);
    }
    if (f)
        fclose(f);
    return a;
}

static void test_duty(void **state)
{
    (void)state;
    char dir[] = "/tmp/ml-cpumeter-test.XXXXXX", path[256], err[512];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/s.yaml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("id: binary-d40\ntitle: t\ntype: binary\nlabel: malicious\nlauncher: binary\n"
          "duration_s: 5\nminer:\n  threads: 1\n  duty: 40\n  mode: light\n",
          f);
    fclose(f);
    struct scenario *sc = NULL;
    assert_int_equal(scenario_load(path, &sc, err, sizeof(err)), 0);
    snprintf(path, sizeof(path), "%s/timeline.jsonl", dir);
    struct jsonl tl;
    assert_int_equal(jsonl_open(&tl, path), 0);

    int fds[2];
    assert_int_equal(pipe(fds), 0);
    struct cpum_duty d;
    memset(&d, 0, sizeof(d));
    double t0 = ml_now_unix();
    d.window_start = t0;
    /* 0.3 s in a child it waits for, then 0.4 s itself: the whole tree counts. */
    pid_t pid = burner(0.4, 0.3, fds[1]);
    cpum_duty_add(&d, pid, ml_now_unix());
    cpum_duty_add(&d, pid, ml_now_unix()); /* twice: counted once */
    assert_int_equal(d.n, 1);
    char b;
    assert_int_equal(read(fds[0], &b, 1), 1); /* it burned its 0.7 s */
    cpum_duty_poll(&d, &tl, sc, ml_now_unix());
    usleep(300 * 1000);
    double t1 = ml_now_unix();
    cpum_duty_finish(&d, &tl, sc, t1);
    jsonl_close(&tl);

    json_t *w = events(path, "duty_window"), *sl = events(path, "duty_measured");
    assert_int_equal(json_array_size(w), 1);
    assert_true(json_array_size(sl) >= 1);
    json_t *e = json_array_get(w, 0);
    double cpu = json_number_value(json_object_get(e, "cpu_s"));
    double pct = json_number_value(json_object_get(e, "pct"));
    double span = json_number_value(json_object_get(e, "end")) -
                  json_number_value(json_object_get(e, "start"));
    double cores = cpum_allowed_cores(getpid());
    /* Up to a few ticks of CPU may precede the first sample. */
    assert_true(cpu > 0.64 && cpu < 0.76);
    assert_float_equal(pct, cpum_share_pct(cpu, span, cores), 1.0);
    assert_float_equal(json_number_value(json_object_get(e, "nominal_pct")), 40, 1e-9);
    json_t *s0 = json_array_get(sl, 0);
    assert_float_equal(json_number_value(json_object_get(s0, "nominal_pct")), 40, 1e-9);
    assert_int_equal(json_integer_value(json_object_get(s0, "pid")), pid);
    json_decref(w);
    json_decref(sl);
    assert_int_equal(d.n, 0); /* finish empties the meter */

    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(fds[0]);
    close(fds[1]);
    scenario_free(sc);
    unlink(path);
    snprintf(path, sizeof(path), "%s/s.yaml", dir);
    unlink(path);
    rmdir(dir);
}

static void test_cost(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    struct detector det;
    memset(&det, 0, sizeof(det));
    cpum_cost_start(&det.cost, ml_now_unix());
    /* 0.5 s itself + 0.3 s in a grandchild it waited for: 0.8 s. */
    det.pid = det.pgid = burner(0.5, 0.3, fds[1]);
    setpgid(det.pid, det.pid); /* no race with the child's own setpgid */
    char b;
    assert_int_equal(read(fds[0], &b, 1), 1);
    detector_cost_poll(&det, 1);
    assert_int_equal(det.cost.samples, 1);
    assert_true(det.cost.max_group_cpu_s > 0.77 && det.cost.max_group_cpu_s < 0.9);
    assert_true(det.cost.peak_rss_bytes > 0);
    kill(det.pid, SIGKILL);
    struct rusage ru;
    int st;
    assert_int_equal(wait4(det.pid, &st, 0, &ru), det.pid);
    cpum_cost_reaped(&det.cost, &ru, ml_now_unix());
    assert_true(det.cost.reaped_cpu_s > 0.77 && det.cost.reaped_cpu_s < 0.9);
    double cpu = cpum_cost_cpu_s(&det.cost);
    assert_true(cpu >= det.cost.reaped_cpu_s && cpu >= det.cost.max_group_cpu_s);
    close(fds[0]);
    close(fds[1]);
}

static void put(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The model reads what the meters write: slices, the window total, the cost. */
static void test_model_reads(void **state)
{
    (void)state;
    char dir[] = "/tmp/ml-cpumeter-model.XXXXXX", err[256];
    assert_non_null(mkdtemp(dir));
    put(dir, "run.json",
        "{\"run_id\":\"t\",\"settings\":{\"grace_s\":5},"
        "\"detectors\":[{\"name\":\"d1\",\"cmd\":\"x\"}],"
        "\"scenarios\":[{\"id\":\"r\",\"type\":\"binary\",\"label\":"
        "\"malicious\",\"duty_pct\":5}]}");
    put(dir, "timeline.jsonl",
        "{\"ts\":100,\"event\":\"scenario_start\",\"scenario\":\"r\"}\n"
        "{\"ts\":106,\"event\":\"duty_measured\",\"scenario\":\"r\",\"pid\":9,"
        "\"slice_start\":101,\"slice_end\":106,\"pct\":6.1,\"nominal_pct\":5}\n"
        "{\"ts\":111,\"event\":\"duty_measured\",\"scenario\":\"r\",\"pid\":9,"
        "\"slice_start\":106,\"slice_end\":111,\"pct\":48.5,\"nominal_pct\":50}\n"
        "{\"ts\":111,\"event\":\"duty_measured\",\"scenario\":\"r\",\"pid\":10,"
        "\"slice_start\":107,\"slice_end\":111,\"pct\":10,\"nominal_pct\":null}\n"
        "{\"ts\":111,\"event\":\"duty_window\",\"scenario\":\"r\",\"pid\":9,"
        "\"pct\":27.3,\"nominal_pct\":5}\n"
        "{\"ts\":111,\"event\":\"duty_window\",\"scenario\":\"r\",\"pid\":10,"
        "\"pct\":10}\n"
        "{\"ts\":112,\"event\":\"scenario_end\",\"scenario\":\"r\",\"status\":"
        "\"ran\",\"cpu_s\":5.5,\"cpu_cores\":2,\"cpu_pct\":25}\n"
        "{\"ts\":120,\"event\":\"detector_cost\",\"detector\":\"d1\",\"cpu_s\":"
        "2.5,\"wall_s\":20,\"cpu_pct\":12.5,\"peak_rss_mib\":31.5}\n");
    struct model *m = NULL;
    assert_int_equal(rundir_load(dir, &m, err, sizeof(err)), 0);
    struct model_scenario *s = model_find_scenario(m, "r");
    assert_true(s->has_measured_duty);
    assert_float_equal(s->measured_duty_pct, 37.3, 1e-9); /* both miners */
    assert_int_equal(s->nslices, 3);
    assert_true(isnan(s->slices[2].nominal_pct));
    /* A ramp credited where it was caught: at 108 the second slice, plus pid 10. */
    assert_float_equal(model_duty_at(s, 108), 58.5, 1e-9);
    assert_float_equal(model_duty_at(s, 102), 16.1, 1e-9); /* pid 10: its first */
    assert_float_equal(model_duty_at(s, 500), 58.5, 1e-9); /* after: the last */
    assert_true(s->has_cpu); /* the workload's cgroup CPU, from scenario_end */
    assert_float_equal(s->cpu_pct, 25, 1e-9);
    assert_float_equal(s->cpu_s, 5.5, 1e-9);
    struct model_detector *d = model_detector(m, "d1");
    assert_true(d->has_cost);
    assert_float_equal(d->cpu_s, 2.5, 1e-9);
    assert_float_equal(d->wall_s, 20, 1e-9);
    assert_float_equal(d->peak_rss_mib, 31.5, 1e-9);
    model_free(m);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* proc_cgroup_cpu_usec reads usage_usec, only as a whole key at a line start. */
static void test_cgroup_cpu(void **state)
{
    (void)state;
    char dir[] = "/tmp/ml-cpumeter-cg.XXXXXX";
    unsigned long long us = 0;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(proc_cgroup_cpu_usec(dir, &us), -ENOENT); /* v1: no cpu.stat */
    put(dir, "cpu.stat", "xusage_usec 5\nusage_usec 1234567\nuser_usec 1000000\n");
    assert_int_equal(proc_cgroup_cpu_usec(dir, &us), 0);
    assert_int_equal(us, 1234567);
    put(dir, "cpu.stat", "user_usec 5\nsystem_usec 7\n");
    assert_int_equal(proc_cgroup_cpu_usec(dir, &us), -EINVAL);
    put(dir, "cpu.stat", "usage_usec x\n");
    assert_int_equal(proc_cgroup_cpu_usec(dir, &us), -EINVAL);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),       cmocka_unit_test(test_allowed_cores),
        cmocka_unit_test(test_duty),        cmocka_unit_test(test_cost),
        cmocka_unit_test(test_model_reads), cmocka_unit_test(test_cgroup_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
