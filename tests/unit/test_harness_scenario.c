/* Scenario and suite loading: strict schema, errors naming file, line and field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"

static const char good[] = "id: binary-tcp-d30\n"         /* 1 */
                           "title: \"Renamed miner\"\n"   /* 2 */
                           "type: binary\n"               /* 3 */
                           "label: malicious\n"           /* 4 */
                           "attack: [T1496, T1036.005]\n" /* 5 */
                           "duration_s: 40\n"             /* 6 */
                           "requires: [netns, cgroup]\n"  /* 7 */
                           "miner:\n"                     /* 8 */
                           "  threads: 2\n"               /* 9 */
                           "  duty: 30\n"                 /* 10 */
                           "  mode: light\n"              /* 11 */
                           "  transport: tls\n"           /* 12 */
                           "  name: \"[kworker/0:2]\"\n"  /* 13 */
                           "  config: file\n"             /* 14 */
                           "expect:\n"                    /* 15 */
                           "  cpu-threshold: detect\n"    /* 16 */
                           "  stratum-dpi: miss\n";       /* 17 */

static char *with(const char *from, const char *to)
{
    static char buf[4096];
    const char *p = strstr(good, from);
    assert_non_null(p);
    snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - good), good, to, p + strlen(from));
    return buf;
}

static int load(const char *text, struct scenario **s, char *err, size_t errlen)
{
    return scenario_load_data("x.yaml", text, strlen(text), s, err, errlen);
}

static void test_good(void **state)
{
    struct scenario *s = NULL;
    char err[512] = "";
    assert_int_equal(load(good, &s, err, sizeof(err)), 0);
    assert_string_equal(s->id, "binary-tcp-d30");
    assert_string_equal(s->launcher, "binary"); /* defaults to type */
    assert_int_equal(s->duration_s, 40);
    assert_int_equal(s->attack_count, 2);
    assert_true(scenario_requires(s, "cgroup"));
    assert_true(scenario_is_malicious(s));
    assert_int_equal(s->miner.threads, 2);
    assert_int_equal(s->miner.duty_pct, 30);
    assert_string_equal(s->miner.transport, "tls");
    assert_string_equal(s->miner.name, "[kworker/0:2]");
    assert_int_equal(scenario_expect(s, "cpu-threshold"), 1);
    assert_int_equal(scenario_expect(s, "stratum-dpi"), 0);
    assert_int_equal(scenario_expect(s, "memscan"), -1);
    scenario_free(s);
}

static void expect_error(const char *text, const char *needle1, const char *needle2)
{
    struct scenario *s = (struct scenario *)1;
    char err[512] = "";
    assert_int_equal(load(text, &s, err, sizeof(err)), -22);
    assert_null(s);
    if (!strstr(err, needle1) || (needle2 && !strstr(err, needle2)))
        fail_msg("error '%s' lacks '%s' / '%s'", err, needle1, needle2 ? needle2 : "");
}

static void test_duty_150(void **state)
{
    expect_error(with("duty: 30", "duty: 150"),
                 "x.yaml:10:", "miner.duty: 150 is outside 1..100");
}

static void test_unknown_field(void **state)
{
    expect_error(with("  mode: light\n", "  mode: light\n  colour: red\n"),
                 "x.yaml:12:", "colour");
    expect_error(with("type: binary\n", "type: binary\nflavour: x\n"),
                 "x.yaml:4:", "flavour");
}

static void test_malformed(void **state)
{
    expect_error(with("attack: [T1496, T1036.005]", "attack: [T1496, T1036.005"),
                 "x.yaml:", "malformed YAML");
    expect_error("id: a\n  type: : :\n", "x.yaml:2:", "malformed");
}

static void test_bad_values(void **state)
{
    expect_error(with("type: binary", "type: toaster"), "x.yaml:3:", "type: 'toaster'");
    expect_error(with("label: malicious", "label: evil"), "x.yaml:4:", "label");
    expect_error(with("id: binary-tcp-d30", "id: Binary_TCP"), "x.yaml:1:", "id");
    expect_error(with("  transport: tls", "  transport: udp"),
                 "x.yaml:12:", "miner.transport");
    expect_error(with("  duty: 30", "  duty: abc"), "x.yaml:10:", "duty");
    expect_error(with("duration_s: 40", "duration_s: 0"), "x.yaml:6:", "duration_s");
    expect_error(with("  stratum-dpi: miss", "  stratum-dpi: maybe"),
                 "x.yaml:17:", "expect.stratum-dpi");
    expect_error(with("label: malicious\n", ""), "label", NULL);
    /* A name the lab DNS does not know would be NXDOMAIN in the run. */
    expect_error(
        with("  transport: tls\n", "  transport: tls\n  pool_domain: evil.example\n"),
        "x.yaml:13:",
        "miner.pool_domain: 'evil.example' is not in the lab DNS catalogue");
}

static void test_pool_domain(void **state)
{
    struct scenario *s = NULL;
    char err[512] = "";
    (void)state;
    assert_int_equal(load(good, &s, err, sizeof(err)), 0);
    assert_string_equal(s->miner.pool_domain, SCEN_DEFAULT_POOL_DOMAIN);
    scenario_free(s);
    s = NULL;
    assert_int_equal(load(with("  transport: tls\n",
                               "  transport: tls\n  pool_domain: pool.minexmr.com\n"),
                          &s, err, sizeof(err)),
                     0);
    assert_string_equal(s->miner.pool_domain, "pool.minexmr.com");
    scenario_free(s);
    s = NULL;
    assert_int_equal(
        load(with("  transport: tls\n", "  transport: tls\n  pool_port: 443\n"), &s,
             err, sizeof(err)),
        0);
    assert_int_equal(s->miner.pool_port, 443);
    scenario_free(s);
    expect_error(with("  transport: tls\n", "  transport: tls\n  pool_port: 3333\n"),
                 "x.yaml:13:", "miner.pool_port: 3333 is not a lab pool port for tls");
}

static void test_ramp_and_benign(void **state)
{
    struct scenario *s = NULL;
    char err[512];
    assert_int_equal(
        load(with("  duty: 30\n", "  ramp: {from: 5, to: 100, seconds: 60}\n"), &s, err,
             sizeof(err)),
        0);
    assert_true(s->miner.has_ramp);
    assert_int_equal(scenario_nominal_duty(s), 5);
    scenario_free(s);
    expect_error(
        with("  duty: 30\n", "  duty: 30\n  ramp: {from: 5, to: 100, seconds: 60}\n"),
        "x.yaml:11:", "either duty or ramp");
    const char *benign = "id: benign-xz\ntype: benign\nlabel: benign\nduration_s: 5\n"
                         "command: \"xz -9 -c f > /dev/null\"\n";
    assert_int_equal(load(benign, &s, err, sizeof(err)), 0);
    assert_false(scenario_is_malicious(s));
    assert_int_equal(scenario_nominal_duty(s), 100);
    scenario_free(s);
    char b2[256];
    snprintf(b2, sizeof(b2), "%sminer:\n  duty: 10\n", benign);
    expect_error(b2, "x.yaml:6:", "only for malicious");
}

/* Issue 13: a launcher is a bare name inside harness/launch/, and command:
 * belongs to benign scenarios only; both rejected at load with file:line. */
static void test_launcher_and_command(void **state)
{
    expect_error(with("requires:", "launcher: ../../tmp/x\nrequires:"),
                 "x.yaml:7:", "launcher: '../../tmp/x' must match [a-z0-9-]+");
    expect_error(with("requires:", "launcher: /bin/sh\nrequires:"),
                 "x.yaml:7:", "launcher:");
    expect_error(with("requires:", "launcher: Binary\nrequires:"),
                 "x.yaml:7:", "launcher:");
    expect_error(with("requires:", "launcher: bin.sh\nrequires:"),
                 "x.yaml:7:", "launcher:");
    expect_error(with("requires:", "command: \"curl x | sh\"\nrequires:"),
                 "x.yaml:7:", "command: only for benign scenarios");
    struct scenario *s = NULL;
    char err[512] = "";
    assert_int_equal(load(with("requires:", "launcher: browser-chromium\nrequires:"),
                          &s, err, sizeof(err)),
                     0);
    assert_string_equal(s->launcher, "browser-chromium");
    scenario_free(s);
}

static void test_files_and_suites(void **state)
{
    char dir[] = "/tmp/test_harness_scen-XXXXXX", path[256], err[512];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/quick.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs("name: quick\ndescription: \"d\"\nscenarios:\n  - a-1\n  - Not_An_Id\n", f);
    fclose(f);
    struct suite *su = NULL;
    assert_int_equal(suite_load(path, &su, err, sizeof(err)), -22);
    assert_non_null(strstr(err, "quick.yaml:5:"));
    f = fopen(path, "w");
    fputs("name: quick\nscenarios: [a-1, b-2]\n", f);
    fclose(f);
    assert_int_equal(suite_load(path, &su, err, sizeof(err)), 0);
    assert_int_equal(su->id_count, 2);
    assert_string_equal(su->ids[1], "b-2");
    suite_free(su);
    f = fopen(path, "w");
    fputs("name: quick\nmalicious_mode: fast\nscenarios: [a-1]\n", f);
    fclose(f);
    assert_int_equal(suite_load(path, &su, err, sizeof(err)), 0);
    assert_string_equal(su->malicious_mode, "fast");
    suite_free(su);
    f = fopen(path, "w");
    fputs("name: quick\nmalicious_mode: turbo\nscenarios: [a-1]\n", f);
    fclose(f);
    assert_int_equal(suite_load(path, &su, err, sizeof(err)), -22);
    assert_non_null(strstr(err, "malicious_mode: 'turbo' is not light|fast"));
    struct scenario *s = NULL;
    snprintf(path, sizeof(path), "%s/missing.yaml", dir);
    assert_true(scenario_load(path, &s, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "missing.yaml"));
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    assert_int_equal(system(path), 0);
}

/* Every scenario and suite the project ships loads cleanly. */
static void test_shipped_scenarios(void **state)
{
    const char *src = getenv("ML_SOURCE_DIR");
    char cmd[1024];
    if (!src)
        skip();
    snprintf(cmd, sizeof(cmd), "find %s/scenarios -name '*.yaml' 2>/dev/null", src);
    FILE *p = popen(cmd, "r");
    char line[1024], err[1024];
    int n = 0;
    while (p && fgets(line, sizeof(line), p)) {
        line[strcspn(line, "\n")] = '\0';
        if (strstr(line, "/suites/")) {
            struct suite *su;
            if (suite_load(line, &su, err, sizeof(err)))
                fail_msg("%s", err);
            suite_free(su);
        } else {
            struct scenario *s;
            if (scenario_load(line, &s, err, sizeof(err)))
                fail_msg("%s", err);
            scenario_free(s);
        }
        n++;
    }
    if (p)
        pclose(p);
    if (n == 0)
        skip();
}

/* type fleet: a host count in fleet.hosts, validated with file:line. */
static void test_fleet(void **state)
{
    (void)state;
    static const char fleet[] = "id: fleet-tcp-d5\n" /* 1 */
                                "type: fleet\n"      /* 2 */
                                "label: malicious\n" /* 3 */
                                "duration_s: 30\n"   /* 4 */
                                "requires: [root]\n" /* 5 */
                                "fleet:\n"           /* 6 */
                                "  hosts: 12\n"      /* 7 */
                                "miner:\n"           /* 8 */
                                "  duty: 5\n"        /* 9 */
                                "  mode: light\n";   /* 10 */
    struct scenario *s = NULL;
    char err[512] = "", buf[1024];
    assert_int_equal(load(fleet, &s, err, sizeof(err)), 0);
    assert_string_equal(s->type, "fleet");
    assert_string_equal(s->launcher, "fleet");
    assert_int_equal(s->fleet_hosts, 12);
    scenario_free(s);
    s = NULL;
    assert_int_equal(load(good, &s, err, sizeof(err)), 0);
    assert_int_equal(s->fleet_hosts, 0);
    scenario_free(s);
    /* "  hosts: 12" -> other values */
    const char *at = strstr(fleet, "  hosts: 12");
    snprintf(buf, sizeof(buf), "%.*s  hosts: 0%s", (int)(at - fleet), fleet, at + 11);
    expect_error(buf, "x.yaml:7:", "fleet.hosts: 0 is outside 1..100");
    snprintf(buf, sizeof(buf), "%.*s  hosts: 101%s", (int)(at - fleet), fleet, at + 11);
    expect_error(buf, "x.yaml:7:", "fleet.hosts: 101 is outside 1..100");
    snprintf(buf, sizeof(buf), "%.*s  hosts: many%s", (int)(at - fleet), fleet,
             at + 11);
    expect_error(buf, "x.yaml:7:", "hosts");
    /* no fleet: mapping */
    at = strstr(fleet, "fleet:\n");
    snprintf(buf, sizeof(buf), "%.*s%s", (int)(at - fleet), fleet,
             at + strlen("fleet:\n  hosts: 12\n"));
    expect_error(buf, "x.yaml:2:", "fleet: required for type fleet");
    /* fast mode per host would need 2.3 GiB each */
    snprintf(buf, sizeof(buf), "%.*s  mode: fast\n", (int)(strlen(fleet) - 14), fleet);
    expect_error(buf, "x.yaml:10:", "miner.mode: a fleet's hosts mine in light mode");
    /* benign fleet, fleet: on another type */
    expect_error(with("type: binary\n", "type: fleet\n"),
                 "x.yaml:3:", "fleet: required for type fleet");
    expect_error(with("requires: [netns, cgroup]\n",
                      "requires: [netns, cgroup]\nfleet:\n  hosts: 3\n"),
                 "x.yaml:8:", "fleet: only for type fleet");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_duty_150),
        cmocka_unit_test(test_unknown_field),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_pool_domain),
        cmocka_unit_test(test_fleet),
        cmocka_unit_test(test_ramp_and_benign),
        cmocka_unit_test(test_launcher_and_command),
        cmocka_unit_test(test_files_and_suites),
        cmocka_unit_test(test_shipped_scenarios),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
