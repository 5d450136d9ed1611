#include "stratum.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ml_util.h"

int stratum_target_decode(const char *hex, uint64_t *target64, char *err, size_t errlen)
{
    uint8_t raw[8] = {0};
    size_t n = hex ? strlen(hex) : 0;
    if (n == 8) {
        if (ml_hex_decode(hex, raw, 4))
            return ml_err(err, errlen, -EINVAL, "target is not hex");
        uint32_t t32 = ml_load32le(raw);
        if (t32 == 0)
            return ml_err(err, errlen, -EINVAL, "target is zero");
        uint64_t div = 0xFFFFFFFFull / t32;
        *target64 = div ? UINT64_MAX / div : UINT64_MAX;
        return 0;
    }
    if (n == 16) {
        if (ml_hex_decode(hex, raw, 8))
            return ml_err(err, errlen, -EINVAL, "target is not hex");
        *target64 = ml_load64le(raw);
        if (*target64 == 0)
            return ml_err(err, errlen, -EINVAL, "target is zero");
        return 0;
    }
    return ml_err(err, errlen, -EINVAL, "target must have 8 or 16 hex digits");
}

uint64_t stratum_diff_to_target64(uint64_t difficulty)
{
    return UINT64_MAX / (difficulty ? difficulty : 1);
}

uint64_t stratum_target64_to_diff(uint64_t target64)
{
    return target64 ? UINT64_MAX / target64 : UINT64_MAX;
}

void stratum_target_encode(uint64_t difficulty, char out[17])
{
    uint64_t t = stratum_diff_to_target64(difficulty);
    uint8_t raw[8];
    if (difficulty <= 0xFFFFFFFFull) {
        ml_store32le(raw, (uint32_t)(t >> 32));
        ml_hex_encode(raw, 4, out);
    } else {
        for (int i = 0; i < 8; i++)
            raw[i] = (uint8_t)(t >> (8 * i));
        ml_hex_encode(raw, 8, out);
    }
}

uint64_t stratum_hash_value(const uint8_t hash[32])
{
    return ml_load64le(hash + 24);
}

int stratum_hash_meets(const uint8_t hash[32], uint64_t target64)
{
    return stratum_hash_value(hash) < target64;
}

uint64_t stratum_hash_diff(const uint8_t hash[32])
{
    uint64_t v = stratum_hash_value(hash);
    return v ? UINT64_MAX / v : UINT64_MAX;
}

/* ---- parsing ---- */

void stratum_msg_free(struct stratum_msg *msg)
{
    json_decref(msg->root);
    memset(msg, 0, sizeof(*msg));
}

int stratum_parse(const char *line, size_t len, struct stratum_msg *msg, char *err,
                  size_t errlen)
{
    json_error_t jerr;
    memset(msg, 0, sizeof(*msg));
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return ml_err(err, errlen, -EINVAL, "invalid JSON: %s", jerr.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return ml_err(err, errlen, -EINVAL, "message is not a JSON object");
    }
    json_t *id = json_object_get(root, "id");
    json_t *method = json_object_get(root, "method");
    int has_id = id && !json_is_null(id);
    if (has_id && !json_is_integer(id)) {
        json_decref(root);
        return ml_err(err, errlen, -EINVAL, "id is not an integer");
    }
    if (method && (!json_is_string(method) ||
                   json_string_length(method) >= sizeof(msg->method))) {
        json_decref(root);
        return ml_err(err, errlen, -EINVAL, "method is not a short string");
    }
    json_t *params = json_object_get(root, "params");
    json_t *error = json_object_get(root, "error");
    if (!method && !has_id) {
        json_decref(root);
        return ml_err(err, errlen, -EINVAL, "message has neither id nor method");
    }
    msg->root = root;
    msg->id = has_id ? json_integer_value(id) : -1;
    if (method) {
        snprintf(msg->method, sizeof(msg->method), "%s", json_string_value(method));
        msg->kind = has_id ? STRATUM_REQUEST : STRATUM_NOTIFY;
    } else {
        msg->kind = STRATUM_RESPONSE;
    }
    msg->params = params;
    msg->result = json_object_get(root, "result");
    msg->error = (error && !json_is_null(error)) ? error : NULL;
    return 0;
}

/* Copies a string member into dst; absent is allowed when optional. */
static int get_str(const json_t *obj, const char *key, char *dst, size_t cap,
                   int optional, char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (optional) {
            dst[0] = '\0';
            return 0;
        }
        return ml_err(err, errlen, -EINVAL, "missing \"%s\"", key);
    }
    if (!json_is_string(v))
        return ml_err(err, errlen, -EINVAL, "\"%s\" is not a string", key);
    if (json_string_length(v) >= cap)
        return ml_err(err, errlen, -EINVAL, "\"%s\" is too long", key);
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    if (strlen(dst) != json_string_length(v))
        return ml_err(err, errlen, -EINVAL, "\"%s\" contains NUL", key);
    return 0;
}

int stratum_parse_job(const json_t *obj, struct stratum_job *out, char *err,
                      size_t errlen)
{
    struct stratum_job j;
    char blob_hex[2 * STRATUM_BLOB_MAX + 1], seed_hex[65];
    int rc;
    memset(&j, 0, sizeof(j));
    if (!json_is_object(obj))
        return ml_err(err, errlen, -EINVAL, "job is not an object");
    if ((rc = get_str(obj, "job_id", j.job_id, sizeof(j.job_id), 0, err, errlen)) ||
        (rc = get_str(obj, "blob", blob_hex, sizeof(blob_hex), 0, err, errlen)) ||
        (rc = get_str(obj, "target", j.target_hex, sizeof(j.target_hex), 0, err,
                      errlen)) ||
        (rc = get_str(obj, "algo", j.algo, sizeof(j.algo), 1, err, errlen)) ||
        (rc = get_str(obj, "seed_hash", seed_hex, sizeof(seed_hex), 1, err, errlen)))
        return rc;
    if (j.job_id[0] == '\0')
        return ml_err(err, errlen, -EINVAL, "empty job_id");
    size_t bl = strlen(blob_hex);
    if (bl % 2 || bl / 2 < STRATUM_NONCE_OFFSET + 4 ||
        ml_hex_decode(blob_hex, j.blob, bl / 2))
        return ml_err(err, errlen, -EINVAL, "bad blob");
    j.blob_len = bl / 2;
    if ((rc = stratum_target_decode(j.target_hex, &j.target64, err, errlen)))
        return rc;
    if (seed_hex[0]) {
        if (ml_hex_decode(seed_hex, j.seed_hash, 32))
            return ml_err(err, errlen, -EINVAL, "bad seed_hash");
        j.has_seed = 1;
    }
    json_t *h = json_object_get(obj, "height");
    if (h && !json_is_null(h)) {
        if (!json_is_integer(h) || json_integer_value(h) < 0)
            return ml_err(err, errlen, -EINVAL, "height is not an integer");
        j.height = (uint64_t)json_integer_value(h);
    }
    if (j.algo[0] == '\0')
        snprintf(j.algo, sizeof(j.algo), "rx/0");
    *out = j;
    return 0;
}

int stratum_parse_login(const json_t *params, struct stratum_login *out, char *err,
                        size_t errlen)
{
    struct stratum_login l;
    int rc;
    memset(&l, 0, sizeof(l));
    if (!json_is_object(params))
        return ml_err(err, errlen, -EINVAL, "params is not an object");
    if ((rc = get_str(params, "login", l.login, sizeof(l.login), 0, err, errlen)) ||
        (rc = get_str(params, "pass", l.pass, sizeof(l.pass), 1, err, errlen)) ||
        (rc = get_str(params, "agent", l.agent, sizeof(l.agent), 1, err, errlen)) ||
        (rc = get_str(params, "rigid", l.rigid, sizeof(l.rigid), 1, err, errlen)))
        return rc;
    json_t *algo = json_object_get(params, "algo");
    l.algo_rx0 = 1;
    if (algo && !json_is_null(algo)) {
        if (!json_is_array(algo))
            return ml_err(err, errlen, -EINVAL, "algo is not an array");
        size_t i;
        json_t *v;
        l.algo_rx0 = 0;
        json_array_foreach(algo, i, v)
        {
            if (!json_is_string(v))
                return ml_err(err, errlen, -EINVAL, "algo entry is not a string");
            if (!strcmp(json_string_value(v), "rx/0"))
                l.algo_rx0 = 1;
        }
    }
    *out = l;
    return 0;
}

int stratum_parse_login_result(const json_t *result, struct stratum_login_result *out,
                               char *err, size_t errlen)
{
    struct stratum_login_result r;
    int rc;
    memset(&r, 0, sizeof(r));
    if (!json_is_object(result))
        return ml_err(err, errlen, -EINVAL, "login result is not an object");
    if ((rc =
             get_str(result, "id", r.session_id, sizeof(r.session_id), 0, err, errlen)))
        return rc;
    json_t *job = json_object_get(result, "job");
    if (job && !json_is_null(job)) {
        if ((rc = stratum_parse_job(job, &r.job, err, errlen)))
            return rc;
        r.has_job = 1;
    }
    json_t *ext = json_object_get(result, "extensions");
    int lab_ext = 0;
    if (json_is_array(ext)) {
        size_t i;
        json_t *v;
        json_array_foreach(ext, i, v)
        {
            const char *s = json_string_value(v);
            if (!s)
                continue;
            r.ext_algo |= !strcmp(s, "algo");
            r.ext_nicehash |= !strcmp(s, "nicehash");
            r.ext_keepalive |= !strcmp(s, "keepalive");
            lab_ext |= !strcmp(s, "lab");
        }
    }
    json_t *lab = json_object_get(result, "lab");
    if (lab_ext &&
        stratum_parse_lab(lab, r.lab_name, r.lab_version, r.lab_run, NULL, 0) == 0)
        r.lab = 1;
    *out = r;
    return 0;
}

int stratum_parse_submit(const json_t *params, struct stratum_submit *out, char *err,
                         size_t errlen)
{
    struct stratum_submit s;
    char result_hex[65];
    uint8_t nb[4];
    int rc;
    memset(&s, 0, sizeof(s));
    if (!json_is_object(params))
        return ml_err(err, errlen, -EINVAL, "params is not an object");
    if ((rc = get_str(params, "id", s.session_id, sizeof(s.session_id), 0, err,
                      errlen)) ||
        (rc = get_str(params, "job_id", s.job_id, sizeof(s.job_id), 0, err, errlen)) ||
        (rc = get_str(params, "nonce", s.nonce_hex, sizeof(s.nonce_hex), 0, err,
                      errlen)) ||
        (rc = get_str(params, "result", result_hex, sizeof(result_hex), 0, err,
                      errlen)) ||
        (rc = get_str(params, "algo", s.algo, sizeof(s.algo), 1, err, errlen)))
        return rc;
    if (strlen(s.nonce_hex) != 8 || ml_hex_decode(s.nonce_hex, nb, 4))
        return ml_err(err, errlen, -EINVAL, "nonce must be 8 hex digits");
    if (strlen(result_hex) != 64 || ml_hex_decode(result_hex, s.result, 32))
        return ml_err(err, errlen, -EINVAL, "result must be 64 hex digits");
    s.nonce = ml_load32le(nb);
    *out = s;
    return 0;
}

const char *stratum_error_message(const json_t *error)
{
    const char *m = json_string_value(json_object_get(error, "message"));
    if (!m)
        m = json_string_value(error);
    return m ? m : "unknown error";
}

/* ---- encoding ---- */

char *stratum_dump(const json_t *root)
{
    return json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

/* Builds {"id":N,"jsonrpc":"2.0","method":M,"params":P} (steals params),
 * XMRig's JsonRequest::create order. */
static char *request(int64_t id, const char *method, json_t *params)
{
    json_t *root = json_object();
    if (id >= 0)
        json_object_set_new(root, "id", json_integer(id));
    json_object_set_new(root, "jsonrpc", json_string("2.0"));
    json_object_set_new(root, "method", json_string(method));
    json_object_set_new(root, "params", params);
    char *s = stratum_dump(root);
    json_decref(root);
    return s;
}

/* XMRig's order, several names a line. */
// clang-format off
const char *const stratum_xmrig_algos[STRATUM_XMRIG_ALGOS + 1] = {
    "cn/0", "cn/1", "cn/2", "cn/r", "cn/fast", "cn/half", "cn/xao", "cn/rto",
    "cn/rwz", "cn/zls", "cn/double", "cn/ccx", "cn-lite/0", "cn-lite/1",
    "cn-heavy/0", "cn-heavy/tube", "cn-heavy/xhv", "cn-pico", "cn-pico/tlo",
    "cn/upx2", "rx/0", "rx/2", "rx/wow", "rx/arq", "rx/graft", "rx/sfx",
    "rx/yada", "argon2/chukwa", "argon2/chukwav2", "argon2/ninja", "ghostrider",
    NULL};
// clang-format on

char *stratum_encode_login(const char *login, const char *pass, const char *agent,
                           const char *rigid, const char *const *algos)
{
    json_t *p = json_object();
    json_object_set_new(p, "login", json_string(login));
    json_object_set_new(p, "pass", json_string(pass));
    json_object_set_new(p, "agent", json_string(agent));
    if (rigid && *rigid)
        json_object_set_new(p, "rigid", json_string(rigid));
    json_t *list = json_array();
    for (const char *const *a = algos ? algos : stratum_xmrig_algos; *a; a++)
        json_array_append_new(list, json_string(*a));
    json_object_set_new(p, "algo", list);
    return request(1, "login", p);
}

char *stratum_encode_submit(int64_t id, const char *session_id, const char *job_id,
                            const char *nonce_hex, const char *result_hex,
                            const char *algo)
{
    json_t *p = json_object();
    json_object_set_new(p, "id", json_string(session_id));
    json_object_set_new(p, "job_id", json_string(job_id));
    json_object_set_new(p, "nonce", json_string(nonce_hex));
    json_object_set_new(p, "result", json_string(result_hex));
    if (algo && *algo)
        json_object_set_new(p, "algo", json_string(algo));
    return request(id, "submit", p);
}

char *stratum_encode_keepalived(int64_t id, const char *session_id)
{
    json_t *p = json_object();
    json_object_set_new(p, "id", json_string(session_id));
    return request(id, "keepalived", p);
}

json_t *stratum_job_json(const struct stratum_job *job)
{
    char blob_hex[2 * STRATUM_BLOB_MAX + 1], seed_hex[65];
    ml_hex_encode(job->blob, job->blob_len, blob_hex);
    ml_hex_encode(job->seed_hash, 32, seed_hex);
    json_t *o = json_object();
    json_object_set_new(o, "blob", json_string(blob_hex));
    json_object_set_new(o, "job_id", json_string(job->job_id));
    json_object_set_new(o, "target", json_string(job->target_hex));
    json_object_set_new(o, "algo", json_string(job->algo[0] ? job->algo : "rx/0"));
    json_object_set_new(o, "height", json_integer((json_int_t)job->height));
    json_object_set_new(o, "seed_hash", json_string(seed_hex));
    return o;
}

/* {"id":N,"jsonrpc":"2.0","error":E,"result":R}; steals error and result. */
static char *response(int64_t id, json_t *error, json_t *result)
{
    json_t *root = json_object();
    json_object_set_new(root, "id", id >= 0 ? json_integer(id) : json_null());
    json_object_set_new(root, "jsonrpc", json_string("2.0"));
    json_object_set_new(root, "error", error ? error : json_null());
    json_object_set_new(root, "result", result ? result : json_null());
    char *s = stratum_dump(root);
    json_decref(root);
    return s;
}

void stratum_lab_mark(uint8_t *blob, size_t len, const uint8_t run[STRATUM_LAB_RUN_LEN])
{
    if (len < STRATUM_NONCE_OFFSET + 4)
        return;
    memcpy(blob + STRATUM_LAB_PREV_OFFSET, STRATUM_LAB_PATTERN,
           STRATUM_LAB_PATTERN_LEN);
    memcpy(blob + STRATUM_LAB_PREV_OFFSET + STRATUM_LAB_PATTERN_LEN, run,
           STRATUM_LAB_RUN_LEN);
}

int stratum_lab_check(const uint8_t *blob, size_t len,
                      const uint8_t run[STRATUM_LAB_RUN_LEN], char *err, size_t errlen)
{
    if (len < STRATUM_NONCE_OFFSET + 4 ||
        memcmp(blob + STRATUM_LAB_PREV_OFFSET, STRATUM_LAB_PATTERN,
               STRATUM_LAB_PATTERN_LEN) != 0)
        return ml_err(err, errlen, -EPERM,
                      "its blob has no lab marker (previous-block hash is not "
                      "\"" STRATUM_LAB_PATTERN "\" + run)");
    if (memcmp(blob + STRATUM_LAB_PREV_OFFSET + STRATUM_LAB_PATTERN_LEN, run,
               STRATUM_LAB_RUN_LEN) != 0)
        return ml_err(err, errlen, -EPERM,
                      "its blob carries another run's lab marker, not the one the "
                      "handshake announced");
    return 0;
}

json_t *stratum_lab_json(const char *version, const uint8_t run[STRATUM_LAB_RUN_LEN])
{
    char hex[2 * STRATUM_LAB_RUN_LEN + 1];
    ml_hex_encode(run, STRATUM_LAB_RUN_LEN, hex);
    return json_pack("{s:s,s:s,s:s}", "name", STRATUM_LAB_NAME, "version", version,
                     "run", hex);
}

int stratum_parse_lab(const json_t *lab, char name[64], char version[32],
                      uint8_t run[STRATUM_LAB_RUN_LEN], char *err, size_t errlen)
{
    char n[64], v[32] = "", hex[2 * STRATUM_LAB_RUN_LEN + 1];
    uint8_t r[STRATUM_LAB_RUN_LEN];
    if (!json_is_object(lab))
        return ml_err(err, errlen, -EINVAL, "no lab object");
    if (get_str(lab, "name", n, sizeof(n), 0, NULL, 0) || strcmp(n, STRATUM_LAB_NAME))
        return ml_err(err, errlen, -EINVAL, "lab.name is not " STRATUM_LAB_NAME);
    if (get_str(lab, "run", hex, sizeof(hex), 0, NULL, 0) ||
        strlen(hex) != 2 * STRATUM_LAB_RUN_LEN || ml_hex_decode(hex, r, sizeof(r)))
        return ml_err(err, errlen, -EINVAL, "lab.run is not %d hex digits",
                      2 * STRATUM_LAB_RUN_LEN);
    get_str(lab, "version", v, sizeof(v), 1, NULL, 0);
    memcpy(name, n, sizeof(n));
    if (version)
        memcpy(version, v, sizeof(v));
    memcpy(run, r, sizeof(r));
    return 0;
}

char *stratum_encode_login_result(int64_t id, const char *session_id,
                                  const struct stratum_job *job,
                                  const char *lab_version, const uint8_t *lab_run)
{
    json_t *r = json_object();
    json_object_set_new(r, "id", json_string(session_id));
    json_object_set_new(r, "job", stratum_job_json(job));
    json_t *ext = json_pack("[sss]", "algo", "nicehash", "keepalive");
    int lab = lab_version && lab_run;
    if (lab)
        json_array_append_new(ext, json_string("lab"));
    json_object_set_new(r, "extensions", ext);
    if (lab)
        json_object_set_new(r, "lab", stratum_lab_json(lab_version, lab_run));
    json_object_set_new(r, "status", json_string("OK"));
    return response(id, NULL, r);
}

char *stratum_encode_job_notify(const struct stratum_job *job)
{
    return request(-1, "job", stratum_job_json(job));
}

/*
 * The answers to submit and keepalived are the pool's hottest output and
 * differ only in the id, so the bytes after the id are produced by jansson
 * once per status and cached; only the integer is formatted per call. The
 * result is byte-identical to response() (unit test test_status_cache).
 */
char *stratum_encode_status(int64_t id, const char *status)
{
    static _Thread_local struct {
        char status[16];
        char *tail; /* ,"jsonrpc":"2.0","error":null,"result":{...}} */
    } cache[2];
    if (id < 0 || strlen(status) >= sizeof(cache[0].status))
        return response(id, NULL, json_pack("{s:s}", "status", status));
    int slot = !strcmp(status, "OK") ? 0 : !strcmp(status, "KEEPALIVED") ? 1 : -1;
    if (slot < 0)
        return response(id, NULL, json_pack("{s:s}", "status", status));
    if (!cache[slot].tail) {
        char *full = response(0, NULL, json_pack("{s:s}", "status", status));
        if (!full)
            return NULL;
        cache[slot].tail = strdup(full + strlen("{\"id\":0"));
        snprintf(cache[slot].status, sizeof(cache[slot].status), "%s", status);
        free(full);
        if (!cache[slot].tail)
            return NULL;
    }
    size_t tl = strlen(cache[slot].tail);
    char *out = malloc(32 + tl);
    if (!out)
        return NULL;
    int n = snprintf(out, 32, "{\"id\":%lld", (long long)id);
    memcpy(out + n, cache[slot].tail, tl + 1);
    return out;
}

char *stratum_encode_error(int64_t id, const char *message)
{
    return response(id, json_pack("{s:i,s:s}", "code", -1, "message", message), NULL);
}

char *stratum_encode_reconnect(const char *host, int port)
{
    char p[16];
    snprintf(p, sizeof(p), "%d", port);
    return request(-1, "client.reconnect", json_pack("[ss]", host, p));
}
