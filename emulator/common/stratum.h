/*
 * stratum — Monero Stratum as XMRig 6.x and real pools speak it: targets and
 * difficulty, the share check, parsing of every message into validated
 * structs (validate first, then commit) and encoders that produce XMRig's
 * compact form with its key order byte for byte.
 *
 * All strings returned by encoders are malloc'd, NUL-terminated, WITHOUT the
 * trailing newline; the caller frees them. Parsers never keep pointers into
 * their input. Pure functions; any thread.
 */
#ifndef STRATUM_H
#define STRATUM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define STRATUM_ID_MAX 64       /* session and job id strings, incl. NUL */
#define STRATUM_BLOB_MAX 128    /* bytes */
#define STRATUM_NONCE_OFFSET 39 /* 4-byte nonce in the blob */
#define STRATUM_STR_MAX 256     /* login, pass, agent, rigid */
#define STRATUM_LAB_NAME "minerlab-pool"

/*
 * The lab marker (docs/stratum.md). Every job blob a lab pool hands out has
 * its previous-block hash (bytes 7..38 of a Monero block hashing blob, the
 * 32 bytes just before the nonce) set to a fixed 16-byte pattern followed by
 * the pool's 16-byte per-run value, which the lab handshake announces as
 * "run". No real chain has a block whose hash starts with the pattern, so
 * work on a marked blob is worthless outside the lab; the miner refuses to
 * hash any blob without it.
 */
#define STRATUM_LAB_PREV_OFFSET 7 /* previous-block hash: blob bytes 7..38 */
#define STRATUM_LAB_PATTERN "minerlab-labonly" /* 16 bytes, no NUL */
#define STRATUM_LAB_PATTERN_LEN 16
#define STRATUM_LAB_RUN_LEN 16 /* per-run value: blob bytes 23..38 */

/* ---- targets ---- */

/* "b88d0600" (8 hex, t32 LE) or 16 hex (LE uint64) into a 64-bit target.
 * 0, or -EINVAL with a reason. */
int stratum_target_decode(const char *hex, uint64_t *target64, char *err,
                          size_t errlen);
/* The target a pool sends for a difficulty: 8 hex while difficulty fits in
 * 32 bits, 16 hex beyond. out needs 17 bytes. Difficulty 0 counts as 1. */
void stratum_target_encode(uint64_t difficulty, char out[17]);
/* 0xFFFFFFFFFFFFFFFF / difficulty (difficulty 0 counts as 1). */
uint64_t stratum_diff_to_target64(uint64_t difficulty);
/* 0xFFFFFFFFFFFFFFFF / target64 (target 0 gives UINT64_MAX). */
uint64_t stratum_target64_to_diff(uint64_t target64);
/* The little-endian uint64 at hash bytes 24..31. */
uint64_t stratum_hash_value(const uint8_t hash[32]);
/* 1 when the hash meets the target (value < target64). */
int stratum_hash_meets(const uint8_t hash[32], uint64_t target64);
/* Difficulty a hash actually reached: 0xFFFFFFFFFFFFFFFF / value. */
uint64_t stratum_hash_diff(const uint8_t hash[32]);
/* Nicehash: keep byte 3 of the pool's nonce (blob byte 42), vary the low 3. */
static inline uint32_t stratum_nicehash_nonce(uint32_t pool_nonce, uint32_t n)
{
    return (pool_nonce & 0xFF000000u) | (n & 0x00FFFFFFu);
}

/* ---- messages ---- */

enum stratum_kind {
    STRATUM_REQUEST = 1, /* has id and method */
    STRATUM_NOTIFY,      /* method, no id (or id null) */
    STRATUM_RESPONSE,    /* id and result/error, no method */
};

struct stratum_msg {
    enum stratum_kind kind;
    int64_t id;      /* valid for REQUEST and RESPONSE */
    char method[32]; /* REQUEST and NOTIFY */
    json_t *root;    /* owned */
    json_t *params;  /* borrowed from root; may be NULL */
    json_t *result;  /* borrowed; NULL or json null when absent */
    json_t *error;   /* borrowed; NULL when absent or null */
};

struct stratum_job {
    char job_id[STRATUM_ID_MAX];
    uint8_t blob[STRATUM_BLOB_MAX];
    size_t blob_len;
    char target_hex[17];
    uint64_t target64;
    uint64_t height;
    char algo[16]; /* "rx/0" when absent */
    uint8_t seed_hash[32];
    int has_seed;
};

struct stratum_login {
    char login[STRATUM_STR_MAX];
    char pass[STRATUM_STR_MAX];
    char agent[STRATUM_STR_MAX];
    char rigid[STRATUM_STR_MAX];
    int algo_rx0; /* 1 when the algo array lists rx/0 (or is absent) */
};

struct stratum_login_result {
    char session_id[STRATUM_ID_MAX];
    struct stratum_job job;
    int has_job;
    int ext_algo, ext_nicehash, ext_keepalive;
    int lab; /* the lab handshake: "lab" extension + lab object with name and run */
    char lab_name[64];
    char lab_version[32];
    uint8_t lab_run[STRATUM_LAB_RUN_LEN];
};

struct stratum_submit {
    char session_id[STRATUM_ID_MAX];
    char job_id[STRATUM_ID_MAX];
    uint32_t nonce; /* as the 4 raw bytes, little-endian load */
    char nonce_hex[9];
    uint8_t result[32];
    char algo[16]; /* may be empty */
};

/* ---- the lab marker ---- */

/* Writes the marker (pattern + run) into blob's previous-block hash. A blob
 * shorter than the nonce end is left alone. */
void stratum_lab_mark(uint8_t *blob, size_t len,
                      const uint8_t run[STRATUM_LAB_RUN_LEN]);
/* 0 when blob carries the marker with this run value, else -EPERM with a
 * reason (no pattern, or another run's value). */
int stratum_lab_check(const uint8_t *blob, size_t len,
                      const uint8_t run[STRATUM_LAB_RUN_LEN], char *err, size_t errlen);
/* The handshake object {"name","version","run"}. New reference. */
json_t *stratum_lab_json(const char *version, const uint8_t run[STRATUM_LAB_RUN_LEN]);
/* Reads a handshake object: 0 when name is STRATUM_LAB_NAME and run is 32
 * hex digits (version optional, may be NULL), else -EINVAL with a reason. */
int stratum_parse_lab(const json_t *lab, char name[64], char version[32],
                      uint8_t run[STRATUM_LAB_RUN_LEN], char *err, size_t errlen);

/* Parses one line (bounded by the caller) into msg. 0, or -EINVAL with a
 * reason (bad JSON, not an object, wrong id/method types). On success the
 * caller calls stratum_msg_free. */
int stratum_parse(const char *line, size_t len, struct stratum_msg *msg, char *err,
                  size_t errlen);
void stratum_msg_free(struct stratum_msg *msg);

/* Field parsers; each validates every field before writing to out. 0 or
 * -EINVAL with a reason naming the field. */
int stratum_parse_job(const json_t *obj, struct stratum_job *out, char *err,
                      size_t errlen);
int stratum_parse_login(const json_t *params, struct stratum_login *out, char *err,
                        size_t errlen);
int stratum_parse_login_result(const json_t *result, struct stratum_login_result *out,
                               char *err, size_t errlen);
int stratum_parse_submit(const json_t *params, struct stratum_submit *out, char *err,
                         size_t errlen);
/* The "message" of an error object, or "unknown error". Never NULL. */
const char *stratum_error_message(const json_t *error);

/* ---- encoders (client side, XMRig byte for byte) ---- */

/*
 * The "algo" list XMRig 6.26.0 sends in its login (default build: no OpenCL,
 * no CUDA), 31 names in its order, NULL-terminated. Source: a captured login
 * of XMRig 6.26.0 on Debian 12 (docs/stratum.md, "The login's algo list").
 */
extern const char *const stratum_xmrig_algos[];
#define STRATUM_XMRIG_ALGOS 31

/* {"id":1,"jsonrpc":"2.0","method":"login","params":{"login","pass","agent",
 *  ["rigid"],"algo":[...]}} ; rigid omitted when NULL or empty. algos is a
 *  NULL-terminated list of names; NULL sends XMRig's (stratum_xmrig_algos). */
char *stratum_encode_login(const char *login, const char *pass, const char *agent,
                           const char *rigid, const char *const *algos);
/* submit with params id, job_id, nonce, result[, algo]. */
char *stratum_encode_submit(int64_t id, const char *session_id, const char *job_id,
                            const char *nonce_hex, const char *result_hex,
                            const char *algo);
char *stratum_encode_keepalived(int64_t id, const char *session_id);

/* ---- encoders (pool side) ---- */

/* The job object {"blob","job_id","target","algo","height","seed_hash"}.
 * New reference. */
json_t *stratum_job_json(const struct stratum_job *job);
/* Login result with extensions ["algo","nicehash","keepalive"] and, when
 * lab_version and lab_run are non-NULL, the lab handshake ("lab" extension +
 * "lab" object with name, version and run). */
char *stratum_encode_login_result(int64_t id, const char *session_id,
                                  const struct stratum_job *job,
                                  const char *lab_version, const uint8_t *lab_run);
/* {"jsonrpc":"2.0","method":"job","params":{...}} */
char *stratum_encode_job_notify(const struct stratum_job *job);
/* {"id":N,"jsonrpc":"2.0","error":null,"result":{"status":STATUS}} */
char *stratum_encode_status(int64_t id, const char *status);
/* {"id":N,"jsonrpc":"2.0","error":{"code":-1,"message":M},"result":null};
 * id < 0 writes "id":null. */
char *stratum_encode_error(int64_t id, const char *message);
/* {"jsonrpc":"2.0","method":"client.reconnect","params":["host","port"]} */
char *stratum_encode_reconnect(const char *host, int port);
/* Compact dump in insertion order; NULL on allocation failure. */
char *stratum_dump(const json_t *root);

#endif
