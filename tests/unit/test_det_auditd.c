/*
 * auditd: the parsers of auditctl's status and rule listings that decide
 * what is restored when the detector stops (recorded from auditctl 3.0.9).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "auditd_ctl.h"

static void test_status(void **state)
{
    (void)state;
    int enabled = -1;
    long pid = -1;
    const char *off = "enabled 0\nfailure 1\npid 0\nrate_limit 0\nbacklog_limit 64\n"
                      "lost 0\nbacklog 0\nbacklog_wait_time 15000\n";
    assert_int_equal(auditd_ctl_parse_status(off, &enabled, &pid), 0);
    assert_int_equal(enabled, 0);
    assert_int_equal(pid, 0);
    const char *on = "enabled 1\nfailure 1\npid 8354\nrate_limit 0\n";
    assert_int_equal(auditd_ctl_parse_status(on, &enabled, &pid), 0);
    assert_int_equal(enabled, 1);
    assert_int_equal(pid, 8354);
    const char *denied = "Error sending status request (Operation not permitted)\n";
    assert_int_equal(auditd_ctl_parse_status(denied, &enabled, &pid), -EINVAL);
}

static void test_rules_only(void **state)
{
    (void)state;
    char none[] = "No rules\n";
    assert_int_equal(auditd_ctl_rules_only(none), 0);
    assert_string_equal(none, "");
    char some[] = "-a always,exit -F arch=b64 -S execve -F key=exec\n"
                  "\n"
                  "-a always,exit -F arch=b64 -S execve -F key=minerlab_exec\n"
                  "-w /etc/passwd -p wa -k identity\n";
    assert_int_equal(auditd_ctl_rules_only(some),
                     2); /* ours, left by a killed run, dropped */
    assert_string_equal(some, "-a always,exit -F arch=b64 -S execve -F key=exec\n"
                              "-w /etc/passwd -p wa -k identity\n");
}

/* Another run's detector still holds the rules: left alone. A leftover of a
 * killed run (its daemon gone, or the host's own auditd): taken over. */
static void test_in_use(void **state)
{
    (void)state;
    char root[] = "/tmp/test_det_auditd-XXXXXX", path[256];
    assert_non_null(mkdtemp(root));
    static const char ours[] = "auditd\0-n\0-c\0/tmp/minerlab-auditd.Ab12Cd\0";
    static const char hosts[] = "/sbin/auditd\0";
    const struct {
        int pid;
        const char *cmd;
        size_t len;
    } procs[] = {{4242, ours, sizeof(ours) - 1}, {4343, hosts, sizeof(hosts) - 1}};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%d", root, procs[i].pid);
        assert_int_equal(mkdir(path, 0700), 0);
        snprintf(path, sizeof(path), "%s/%d/cmdline", root, procs[i].pid);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fwrite(procs[i].cmd, 1, procs[i].len, f);
        fclose(f);
    }
    const char *mine = "-a always,exit -F arch=b64 -S execve -F key=minerlab_exec\n";
    const char *other = "-w /etc/passwd -p wa -k identity\n";
    assert_int_equal(auditd_ctl_in_use(mine, 4242, root), 1);
    assert_int_equal(auditd_ctl_in_use(mine, 4343, root), 0); /* the host's daemon */
    assert_int_equal(auditd_ctl_in_use(mine, 4444, root), 0); /* gone */
    assert_int_equal(auditd_ctl_in_use(mine, 0, root), 0);    /* no daemon */
    assert_int_equal(auditd_ctl_in_use(other, 4242, root), 0);
    snprintf(path, sizeof(path), "rm -rf %s", root);
    assert_int_equal(system(path), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_rules_only),
        cmocka_unit_test(test_in_use),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
