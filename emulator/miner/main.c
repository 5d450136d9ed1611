/* minerlab-miner: the lab-only RandomX miner emulator. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "bench.h"
#include "net.h"
#include "options.h"
#include "procname.h"
#include "selftest.h"

static volatile int stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void install_offline_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int main(int argc, char **argv)
{
    struct miner_options opt;
    char err[512];
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (miner_options_parse(argc, argv, &opt, err, sizeof(err))) {
        fprintf(stderr, "minerlab-miner: %s\n", err);
        return 2;
    }
    if (procname_apply(argc, argv, opt.name, miner_options_stdin_config(), err,
                       sizeof(err))) {
        fprintf(stderr, "minerlab-miner: %s\n", err);
        return 2;
    }
    switch (opt.action) {
    case MINER_HELP:
        miner_options_usage(stdout);
        return 0;
    case MINER_VERSION:
        printf("minerlab-miner %s (lab-only RandomX emulator)\n", MINERLAB_VERSION);
        return 0;
    case MINER_DRY_RUN:
        return miner_net_dry_run(&opt);
    case MINER_SELFTEST:
        return selftest_run(opt.threads, opt.verbose) ? 1 : 0;
    default:
        break;
    }
    if (miner_options_check_memory(&opt, err, sizeof(err))) {
        fprintf(stderr, "minerlab-miner: %s\n", err);
        return 2;
    }
    int rc;
    if (opt.action == MINER_BENCH) {
        install_offline_signals();
        rc = bench_run(&opt, &stop_requested);
    } else {
        rc = miner_net_run(&opt);
    }
    if (backend_left_running()) {
        /* A stop came during a re-key, which goes on on its own thread:
         * end now rather than beside it (backend.h). */
        fflush(stdout);
        fflush(stderr);
        _exit(rc);
    }
    return rc;
}
