/* Unit tests for detectors-under-test/common/det_proc (shared /proc readers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sys/stat.h>

#include "det_proc.h"
#include "test_det_host_util.h"

static void test_parse_stat_odd_comm(void **state)
{
    (void)state;
    struct det_proc_stat st;
    /* A comm with spaces and a ')' is why parsing starts at the last ')'. */
    const char *line =
        "4242 (evil) R (x) S 17 4242 4242 0 -1 4194560 100 0 0 0 "
        "1500 250 0 0 20 0 3 0 987654 104857600 500 18446744073709551615";
    assert_int_equal(det_proc_parse_stat(line, &st), 0);
    assert_int_equal(st.pid, 4242);
    assert_string_equal(st.comm, "evil) R (x");
    assert_int_equal(st.state, 'S');
    assert_int_equal(st.ppid, 17);
    assert_int_equal(st.utime_ticks, 1500);
    assert_int_equal(st.stime_ticks, 250);
    assert_int_equal(st.num_threads, 3);
    assert_int_equal(st.start_ticks, 987654);
    assert_int_equal(st.vsize_bytes, 104857600);
    assert_int_equal(det_proc_parse_stat("12 noparen R 1", &st), -EINVAL);
    assert_int_equal(det_proc_parse_stat("12 (x) R", &st), -EINVAL);
}

static void test_parse_map(void **state)
{
    (void)state;
    struct det_map m;
    assert_int_equal(
        det_proc_parse_map("7f0000000000-7f0010000000 rw-p 00000000 00:00 0 \n", &m),
        0);
    assert_int_equal(m.end - m.start, 256ull << 20);
    assert_string_equal(m.perms, "rw-p");
    assert_string_equal(m.path, "");
    assert_int_equal(
        det_proc_parse_map("55d0c4a00000-55d0c4a21000 r--p 00001000 08:01 1311 "
                           "   /usr/bin/x y\n",
                           &m),
        0);
    assert_int_equal(m.inode, 1311);
    assert_int_equal(m.offset, 0x1000);
    assert_string_equal(m.path, "/usr/bin/x y");
    assert_int_equal(det_proc_parse_map("garbage", &m), -EINVAL);
}

static void test_parse_tcp(void **state)
{
    (void)state;
    struct det_tcp_conn c;
    assert_int_equal(det_proc_parse_tcp_line(
                         "   0: 0100007F:C0DE 0100007F:0D05 01 00000000:00000000 "
                         "00:00000000 00000000     0        0 424242 1 0 20 4 30 10 -1",
                         0, &c),
                     0);
    assert_string_equal(c.local, "127.0.0.1:49374");
    assert_string_equal(c.remote, "127.0.0.1:3333");
    assert_int_equal(c.state, DET_TCP_ESTABLISHED);
    assert_int_equal(c.inode, 424242);
    /* IPv4-mapped IPv6 prints as IPv4; real IPv6 in brackets. */
    assert_int_equal(det_proc_parse_tcp_line(
                         "  1: 0000000000000000FFFF00000100007F:1F90 "
                         "00000000000000000000000001000000:0000 0A 0:0 0:0 0 0 0 77",
                         1, &c),
                     0);
    assert_string_equal(c.local, "127.0.0.1:8080");
    assert_string_equal(c.remote, "[0:0:0:0:0:0:0:1]:0");
    assert_int_equal(c.state, DET_TCP_LISTEN);
    assert_int_equal(
        det_proc_parse_tcp_line("  sl  local_address rem_address   st", 0, &c),
        -EINVAL);
}

static void test_recorded_miner_snapshot(void **state)
{
    (void)state;
    char dir[512], buf[4096], argv0[256], exe[512];
    data_path(dir, sizeof(dir), "miner-snap");
    int pid = snapshot_pid(dir, "[kworker/0:2-ev");
    assert_true(pid > 0);
    assert_int_equal(
        det_proc_read_cmdline(dir, pid, buf, sizeof(buf), argv0, sizeof(argv0)), 0);
    assert_string_equal(argv0, "[kworker/0:2-events]");
    assert_non_null(strstr(buf, " -o stratum+tcp://127.0.0.1:"));
    assert_int_equal(det_proc_read_exe(dir, pid, exe, sizeof(exe)), 0);
    assert_non_null(strstr(exe, "minerlab-miner"));
    struct det_proc_stat st;
    assert_int_equal(det_proc_read_stat(dir, pid, 0, &st), 0);
    assert_int_equal(st.num_threads, 4);
    int tids[16];
    size_t n = 0;
    assert_int_equal(det_proc_list_tids(dir, pid, tids, 16, &n), 0);
    assert_int_equal(n, 4);
    uint64_t inodes[8];
    assert_int_equal(det_proc_socket_inodes(dir, pid, inodes, 8, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(det_proc_ncpu(dir), 2);
    assert_true(det_proc_uptime(dir) > 0);
    /* The miner's pool connection is in the recorded net/tcp. */
    struct det_tcp_conn conns[128];
    size_t nc = 0, found = 0;
    det_proc_read_tcp(dir, conns, 128, &nc);
    for (size_t i = 0; i < nc; i++)
        found += conns[i].inode == inodes[0] && conns[i].state == DET_TCP_ESTABLISHED;
    assert_int_equal(found, 1);
    assert_int_equal(det_proc_read_stat(dir, 999999, 0, &st), -ENOENT);
}

static void test_cgroup_v1_v2(void **state)
{
    (void)state;
    char dir[] = "/tmp/dethost-cg-XXXXXX", sub[600], cg[256];
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof(sub), "%s/10", dir);
    mkdir(sub, 0755);
    write_text(sub, "cgroup", "4:memory:/x\n2:cpu,cpuacct:/docker/abc\n0::/\n");
    assert_int_equal(det_proc_read_cgroup(dir, 10, cg, sizeof(cg)), 0);
    assert_string_equal(cg, "/docker/abc");
    write_text(sub, "cgroup", "0::/system.slice/lab.scope\n");
    assert_int_equal(det_proc_read_cgroup(dir, 10, cg, sizeof(cg)), 0);
    assert_string_equal(cg, "/system.slice/lab.scope");
    write_text(sub, "cgroup", "0::/\n");
    assert_int_equal(det_proc_read_cgroup(dir, 10, cg, sizeof(cg)), 0);
    assert_string_equal(cg, "/");
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_cgroup_quota(void **state)
{
    (void)state;
    char dir[] = "/tmp/dethost-cgq-XXXXXX", sub[700];
    assert_non_null(mkdtemp(dir));
    double cores = 0;
    /* v2: the quota sits on the parent; "max" means none. */
    snprintf(sub, sizeof(sub), "%s/lab", dir);
    mkdir(sub, 0755);
    write_text(sub, "cpu.max", "50000 100000\n");
    snprintf(sub, sizeof(sub), "%s/lab/ctr", dir);
    mkdir(sub, 0755);
    write_text(sub, "cpu.max", "max 100000\n");
    assert_int_equal(det_proc_cgroup_quota(dir, "/lab/ctr", &cores), 0);
    assert_float_equal(cores, 0.5, 1e-9);
    assert_int_equal(det_proc_cgroup_quota(dir, "/other", &cores), -ENOENT);
    /* v1 cpu controller mounted at cpu,cpuacct. */
    snprintf(sub, sizeof(sub), "%s/cpu,cpuacct", dir);
    mkdir(sub, 0755);
    snprintf(sub, sizeof(sub), "%s/cpu,cpuacct/ml1", dir);
    mkdir(sub, 0755);
    write_text(sub, "cpu.cfs_quota_us", "25000\n");
    write_text(sub, "cpu.cfs_period_us", "100000\n");
    assert_int_equal(det_proc_cgroup_quota(dir, "/ml1", &cores), 0);
    assert_float_equal(cores, 0.25, 1e-9);
    write_text(sub, "cpu.cfs_quota_us", "-1\n");
    assert_int_equal(det_proc_cgroup_quota(dir, "/ml1", &cores), -ENOENT);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_cpu_tracker(void **state)
{
    (void)state;
    long hz = det_proc_clk_tck();
    struct det_cpu_tracker *t = det_cpu_tracker_new(5);
    assert_non_null(t);
    /* Seeded with the start time: the first average covers the lifetime. */
    assert_int_equal(
        det_cpu_tracker_update(t, 7, 100, (uint64_t)(5 * hz), 20.0, 10.0, 1), 1);
    double span = 0;
    assert_float_equal(det_cpu_tracker_avg(t, 7, 5, &span), 0.5, 1e-9);
    assert_float_equal(span, 10.0, 1e-9);
    for (int i = 1; i <= 6; i++)
        assert_int_equal(det_cpu_tracker_update(t, 7, 100, (uint64_t)((5 + i) * hz),
                                                20.0 + i, -1, (unsigned)(1 + i)),
                         0);
    assert_float_equal(det_cpu_tracker_avg(t, 7, 0, NULL), 1.0, 1e-9);
    assert_float_equal(det_cpu_tracker_avg(t, 7, 3, &span), 1.0, 1e-9);
    assert_float_equal(span, 3.0, 1e-9);
    assert_true(det_cpu_tracker_avg(t, 7, 100, NULL) < 0); /* ring holds 5 samples */
    /* Same pid, new start time: a new process. */
    assert_int_equal(det_cpu_tracker_update(t, 7, 999, 0, 30.0, -1, 8), 1);
    assert_true(det_cpu_tracker_avg(t, 7, 0, NULL) < 0);
    /* Many ids force growth; the sweep drops ids not seen in the last tick. */
    for (int id = 1000; id < 3000; id++)
        det_cpu_tracker_update(t, id, 1, 0, 1.0, -1, 9);
    det_cpu_tracker_sweep(t, 9);
    double ts[4];
    uint64_t ticks[4];
    assert_int_equal(det_cpu_tracker_samples(t, 7, ts, ticks, 4), 0);
    assert_int_equal(det_cpu_tracker_samples(t, 2999, ts, ticks, 4), 1);
    det_cpu_tracker_free(t);
}

static void test_memo_cooldown(void **state)
{
    (void)state;
    struct det_memo *m = det_memo_new(60);
    assert_int_equal(det_memo_should_alert(m, 5, 1, "sustained", 100), 1);
    assert_int_equal(det_memo_should_alert(m, 5, 1, "sustained", 130), 0);
    assert_int_equal(det_memo_should_alert(m, 5, 1, "new", 130), 1);
    assert_int_equal(det_memo_should_alert(m, 5, 2, "sustained", 130),
                     1); /* pid reused */
    assert_int_equal(det_memo_should_alert(m, 5, 1, "sustained", 161), 1);
    det_memo_free(m);
}

static void test_parse_args(void **state)
{
    (void)state;
    struct det_common_opts o;
    double level = 0.7;
    int flag = 0;
    const char *name = NULL;
    const struct det_opt opts[] = {{"level", DET_OPT_DOUBLE, &level, 0, 1},
                                   {"flag", DET_OPT_FLAG, &flag, 0, 0},
                                   {"name", DET_OPT_STRING, &name, 0, 0}};
    char err[512];
    char *ok[] = {"det",          "--iface", "lo",          "--interval-ms",
                  "250",          "--once",  "--level=0.5", "--flag",
                  "--name",       "x",       "--proc-root", "/tmp",
                  "--cooldown-s", "5",       NULL};
    det_common_defaults(&o, 1000);
    assert_int_equal(det_parse_args(14, ok, &o, opts, 3, "usage", err, sizeof(err)), 0);
    assert_int_equal(o.interval_ms, 250);
    assert_int_equal(o.once, 1);
    assert_string_equal(o.proc_root, "/tmp");
    assert_float_equal(o.cooldown_s, 5, 1e-9);
    assert_float_equal(level, 0.5, 1e-9);
    assert_int_equal(flag, 1);
    assert_string_equal(name, "x");
    char *bad_value[] = {"det", "--level", "2", NULL};
    assert_int_equal(
        det_parse_args(3, bad_value, &o, opts, 3, "usage", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "--level"));
    char *unknown[] = {"det", "--bogus", NULL};
    assert_int_equal(det_parse_args(2, unknown, &o, opts, 3, "usage", err, sizeof(err)),
                     -EINVAL);
    char *interval[] = {"det", "--interval-ms", "0", NULL};
    assert_int_equal(
        det_parse_args(3, interval, &o, opts, 3, "usage", err, sizeof(err)), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_stat_odd_comm),
        cmocka_unit_test(test_parse_map),
        cmocka_unit_test(test_parse_tcp),
        cmocka_unit_test(test_recorded_miner_snapshot),
        cmocka_unit_test(test_cgroup_v1_v2),
        cmocka_unit_test(test_cgroup_quota),
        cmocka_unit_test(test_cpu_tracker),
        cmocka_unit_test(test_memo_cooldown),
        cmocka_unit_test(test_parse_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
