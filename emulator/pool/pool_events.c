/* Ground truth: one JSON object per line (ts, event, the connection's
 * 5-tuple, then the event's own fields), flushed every 250 ms by the pool's
 * flush timer so a killed pool loses at most that much, and at once for
 * every event once the pool is stopping (the timer is gone by then).
 * Bounded: past --events-max-mb only the closing events (stop, exit) are
 * written; the others are counted as dropped, and the counts go into the
 * exit event. A failed write is said once on stderr and counted. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"
#include "pool_int.h"

static void events_failed(struct pool *p, int e)
{
    p->events_errors++;
    if (!p->events_err_said++)
        fprintf(stderr,
                "minerlab-pool: %s: cannot write events: %s (counted from now "
                "on, see the exit event)\n",
                p->cfg->events, strerror(e ? e : EIO));
    clearerr(p->events);
}

static void write_event(struct pool *p, const char *event, double ts, uint64_t conn_id,
                        const char *peer, const char *local, enum mlconn_transport t,
                        json_t *extra)
{
    if (!p->events) {
        json_decref(extra);
        return;
    }
    int closing = !strcmp(event, "exit") || !strcmp(event, "stop");
    uint64_t cap = p->cfg->events_max_bytes;
    if (cap && p->events_bytes >= cap && !closing) {
        p->events_dropped++;
        json_decref(extra);
        return;
    }
    json_t *o = json_object();
    /* Microsecond precision: 10 integer digits + 6 decimals. */
    json_object_set_new(o, "ts", json_real((double)(int64_t)(ts * 1e6) / 1e6));
    json_object_set_new(o, "event", json_string(event));
    if (peer) {
        json_object_set_new(o, "conn", json_integer((json_int_t)conn_id));
        json_object_set_new(o, "peer", json_string(peer));
        json_object_set_new(o, "local", json_string(local));
        json_object_set_new(o, "transport", json_string(mlconn_transport_name(t)));
    }
    if (json_is_object(extra))
        json_object_update(o, extra);
    json_decref(extra);
    /* One string, one fwrite: json_dumpf writes token by token. */
    char *line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(16));
    json_decref(o);
    if (line) {
        size_t n = strlen(line);
        line[n] = '\n';
        int bad = fwrite(line, 1, n + 1, p->events) != n + 1;
        if (!bad && (p->stopping || closing))
            bad = fflush(p->events) != 0;
        if (bad)
            events_failed(p, errno);
        else
            p->events_bytes += n + 1;
        free(line);
    } else {
        p->events_dropped++;
    }
}

void pool_event(struct pool *p, const char *event, const struct mlconn *conn,
                json_t *extra)
{
    if (conn)
        write_event(p, event, ml_now_unix(), conn->id, conn->peer, conn->local,
                    conn->transport, extra);
    else
        write_event(p, event, ml_now_unix(), 0, NULL, NULL, MLCONN_TCP, extra);
}

void pool_event_session(struct pool *p, const char *event, const struct pool_session *s,
                        json_t *extra)
{
    write_event(p, event, ml_now_unix(), s->id, s->peer, s->local, s->transport, extra);
}

void pool_event_session_at(struct pool *p, const char *event,
                           const struct pool_session *s, double ts_unix, json_t *extra)
{
    write_event(p, event, ts_unix, s->id, s->peer, s->local, s->transport, extra);
}

int pool_events_on(const struct pool *p)
{
    return p->events != NULL;
}

void pool_events_flush(struct pool *p)
{
    if (p->events && fflush(p->events) != 0)
        events_failed(p, errno);
}
