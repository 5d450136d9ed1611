/*
 * pool_load — load generator for minerlab-pool (and later the harness's
 * "fleet of infected hosts"): opens N Stratum sessions over TCP, logs them
 * in, then submits shares at a given total rate without hashing (the result
 * is forged to meet any target, so run the pool with --verify none), sends
 * keepalived requests, and measures:
 *   logins/s, submit and keepalived latency percentiles, errors, and how
 *   long a job broadcast takes to reach every session (first to last
 *   arrival of the same job height).
 * Prints one JSON object (sorted keys) on stdout.
 *
 * usage: pool_load --pool HOST:PORT [--sessions N] [--rate SUBMITS_PER_S]
 *                  [--keepalive-rate N_PER_S] [--duration S] [--connect-rate N]
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>

#include "mlconn.h"
#include "ml_util.h"
#include "stratum.h"

#define RING 64
#define LAT_BUCKETS 200000 /* 10 us buckets up to 2 s */

struct sess {
    struct mlconn *c;
    int logged_in;
    char sid[STRATUM_ID_MAX];
    char job_id[STRATUM_ID_MAX];
    uint32_t nonce;
    int64_t next_id;
    uint64_t sent_ns[RING]; /* by id % RING */
    uint8_t kind[RING];     /* 1 submit, 2 keepalived */
    uint64_t login_sent_ns;
};

struct load {
    uv_loop_t *loop;
    struct sockaddr_storage addr;
    int sessions, connect_rate;
    double rate, ka_rate, duration_s;
    struct sess *s;
    int opened, logged_in, closed, connect_errors;
    uint64_t submits, submit_ok, submit_err, ka_sent, ka_ok;
    uint32_t *lat_submit, *lat_ka; /* histograms */
    uint64_t n_lat_submit, n_lat_ka;
    double t_start, t_all_logged;
    uint64_t next_sess;
    double submit_credit, ka_credit;
    uint64_t last_tick_ns;
    /* job broadcast spread: heights seen, first and last arrival */
    uint64_t bc_height;
    uint64_t bc_first_ns, bc_last_ns;
    int bc_count;
    double bc_worst_ms, bc_sum_ms;
    int bc_complete;
    uv_timer_t tick, connect_timer, stop_timer;
};

static struct load L;

static void hist_add(uint32_t *h, uint64_t *n, uint64_t ns)
{
    uint64_t b = ns / 10000;
    h[b < LAT_BUCKETS ? b : LAT_BUCKETS - 1]++;
    (*n)++;
}

static double hist_pct(const uint32_t *h, uint64_t n, double pct)
{
    uint64_t want = (uint64_t)(n * pct / 100.0), acc = 0;
    if (n && want >= n)
        want = n - 1;
    for (int i = 0; i < LAT_BUCKETS; i++) {
        acc += h[i];
        if (acc > want)
            return (i + 1) * 0.01; /* ms, upper edge */
    }
    return 0;
}

static void on_job(struct sess *s, const struct stratum_job *j)
{
    snprintf(s->job_id, sizeof(s->job_id), "%s", j->job_id);
    uint64_t now = ml_mono_ns();
    if (j->height != L.bc_height) {
        if (L.bc_count == L.logged_in && L.bc_count > 0 && L.bc_height) {
            double ms = (L.bc_last_ns - L.bc_first_ns) / 1e6;
            L.bc_worst_ms = ms > L.bc_worst_ms ? ms : L.bc_worst_ms;
            L.bc_sum_ms += ms;
            L.bc_complete++;
        }
        L.bc_height = j->height;
        L.bc_first_ns = now;
        L.bc_count = 0;
    }
    L.bc_last_ns = now;
    L.bc_count++;
}

static int on_message(struct mlconn *c, char *msg, size_t len)
{
    struct sess *s = c->ud;
    struct stratum_msg m;
    char err[160];
    if (stratum_parse(msg, len, &m, err, sizeof(err)))
        return 0;
    uint64_t now = ml_mono_ns();
    if (m.kind == STRATUM_RESPONSE && m.id == 1 && !s->logged_in) {
        struct stratum_login_result lr;
        if (!m.error && !stratum_parse_login_result(m.result, &lr, err, sizeof(err))) {
            s->logged_in = 1;
            snprintf(s->sid, sizeof(s->sid), "%s", lr.session_id);
            snprintf(s->job_id, sizeof(s->job_id), "%s", lr.job.job_id);
            if (++L.logged_in == L.sessions)
                L.t_all_logged = ml_now_unix();
        }
    } else if (m.kind == STRATUM_RESPONSE && m.id >= 2) {
        int k = s->kind[m.id % RING];
        uint64_t dt = now - s->sent_ns[m.id % RING];
        if (k == 1) {
            hist_add(L.lat_submit, &L.n_lat_submit, dt);
            if (m.error)
                L.submit_err++;
            else
                L.submit_ok++;
        } else if (k == 2) {
            hist_add(L.lat_ka, &L.n_lat_ka, dt);
            L.ka_ok++;
        }
        s->kind[m.id % RING] = 0;
    } else if (m.kind == STRATUM_NOTIFY && !strcmp(m.method, "job")) {
        struct stratum_job j;
        if (!stratum_parse_job(m.params, &j, err, sizeof(err)))
            on_job(s, &j);
    }
    stratum_msg_free(&m);
    return 0;
}

static void on_ready(struct mlconn *c)
{
    struct sess *s = c->ud;
    char *line =
        stratum_encode_login("4LOADTESTWALLET", "x", "pool_load/1.0", NULL, NULL);
    s->login_sent_ns = ml_mono_ns();
    mlconn_send(c, line, strlen(line));
    free(line);
}

static void on_close(struct mlconn *c, const char *reason)
{
    struct sess *s = c->ud;
    if (!s->logged_in)
        L.connect_errors++;
    s->c = NULL;
    L.closed++;
}

static const struct mlconn_callbacks cbs = {
    .on_ready = on_ready, .on_message = on_message, .on_close = on_close};

static void on_connect_timer(uv_timer_t *t)
{
    int burst = L.connect_rate / 100 > 0 ? L.connect_rate / 100 : 1;
    for (int i = 0; i < burst && L.opened < L.sessions; i++) {
        struct sess *s = &L.s[L.opened++];
        s->next_id = 2;
        s->c = mlconn_new(L.loop, MLCONN_TCP, 0, NULL, 0, &cbs, s);
        if (!s->c || mlconn_connect(s->c, (struct sockaddr *)&L.addr, NULL, NULL))
            L.connect_errors++;
    }
    if (L.opened >= L.sessions)
        uv_timer_stop(t);
}

static void send_req(struct sess *s, int kind)
{
    char *line;
    int64_t id = s->next_id++;
    if (kind == 1) {
        char nonce[9], result[65];
        uint8_t nb[4], h[32];
        memset(h, 0, sizeof(h)); /* bytes 24..31 zero: meets any target */
        ml_store32le(nb, s->nonce);
        ml_store32le(h, s->nonce++);
        ml_hex_encode(nb, 4, nonce);
        ml_hex_encode(h, 32, result);
        line = stratum_encode_submit(id, s->sid, s->job_id, nonce, result, "rx/0");
        L.submits++;
    } else {
        line = stratum_encode_keepalived(id, s->sid);
        L.ka_sent++;
    }
    s->sent_ns[id % RING] = ml_mono_ns();
    s->kind[id % RING] = (uint8_t)kind;
    mlconn_send(s->c, line, strlen(line));
    free(line);
}

/* Round-robin over logged-in sessions. */
static struct sess *next_session(void)
{
    for (int tries = 0; tries < L.sessions; tries++) {
        struct sess *s = &L.s[L.next_sess++ % (uint64_t)L.sessions];
        if (s->c && s->logged_in)
            return s;
    }
    return NULL;
}

static void on_tick(uv_timer_t *t)
{
    uint64_t now = ml_mono_ns();
    double dt = L.last_tick_ns ? (now - L.last_tick_ns) / 1e9 : 0.001;
    L.last_tick_ns = now;
    if (L.logged_in < L.sessions && L.opened < L.sessions)
        return; /* submit only once everyone is in */
    L.submit_credit += L.rate * dt;
    L.ka_credit += L.ka_rate * dt;
    struct sess *s;
    while (L.submit_credit >= 1 && (s = next_session())) {
        send_req(s, 1);
        L.submit_credit -= 1;
    }
    while (L.ka_credit >= 1 && (s = next_session())) {
        send_req(s, 2);
        L.ka_credit -= 1;
    }
    if (L.submit_credit > 1000)
        L.submit_credit = 1000;
}

static void on_stop(uv_timer_t *t)
{
    uv_stop(L.loop);
}

static int parse_addr(const char *hp)
{
    char host[128];
    const char *colon = strrchr(hp, ':');
    if (!colon || (size_t)(colon - hp) >= sizeof(host))
        return -EINVAL;
    memcpy(host, hp, (size_t)(colon - hp));
    host[colon - hp] = '\0';
    return uv_ip4_addr(host, atoi(colon + 1), (struct sockaddr_in *)&L.addr);
}

static void report(double elapsed)
{
    double login_s = L.t_all_logged > 0 ? L.t_all_logged - L.t_start : -1;
    json_t *o = json_pack(
        "{s:i,s:i,s:i,s:f,s:f,s:I,s:I,s:I,s:f,s:{s:f,s:f,s:f,s:f},s:I,s:I,"
        "s:{s:f,s:f,s:f},s:{s:i,s:f,s:f},s:f}",
        "sessions", L.sessions, "logged_in", L.logged_in, "connect_errors",
        L.connect_errors, "login_all_s", login_s, "logins_per_s",
        login_s > 0 ? L.logged_in / login_s : 0.0, "submits_sent",
        (json_int_t)L.submits, "submits_ok", (json_int_t)L.submit_ok, "submits_error",
        (json_int_t)L.submit_err, "submits_answered_per_s",
        (L.submit_ok + L.submit_err) / elapsed, "submit_latency_ms", "p50",
        hist_pct(L.lat_submit, L.n_lat_submit, 50), "p90",
        hist_pct(L.lat_submit, L.n_lat_submit, 90), "p99",
        hist_pct(L.lat_submit, L.n_lat_submit, 99), "p999",
        hist_pct(L.lat_submit, L.n_lat_submit, 99.9), "keepalived_sent",
        (json_int_t)L.ka_sent, "keepalived_ok", (json_int_t)L.ka_ok,
        "keepalived_latency_ms", "p50", hist_pct(L.lat_ka, L.n_lat_ka, 50), "p99",
        hist_pct(L.lat_ka, L.n_lat_ka, 99), "max", hist_pct(L.lat_ka, L.n_lat_ka, 100),
        "job_broadcast", "complete", L.bc_complete, "worst_spread_ms", L.bc_worst_ms,
        "mean_spread_ms", L.bc_complete ? L.bc_sum_ms / L.bc_complete : 0.0,
        "measured_s", elapsed);
    json_dumpf(o, stdout, JSON_SORT_KEYS | JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    putchar('\n');
    json_decref(o);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"pool", 1, 0, 'o'},
                                         {"sessions", 1, 0, 'n'},
                                         {"rate", 1, 0, 'r'},
                                         {"duration", 1, 0, 'd'},
                                         {"keepalive-rate", 1, 0, 'k'},
                                         {"connect-rate", 1, 0, 'c'},
                                         {0, 0, 0, 0}};
    const char *pool = "127.0.0.1:3333";
    L.sessions = 100;
    L.rate = 1000;
    L.duration_s = 10;
    L.connect_rate = 5000;
    int c;
    while ((c = getopt_long(argc, argv, "o:n:r:d:k:c:", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            pool = optarg;
            break;
        case 'n':
            L.sessions = atoi(optarg);
            break;
        case 'r':
            L.rate = atof(optarg);
            break;
        case 'd':
            L.duration_s = atof(optarg);
            break;
        case 'k':
            L.ka_rate = atof(optarg);
            break;
        case 'c':
            L.connect_rate = atoi(optarg);
            break;
        default:
            fprintf(stderr, "see the comment at the top of pool_load.c\n");
            return 2;
        }
    }
    if (L.sessions < 1 || parse_addr(pool)) {
        fprintf(stderr, "pool_load: bad --pool or --sessions\n");
        return 2;
    }
    struct rlimit rl;
    if (!getrlimit(RLIMIT_NOFILE, &rl)) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    L.s = calloc((size_t)L.sessions, sizeof(*L.s));
    L.lat_submit = calloc(LAT_BUCKETS, sizeof(uint32_t));
    L.lat_ka = calloc(LAT_BUCKETS, sizeof(uint32_t));
    if (!L.s || !L.lat_submit || !L.lat_ka)
        return 1;
    L.loop = uv_default_loop();
    L.t_start = ml_now_unix();
    uv_timer_init(L.loop, &L.connect_timer);
    uv_timer_start(&L.connect_timer, on_connect_timer, 0, 10);
    uv_timer_init(L.loop, &L.tick);
    uv_timer_start(&L.tick, on_tick, 1, 1);
    uv_timer_init(L.loop, &L.stop_timer);
    uv_timer_start(&L.stop_timer, on_stop, (uint64_t)(L.duration_s * 1000), 0);
    uv_run(L.loop, UV_RUN_DEFAULT);
    double elapsed = ml_now_unix() - (L.t_all_logged > 0 ? L.t_all_logged : L.t_start);
    report(elapsed > 0 ? elapsed : 1);
    mlconn_loop_shutdown(L.loop, 0);
    uv_loop_close(L.loop);
    free(L.s);
    free(L.lat_submit);
    free(L.lat_ka);
    return L.logged_in == L.sessions ? 0 : 1;
}
