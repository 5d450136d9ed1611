/*
 * exec-watch: every rule proven to fire and not to fire on command lines and
 * executable paths (miner invocations, their base64 forms, masquerading
 * names, memfd / shm / deleted binaries against xz, gcc, openssl, chromium
 * and kernel threads), on recorded /proc snapshots, and live on real execs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "exec_rules.h"
#include "exec_watch.h"
#include "test_det_host_util.h"

static const char *rules_of(const char *cmdline, const char *argv0, const char *comm,
                            const char *exe, char *out, size_t len)
{
    struct exec_proc p = {cmdline, argv0,       comm,
                          exe,     exe != NULL, "runc_cloned,sealed-"};
    if (!exe)
        p.exe = "";
    struct exec_hit hits[EXEC_RULES_MAX_HITS];
    size_t n = exec_rules_match(&p, hits, EXEC_RULES_MAX_HITS);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? "," : "",
                 hits[i].rule);
    return out;
}

#define RULES(cmd, a0, comm, exe) rules_of(cmd, a0, comm, exe, buf, sizeof(buf))

static void test_cmdline_rules_fire(void **state)
{
    (void)state;
    char buf[512];
    assert_string_equal(RULES("./svc -o stratum+tcp://10.0.0.1:3333 -u 4x -p x",
                              "./svc", "svc", "/home/u/svc"),
                        "stratum-scheme");
    assert_string_equal(
        RULES("./svc -o STRATUM+SSL://h:443", "./svc", "svc", "/opt/svc"),
        "stratum-scheme");
    assert_string_equal(
        RULES("./svc --donate-level=1 --cpu-priority=5", "./svc", "svc", "/opt/svc"),
        "donate-level,cpu-priority");
    assert_string_equal(
        RULES("./svc -o pool.example.org:3333 --nicehash", "./svc", "svc", "/opt/svc"),
        "nicehash,pool-host");
    assert_string_equal(RULES("./svc --algo=rx/0", "./svc", "svc", "/opt/svc"),
                        "algo-rx0");
    assert_string_equal(
        RULES("./svc --url=pool.minexmr.example:4444", "./svc", "svc", "/opt/svc"),
        "pool-host");
    assert_string_equal(RULES("/opt/xmrig/xmrig -c config.json", "/opt/xmrig/xmrig",
                              "xmrig", "/opt/xmrig/xmrig"),
                        "miner-name");
    assert_string_equal(RULES("cpuminer-multi -a cryptonight", "cpuminer-multi",
                              "cpuminer-mult", "/usr/local/bin/cpuminer-multi"),
                        "miner-name");
}

static void test_base64_forms(void **state)
{
    (void)state;
    char buf[512], enc[256], cmd[512];
    /* A whole token that decodes to a miner command line. */
    const char *inner = "xmrig -o stratum+tcp://127.0.0.1:3333";
    EVP_EncodeBlock((unsigned char *)enc, (const unsigned char *)inner,
                    (int)strlen(inner));
    snprintf(cmd, sizeof(cmd), "sh -c echo %s|base64 -d|sh", enc);
    assert_string_equal(RULES(cmd, "sh", "sh", "/usr/bin/dash"), "base64");
    /* The keyword inside a larger base64 blob, at each of the three alignments. */
    for (int shift = 0; shift < 3; shift++) {
        char plain[128];
        snprintf(plain, sizeof(plain), "%.*s--donate-level=0 more", shift, "ab");
        EVP_EncodeBlock((unsigned char *)enc, (const unsigned char *)plain,
                        (int)strlen(plain));
        snprintf(cmd, sizeof(cmd), "python3 -c exec(b64decode('%s'))", enc);
        assert_string_equal(RULES(cmd, "python3", "python3", "/usr/bin/python3.11"),
                            "base64");
    }
    assert_true(exec_rules_b64decode("aGVsbG8=", 8, buf, sizeof(buf)) == 5);
    assert_string_equal(buf, "hello");
    assert_int_equal(exec_rules_b64decode("a*b", 3, buf, sizeof(buf)), -EINVAL);
}

static void test_exe_and_name_rules(void **state)
{
    (void)state;
    char buf[512];
    assert_string_equal(RULES("svc", "svc", "svc", "/memfd:kworker (deleted)"),
                        "exe-memfd");
    assert_string_equal(RULES("svc", "svc", "svc", "/dev/shm/.x/svc"), "exe-shm");
    assert_string_equal(RULES("svc", "svc", "svc", "/tmp/svc (deleted)"),
                        "exe-deleted");
    /* A deleted binary alone (a daemon after a package upgrade) stays under the
     * threshold. */
    struct exec_hit hit = {"exe-deleted", 0.45, ""};
    assert_true(exec_rules_score(&hit, 1) < 0.5);
    assert_string_equal(RULES("[kworker/0:2-events] -t 1", "[kworker/0:2-events]",
                              "[kworker/0:2-ev", "/var/tmp/sbx/kworker"),
                        "kthread-masquerade");
    assert_string_equal(RULES("kswapd0", "kswapd0", "kswapd0", "/tmp/a.out"),
                        "kthread-masquerade");
    assert_string_equal(RULES("systemd-journald", "systemd-journald", "systemd-journal",
                              "/home/u/.cache/systemd-journald"),
                        "daemon-masquerade");
    /* The real ones. */
    assert_string_equal(RULES("", "", "kworker/0:2-events", NULL),
                        ""); /* kernel thread */
    assert_string_equal(RULES("/lib/systemd/systemd-journald",
                              "/lib/systemd/systemd-journald", "systemd-journal",
                              "/usr/lib/systemd/systemd-journald"),
                        "");
    assert_string_equal(
        RULES("sshd: root@pts/0", "sshd: root@pts/0", "sshd", "/usr/sbin/sshd"), "");
    /* Container runtimes and sandboxes that re-exec from a sealed memfd are allowed. */
    assert_string_equal(RULES("runc init", "runc", "runc:[2:INIT]",
                              "/memfd:runc_cloned:/proc/self/exe (deleted)"),
                        "");
}

static void test_benign_cmdlines_quiet(void **state)
{
    (void)state;
    char buf[512];
    static const char *benign[][2] = {
        {"xz -9 -T1 -c big.tar", "/usr/bin/xz"},
        {"gcc -O2 -c pool.c -o pool.o", "/usr/bin/gcc-12"},
        {"/usr/lib/gcc/x86_64-linux-gnu/12/cc1 -quiet big.c -dumpbase big.c -O2 -o "
         "/tmp/ccX.s",
         "/usr/lib/gcc/x86_64-linux-gnu/12/cc1"},
        {"openssl speed -seconds 10 -multi 2 sha256", "/usr/bin/openssl"},
        {"/usr/lib/chromium/chromium --type=renderer --lang=en-US "
         "--num-raster-threads=1 "
         "--renderer-client-id=7 --field-trial-handle=3,i,1570286384541352171,"
         "9845012553153924566,262144 --shared-files=v8_context_snapshot_data:100",
         "/usr/lib/chromium/chromium"},
        {"ssh -o ServerAliveInterval=30 build@10.0.0.5", "/usr/bin/ssh"},
        {"tar -czf poolside.tar.gz -C /srv data", "/usr/bin/tar"},
        {"python3 -m http.server 8080", "/usr/bin/python3.11"},
        {"sha256sum 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
         "/usr/bin/sha256sum"},
        {"curl -H Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abc",
         "/usr/bin/curl"},
    };
    for (size_t i = 0; i < sizeof(benign) / sizeof(benign[0]); i++) {
        const char *base = strrchr(benign[i][1], '/') + 1;
        char a0[64];
        snprintf(a0, sizeof(a0), "%.*s", (int)strcspn(benign[i][0], " "), benign[i][0]);
        assert_string_equal(RULES(benign[i][0], a0, base, benign[i][1]), "");
    }
}

static struct exec_watch *watch(const char *root, const char *mode)
{
    char *argv[] = {"det",    "--proc-root", (char *)root,
                    "--mode", (char *)mode,  "--interval-ms",
                    "100",    "--sweep-s",   "0.2"};
    struct exec_watch_config cfg;
    char err[256];
    assert_int_equal(exec_watch_parse_args(9, argv, &cfg, err, sizeof(err)), 0);
    return exec_watch_new(&cfg, err, sizeof(err));
}

static void test_snapshots(void **state)
{
    (void)state;
    char dir[512];
    data_path(dir, sizeof(dir), "miner-snap");
    int pid = snapshot_pid(dir, "[kworker/0:2-ev");
    capture_begin();
    struct exec_watch *ew = watch(dir, "auto"); /* not /proc: polling, says so */
    assert_non_null(ew);
    assert_false(exec_watch_using_netlink(ew));
    exec_watch_tick(ew);
    exec_watch_tick(ew); /* judged once: no second alert */
    char *out = capture_end();
    exec_watch_free(ew);
    assert_int_equal(count_lines(out, 0, 1), 1);
    assert_int_equal(count_lines(out, pid, 0), 1);
    assert_int_equal(count_lines(out, 0, 0), 1);
    assert_non_null(strstr(out, "stratum-scheme"));
    assert_non_null(strstr(out, "donate-level"));
    assert_non_null(strstr(out, "kthread-masquerade"));
    free(out);
    capture_begin();
    ew = watch(data_path(dir, sizeof(dir), "benign-snap"), "poll");
    exec_watch_tick(ew);
    out = capture_end();
    exec_watch_free(ew);
    assert_int_equal(count_lines(out, 0, 0), 0); /* xz, openssl, cc1 */
    free(out);
}

static void exec_miner_like(void *arg)
{
    (void)arg;
    execl("/bin/sh", "sh", "-c", "sleep 5", "xmr", "-o", "stratum+tcp://127.0.0.1:3333",
          (char *)NULL);
}

static void exec_fake_kworker(void *arg)
{
    (void)arg;
    execl("/bin/sleep", "[kworker/1:1-events]", "5", (char *)NULL);
}

static void exec_benign(void *arg)
{
    (void)arg;
    execl("/bin/sleep", "sleep", "5", (char *)NULL);
}

static void live(const char *mode)
{
    capture_begin();
    struct exec_watch *ew = watch("/proc", mode);
    assert_non_null(ew);
    exec_watch_tick(ew); /* first sweep of what already runs */
    pid_t a = spawn_child(exec_miner_like, NULL);
    pid_t b = spawn_child(exec_fake_kworker, NULL);
    pid_t c = spawn_child(exec_benign, NULL);
    double t0 = mono_now();
    while (mono_now() - t0 < 3)
        exec_watch_tick(ew);
    char *out = capture_end();
    fprintf(stderr, "mode %s (netlink %d):\n%s", mode, exec_watch_using_netlink(ew),
            out);
    exec_watch_free(ew);
    reap_child(a);
    reap_child(b);
    reap_child(c);
    assert_int_equal(count_lines(out, a, 0), 1);
    assert_int_equal(count_lines(out, b, 0), 1);
    assert_int_equal(count_lines(out, c, 0), 0);
    free(out);
}

static void test_live_poll(void **state)
{
    (void)state;
    live("poll");
}

static void test_live_auto(void **state)
{
    (void)state;
    live("auto"); /* the netlink connector as root, polling otherwise */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmdline_rules_fire),
        cmocka_unit_test(test_base64_forms),
        cmocka_unit_test(test_exe_and_name_rules),
        cmocka_unit_test(test_benign_cmdlines_quiet),
        cmocka_unit_test(test_snapshots),
        cmocka_unit_test(test_live_poll),
        cmocka_unit_test(test_live_auto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
