/* Share checks in the order real pools apply them: session, job, staleness,
 * duplicate, difficulty claimed by the result, then (maybe) verification. */
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"
#include "pool_int.h"

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

#define NONCES_MAX (1u << 20) /* per job; past it every share counts as seen */

static uint32_t slot_of(uint32_t nonce, size_t cap)
{
    return (nonce * 2654435761u) & (uint32_t)(cap - 1);
}

/* Inserts into the table without growing; 1 when already present. */
static int set_insert(uint32_t *t, size_t cap, uint32_t nonce)
{
    for (uint32_t i = slot_of(nonce, cap);; i = (i + 1) & (uint32_t)(cap - 1)) {
        if (t[i] == nonce)
            return 1;
        if (t[i] == 0) {
            t[i] = nonce;
            return 0;
        }
    }
}

/* Records the nonce; 1 when it was already there (or the set is full). */
static int seen_nonce(struct pool_job *j, uint32_t nonce)
{
    if (nonce == 0) {
        int seen = j->zero_seen;
        j->zero_seen = 1;
        return seen;
    }
    if (j->n_nonces >= NONCES_MAX)
        return 1;
    if (2 * (j->n_nonces + 1) > j->cap_nonces) { /* keep the load under 1/2 */
        size_t cap = j->cap_nonces ? j->cap_nonces * 2 : 64;
        uint32_t *t = calloc(cap, sizeof(*t));
        if (!t)
            return 1;
        for (size_t i = 0; i < j->cap_nonces; i++)
            if (j->nonces[i])
                set_insert(t, cap, j->nonces[i]);
        free(j->nonces);
        j->nonces = t;
        j->cap_nonces = cap;
    }
    if (set_insert(j->nonces, j->cap_nonces, nonce))
        return 1;
    j->n_nonces++;
    return 0;
}

static int want_verify(struct pool *p)
{
    switch (p->cfg->verify) {
    case POOL_VERIFY_ALL:
        return 1;
    case POOL_VERIFY_NONE:
        return 0;
    default:
        return p->share_counter++ % (uint64_t)p->cfg->verify_sample == 0;
    }
}

static void verdict(pool_share_done_fn done, struct pool_session *s, int64_t req_id,
                    const struct stratum_submit *sub, uint64_t diff, enum pool_reject r,
                    int verified, const char *how)
{
    const struct pool_share_verdict v = {
        req_id, sub->job_id, sub->nonce_hex, diff, r, verified, how, 0};
    done(s, &v);
}

void pool_share_submit(struct pool_session *s, int64_t req_id,
                       const struct stratum_submit *sub, pool_share_done_fn done)
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
        verdict(done, s, req_id, sub, diff, r, 0, "none");
        return;
    }
    if (s->synthetic) {
        /* Browser lane: SHA-256 is cheap, so it is always checked here. */
        uint8_t h[32];
        pool_synthetic_hash(j->blob, POOL_BLOB_LEN, sub->nonce, h);
        r = memcmp(h, sub->result, 32) ? REJ_INVALID : REJ_NONE;
        verdict(done, s, req_id, sub, diff, r, 1, "sha256");
        return;
    }
    if (!want_verify(p)) { /* --verify none, or not sampled: "unverified" */
        verdict(done, s, req_id, sub, diff, REJ_NONE, 0, "trusted");
        return;
    }
    /* Verification is required: with no verifier or its backlog full the
     * share is refused as not verified rather than accepted on trust (a
     * flood of invalid shares would otherwise become accepted ground truth);
     * answers never wait without bound. */
    if (!p->verifier ||
        pool_verify_queue(s, req_id, j, sub->nonce, sub->result, sub->nonce_hex, done))
        verdict(done, s, req_id, sub, diff, REJ_UNVERIFIED, 0,
                p->verifier ? "backlog" : "verifier-unavailable");
}
