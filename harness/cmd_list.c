/* minerlab list: scenarios, suites and the reference detectors found. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hxutil.h"
#include "catalog.h"
#include "cmd.h"

static void list_suites(const char *dir)
{
    char sdir[4400];
    struct dirent **names = NULL;
    hx_fmt(sdir, sizeof(sdir), "%s/suites", dir);
    int n = scandir(sdir, &names, NULL, alphasort);
    printf("\nsuites (%s):\n", sdir);
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        size_t l = strlen(nm);
        if (l > 5 && strcmp(nm + l - 5, ".yaml") == 0) {
            char path[8800], err[1024];
            struct suite *s;
            hx_fmt(path, sizeof(path), "%s/%s", sdir, nm);
            if (suite_load(path, &s, err, sizeof(err)) == 0) {
                printf("  %-12s %3zu scenarios  %s\n", s->name, s->id_count,
                       s->description);
                suite_free(s);
            } else {
                printf("  ERROR %s\n", err);
            }
        }
        free(names[i]);
    }
    free(names);
}

void cmd_probe_line(const char *path, const char *arg, char *out, size_t len)
{
    int p[2];
    out[0] = '\0';
    if (pipe2(p, O_CLOEXEC) < 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, 0);
        dup2(p[1], 1);
        dup2(nul, 2);
        execl(path, path, arg, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    size_t used = 0;
    int eof = 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (pid > 0 && used + 1 < len) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        long left =
            3000 - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        struct pollfd pf = {.fd = p[0], .events = POLLIN};
        if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
            break;
        ssize_t n = read(p[0], out + used, len - 1 - used);
        if (n <= 0) {
            eof = n == 0; /* it closed stdout: it is exiting */
            break;
        }
        used += (size_t)n;
    }
    close(p[0]);
    out[used] = '\0';
    int st = 0;
    if (pid > 0 && eof) {
        waitpid(pid, &st, 0);
    } else if (pid > 0 && waitpid(pid, &st, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        out[0] = '\0';
    }
    if (pid <= 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        out[0] = '\0';
    out[strcspn(out, "\r\n")] = '\0';
}

static void list_detectors(const char *bin)
{
    struct dirent **names = NULL;
    int n = scandir(bin, &names, NULL, alphasort), found = 0;
    printf("\nreference detectors (%s/minerlab-det-*):\n", bin);
    for (int i = 0; i < n; i++) {
        if (strncmp(names[i]->d_name, "minerlab-det-", 13) == 0) {
            char path[4400], version[256], needs[512];
            hx_fmt(path, sizeof(path), "%s/%s", bin, names[i]->d_name);
            cmd_probe_line(path, "--version", version, sizeof(version));
            cmd_probe_line(path, "--needs", needs, sizeof(needs));
            printf("  %-16s %s\n", names[i]->d_name + 13, version);
            if (needs[0])
                printf("  %-16s not run by default: %s\n", "", needs);
            found++;
        }
        free(names[i]);
    }
    free(names);
    if (!found)
        puts("  (none built)");
}

int cmd_list(int argc, char **argv)
{
    const char *sdir = NULL;
    int first;
    const struct opt opts[] = {
        {"scenarios", OPT_STRING, &sdir, 0, 0, "DIR",
         "scenario directory (default: the source tree's or the installed one)"},
    };
    const struct opt_cmd cmd = {
        "minerlab list",
        NULL,
        0,
        0,
        "Lists the scenarios, the suites and the reference "
        "detectors found (exit 2 when a scenario does not load).",
        opts,
        sizeof(opts) / sizeof(opts[0])};
    int rc = opt_cmd_parse(&cmd, argc, argv, &first);
    if (rc)
        return rc > 0 ? HX_EXIT_OK : HX_EXIT_USAGE;
    struct hx_paths p;
    struct catalog cat;
    paths_resolve(&p, sdir, NULL);
    if (catalog_load(p.scenarios, &cat)) {
        fprintf(stderr, "minerlab list: cannot read %s\n", p.scenarios);
        return HX_EXIT_USAGE;
    }
    printf("scenarios (%s):\n", p.scenarios);
    printf("  %-28s %-12s %-9s %5s %5s  %s\n", "id", "type", "label", "duty", "dur",
           "title");
    for (size_t i = 0; i < cat.n; i++) {
        const struct scenario *s = cat.scen[i];
        char duty[16];
        if (s->has_miner && s->miner.has_ramp)
            hx_fmt(duty, sizeof(duty), "%u-%u", s->miner.ramp.from_pct,
                   s->miner.ramp.to_pct);
        else
            hx_fmt(duty, sizeof(duty), "%u", scenario_nominal_duty(s));
        printf("  %-28s %-12s %-9s %5s %4us  %.60s\n", s->id, s->type, s->label, duty,
               s->duration_s, s->title);
    }
    list_suites(p.scenarios);
    list_detectors(p.bin);
    for (size_t i = 0; i < cat.nerr; i++)
        fprintf(stderr, "ERROR %s\n", cat.errors[i]);
    int status = cat.nerr ? HX_EXIT_USAGE : HX_EXIT_OK;
    catalog_free(&cat);
    return status;
}
