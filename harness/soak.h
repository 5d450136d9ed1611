/*
 * soak — hours of benign background work with miner episodes at random
 * times (docs/harness.md, "Soak mode"). The pool, the lab internet and the
 * detectors run for the whole soak, started by the runner (runner_begin);
 * benign scenarios of the catalogue run one after another in the
 * background, all the time; malicious scenarios' launch recipes run as
 * episodes of random type, duty and length, separated by quiet gaps of at
 * least the grace period, all drawn from the seed.
 *
 * Measured, per detector: alerts outside episodes (false alarms, in the
 * scorer's buckets) per host-hour of quiet time, and per episode whether it
 * was caught and how long it took. DIR/soak.json is rewritten every minute
 * (durable rename), so a soak killed at any point keeps what it measured;
 * report_soak renders it, complete or partial.
 *
 * Single-threaded; call once per process (the runner's rules).
 */
#ifndef HX_SOAK_H
#define HX_SOAK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "runner.h"

#define SOAK_FORMAT "minerlab-soak/1"
#define SOAK_MAX_EPISODES 100000
/* Episodes stay below the miner's own lifetime cap (24 h without --soak):
 * each miner gets its length + 5 s as --max-duration, explicitly. */
#define SOAK_EPISODE_MAX_S 86000.0

struct soak_config {
    /* run_dir, run_id, paths, detectors, grace, warm-up; scen/nscen are the
     * recipes: benign first (nbenign), malicious after. soak_run adds the
     * episodes behind them. */
    struct runner_config run;
    size_t nbenign;
    uint64_t seed;
    double length_s;             /* the soak's planned length */
    double ep_min_s, ep_max_s;   /* episode length */
    double gap_min_s, gap_max_s; /* quiet gap before each episode (>= grace) */
    unsigned duty_min, duty_max; /* episode duty, % */
    double write_every_s;        /* soak.json (60) */
};

/*
 * Runs the soak. Returns 0 when it ran its planned length, 1 when a signal
 * (or a full disk) cut it short, -errno with the reason in err when it could
 * not start. soak.json is final either way.
 */
int soak_run(struct soak_config *c, char *err, size_t errlen);

/*
 * Renders DIR/soak.json (complete or partial) into DIR/report.json,
 * report.md and report.html; prints a summary to out when non-NULL.
 * 0, or -errno with the reason in err.
 */
int report_soak(const char *dir, FILE *out, char *err, size_t errlen);

#endif
