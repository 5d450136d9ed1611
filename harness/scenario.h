/*
 * scenario — scenario and suite files (YAML, schema in scenarios/README.md
 * and docs/harness.md), loaded strictly with libcyaml. Every error names the
 * file, the line and the field: "scenarios/binary/x.yaml:12: miner.duty: 150
 * is outside 1..100".
 *
 * Objects are plain heap data owned by the caller; nothing here keeps state.
 */
#ifndef HX_SCENARIO_H
#define HX_SCENARIO_H

#include <stddef.h>

#define SCEN_ID_MAX 64

struct scen_ramp {
    unsigned from_pct, to_pct, seconds;
};

struct scen_miner {
    unsigned threads;
    unsigned duty_pct; /* 0 when a ramp is used instead */
    int has_ramp;
    struct scen_ramp ramp;
    char *mode;      /* light | fast | auto */
    char *transport; /* tcp | tls | ws */
    char *name;      /* may be NULL */
    char *config;    /* args | file | env | stdin */
    /* the pool's name at the lab DNS (scenarios/pool-domains.txt) */
    char *pool_domain;
    /* the lab pool's port; 0 = the transport's usual one */
    unsigned pool_port;
};

/* miner.pool_domain when a scenario names none: in Falco's miner_domains. */
#define SCEN_DEFAULT_POOL_DOMAIN "pool.supportxmr.com"

struct scen_expect {
    char *detector;
    int detect; /* 1 = detect, 0 = miss */
};

struct scenario {
    char *path; /* file it came from */
    char *id, *title, *type, *label, *launcher, *command;
    char **attack;
    size_t attack_count;
    char **requires;
    size_t requires_count;
    unsigned duration_s;
    int has_miner;
    struct scen_miner miner;
    struct scen_expect *expect;
    size_t expect_count;
    unsigned fleet_hosts; /* type fleet: infected hosts behind the NAT gateway */
};

/* The most hosts a fleet scenario may name (the fleet LAN's addresses). */
#define SCEN_FLEET_MAX 100

struct suite {
    char *path, *name, *description;
    /* "fast"/"light": RandomX mode of its malicious CPU scenarios (those
     * written in light mode), or NULL to keep each scenario's own. */
    char *malicious_mode;
    char **ids;
    size_t id_count;
    unsigned pool_diff; /* fixed pool difficulty for this suite; 0 = vardiff */
};

/*
 * Loads and validates one scenario file. Returns 0 and a new scenario in
 * *out (free with scenario_free), or -EINVAL/-ENOENT/-ENOMEM with
 * "FILE:LINE: FIELD: problem" in err.
 */
int scenario_load(const char *path, struct scenario **out, char *err, size_t errlen);
/* Same from memory; `name` is used in messages in place of a path. */
int scenario_load_data(const char *name, const char *data, size_t len,
                       struct scenario **out, char *err, size_t errlen);
void scenario_free(struct scenario *s);

/* 1 when the scenario is malicious. */
int scenario_is_malicious(const struct scenario *s);
/* 1 when `requires` lists word. */
int scenario_requires(const struct scenario *s, const char *word);
/* Nominal duty for the duty curve: duty, or the ramp's starting duty; 100 for benign.
 */
unsigned scenario_nominal_duty(const struct scenario *s);
/* Expectation for detector: 1 detect, 0 miss, -1 none. */
int scenario_expect(const struct scenario *s, const char *detector);

/* Loads a suite file (name, description, scenarios: [ids]). Same conventions. */
int suite_load(const char *path, struct suite **out, char *err, size_t errlen);
/* Same from memory; `name` is used in messages in place of a path. */
int suite_load_data(const char *name, const char *data, size_t len, struct suite **out,
                    char *err, size_t errlen);
void suite_free(struct suite *s);

#endif
