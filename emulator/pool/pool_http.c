/* HTTP on the pool: GET /stats (and /) on --api; static files from --www on
 * the WebSocket port. Only GET; bounded file size; no path escapes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ml_util.h"
#include "pool_int.h"

#define WWW_FILE_MAX (8u << 20)

static void reply(struct mlconn *c, int status, const char *type, const void *body,
                  size_t len)
{
    size_t n;
    char *r = http_response(status, type, body, len, 0, &n);
    if (r) {
        mlconn_send_raw(c, r, n);
        free(r);
    }
    mlconn_close_after_send(c, "HTTP response sent");
}

static json_t *stats_json(struct pool *p)
{
    double now = ml_now_unix();
    json_t *rej = json_object();
    for (int r = REJ_UNAUTH; r < REJ_COUNT; r++)
        json_object_set_new(rej, pool_reject_key(r),
                            json_integer((json_int_t)p->rejected_by[r]));
    json_t *list = json_array();
    for (struct pool_session *s = p->sessions.next; s != &p->sessions; s = s->next) {
        if (!s->conn || !s->logged_in)
            continue;
        double age = now - s->login_unix;
        json_array_append_new(
            list,
            json_pack("{s:I,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:f,s:f}", "conn",
                      (json_int_t)s->id, "peer", s->conn->peer, "transport",
                      mlconn_transport_name(s->conn->transport), "login",
                      s->login.login, "agent", s->login.agent, "difficulty",
                      (json_int_t)s->difficulty, "accepted", (json_int_t)s->accepted,
                      "rejected", (json_int_t)s->rejected, "hashrate",
                      age > 0 ? (double)s->accepted_diff / age : 0.0, "connected_s",
                      now - s->conn->opened_unix));
    }
    return json_pack("{s:s,s:f,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:I,s:s}", "version",
                     MINERLAB_VERSION, "uptime_s", now - p->started_unix, "sessions",
                     (json_int_t)p->n_sessions, "connections_total",
                     (json_int_t)p->conns_total, "logins", (json_int_t)p->logins,
                     "shares_accepted", (json_int_t)p->accepted, "shares_rejected",
                     (json_int_t)p->rejected, "rejected_by", rej, "session_list", list,
                     "height", (json_int_t)p->tmpl.height, "tls_fingerprint",
                     p->tls_fingerprint);
}

/* Serves DIR/path for a safe path; 0 when served. */
static int serve_file(struct mlconn *c, const char *dir, const char *path)
{
    char rel[512], full[1200];
    snprintf(rel, sizeof(rel), "%s", path);
    char *q = strpbrk(rel, "?#");
    if (q)
        *q = '\0';
    if (!strcmp(rel, "/"))
        snprintf(rel, sizeof(rel), "/index.html");
    if (rel[0] != '/' || strstr(rel, "..") || strchr(rel, '\\'))
        return -EINVAL;
    snprintf(full, sizeof(full), "%s%s", dir, rel);
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return -ENOENT;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (size_t)st.st_size > WWW_FILE_MAX) {
        close(fd);
        return -ENOENT;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    ssize_t got = buf ? read(fd, buf, (size_t)st.st_size) : -1;
    close(fd);
    if (got != st.st_size) {
        free(buf);
        return -EIO;
    }
    reply(c, 200, http_mime_type(rel), buf, (size_t)got);
    free(buf);
    return 0;
}

void pool_http_request(struct mlconn *c, const struct http_head *h, const char *body,
                       size_t body_len)
{
    /* API connections carry the pool in ud; WebSocket ones a session. */
    struct pool *p;
    if (c->transport == MLCONN_HTTP) {
        p = c->ud;
    } else {
        struct pool_session *s = c->ud;
        p = s->pool;
    }
    static const char nf[] = "{\"error\":\"not found\"}";
    if (strcmp(h->method, "GET")) {
        reply(c, 405, "application/json", "{\"error\":\"method not allowed\"}", 31);
        return;
    }
    if (c->transport == MLCONN_HTTP) {
        if (strcmp(h->path, "/stats") && strcmp(h->path, "/")) {
            reply(c, 404, "application/json", nf, sizeof(nf) - 1);
            return;
        }
        json_t *o = stats_json(p);
        char *txt = json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(2));
        json_decref(o);
        reply(c, 200, "application/json", txt ? txt : "{}", txt ? strlen(txt) : 2);
        free(txt);
        return;
    }
    pool_event(p, "http_get", c, json_pack("{s:s}", "path", h->path));
    if (!p->cfg->www[0] || serve_file(c, p->cfg->www, h->path))
        reply(c, 404, "text/plain", "not found\n", 10);
}
