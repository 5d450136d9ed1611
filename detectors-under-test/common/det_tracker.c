#include "det_tracker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

long det_proc_clk_tck(void)
{
    long t = sysconf(_SC_CLK_TCK);
    return t > 0 ? t : 100;
}

/* ---- CPU history: open-addressing table keyed by pid/tid, ring per id. ---- */

struct cpu_entry {
    int id; /* 0 = free */
    unsigned gen;
    uint64_t start_ticks;
    size_t head, count; /* ring of samples inside det_cpu_tracker.samples */
};

struct cpu_sample {
    double ts;
    uint64_t ticks;
};

struct det_cpu_tracker {
    struct cpu_entry *slots;
    struct cpu_sample *samples; /* cap * ring_cap */
    size_t cap, used, ring_cap;
};

static int cpu_alloc(struct det_cpu_tracker *t, size_t cap)
{
    t->slots = calloc(cap, sizeof(*t->slots));
    t->samples = calloc(cap * t->ring_cap, sizeof(*t->samples));
    t->cap = cap;
    t->used = 0;
    return t->slots && t->samples ? 0 : -ENOMEM;
}

struct det_cpu_tracker *det_cpu_tracker_new(size_t ring_cap)
{
    struct det_cpu_tracker *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->ring_cap = ring_cap < 2 ? 2 : ring_cap;
    if (cpu_alloc(t, 512) < 0) {
        det_cpu_tracker_free(t);
        return NULL;
    }
    return t;
}

void det_cpu_tracker_free(struct det_cpu_tracker *t)
{
    if (!t)
        return;
    free(t->slots);
    free(t->samples);
    free(t);
}

static size_t cpu_find(const struct det_cpu_tracker *t, int id)
{
    size_t i = ((unsigned)id * 2654435761u) & (t->cap - 1);
    while (t->slots[i].id != 0 && t->slots[i].id != id)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static const struct cpu_sample *cpu_at(const struct det_cpu_tracker *t, size_t slot,
                                       size_t k)
{
    const struct cpu_entry *e = &t->slots[slot];
    return &t->samples[slot * t->ring_cap + (e->head + k) % t->ring_cap];
}

/* Rebuilds the table (twice as big when grow), keeping entries of gen. */
static int cpu_rehash(struct det_cpu_tracker *t, int grow, int keep_all, unsigned gen)
{
    struct det_cpu_tracker old = *t;
    if (cpu_alloc(t, grow ? old.cap * 2 : old.cap) < 0) {
        free(t->slots);
        free(t->samples);
        *t = old;
        return -ENOMEM;
    }
    for (size_t i = 0; i < old.cap; i++) {
        struct cpu_entry *e = &old.slots[i];
        if (e->id == 0 || (!keep_all && e->gen != gen))
            continue;
        size_t j = cpu_find(t, e->id);
        t->slots[j] = *e;
        t->slots[j].head = 0;
        for (size_t k = 0; k < e->count; k++)
            t->samples[j * t->ring_cap + k] = *cpu_at(&old, i, k);
        t->used++;
    }
    free(old.slots);
    free(old.samples);
    return 0;
}

static void cpu_push(struct det_cpu_tracker *t, size_t slot, double ts, uint64_t ticks)
{
    struct cpu_entry *e = &t->slots[slot];
    size_t pos;
    if (e->count < t->ring_cap) {
        pos = (e->head + e->count) % t->ring_cap;
        e->count++;
    } else {
        pos = e->head;
        e->head = (e->head + 1) % t->ring_cap;
    }
    t->samples[slot * t->ring_cap + pos] = (struct cpu_sample){ts, ticks};
}

int det_cpu_tracker_update(struct det_cpu_tracker *t, int id, uint64_t start_ticks,
                           uint64_t total_ticks, double now_s, double seed_s,
                           unsigned gen)
{
    if ((t->used + 1) * 2 > t->cap && cpu_rehash(t, 1, 1, 0) < 0)
        return -ENOMEM;
    size_t slot = cpu_find(t, id);
    struct cpu_entry *e = &t->slots[slot];
    int fresh = e->id != id || e->start_ticks != start_ticks;
    if (fresh) {
        if (e->id == 0)
            t->used++;
        *e = (struct cpu_entry){.id = id, .start_ticks = start_ticks};
        if (seed_s >= 0 && seed_s < now_s)
            cpu_push(t, slot, seed_s, 0);
    }
    e->gen = gen;
    cpu_push(t, slot, now_s, total_ticks);
    return fresh;
}

double det_cpu_tracker_avg(const struct det_cpu_tracker *t, int id, double window_s,
                           double *span_s)
{
    size_t slot = cpu_find(t, id);
    const struct cpu_entry *e = &t->slots[slot];
    if (e->id != id || e->count < 2)
        return -1;
    const struct cpu_sample *last = cpu_at(t, slot, e->count - 1);
    for (size_t k = e->count - 1; k-- > 0;) {
        const struct cpu_sample *s = cpu_at(t, slot, k);
        double span = last->ts - s->ts;
        if (span + 1e-6 >= window_s && span > 0) {
            if (span_s)
                *span_s = span;
            if (last->ticks < s->ticks)
                return -1;
            return (double)(last->ticks - s->ticks) / (double)det_proc_clk_tck() / span;
        }
    }
    return -1;
}

size_t det_cpu_tracker_samples(const struct det_cpu_tracker *t, int id, double *ts,
                               uint64_t *ticks, size_t max)
{
    size_t slot = cpu_find(t, id);
    const struct cpu_entry *e = &t->slots[slot];
    if (e->id != id)
        return 0;
    size_t n = 0;
    size_t first = e->count > max ? e->count - max : 0;
    for (size_t k = first; k < e->count; k++, n++) {
        ts[n] = cpu_at(t, slot, k)->ts;
        ticks[n] = cpu_at(t, slot, k)->ticks;
    }
    return n;
}

void det_cpu_tracker_sweep(struct det_cpu_tracker *t, unsigned gen)
{
    (void)cpu_rehash(t, 0, 0, gen);
}

/* ---- Alert memo: (pid, start, rule) -> last alert time. ---- */

struct memo_entry {
    int pid;
    uint64_t start_ticks;
    char rule[32];
    double last_s;
};

struct det_memo {
    struct memo_entry *e;
    size_t n, cap;
    double cooldown_s;
};

struct det_memo *det_memo_new(double cooldown_s)
{
    struct det_memo *m = calloc(1, sizeof(*m));
    if (m)
        m->cooldown_s = cooldown_s;
    return m;
}

void det_memo_free(struct det_memo *m)
{
    if (m)
        free(m->e);
    free(m);
}

int det_memo_should_alert(struct det_memo *m, int pid, uint64_t start_ticks,
                          const char *rule, double now_s)
{
    size_t free_slot = m->n;
    for (size_t i = 0; i < m->n; i++) {
        struct memo_entry *e = &m->e[i];
        if (now_s - e->last_s > m->cooldown_s) {
            free_slot = i; /* expired entries are reused */
            continue;
        }
        if (e->pid == pid && e->start_ticks == start_ticks &&
            strncmp(e->rule, rule, sizeof(e->rule) - 1) == 0)
            return 0;
    }
    if (free_slot == m->n) {
        if (m->n == m->cap) {
            size_t cap = m->cap ? m->cap * 2 : 64;
            struct memo_entry *ne = realloc(m->e, cap * sizeof(*ne));
            if (!ne)
                return 1; /* alerting twice beats losing an alert */
            m->e = ne;
            m->cap = cap;
        }
        m->n++;
    }
    struct memo_entry *e = &m->e[free_slot];
    e->pid = pid;
    e->start_ticks = start_ticks;
    snprintf(e->rule, sizeof(e->rule), "%s", rule);
    e->last_s = now_s;
    return 1;
}
