/*
 * The Prometheus detector's parts that do not start processes: the files it
 * writes (validated and unit-tested by Debian's promtool, which evaluates the
 * rules on synthetic series, when installed), the /api/v1/alerts parser on
 * pages recorded from Prometheus 2.42, the metric names against recorded
 * exporter pages, the pgrep-style group lookup and version lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "prom.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/ml-test-prom-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return b;
}

static const char *data(const char *name)
{
    static char path[4096];
    const char *src = getenv("ML_SOURCE_DIR");
    snprintf(path, sizeof(path), "%s/tests/data/prometheus/%s", src ? src : ".", name);
    return path;
}

static int have_promtool(void)
{
    return system("promtool --version >/dev/null 2>&1") == 0;
}

static void write_all(const char *rules_dir, const struct prom_rules *r)
{
    char err[256], rules[400], cfg[400], pcfg[400];
    snprintf(rules, sizeof(rules), "%s/rules.yml", rules_dir);
    snprintf(cfg, sizeof(cfg), "%s/prometheus.yml", rules_dir);
    snprintf(pcfg, sizeof(pcfg), "%s/process.yml", rules_dir);
    assert_int_equal(prom_write_rules(rules, r, err, sizeof(err)), 0);
    assert_int_equal(prom_write_config(cfg, rules, r, 19100, 19256, err, sizeof(err)),
                     0);
    assert_int_equal(prom_write_process_config(pcfg, err, sizeof(err)), 0);
}

static void config_and_rules_say_what_was_asked(void **state)
{
    (void)state;
    struct prom_rules r;
    prom_rules_defaults(&r);
    assert_true(prom_min_observation_s(&r) == 75.0); /* for: 60 s + scrape 15 s */
    write_all(tmpdir, &r);
    char path[400];
    snprintf(path, sizeof(path), "%s/prometheus.yml", tmpdir);
    char *cfg = slurp(path, NULL);
    assert_non_null(strstr(cfg, "scrape_interval: 15s"));
    assert_non_null(strstr(cfg, "targets: ['127.0.0.1:19100']"));
    assert_non_null(strstr(cfg, "targets: ['127.0.0.1:19256']"));
    free(cfg);
    snprintf(path, sizeof(path), "%s/rules.yml", tmpdir);
    char *rules = slurp(path, NULL);
    assert_non_null(strstr(rules, "for: 60s"));
    assert_non_null(strstr(rules, "[60s]")); /* rate window: 4 scrapes */
    assert_non_null(strstr(rules, "> 80\n"));
    free(rules);
    /* Fractional values become milliseconds, which Prometheus accepts. */
    r.for_s = 2.5;
    r.scrape_s = 1;
    write_all(tmpdir, &r);
    rules = slurp(path, NULL);
    assert_non_null(strstr(rules, "for: 2500ms"));
    assert_non_null(strstr(rules, "[30s]")); /* at least 30 s */
    free(rules);
    /* An unwritable place is an error with the path in it, not a crash. */
    char err[256];
    assert_true(prom_write_rules("/nonexistent/dir/rules.yml", &r, err, sizeof(err)) <
                0);
    assert_non_null(strstr(err, "/nonexistent/dir/rules.yml"));
}

static void promtool_accepts_the_files(void **state)
{
    (void)state;
    if (!have_promtool())
        skip();
    struct prom_rules r;
    prom_rules_defaults(&r);
    write_all(tmpdir, &r);
    char cmd[600];
    snprintf(cmd, sizeof(cmd),
             "promtool check config '%s/prometheus.yml' >/dev/null 2>&1", tmpdir);
    assert_int_equal(system(cmd), 0);
}

/*
 * promtool evaluates the rules on series like the exporters' pages: a new
 * group burning 1.5 cores fires both group rules, an old group at 1.2 cores
 * only the share rule, an idle group nothing; the host rule follows idle time.
 */
static void promtool_rule_tests(void **state)
{
    (void)state;
    if (!have_promtool())
        skip();
    struct prom_rules r;
    prom_rules_defaults(&r);
    write_all(tmpdir, &r);
    char path[400];
    snprintf(path, sizeof(path), "%s/rules_test.yml", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(
        f, "rule_files: [rules.yml]\n"
           "evaluation_interval: 15s\n"
           "tests:\n"
           "  - interval: 15s\n"
           "    input_series:\n"
           "      - series: "
           "'node_cpu_seconds_total{cpu=\"0\",mode=\"idle\",instance=\"n\",job="
           "\"node\"}'\n"
           "        values: '0+0.75x20'\n" /* 5 %% idle: 95 %% busy */
           "      - series: "
           "'node_cpu_seconds_total{cpu=\"1\",mode=\"idle\",instance=\"n\",job="
           "\"node\"}'\n"
           "        values: '0+0.75x20'\n"
           "      - series: "
           "'namedprocess_namegroup_cpu_seconds_total{groupname=\"xmrig\",mode="
           "\"user\",instance=\"p\",job=\"process\"}'\n"
           "        values: '0+22.5x20'\n" /* 1.5 cores */
           "      - series: "
           "'namedprocess_namegroup_oldest_start_time_seconds{groupname=\"xmrig\","
           "instance=\"p\",job=\"process\"}'\n"
           "        values: '0x20'\n"
           "      - series: "
           "'namedprocess_namegroup_cpu_seconds_total{groupname=\"java\",mode=\"user\","
           "instance=\"p\",job=\"process\"}'\n"
           "        values: '0+18x20'\n" /* 1.2 cores, running for days */
           "      - series: "
           "'namedprocess_namegroup_oldest_start_time_seconds{groupname=\"java\","
           "instance=\"p\",job=\"process\"}'\n"
           "        values: '-900000x20'\n"
           "      - series: "
           "'namedprocess_namegroup_cpu_seconds_total{groupname=\"bash\",mode=\"user\","
           "instance=\"p\",job=\"process\"}'\n"
           "        values: '0+0.15x20'\n"
           "      - series: "
           "'namedprocess_namegroup_oldest_start_time_seconds{groupname=\"bash\","
           "instance=\"p\",job=\"process\"}'\n"
           "        values: '0x20'\n"
           "    alert_rule_test:\n"
           "      - eval_time: 45s\n" /* true, but not yet for 60 s */
           "        alertname: ProcessGroupHighCpuShare\n"
           "        exp_alerts: []\n"
           "      - eval_time: 3m\n"
           "        alertname: ProcessGroupHighCpuShare\n"
           "        exp_alerts:\n"
           "          - exp_labels: {groupname: java, severity: warning}\n"
           "            exp_annotations: {summary: \"process group java above 0.5 of "
           "the host's CPU for 60s\"}\n"
           "          - exp_labels: {groupname: xmrig, severity: warning}\n"
           "            exp_annotations: {summary: \"process group xmrig above 0.5 of "
           "the host's CPU for 60s\"}\n"
           "      - eval_time: 3m\n"
           "        alertname: NewProcessGroupSustainedCpu\n"
           "        exp_alerts:\n"
           "          - exp_labels: {groupname: xmrig, severity: warning}\n"
           "            exp_annotations: {summary: \"new process group xmrig (oldest "
           "process younger than 600 s) above 0.25 cores for 60s\"}\n"
           "      - eval_time: 3m\n"
           "        alertname: HostHighCpuLoad\n"
           "        exp_alerts:\n"
           "          - exp_labels: {instance: n, severity: warning}\n"
           "            exp_annotations: {summary: \"host CPU above 80%% for 60s\"}\n");
    fclose(f);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "cd '%s' && promtool test rules rules_test.yml >&2",
             tmpdir);
    assert_int_equal(system(cmd), 0);
}

static void parses_recorded_alert_pages(void **state)
{
    (void)state;
    struct prom_alert a[8];
    size_t n, len;
    char err[256];
    char *b = slurp(data("alerts_firing.json"), &len);
    assert_int_equal(prom_parse_alerts(b, len, a, 8, &n, err, sizeof(err)), 0);
    free(b);
    assert_int_equal(n, 2);
    assert_string_equal(a[0].name, "HostHighCpuLoad");
    assert_string_equal(a[0].group, "");
    assert_string_equal(a[0].state, "firing");
    assert_string_equal(a[0].active_at, "2026-11-30T19:03:10.346566785Z");
    assert_string_equal(a[1].name, "NewProcessGroupSustainedCpu");
    assert_string_equal(a[1].group, "yes");
    assert_string_equal(a[1].value, "6.196864090909091e-01");
    assert_non_null(strstr(a[1].summary, "new process group yes"));

    b = slurp(data("alerts_pending.json"), &len);
    assert_int_equal(prom_parse_alerts(b, len, a, 8, &n, err, sizeof(err)), 0);
    free(b);
    assert_int_equal(n, 1);
    assert_string_equal(a[0].state, "pending");

    b = slurp(data("alerts_mixed.json"), &len);
    assert_int_equal(prom_parse_alerts(b, len, a, 2, &n, err, sizeof(err)), 0);
    free(b);
    assert_int_equal(n, 2); /* capped at the capacity */
}

static void bad_alert_pages_are_errors(void **state)
{
    (void)state;
    struct prom_alert a[2];
    size_t n;
    char err[256];
    const char *bad[] = {"<html>", "{\"status\":\"error\",\"error\":\"x\"}",
                         "{\"status\":\"success\",\"data\":{}}", "[]"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(
            prom_parse_alerts(bad[i], strlen(bad[i]), a, 2, &n, err, sizeof(err)), -22);
        assert_true(err[0] != '\0');
    }
    const char *no_name =
        "{\"status\":\"success\",\"data\":{\"alerts\":[{\"labels\":{}}]}}";
    assert_int_equal(
        prom_parse_alerts(no_name, strlen(no_name), a, 2, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 0);
}

/* Every metric the rules use is on the recorded exporter pages. */
static void rules_use_metrics_the_exporters_publish(void **state)
{
    (void)state;
    struct prom_rules r;
    prom_rules_defaults(&r);
    write_all(tmpdir, &r);
    char path[400];
    snprintf(path, sizeof(path), "%s/rules.yml", tmpdir);
    char *rules = slurp(path, NULL);
    char *pe = slurp(data("process_exporter_metrics.txt"), NULL);
    char *ne = slurp(data("node_exporter_metrics.txt"), NULL);
    int checked = 0;
    for (const char *p = rules; (p = strstr(p, "expr: ")); p++) {
        const char *line_end = strchr(p, '\n');
        for (const char *q = p + 6; q < line_end; q++) {
            if (strncmp(q, "node_", 5) && strncmp(q, "namedprocess_", 13))
                continue;
            size_t l = strspn(q, "abcdefghijklmnopqrstuvwxyz_");
            char name[128];
            snprintf(name, sizeof(name), "\n%.*s{", (int)l, q);
            assert_true(strstr(pe, name) || strstr(ne, name));
            checked++;
            q += l;
        }
    }
    assert_true(checked >= 5);
    /* The grouping is by comm, as the pages show. */
    assert_non_null(strstr(pe, "namedprocess_namegroup_cpu_seconds_total{groupname="));
    free(rules);
    free(pe);
    free(ne);
}

static void put(const char *root, int pid, const char *comm)
{
    char p[600];
    snprintf(p, sizeof(p), "%s/%d", root, pid);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/%d/comm", root, pid);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", comm);
    fclose(f);
}

static void group_pids_like_pgrep(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof(root), "%s/proc", tmpdir);
    assert_int_equal(mkdir(root, 0755), 0);
    put(root, 300, "xmrig");
    put(root, 100, "xmrig");
    put(root, 200, "xmrig-proxy");
    put(root, 400, "bash");
    int pids[4];
    assert_int_equal(prom_group_pids(root, "xmrig", pids, 4), 2);
    assert_int_equal(pids[0], 100);
    assert_int_equal(pids[1], 300);
    assert_int_equal(prom_group_pids(root, "xmrig", pids, 1), 2); /* count > cap */
    assert_int_equal(prom_group_pids(root, "sshd", pids, 4), 0);
    assert_true(prom_group_pids("/nonexistent", "x", pids, 4) < 0);
}

static void version_lines(void **state)
{
    (void)state;
    char v[96];
    assert_int_equal(
        prom_parse_version_line("prometheus, version 2.42.0+ds (branch: "
                                "debian/sid, revision: 2.42.0+ds-5+deb12u1)\n",
                                v, sizeof(v)),
        0);
    assert_string_equal(v, "prometheus 2.42.0+ds");
    assert_int_equal(prom_parse_version_line("process-exporter, version  (branch: "
                                             "debian/sid, revision: 0.7.10-3+b5)\n",
                                             v, sizeof(v)),
                     0);
    assert_string_equal(v, "process-exporter 0.7.10-3+b5");
    assert_int_equal(prom_parse_version_line("build user: x", v, sizeof(v)), -22);
}

static void free_ports_are_distinct(void **state)
{
    (void)state;
    int ports[3];
    assert_int_equal(prom_free_ports(ports, 3), 0);
    for (int i = 0; i < 3; i++) {
        assert_true(ports[i] > 0 && ports[i] < 65536);
        for (int k = 0; k < i; k++)
            assert_int_not_equal(ports[i], ports[k]); /* one port twice broke a run */
    }
    int p = ports[0];
    char *body = NULL, err[256];
    size_t len;
    /* Nothing listens there: a clear error, no body. */
    assert_true(prom_http_get(p, "/api/v1/alerts", 500, &body, &len, err, sizeof(err)) <
                0);
    assert_null(body);
    assert_non_null(strstr(err, "127.0.0.1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(config_and_rules_say_what_was_asked, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(promtool_accepts_the_files, setup, teardown),
        cmocka_unit_test_setup_teardown(promtool_rule_tests, setup, teardown),
        cmocka_unit_test(parses_recorded_alert_pages),
        cmocka_unit_test(bad_alert_pages_are_errors),
        cmocka_unit_test_setup_teardown(rules_use_metrics_the_exporters_publish, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(group_pids_like_pgrep, setup, teardown),
        cmocka_unit_test(version_lines),
        cmocka_unit_test(free_ports_are_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
