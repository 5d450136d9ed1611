#include "det_cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "det_alert.h"
#include "ml_util.h"
#include "opt.h"

double det_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void det_common_defaults(struct det_common_opts *o, long interval_ms)
{
    o->proc_root = "/proc";
    o->interval_ms = interval_ms;
    o->once = 0;
    o->cooldown_s = 600;
}

/* Calls tick every interval_ms (or once) until a stop signal; returns a
 * fatal tick result (-ENOMEM, -EIO) or 0. */
static int det_loop_run(const struct det_common_opts *o, int (*tick)(void *ctx),
                        void *ctx)
{
    volatile sig_atomic_t *stop = det_install_stop_handler();
    while (!*stop) {
        double t0 = det_mono_s();
        int rc = tick(ctx);
        if (rc == -ENOMEM || rc == -EIO)
            return rc;
        if (o->once)
            break;
        double left = (double)o->interval_ms / 1000.0 - (det_mono_s() - t0);
        if (left > 0 && !*stop) {
            struct timespec ts = {(time_t)left,
                                  (long)((left - (double)(time_t)left) * 1e9)};
            nanosleep(&ts, NULL); /* a stop signal ends the sleep early */
        }
    }
    return 0;
}

/* Prints the generated usage into err after what is already there. */
static void usage_into(char *err, size_t errlen, const char *prog, const struct opt *a,
                       size_t na, const struct opt *b, size_t nb)
{
    size_t used = strlen(err);
    FILE *f = fmemopen(err + used, errlen - used, "w");
    if (!f)
        return;
    opt_usage(f, prog, NULL, a, na, b, nb);
    fclose(f);
    used = strlen(err);
    if (used > 0 && err[used - 1] == '\n')
        err[used - 1] = '\0';
}

size_t det_common_opt_table(struct det_common_opts *common, const char **iface,
                            struct opt out[DET_COMMON_NOPTS])
{
    static const char *ignored, *home_net; /* accepted for the harness, ignored */
    const struct opt t[DET_COMMON_NOPTS] = {
        {"proc-root", OPT_STRING, &common->proc_root, 0, 0, "DIR",
         "the proc file system to read"},
        {"interval-ms", OPT_LONG, &common->interval_ms, 10, 3600000, "MS",
         "time between scans"},
        {"once", OPT_FLAG, &common->once, 0, 0, NULL, "one scan, then exit"},
        {"cooldown-s", OPT_DOUBLE, &common->cooldown_s, 0, 1e7, "S",
         "re-alert the same process and rule after S seconds"},
        {"iface", OPT_STRING, iface ? iface : &ignored, 0, 0, "IFACE",
         iface ? "capture interface (default $ML_IFACE, else lo)"
               : "accepted and ignored"},
        {"home-net", OPT_STRING, &home_net, 0, 0, "CIDR", "accepted and ignored"},
    };
    memcpy(out, t, sizeof(t));
    return DET_COMMON_NOPTS;
}

static const char *prog_name(char **argv)
{
    return strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
}

void det_cli_parse(int argc, char **argv, const char *summary, const struct opt *a,
                   size_t na, const struct opt *b, size_t nb)
{
    char err[512];
    const char *prog = prog_name(argv);
    int rc = opt_parse(argc, argv, a, na, b, nb, err, sizeof(err));
    if (rc == 1) {
        opt_usage(stdout, prog, summary, a, na, b, nb);
        exit(0);
    }
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        opt_usage(stderr, prog, summary, a, na, b, nb);
        exit(OPT_EXIT_USAGE);
    }
}

void det_print_version(const char *tool)
{
    printf("%s (minerlab %s)\n", tool, MINERLAB_VERSION);
}

int det_parse_opts(int argc, char **argv, struct det_common_opts *common,
                   const struct opt *opts, size_t nopts, char *err, size_t errlen)
{
    struct opt common_opts[DET_COMMON_NOPTS + 1];
    size_t ncommon = det_common_opt_table(common, NULL, common_opts);
    const char *prog = prog_name(argv);
    /* --version for the project's own models (a detector driving a tool
     * has its own, which names the tool). */
    int version = 0, own_version = 0;
    for (size_t i = 0; i < nopts; i++)
        own_version |= !strcmp(opts[i].name, "version");
    if (!own_version)
        common_opts[ncommon++] = (struct opt){
            "version", OPT_FLAG, &version, 0, 0, NULL, "print the version and exit"};
    int rc = opt_parse(argc, argv, common_opts, ncommon, opts, nopts, err, errlen);
    if (rc == 0 && version) {
        printf("minerlab %s %s\n", MINERLAB_VERSION,
               strncmp(prog, "minerlab-det-", 13) ? prog : prog + 13);
        exit(0);
    }
    if (rc == 1) {
        ml_err(err, errlen, -EINVAL, "help:\n");
        usage_into(err, errlen, prog, common_opts, ncommon, opts, nopts);
        return -EINVAL;
    }
    if (rc < 0 && (strstr(err, "unknown") || strstr(err, "unexpected"))) {
        size_t used = strlen(err);
        if (used + 1 < errlen) {
            err[used] = '\n';
            err[used + 1] = '\0';
        }
        usage_into(err, errlen, prog, common_opts, ncommon, opts, nopts);
    }
    return rc;
}

int det_parse_args(int argc, char **argv, struct det_common_opts *common,
                   const struct det_opt *opts, size_t nopts, const char *usage,
                   char *err, size_t errlen)
{
    static const enum opt_kind kinds[] = {OPT_DOUBLE, OPT_FLAG, OPT_STRING};
    struct opt own[32];
    (void)usage; /* the usage text is generated from the tables */
    if (nopts > 32)
        return ml_err(err, errlen, -EINVAL, "too many options");
    for (size_t i = 0; i < nopts; i++)
        own[i] = (struct opt){opts[i].name, kinds[opts[i].kind], opts[i].target,
                              opts[i].min,  opts[i].max,         NULL,
                              NULL};
    return det_parse_opts(argc, argv, common, own, nopts, err, errlen);
}

int det_main(const struct det_program *p, int argc, char **argv)
{
    char err[4096] = "";
    const struct det_common_opts *common = NULL;
    void *state = p->create(argc, argv, &common, err, sizeof(err));
    if (!state) {
        fprintf(stderr, "%s: %s\n", p->name, err[0] ? err : "out of memory");
        return OPT_EXIT_USAGE;
    }
    int rc = det_loop_run(common, p->tick, state);
    p->destroy(state);
    return rc < 0 ? 1 : 0;
}
