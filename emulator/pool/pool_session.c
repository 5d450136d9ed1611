/* Sessions: login, jobs, keepalived, the browser lane's messages, bans. */
#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"
#include "pool_int.h"

static const char *reject_msgs[] = {[REJ_NONE] = "OK",
                                    [REJ_UNAUTH] = "Unauthenticated",
                                    [REJ_JOB] = "Invalid job id",
                                    [REJ_STALE] = "Stale share",
                                    [REJ_DUP] = "Duplicate share",
                                    [REJ_LOW] = "Low difficulty share",
                                    [REJ_INVALID] = "Invalid share",
                                    [REJ_BANNED] = "IP Address currently banned",
                                    [REJ_UNVERIFIED] = "Pool busy, share not verified"};
static const char *reject_keys[] = {[REJ_NONE] = "ok",
                                    [REJ_UNAUTH] = "unauthenticated",
                                    [REJ_JOB] = "invalid_job_id",
                                    [REJ_STALE] = "stale",
                                    [REJ_DUP] = "duplicate",
                                    [REJ_LOW] = "low_difficulty",
                                    [REJ_INVALID] = "invalid_hash",
                                    [REJ_BANNED] = "banned",
                                    [REJ_UNVERIFIED] = "not_verified"};

const char *pool_reject_message(enum pool_reject r)
{
    return reject_msgs[r];
}

const char *pool_reject_key(enum pool_reject r)
{
    return reject_keys[r];
}

static void send_json(struct pool_session *s, json_t *o)
{
    char *line = stratum_dump(o);
    json_decref(o);
    if (line && s->conn)
        mlconn_send(s->conn, line, strlen(line));
    free(line);
}

static void send_str(struct pool_session *s, char *line)
{
    if (line && s->conn)
        mlconn_send(s->conn, line, strlen(line));
    free(line);
}

void pool_session_open(struct pool *p, struct mlconn *c)
{
    struct pool_session *s = calloc(1, sizeof(*s));
    if (!s) {
        c->ud = NULL;
        mlconn_close(c, "out of memory");
        return;
    }
    s->pool = p;
    s->conn = c;
    s->id = c->id;
    s->refs = 1;
    snprintf(s->peer, sizeof(s->peer), "%s", c->peer);
    snprintf(s->local, sizeof(s->local), "%s", c->local);
    s->transport = c->transport;
    s->difficulty = p->cfg->difficulty;
    RAND_bytes((unsigned char *)&s->extranonce, sizeof(s->extranonce));
    uint8_t raw[8];
    RAND_bytes(raw, sizeof(raw));
    ml_hex_encode(raw, sizeof(raw), s->sid);
    s->last_rx_unix = ml_now_unix();
    s->next = &p->sessions;
    s->prev = p->sessions.prev;
    p->sessions.prev->next = s;
    p->sessions.prev = s;
    p->n_sessions++;
    p->conns_total++;
    char ip[80];
    pool_peer_ip(c->peer, ip, sizeof(ip));
    struct pool_ip *e = pool_ip_get(p, ip);
    if (e)
        e->conns++;
    c->ud = s;
    pool_event(p, "conn_open", c, NULL);
}

static void session_unref(struct pool_session *s)
{
    if (--s->refs > 0)
        return;
    for (int i = 0; i < POOL_JOBS_KEPT; i++)
        free(s->jobs[i].nonces);
    free(s);
}

void pool_session_closed(struct mlconn *c, const char *reason)
{
    struct pool_session *s = c->ud;
    if (!s)
        return;
    struct pool *p = s->pool;
    pool_event(p, "conn_close", c,
               json_pack("{s:s,s:I,s:I,s:I,s:I}", "reason", reason, "accepted",
                         (json_int_t)s->accepted, "rejected", (json_int_t)s->rejected,
                         "bytes_in", (json_int_t)c->bytes_in, "bytes_out",
                         (json_int_t)c->bytes_out));
    char ip[80];
    pool_peer_ip(s->peer, ip, sizeof(ip));
    struct pool_ip *e = pool_ip_get(p, ip);
    if (e && e->conns)
        e->conns--;
    s->conn = NULL;
    s->prev->next = s->next;
    s->next->prev = s->prev;
    s->next = s->prev = s;
    p->n_sessions--;
    session_unref(s);
}

/* login NULL: is the IP itself banned. */
int pool_is_banned(struct pool *p, const char *ip, const char *login)
{
    char key[400];
    snprintf(key, sizeof(key), "%s|%s", ip, login ? login : "");
    double now = ml_now_unix();
    for (size_t i = 0; i < p->n_bans; i++)
        if (p->bans[i].until_unix > now &&
            ((login && !strcmp(p->bans[i].key, key)) || !strcmp(p->bans[i].key, ip)))
            return 1;
    return 0;
}

void pool_peer_ip(const char *peer, char *ip, size_t len)
{
    snprintf(ip, len, "%s", peer);
    char *colon = strrchr(ip, ':');
    if (colon)
        *colon = '\0';
}

struct pool_ip *pool_ip_get(struct pool *p, const char *ip)
{
    for (size_t i = 0; i < p->n_ips; i++)
        if (!strcmp(p->ips[i].ip, ip))
            return &p->ips[i];
    struct pool_ip *n = realloc(p->ips, (p->n_ips + 1) * sizeof(*n));
    if (!n)
        return NULL;
    p->ips = n;
    memset(&n[p->n_ips], 0, sizeof(*n));
    snprintf(n[p->n_ips].ip, sizeof(n->ip), "%s", ip);
    return &n[p->n_ips++];
}

static void add_ban(struct pool *p, const char *key)
{
    struct pool_ban *nb = realloc(p->bans, (p->n_bans + 1) * sizeof(*nb));
    if (nb) {
        p->bans = nb;
        snprintf(nb[p->n_bans].key, sizeof(nb->key), "%s", key);
        nb[p->n_bans].until_unix = ml_now_unix() + p->cfg->ban_s;
        p->n_bans++;
    }
}

static void ban(struct pool_session *s)
{
    struct pool *p = s->pool;
    char ip[80], key[400];
    pool_peer_ip(s->peer, ip, sizeof(ip));
    snprintf(key, sizeof(key), "%s|%s", ip, s->login.login);
    add_ban(p, key);
    pool_event_session(p, "ban", s,
                       json_pack("{s:s,s:I,s:f}", "login", s->login.login, "bad_shares",
                                 (json_int_t)s->bad, "duration_s", p->cfg->ban_s));
    if (s->conn)
        mlconn_close(s->conn, "banned after repeated bad shares");
}

/* Bad shares from one IP, whatever the logins: the IP is banned and every
 * connection from it closed (a flood over many sessions stops at once). */
static void ban_ip(struct pool *p, struct pool_ip *e)
{
    add_ban(p, e->ip);
    pool_event(p, "ban_ip", NULL,
               json_pack("{s:s,s:I,s:f}", "ip", e->ip, "bad_shares", (json_int_t)e->bad,
                         "duration_s", p->cfg->ban_s));
    e->bad = 0;
    char ip[80];
    for (struct pool_session *s = p->sessions.next; s != &p->sessions; s = s->next) {
        pool_peer_ip(s->peer, ip, sizeof(ip));
        if (s->conn && !strcmp(ip, e->ip))
            mlconn_close(s->conn, "IP banned after repeated bad shares");
    }
}

/* Adjusts difficulty toward one share per share_target_s (x0.5..x2 a step). */
static void vardiff_retarget(struct pool_session *s)
{
    const struct pool_config *cfg = s->pool->cfg;
    double now = ml_now_unix(), dt = now - s->vardiff_since;
    if (!cfg->vardiff || s->synthetic || dt < cfg->share_target_s)
        return;
    double ratio =
        s->vardiff_shares ? (s->vardiff_shares * cfg->share_target_s) / dt : 0.5;
    if (ratio < 0.5)
        ratio = 0.5;
    if (ratio > 2)
        ratio = 2;
    double d = (double)s->difficulty * ratio;
    s->difficulty = d < 1 ? 1 : (uint64_t)d;
    s->vardiff_since = now;
    s->vardiff_shares = 0;
}

/* Builds the session's next job: template blob + the session's extranonce in
 * the bytes after the nonce (where a real pool's reserved space changes the
 * merkle root), so every session hashes distinct work. */
static struct pool_job *next_job(struct pool_session *s)
{
    struct pool *p = s->pool;
    struct pool_job *j = &s->jobs[s->job_count++ % POOL_JOBS_KEPT];
    vardiff_retarget(s);
    j->n_nonces = 0;
    j->zero_seen = 0;
    if (j->nonces)
        memset(j->nonces, 0, j->cap_nonces * sizeof(*j->nonces));
    j->template_seq = p->tmpl.seq;
    j->height = p->tmpl.height;
    memcpy(j->blob, p->tmpl.blob, POOL_BLOB_LEN);
    ml_store32le(j->blob + STRATUM_NONCE_OFFSET + 4, s->extranonce);
    memcpy(j->seed, p->tmpl.seed, 32);
    j->difficulty = s->synthetic ? p->cfg->browser_difficulty : s->difficulty;
    j->target64 = stratum_diff_to_target64(j->difficulty);
    snprintf(j->job_id, sizeof(j->job_id), "%llx",
             (unsigned long long)++p->next_job_id);
    return j;
}

static void to_stratum_job(const struct pool_job *j, struct stratum_job *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->job_id, sizeof(out->job_id), "%s", j->job_id);
    memcpy(out->blob, j->blob, POOL_BLOB_LEN);
    out->blob_len = POOL_BLOB_LEN;
    stratum_target_encode(j->difficulty, out->target_hex);
    out->target64 = j->target64;
    out->height = j->height;
    snprintf(out->algo, sizeof(out->algo), "rx/0");
    memcpy(out->seed_hash, j->seed, 32);
    out->has_seed = 1;
}

/* The Coinhive-style job message of the browser lane. */
static json_t *browser_job(struct pool_session *s, const struct stratum_job *sj)
{
    json_t *params = stratum_job_json(sj);
    json_object_set_new(params, "id", json_string(s->sid));
    return json_pack("{s:s,s:o}", "type", "job", "params", params);
}

void pool_session_log_job(struct pool_session *s)
{
    struct pool *p = s->pool;
    if (!pool_events_on(p) || !s->job_count)
        return;
    const struct pool_job *j = &s->jobs[(s->job_count - 1) % POOL_JOBS_KEPT];
    pool_event_session_at(p, "job", s, j->sent_unix,
                          json_pack("{s:s,s:I,s:I}", "job_id", j->job_id, "height",
                                    (json_int_t)j->height, "difficulty",
                                    (json_int_t)j->difficulty));
}

void pool_session_send_job(struct pool_session *s, int is_login_reply, int64_t id,
                           int log_now)
{
    struct pool *p = s->pool;
    struct pool_job *j = next_job(s);
    struct stratum_job sj;
    to_stratum_job(j, &sj);
    if (s->lane == LANE_BROWSER) {
        send_json(s, browser_job(s, &sj));
    } else if (is_login_reply) {
        send_str(s, stratum_encode_login_result(
                        id, s->sid, &sj, p->cfg->no_lab ? NULL : MINERLAB_VERSION,
                        p->lab_run));
    } else {
        send_str(s, stratum_encode_job_notify(&sj));
    }
    j->sent_unix = ml_now_unix();
    if (log_now)
        pool_session_log_job(s);
}

static void answer_share(struct pool_session *s, int64_t req_id, const char *job_id,
                         const char *nonce_hex, uint64_t diff, enum pool_reject r,
                         int verified, const char *how)
{
    struct pool *p = s->pool;
    if (r == REJ_NONE) {
        s->accepted++;
        s->accepted_diff += diff;
        s->vardiff_shares++;
        p->accepted++;
    } else {
        s->rejected++;
        p->rejected++;
        p->rejected_by[r]++;
        if (r != REJ_STALE && r != REJ_UNVERIFIED)
            s->bad++;
    }
    p->verified += verified;
    /* Accepted without a check: never passed off as verified. */
    int unverified = r == REJ_NONE && !verified;
    p->unverified += unverified;
    p->not_verified += r == REJ_UNVERIFIED;
    /* Logged even when the miner has gone meanwhile: it is ground truth. */
    if (pool_events_on(p))
        pool_event_session(p, "share", s,
                           json_pack("{s:s,s:s,s:s,s:b,s:s,s:b,s:s,s:I}", "job_id",
                                     job_id, "nonce", nonce_hex, "status",
                                     unverified      ? "unverified"
                                     : r == REJ_NONE ? "accepted"
                                                     : "rejected",
                                     "accepted", r == REJ_NONE, "reason",
                                     pool_reject_key(r), "verified", verified, "verify",
                                     how, "difficulty", (json_int_t)diff));
    int bad = r != REJ_NONE && r != REJ_STALE && r != REJ_UNVERIFIED;
    if (bad && p->cfg->ban_ip_after) {
        char ip[80];
        pool_peer_ip(s->peer, ip, sizeof(ip));
        /* Verifications queued before the ban still come back: an IP that
         * is banned already is not banned (and logged) again. */
        struct pool_ip *e = pool_is_banned(p, ip, NULL) ? NULL : pool_ip_get(p, ip);
        if (e && ++e->bad >= (uint64_t)p->cfg->ban_ip_after) {
            if (s->conn && s->lane != LANE_BROWSER)
                send_str(s, stratum_encode_error(req_id, pool_reject_message(r)));
            ban_ip(p, e);
            return;
        }
    }
    if (!s->conn)
        return;
    if (s->lane == LANE_BROWSER) {
        if (r == REJ_NONE)
            send_json(s, json_pack("{s:s,s:{s:I}}", "type", "hash_accepted", "params",
                                   "hashes", (json_int_t)s->accepted_diff));
        else
            send_json(s, json_pack("{s:s,s:{s:s}}", "type", "error", "params", "error",
                                   pool_reject_message(r)));
    } else {
        send_str(s, r == REJ_NONE
                        ? stratum_encode_status(req_id, "OK")
                        : stratum_encode_error(req_id, pool_reject_message(r)));
    }
    if (bad && p->cfg->ban_after && s->bad >= (uint64_t)p->cfg->ban_after)
        ban(s);
}

/* pool_share_done_fn: what pool_share.c and pool_verify.c call back. */
static void share_done(struct pool_session *s, const struct pool_share_verdict *v)
{
    answer_share(s, v->req_id, v->job_id, v->nonce_hex, v->difficulty, v->reject,
                 v->verified, v->how);
    if (v->held)
        session_unref(s);
}

static void reply_error(struct pool_session *s, int64_t id, const char *msg)
{
    if (s->lane == LANE_BROWSER)
        send_json(s,
                  json_pack("{s:s,s:{s:s}}", "type", "error", "params", "error", msg));
    else
        send_str(s, stratum_encode_error(id, msg));
}

/* Common login path for both lanes once the fields are validated. */
static int do_login(struct pool_session *s, int64_t id, const struct stratum_login *l)
{
    struct pool *p = s->pool;
    char ip[80];
    pool_peer_ip(s->conn->peer, ip, sizeof(ip));
    if (pool_is_banned(p, ip, l->login)) {
        reply_error(s, id, pool_reject_message(REJ_BANNED));
        pool_event(p, "login_refused", s->conn,
                   json_pack("{s:s,s:s}", "login", l->login, "reason", "banned"));
        mlconn_close(s->conn, "banned");
        return 1;
    }
    s->login = *l;
    s->logged_in = 1;
    s->login_unix = s->vardiff_since = ml_now_unix();
    p->logins++;
    pool_event(p, "login", s->conn,
               json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "login", l->login, "pass",
                         l->pass, "agent", l->agent, "rigid", l->rigid, "session",
                         s->sid, "lane",
                         s->lane == LANE_BROWSER ? "browser" : "stratum"));
    return 0;
}

static int stratum_login(struct pool_session *s, const struct stratum_msg *m)
{
    struct stratum_login l;
    char err[160];
    if (s->logged_in) {
        reply_error(s, m->id, "Already logged in");
        return 0;
    }
    if (stratum_parse_login(m->params, &l, err, sizeof(err)) || !l.login[0]) {
        reply_error(s, m->id, "Invalid login");
        pool_event(s->pool, "bad_message", s->conn,
                   json_pack("{s:s}", "error", l.login[0] ? err : "empty login"));
        return 0;
    }
    if (!l.algo_rx0) {
        reply_error(s, m->id, "Unsupported algorithm");
        return 0;
    }
    if (do_login(s, m->id, &l))
        return 1;
    pool_session_send_job(s, 1, m->id, 1);
    return 0;
}

static int stratum_request(struct pool_session *s, struct stratum_msg *m)
{
    char err[160];
    if (!strcmp(m->method, "login"))
        return stratum_login(s, m);
    if (m->kind != STRATUM_REQUEST) {
        pool_event(s->pool, "bad_message", s->conn,
                   json_pack("{s:s}", "error", "notification from a miner"));
        return 0;
    }
    if (!strcmp(m->method, "keepalived")) {
        if (!s->logged_in)
            reply_error(s, m->id, "Unauthenticated");
        else
            send_str(s, stratum_encode_status(m->id, "KEEPALIVED"));
        return 0;
    }
    if (!strcmp(m->method, "submit")) {
        struct stratum_submit sub;
        if (!s->logged_in || stratum_parse_submit(m->params, &sub, err, sizeof(err))) {
            int unauth = !s->logged_in;
            reply_error(s, m->id, unauth ? "Unauthenticated" : "Invalid share data");
            pool_event(
                s->pool, "bad_message", s->conn,
                json_pack("{s:s}", "error", unauth ? "submit before login" : err));
            return 0;
        }
        if (strcmp(sub.session_id, s->sid)) {
            reply_error(s, m->id, "Unauthenticated");
            return 0;
        }
        pool_share_submit(s, m->id, &sub, share_done);
        return 0;
    }
    reply_error(s, m->id, "Unsupported method");
    return 0;
}

/* Browser lane: {"type":"auth"|"submit", "params":{...}}. */
static int browser_message(struct pool_session *s, json_t *root)
{
    const char *type = json_string_value(json_object_get(root, "type"));
    json_t *params = json_object_get(root, "params");
    if (!json_is_object(params)) {
        reply_error(s, -1, "invalid params");
        return 0;
    }
    if (!strcmp(type, "auth")) {
        struct stratum_login l;
        memset(&l, 0, sizeof(l));
        const char *key = json_string_value(json_object_get(params, "site_key"));
        const char *user = json_string_value(json_object_get(params, "user"));
        const char *algo = json_string_value(json_object_get(params, "algo"));
        const char *agent = json_string_value(json_object_get(params, "agent"));
        if (!key || strlen(key) >= sizeof(l.login) || s->logged_in) {
            reply_error(s, -1, s->logged_in ? "already authed" : "invalid site_key");
            return 0;
        }
        snprintf(l.login, sizeof(l.login), "%s", key);
        snprintf(l.pass, sizeof(l.pass), "%s", user && strlen(user) < 255 ? user : "");
        snprintf(l.agent, sizeof(l.agent), "%s",
                 agent && strlen(agent) < 255 ? agent : "browser");
        l.algo_rx0 = 1;
        s->synthetic = !(algo && !strcmp(algo, "rx/0"));
        if (do_login(s, -1, &l))
            return 1;
        json_t *lab = s->pool->cfg->no_lab
                          ? json_null()
                          : stratum_lab_json(MINERLAB_VERSION, s->pool->lab_run);
        send_json(s, json_pack("{s:s,s:{s:s,s:i,s:o,s:s}}", "type", "authed", "params",
                               "token", "", "hashes", 0, "lab", lab, "hash",
                               s->synthetic ? "sha256" : "rx/0"));
        pool_session_send_job(s, 0, -1, 1);
        return 0;
    }
    if (!strcmp(type, "submit")) {
        struct stratum_submit sub;
        char err[160];
        json_object_set_new(params, "id", json_string(s->sid));
        if (!s->logged_in || stratum_parse_submit(params, &sub, err, sizeof(err))) {
            reply_error(s, -1, s->logged_in ? "invalid submit" : "not authed");
            return 0;
        }
        pool_share_submit(s, -1, &sub, share_done);
        return 0;
    }
    reply_error(s, -1, "unknown message type");
    return 0;
}

int pool_session_message(struct mlconn *c, char *msg, size_t len)
{
    struct pool_session *s = c->ud;
    struct stratum_msg m;
    char err[160];
    if (!s)
        return 1;
    s->last_rx_unix = ml_now_unix();
    json_error_t jerr;
    /* The browser lane is recognised by a "type" member on WebSocket. */
    if (mlconn_uses_ws(c->transport) && s->lane != LANE_STRATUM) {
        json_t *root = json_loadb(msg, len, 0, &jerr);
        if (root && json_is_string(json_object_get(root, "type"))) {
            s->lane = LANE_BROWSER;
            int rc = browser_message(s, root);
            json_decref(root);
            return rc;
        }
        json_decref(root);
    }
    if (stratum_parse(msg, len, &m, err, sizeof(err))) {
        pool_event(s->pool, "bad_message", c,
                   json_pack("{s:s,s:I}", "error", err, "bytes", (json_int_t)len));
        /* Real pools drop connections that send invalid JSON. */
        mlconn_close(c, err);
        return 1;
    }
    if (s->lane == LANE_NONE)
        s->lane = LANE_STRATUM;
    int rc = m.kind == STRATUM_RESPONSE ? 0 : stratum_request(s, &m);
    stratum_msg_free(&m);
    return rc;
}
