/* Share checks in the order real pools apply them: session, job, staleness,
 * duplicate, difficulty claimed by the result, then (maybe) verification. */
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"
#include "pool.h"

void pool_synthetic_hash(const uint8_t *blob, size_t len, uint32_t nonce,
                         uint8_t out[32])
{
    uint8_t buf[STRATUM_BLOB_MAX];
    if (len > sizeof(buf))
        len = sizeof(buf);
    memcpy(buf, blob, len);
    ml_store32le(buf + STRATUM_NONCE_OFFSET, nonce);
    SHA256(buf, len, out);
}

static struct pool_job *find_job(struct pool_session *s, const char *job_id)
{
    for (int i = 0; i < POOL_JOBS_KEPT; i++)
        if (s->jobs[i].job_id[0] && !strcmp(s->jobs[i].job_id, job_id))
            return &s->jobs[i];
    return NULL;
}

/* Records the nonce; 1 when it was already there. */
static int seen_nonce(struct pool_job *j, uint32_t nonce)
{
    for (size_t i = 0; i < j->n_nonces; i++)
        if (j->nonces[i] == nonce)
            return 1;
    if (j->n_nonces == j->cap_nonces) {
        size_t cap = j->cap_nonces ? j->cap_nonces * 2 : 8;
        uint32_t *n = realloc(j->nonces, cap * sizeof(*n));
        if (!n)
            return 0;
        j->nonces = n;
        j->cap_nonces = cap;
    }
    j->nonces[j->n_nonces++] = nonce;
    return 0;
}

static int want_verify(struct pool *p)
{
    switch (p->cfg->verify) {
    case POOL_VERIFY_ALL: return 1;
    case POOL_VERIFY_NONE: return 0;
    default: return p->share_counter++ % (uint64_t)p->cfg->verify_sample == 0;
    }
}

void pool_share_submit(struct pool_session *s, int64_t req_id,
                       const struct stratum_submit *sub)
{
    struct pool *p = s->pool;
    struct pool_job *j = find_job(s, sub->job_id);
    enum pool_reject r = REJ_NONE;
    uint64_t diff = j ? j->difficulty : 0;
    /* A share for the current or the previous template counts; older kept
     * jobs, or any job from before a seed rotation, are stale. */
    if (!j)
        r = REJ_JOB;
    else if (j->template_seq + 1 < p->tmpl.seq || memcmp(j->seed, p->tmpl.seed, 32))
        r = REJ_STALE;
    else if (seen_nonce(j, sub->nonce))
        r = REJ_DUP;
    else if (!stratum_hash_meets(sub->result, j->target64))
        r = REJ_LOW;
    if (r != REJ_NONE) {
        pool_share_done(s, req_id, sub->job_id, sub->nonce_hex, diff, r, 0, "none");
        return;
    }
    if (s->synthetic) {
        /* Browser lane: SHA-256 is cheap, so it is always checked here. */
        uint8_t h[32];
        pool_synthetic_hash(j->blob, POOL_BLOB_LEN, sub->nonce, h);
        r = memcmp(h, sub->result, 32) ? REJ_INVALID : REJ_NONE;
        pool_share_done(s, req_id, sub->job_id, sub->nonce_hex, diff, r, 1, "sha256");
        return;
    }
    if (!p->verifier || !want_verify(p)) {
        pool_share_done(s, req_id, sub->job_id, sub->nonce_hex, diff, REJ_NONE, 0,
                        "trusted");
        return;
    }
    /* With the verifiers' backlog full, accept unverified (logged as such)
     * rather than let answers wait without bound. */
    if (pool_verify_queue(s, req_id, j, sub->nonce, sub->result, sub->nonce_hex))
        pool_share_done(s, req_id, sub->job_id, sub->nonce_hex, diff, REJ_NONE, 0,
                        "backlog");
}
