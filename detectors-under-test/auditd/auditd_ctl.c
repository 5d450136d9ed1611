#include "auditd_ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ml_util.h"

extern char **environ;

const char *const auditd_ctl_rules[] = {
    "-a always,exit -F arch=b64 -S execve -k minerlab_exec",
    "-a always,exit -F arch=b32 -S execve -k minerlab_exec",
    "-a always,exit -F arch=b64 -S connect -F a2=16 -k minerlab_connect4",
    "-a always,exit -F arch=b64 -S connect -F a2=28 -k minerlab_connect6", NULL};

int auditd_ctl_parse_status(const char *text, int *enabled, long *pid)
{
    const char *e = strstr(text, "enabled "), *p = strstr(text, "\npid ");
    if (!e || !p)
        return -EINVAL;
    *enabled = atoi(e + 8);
    *pid = atol(p + 5);
    return 0;
}

size_t auditd_ctl_rules_only(char *text)
{
    size_t n = 0, o = 0;
    for (char *line = text; *line;) {
        size_t len = strcspn(line, "\n");
        /* A rule of ours left by a run that was killed is not the host's. */
        int rule = len > 1 && line[0] == '-' &&
                   !memmem(line, len, "key=minerlab_", 13) &&
                   !memmem(line, len, "-k minerlab_", 12);
        if (rule) {
            memmove(text + o, line, len);
            o += len;
            text[o++] = '\n';
            n++;
        }
        line += len + (line[len] == '\n');
    }
    text[o] = '\0';
    return n;
}

/* Runs argv, its stdout into out (may be NULL); returns the exit status or -errno. */
static int run(char *const argv[], char *out, size_t outlen)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (rc != 0) {
        close(p[0]);
        return -rc;
    }
    size_t o = 0;
    ssize_t n;
    char sink[4096];
    while ((n = read(p[0], out && o + 1 < outlen ? out + o : sink,
                     out && o + 1 < outlen ? outlen - o - 1 : sizeof(sink))) > 0)
        if (out && o + 1 < outlen)
            o += (size_t)n;
    if (out && outlen)
        out[o] = '\0';
    close(p[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* auditctl with one rule line split on spaces. */
static int auditctl_line(const char *line)
{
    char buf[512], *argv[32], *save = NULL;
    size_t n = 0;
    snprintf(buf, sizeof(buf), "%s", line);
    argv[n++] = "auditctl";
    for (char *t = strtok_r(buf, " ", &save); t && n < 31;
         t = strtok_r(NULL, " ", &save))
        argv[n++] = t;
    argv[n] = NULL;
    return run(argv, NULL, 0);
}

static int status(int *enabled, long *pid, char *out, size_t outlen)
{
    char *argv[] = {"auditctl", "-s", NULL};
    int rc = run(argv, out, outlen);
    if (rc < 0)
        return rc;
    if (rc != 0 || auditd_ctl_parse_status(out, enabled, pid) < 0)
        return -EPERM;
    return 0;
}

static int start_daemon(struct auditd_ctl *c, char *err, size_t errlen)
{
    snprintf(c->dir, sizeof(c->dir), "/tmp/minerlab-auditd.XXXXXX");
    if (!mkdtemp(c->dir))
        return ml_err(err, errlen, -errno, "cannot make a temp dir: %s",
                      strerror(errno));
    char conf[512];
    snprintf(conf, sizeof(conf), "%s/auditd.conf", c->dir);
    snprintf(c->log, sizeof(c->log), "%s/audit.log", c->dir);
    FILE *f = fopen(conf, "w");
    if (!f)
        return ml_err(err, errlen, -errno, "cannot write %s", conf);
    /* Debian's defaults, but logging here, flushed promptly, never halting the host. */
    fprintf(
        f,
        "local_events = yes\nwrite_logs = yes\nlog_file = %s\nlog_format = ENRICHED\n"
        "flush = INCREMENTAL_ASYNC\nfreq = 50\nmax_log_file = 256\nnum_logs = 1\n"
        "max_log_file_action = ROTATE\nspace_left = 75\nspace_left_action = IGNORE\n"
        "admin_space_left = 50\nadmin_space_left_action = IGNORE\n"
        "disk_full_action = IGNORE\ndisk_error_action = IGNORE\n",
        c->log);
    fclose(f);
    char *argv[] = {"auditd", "-n", "-c", c->dir, NULL};
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (devnull >= 0) {
        posix_spawn_file_actions_adddup2(&fa, devnull, 0);
        posix_spawn_file_actions_adddup2(&fa, devnull, 1);
    }
    int rc = posix_spawnp(&c->daemon, "auditd", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (devnull >= 0)
        close(devnull);
    if (rc != 0) {
        c->daemon = 0;
        return ml_err(err, errlen, -rc, "cannot start auditd: %s", strerror(rc));
    }
    /* Wait until the kernel knows it as the audit daemon. */
    for (int i = 0; i < 60; i++) {
        int en;
        long pid;
        char out[2048];
        if (status(&en, &pid, out, sizeof(out)) == 0 && pid == c->daemon)
            return 0;
        if (waitpid(c->daemon, NULL, WNOHANG) == c->daemon) {
            c->daemon = 0;
            return ml_err(err, errlen, -ECHILD, "auditd exited at start");
        }
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return ml_err(err, errlen, -ETIMEDOUT, "auditd did not register within 3 s");
}

int auditd_ctl_in_use(const char *rules, long pid, const char *proc_root)
{
    char path[300], cmd[4096];
    if (!strstr(rules, "key=minerlab_") || pid <= 0)
        return 0;
    snprintf(path, sizeof(path), "%s/%ld/cmdline", proc_root, pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(cmd, 1, sizeof(cmd) - 1, f) : 0;
    if (f)
        fclose(f);
    for (size_t i = 0; i < n; i++)
        if (!cmd[i])
            cmd[i] = ' ';
    cmd[n] = '\0';
    return strstr(cmd, "minerlab-auditd.") != NULL;
}

int auditd_ctl_start(struct auditd_ctl *c, const char *host_log, char *err,
                     size_t errlen)
{
    char out[65536];
    memset(c, 0, sizeof(*c));
    int rc = status(&c->saved_enabled, &c->saved_pid, out, sizeof(out));
    if (rc == -ENOENT)
        return ml_err(err, errlen, rc,
                      "auditctl not installed (Debian package auditd)");
    if (rc < 0)
        return ml_err(err, errlen, rc,
                      "audit netlink not permitted here (auditctl -s: %.200s)",
                      out[0] ? out : "failed");
    if (c->saved_enabled == 2)
        return ml_err(err, errlen, -EPERM, "audit rules are locked (enabled 2)");
    char *lsargv[] = {"auditctl", "-l", NULL};
    if (run(lsargv, out, sizeof(out)) != 0)
        return ml_err(err, errlen, -EPERM, "auditctl -l failed: %.200s", out);
    if (auditd_ctl_in_use(out, c->saved_pid, "/proc"))
        return ml_err(err, errlen, -EBUSY,
                      "another minerlab run's auditd detector is active (auditd pid "
                      "%ld): its rules are left alone",
                      c->saved_pid);
    auditd_ctl_rules_only(out);
    if (!(c->saved_rules = strdup(out)))
        return -ENOMEM;
    if (c->saved_pid > 0) {
        snprintf(c->log, sizeof(c->log), "%s", host_log);
    } else if ((rc = start_daemon(c, err, errlen)) < 0) {
        auditd_ctl_stop(c);
        return rc;
    }
    for (size_t i = 0; auditd_ctl_rules[i]; i++) {
        if (auditctl_line(auditd_ctl_rules[i]) != 0) {
            rc = ml_err(err, errlen, -EPERM, "auditctl %s failed", auditd_ctl_rules[i]);
            auditd_ctl_stop(c);
            return rc;
        }
        c->rules_added = 1;
    }
    auditctl_line("-e 1");
    return 0;
}

void auditd_ctl_stop(struct auditd_ctl *c)
{
    if (c->rules_added) {
        /* Back to the saved rule list exactly: delete all, re-add the saved ones. */
        auditctl_line("-D");
        char path[300];
        snprintf(path, sizeof(path), "/tmp/minerlab-auditrules.XXXXXX");
        int fd = mkstemp(path);
        if (fd >= 0) {
            size_t len = strlen(c->saved_rules);
            if (len && write(fd, c->saved_rules, len) == (ssize_t)len) {
                char *argv[] = {"auditctl", "-R", path, NULL};
                run(argv, NULL, 0);
            }
            close(fd);
            unlink(path);
        }
        c->rules_added = 0;
    }
    if (c->daemon > 0) {
        kill(c->daemon, SIGTERM);
        for (int i = 0; i < 40 && waitpid(c->daemon, NULL, WNOHANG) == 0; i++) {
            struct timespec ts = {0, 25 * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (waitpid(c->daemon, NULL, WNOHANG) == 0) {
            kill(c->daemon, SIGKILL);
            waitpid(c->daemon, NULL, 0);
        }
        c->daemon = 0;
    }
    if (c->saved_rules) {
        char line[32];
        snprintf(line, sizeof(line), "-e %d", c->saved_enabled);
        auditctl_line(line);
    }
    if (c->dir[0]) {
        char p[600];
        snprintf(p, sizeof(p), "%s/audit.log", c->dir);
        unlink(p);
        snprintf(p, sizeof(p), "%s/auditd.conf", c->dir);
        unlink(p);
        rmdir(c->dir);
        c->dir[0] = '\0';
    }
    free(c->saved_rules);
    c->saved_rules = NULL;
}

void auditd_ctl_version(char *buf, size_t len)
{
    char out[256] = "";
    char *argv[] = {"auditctl", "-v", NULL};
    snprintf(buf, len, "auditd (version unknown)");
    if (run(argv, out, sizeof(out)) == 0) {
        const char *v = strstr(out, "version ");
        if (v) {
            snprintf(buf, len, "auditd %.*s", (int)strcspn(v + 8, "\n "), v + 8);
        }
    }
}
