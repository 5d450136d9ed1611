#include "det_cli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "det_alert.h"
#include "ml_util.h"

#define DET_OPT_PROC_ROOT 1001
#define DET_OPT_INTERVAL 1002
#define DET_OPT_ONCE 1003
#define DET_OPT_COOLDOWN 1004
#define DET_OPT_IFACE 1005
#define DET_COMMON_LONGOPTS                                                            \
    {"proc-root", required_argument, NULL, DET_OPT_PROC_ROOT},                         \
        {"interval-ms", required_argument, NULL, DET_OPT_INTERVAL},                    \
        {"once", no_argument, NULL, DET_OPT_ONCE},                                     \
        {"cooldown-s", required_argument, NULL, DET_OPT_COOLDOWN},                     \
    {                                                                                  \
        "iface", required_argument, NULL, DET_OPT_IFACE                                \
    }

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

/* 1 = handled, 0 = not a common option, -EINVAL (with err) = bad value. */
static int det_common_opt(int opt, const char *arg, struct det_common_opts *o,
                          char *err, size_t errlen)
{
    long v;
    switch (opt) {
    case DET_OPT_PROC_ROOT:
        o->proc_root = arg;
        return 1;
    case DET_OPT_INTERVAL:
        if (ml_parse_long(arg, 10, 3600000, &v) < 0)
            return ml_err(err, errlen, -EINVAL,
                          "--interval-ms wants 10..3600000, got '%s'", arg);
        o->interval_ms = v;
        return 1;
    case DET_OPT_ONCE:
        o->once = 1;
        return 1;
    case DET_OPT_COOLDOWN:
        if (det_parse_double(arg, 0, 1e7, &o->cooldown_s) < 0)
            return ml_err(err, errlen, -EINVAL, "--cooldown-s wants seconds, got '%s'",
                          arg);
        return 1;
    case DET_OPT_IFACE:
        return 1; /* host detectors accept the harness's --iface and ignore it */
    default:
        return 0;
    }
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

int det_parse_args(int argc, char **argv, struct det_common_opts *common,
                   const struct det_opt *opts, size_t nopts, const char *usage,
                   char *err, size_t errlen)
{
    static const struct option common_opts[] = {DET_COMMON_LONGOPTS};
    const size_t ncommon = sizeof(common_opts) / sizeof(common_opts[0]);
    struct option table[48];
    if (nopts > 32)
        return ml_err(err, errlen, -EINVAL, "too many options");
    memcpy(table, common_opts, sizeof(common_opts));
    for (size_t i = 0; i < nopts; i++)
        table[ncommon + i] = (struct option){
            opts[i].name,
            opts[i].kind == DET_OPT_FLAG ? no_argument : required_argument, NULL,
            (int)(2000 + i)};
    table[ncommon + nopts] = (struct option){"help", no_argument, NULL, 'h'};
    table[ncommon + nopts + 1] = (struct option){NULL, 0, NULL, 0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", table, NULL)) != -1) {
        int rc = det_common_opt(c, optarg, common, err, errlen);
        if (rc < 0)
            return rc;
        if (rc > 0)
            continue;
        if (c < 2000 || c >= 2000 + (int)nopts)
            return ml_err(err, errlen, -EINVAL, "%s %s\n%s",
                          c == 'h' ? "help:" : "unknown or incomplete option",
                          argv[optind - 1], usage);
        const struct det_opt *o = &opts[c - 2000];
        if (o->kind == DET_OPT_FLAG)
            *(int *)o->target = 1;
        else if (o->kind == DET_OPT_STRING)
            *(const char **)o->target = optarg;
        else if (det_parse_double(optarg, o->min, o->max, o->target) < 0)
            return ml_err(err, errlen, -EINVAL,
                          "--%s wants a number in %g..%g, got '%s'", o->name, o->min,
                          o->max, optarg);
    }
    if (optind < argc)
        return ml_err(err, errlen, -EINVAL, "unexpected argument '%s'\n%s",
                      argv[optind], usage);
    return 0;
}

int det_main(const struct det_program *p, int argc, char **argv)
{
    char err[1024] = "";
    const struct det_common_opts *common = NULL;
    void *state = p->create(argc, argv, &common, err, sizeof(err));
    if (!state) {
        fprintf(stderr, "%s: %s\n", p->name, err[0] ? err : "out of memory");
        return 2;
    }
    int rc = det_loop_run(common, p->tick, state);
    p->destroy(state);
    return rc < 0 ? 1 : 0;
}
