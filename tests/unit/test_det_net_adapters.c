/*
 * The third-party adapters run for real: minerlab-det-yara against a child
 * holding miner strings in its heap, minerlab-det-tshark on recorded pcaps.
 * Each test skips when Debian's yara / tshark is not installed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "test_det_net_util.h"

struct out {
    int lines, alerts, degraded, info;
    char version[64];
    char rules[32][64];
    int pids[32];
    char dst[32][64];
};

static int have(const char *tool)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

/* Runs cmd, parses every stdout line as a protocol object. Returns exit code. */
static int run(const char *cmd, struct out *o)
{
    char line[8192];
    memset(o, 0, sizeof(*o));
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    while (fgets(line, sizeof(line), p)) {
        json_t *j = json_loads(line, 0, NULL);
        assert_non_null(j); /* every stdout line is JSON */
        o->lines++;
        json_t *info = json_object_get(j, "info");
        const char *reason = json_string_value(json_object_get(j, "reason"));
        if (json_is_true(json_object_get(j, "degraded"))) {
            o->degraded++;
        } else if (info) {
            const char *v = json_string_value(json_object_get(info, "version"));
            if (!o->info++ && v)
                snprintf(o->version, sizeof(o->version), "%s", v);
        } else if (reason && o->alerts < 32) {
            sscanf(reason, "rule %63[^:]", o->rules[o->alerts]);
            o->pids[o->alerts] = (int)json_integer_value(json_object_get(j, "pid"));
            const char *dst =
                json_string_value(json_object_get(json_object_get(j, "flow"), "dst"));
            snprintf(o->dst[o->alerts], 64, "%s", dst ? dst : "");
            o->alerts++;
        }
        json_decref(j);
    }
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int count(const struct out *o, const char *rule)
{
    int n = 0;
    for (int i = 0; i < o->alerts; i++)
        n += !strcmp(o->rules[i], rule);
    return n;
}

/* A child (plain /bin/sh, not this possibly-sanitized binary, whose shadow
 * memory would make a scan slow) that keeps miner-like strings in its argv,
 * built at run time so that the test binary itself does not carry them. */
static pid_t miner_like_child(void)
{
    char url[64], agent[64];
    snprintf(url, sizeof(url), "%s+%s://127.0.0.1:3333", "stratum", "tcp");
    snprintf(agent, sizeof(agent), "%s/6.26.0 (Linux x86_64) libuv/1.44.2", "XMRig");
    pid_t pid = fork();
    if (pid == 0) {
        /* Own process group (the test kills the group, sleep included) and
         * no inherited stdout, so nothing outlives or blocks the test. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 1);
        dup2(null, 2);
        execlp("sh", "sh", "-c", "sleep 30", url, agent, (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    return pid;
}

static void yara_scans_a_live_process(void **state)
{
    (void)state;
    if (!have("yara"))
        skip();
    char cmd[1024];
    struct out o;
    pid_t miner = miner_like_child();
    assert_true(miner > 0);
    usleep(100 * 1000);
    /* --iface as the harness passes it to every reference detector. */
    snprintf(cmd, sizeof(cmd), "%s/minerlab-det-yara --iface lo --once --pid %d",
             getenv("ML_BIN_DIR"), (int)miner);
    int rc = run(cmd, &o);
    kill(-miner, SIGKILL);
    waitpid(miner, NULL, 0);
    assert_int_equal(rc, 0);
    if (o.degraded)
        skip(); /* a sandbox that forbids reading other processes' memory */
    assert_true(strncmp(o.version, "yara 4.", 7) == 0); /* first line: version info */
    assert_int_equal(count(&o, "miner_stratum_url"), 1);
    assert_int_equal(count(&o, "miner_xmrig_strings"), 1);
    for (int i = 0; i < o.alerts; i++)
        assert_int_equal(o.pids[i], (int)miner);
}

static void yara_quiet_on_a_plain_process(void **state)
{
    (void)state;
    if (!have("yara"))
        skip();
    char cmd[1024];
    struct out o;
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execlp("sleep", "sleep", "30", (char *)NULL);
        _exit(127);
    }
    usleep(100 * 1000);
    snprintf(cmd, sizeof(cmd), "%s/minerlab-det-yara --once --pid %d",
             getenv("ML_BIN_DIR"), (int)pid);
    int rc = run(cmd, &o);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    assert_int_equal(rc, 0);
    assert_int_equal(o.alerts, 0);
    /* Missing yara: a degraded notice, no alert, no crash. */
    snprintf(cmd, sizeof(cmd),
             "%s/minerlab-det-yara --once --yara /nonexistent/yara 2>/dev/null",
             getenv("ML_BIN_DIR"));
    rc = run(cmd, &o);
    assert_int_equal(rc, 1);
    assert_int_equal(o.degraded, 1);
    assert_int_equal(o.alerts, 0);
}

static struct out tshark_on(const char *pcap)
{
    char cmd[4096];
    struct out o;
    snprintf(cmd, sizeof(cmd), "%s/minerlab-det-tshark --read %s 2>/dev/null",
             getenv("ML_BIN_DIR"), tdn_pcap(pcap));
    assert_int_equal(run(cmd, &o), 0);
    assert_true(strncmp(o.version, "TShark", 6) == 0);
    return o;
}

static struct out tshark_home(const char *pcap, const char *home)
{
    char cmd[4096];
    struct out o;
    snprintf(cmd, sizeof(cmd),
             "%s/minerlab-det-tshark --read %s --home-net %s 2>/dev/null",
             getenv("ML_BIN_DIR"), tdn_pcap(pcap), home);
    assert_int_equal(run(cmd, &o), 0);
    return o;
}

/* --home-net is the rules' $HOME_NET: only packets between it and the
 * outside match, both ways (the check-in goes out, the job comes in). */
static void tshark_home_net(void **state)
{
    (void)state;
    if (!have("tshark"))
        skip();
    struct out o = tshark_home("xmrig_login_inet.pcap", "198.18.7.0/25");
    assert_int_equal(count(&o, "et-checkin"), 1);
    assert_int_equal(count(&o, "pool-port"), 1);
    assert_int_equal(count(&o, "stratum-job"), 1);
    for (int i = 0; i < o.alerts; i++)
        assert_string_equal(o.dst[i], "198.18.7.200:3333");
    int crossing = o.alerts;
    o = tshark_home("xmrig_login_inet.pcap", "10.0.0.0/8,fd00::/8"); /* neither side */
    assert_int_equal(o.alerts, 0);
    o = tshark_home("xmrig_login_inet.pcap", "198.18.7.0/24"); /* both: internal */
    assert_int_equal(o.alerts, 0);
    o = tshark_home("xmrig_login.pcap", "198.18.7.0/25"); /* loopback is not home */
    assert_int_equal(o.alerts, 0);
    o = tshark_on("xmrig_login_inet.pcap"); /* no home net: any address */
    assert_int_equal(o.alerts, crossing);
    /* A home net that does not parse is a usage error. */
    char cmd[4096];
    snprintf(cmd, sizeof(cmd),
             "%s/minerlab-det-tshark --read %s --home-net 198.18.7/33 2>&1",
             getenv("ML_BIN_DIR"), tdn_pcap("xmrig_login_inet.pcap"));
    FILE *p = popen(cmd, "r");
    char line[512] = "";
    assert_non_null(fgets(line, sizeof(line), p));
    int st = pclose(p);
    assert_int_equal(WEXITSTATUS(st), 2);
    assert_non_null(strstr(line, "--home-net"));
}

static void tshark_rules_fire(void **state)
{
    (void)state;
    if (!have("tshark"))
        skip();
    struct out o = tshark_on("xmrig_login.pcap");
    assert_int_equal(count(&o, "et-checkin"), 1);
    assert_int_equal(count(&o, "pool-port"), 1);
    assert_int_equal(count(&o, "stratum-job"), 1);
    for (int i = 0; i < o.alerts; i++)
        assert_string_equal(o.dst[i], "127.0.0.1:3333"); /* server side, every rule */
    o = tshark_on("coinhive_ws.pcap");
    assert_int_equal(count(&o, "ws-miner-auth"), 1); /* masked client frame */
    assert_int_equal(count(&o, "ws-miner-submit"), 1);
    o = tshark_on("tls_sni.pcap");
    assert_int_equal(o.alerts, 1);
    assert_int_equal(count(&o, "pool-sni"), 1);
    o = tshark_on("dns_queries.pcap");
    assert_int_equal(count(&o, "pool-dns"), 1);
}

static void tshark_quiet_and_degraded(void **state)
{
    (void)state;
    if (!have("tshark"))
        skip();
    struct out o = tshark_on("ws_chat.pcap");
    assert_int_equal(o.alerts, 0);
    o = tshark_on("tls_cadence.pcap"); /* TLS on 9444: nothing the rules can see */
    assert_int_equal(o.alerts, 0);
    char cmd[4096];
    snprintf(cmd, sizeof(cmd),
             "%s/minerlab-det-tshark --tshark /nonexistent/tshark 2>/dev/null",
             getenv("ML_BIN_DIR"));
    assert_int_equal(run(cmd, &o), 1);
    assert_int_equal(o.degraded, 1);
    /* A damaged capture: tshark fails, the adapter says so and does not crash. */
    snprintf(cmd, sizeof(cmd), "%s/minerlab-det-tshark --read %s 2>/dev/null",
             getenv("ML_BIN_DIR"), tdn_pcap("truncated_header.pcap"));
    assert_int_equal(run(cmd, &o), 2);
    assert_int_equal(o.degraded, 1);
    assert_int_equal(o.alerts, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yara_scans_a_live_process),
        cmocka_unit_test(yara_quiet_on_a_plain_process),
        cmocka_unit_test(tshark_rules_fire),
        cmocka_unit_test(tshark_quiet_and_degraded),
        cmocka_unit_test(tshark_home_net),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
