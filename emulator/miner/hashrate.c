#include "hashrate.h"

void hashrate_add(struct hashrate *r, uint64_t now_ns, uint64_t total_hashes)
{
    r->t_ns[r->pos] = now_ns;
    r->hashes[r->pos] = total_hashes;
    r->pos = (r->pos + 1) % HASHRATE_SAMPLES;
    if (r->n < HASHRATE_SAMPLES)
        r->n++;
}

void hashrate_windows(const struct hashrate *r, double out[3])
{
    static const double windows_s[3] = {10, 60, 900};
    int last = (r->pos - 1 + HASHRATE_SAMPLES) % HASHRATE_SAMPLES;
    for (int w = 0; w < 3; w++) {
        out[w] = 0;
        if (r->n < 2)
            continue;
        /* Walk back to the oldest sample still inside the window. */
        int j = last;
        for (int back = 1; back < r->n; back++) {
            int p = (last - back + HASHRATE_SAMPLES) % HASHRATE_SAMPLES;
            if ((double)(r->t_ns[last] - r->t_ns[p]) / 1e9 > windows_s[w])
                break;
            j = p;
        }
        double dt = (double)(r->t_ns[last] - r->t_ns[j]) / 1e9;
        if (dt > 0)
            out[w] = (double)(r->hashes[last] - r->hashes[j]) / dt;
    }
}
