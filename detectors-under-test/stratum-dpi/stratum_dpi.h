/*
 * sdpi — the stratum-dpi reference detector as a library: cleartext
 * Stratum and browser-miner payload rules over reassembled TCP lines and
 * WebSocket messages (see README.md for the rule list).
 *
 * Threads: one sdpi belongs to one thread.
 */
#ifndef SDPI_H
#define SDPI_H

#include <stddef.h>

#include "det_flow.h"
#include "det_home.h"
#include "det_pcap.h"

enum sdpi_rule {
    SDPI_ET_CHECKIN, /* the Emerging Threats "Cryptocurrency Miner Checkin" bytes */
    SDPI_LOGIN,      /* JSON-RPC login with login/pass/agent params, any layout */
    SDPI_SUBMIT,     /* JSON-RPC submit with job_id/nonce/result */
    SDPI_KEEPALIVED, /* JSON-RPC keepalived */
    SDPI_JOB,        /* server job push or login result carrying a job blob */
    SDPI_MINING_SUBSCRIBE, /* stratum v1 (bitcoin-style) mining.subscribe */
    SDPI_MINING_AUTHORIZE,
    SDPI_MINING_NOTIFY,
    SDPI_WS_AUTH, /* Coinhive-style {"type":"auth"} in a WebSocket message */
    SDPI_WS_SUBMIT,
    SDPI_WS_JOB,
    SDPI_RULE_COUNT
};

/* Rule name used in alert reasons ("et-checkin", ...). */
const char *sdpi_rule_name(enum sdpi_rule r);

/*
 * Returns the bitmask (1 << enum sdpi_rule) of the rules one line matches.
 * dir is DET_C2S or DET_S2C; ws says the text came from a WebSocket message
 * (enables the Coinhive rules). Lines above 8192 bytes never match.
 */
unsigned sdpi_match(int dir, int ws, const char *line, size_t len);

struct sdpi_config {
    det_emit_fn emit; /* NULL = det_emit_stdout */
    void *emit_ctx;
    /* $HOME_NET: only flows from a home client to an external server alert,
     * as the ET rules' `$HOME_NET any -> $EXTERNAL_NET any`; n == 0 = all. */
    struct det_home_net home;
};

struct sdpi;
/* 0 or -ENOMEM. cfg is copied. */
int sdpi_create(struct sdpi **out, const struct sdpi_config *cfg);
/* det_pkt_fn / det_tick_fn for det_pcap_run_detector; ctx is the sdpi. */
void sdpi_packet(void *ctx, const struct det_pkt *p);
void sdpi_tick(void *ctx, double now);
/* Alerts emitted so far. */
unsigned long sdpi_alert_count(const struct sdpi *s);
void sdpi_destroy(struct sdpi *s);

#endif
