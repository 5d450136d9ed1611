/*
 * det_alert — writes detector-protocol alerts (one JSON object a line on
 * stdout, see detectors-under-test/PROTOCOL.md) and degraded notices.
 *
 * Threads: det_alert_emit may be called from any thread; lines never
 * interleave. Output is flushed after every line so the harness sees alerts
 * as they happen.
 */
#ifndef DET_ALERT_H
#define DET_ALERT_H

#include <jansson.h>
#include <signal.h>

enum det_technique {
    DET_SYSTEM_METRICS, DET_NETWORK, DET_MEMORY, DET_SCRIPT, DET_BROWSER, DET_OTHER
};

struct det_flow {
    const char *proto; /* "tcp" or "udp" */
    const char *src;   /* "127.0.0.1:51514" */
    const char *dst;
};

struct det_alert {
    const char *detector;
    enum det_technique technique;
    int pid;                    /* 0 = none */
    const struct det_flow *flow; /* NULL = none */
    double score;               /* < 0 = omit */
    const char *reason;
    double ts;                  /* 0 = now */
    int observation; /* 1: a score below the detector's threshold, not an alert */
};

/* Writes one alert line. 0, or -EIO when stdout is gone. */
int det_alert_emit(const struct det_alert *a);
/*
 * Writes a degraded notice: {"ts":..,"detector":..,"technique":..,
 * "degraded":true,"reason":..}. Also prints the reason to stderr.
 */
int det_alert_degraded(const char *detector, enum det_technique t, const char *reason);
const char *det_technique_name(enum det_technique t);
/*
 * Writes the protocol's optional info line {"ts","detector","technique",
 * "info":<info>} (versions, event source, packet counts). Takes ownership of
 * info (a JSON object; NULL writes {}). 0 or -errno.
 */
int det_info_line(const char *detector, enum det_technique t, json_t *info);
/*
 * Writes an info line declaring the detector's minimum observation time
 * (PROTOCOL.md): {"info":{"min_observation_s":seconds,"min_observation_basis":
 * basis}}, basis naming the settings it comes from ("--window-s 30").
 */
int det_min_observation(const char *detector, enum det_technique t, double seconds,
                        const char *basis);

/*
 * Installs SIGTERM/SIGINT handlers that set the returned flag, and ignores
 * SIGPIPE. Detectors poll the flag in their main loop.
 */
volatile sig_atomic_t *det_install_stop_handler(void);

#endif
