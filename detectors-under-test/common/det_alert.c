#include "det_alert.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"
#include "technique.h"

static pthread_mutex_t emit_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t stop_flag;

const char *det_technique_name(enum det_technique t)
{
    return (unsigned)t < TECHNIQUE_COUNT ? technique_names[t] : "other";
}

static int write_line(json_t *obj)
{
    char *line = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    json_decref(obj);
    if (!line)
        return -ENOMEM;
    pthread_mutex_lock(&emit_lock);
    int rc = (fputs(line, stdout) < 0 || fputc('\n', stdout) < 0 || fflush(stdout)) ? -EIO : 0;
    pthread_mutex_unlock(&emit_lock);
    free(line);
    return rc;
}

int det_alert_emit(const struct det_alert *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "ts", json_real(a->ts > 0 ? a->ts : ml_now_unix()));
    json_object_set_new(o, "detector", json_string(a->detector));
    json_object_set_new(o, "technique", json_string(det_technique_name(a->technique)));
    if (a->pid > 0)
        json_object_set_new(o, "pid", json_integer(a->pid));
    if (a->flow) {
        json_object_set_new(o, "flow", json_pack("{s:s,s:s,s:s}", "proto",
                                                 a->flow->proto ? a->flow->proto : "tcp",
                                                 "src", a->flow->src, "dst", a->flow->dst));
    }
    if (a->score >= 0)
        json_object_set_new(o, "score", json_real(a->score));
    if (a->reason)
        json_object_set_new(o, "reason", json_string(a->reason));
    if (a->observation)
        json_object_set_new(o, "observation", json_true());
    return write_line(o);
}

int det_alert_degraded(const char *detector, enum det_technique t, const char *reason)
{
    fprintf(stderr, "%s: degraded: %s\n", detector, reason);
    json_t *o = json_pack("{s:f,s:s,s:s,s:b,s:s}", "ts", ml_now_unix(), "detector",
                          detector, "technique", det_technique_name(t), "degraded", 1,
                          "reason", reason);
    return o ? write_line(o) : -ENOMEM;
}

int det_info_line(const char *detector, enum det_technique t, json_t *info)
{
    json_t *o = json_pack("{s:f,s:s,s:s,s:o}", "ts", ml_now_unix(), "detector", detector,
                          "technique", det_technique_name(t), "info",
                          info ? info : json_object());
    return o ? write_line(o) : -ENOMEM;
}

int det_min_observation(const char *detector, enum det_technique t, double seconds,
                        const char *basis)
{
    return det_info_line(detector, t,
                         json_pack("{s:f,s:s}", "min_observation_s", seconds,
                                   "min_observation_basis", basis ? basis : ""));
}

static void on_stop(int sig)
{
    (void)sig;
    stop_flag = 1;
}

volatile sig_atomic_t *det_install_stop_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return &stop_flag;
}
