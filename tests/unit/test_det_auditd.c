/*
 * auditd: the parsers of auditctl's status and rule listings that decide
 * what is restored when the detector stops (recorded from auditctl 3.0.9).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_rules_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
