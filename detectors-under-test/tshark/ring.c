/* ring — dumpcap ring files into one tshark stream; see ring.h. */
#include "ring.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tsr_name {
    struct tsr_name *next;
    char path[];
};

struct tsr {
    struct tsr_name *head, *tail;
    int fd;          /* the file being copied, -1 when none is open */
    char buf[65536]; /* read from fd, not yet written */
    size_t off, len;
    struct tsr_stats st;
};

struct tsr *tsr_create(void)
{
    struct tsr *r = calloc(1, sizeof(*r));
    if (r)
        r->fd = -1;
    return r;
}

static void pop(struct tsr *r)
{
    struct tsr_name *n = r->head;
    if (!n)
        return;
    r->head = n->next;
    if (!r->head)
        r->tail = NULL;
    free(n);
    r->st.queued--;
}

void tsr_destroy(struct tsr *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    while (r->head)
        pop(r);
    free(r);
}

int tsr_add(struct tsr *r, const char *line)
{
    size_t l = strcspn(line, "\r\n");
    if (l == 0)
        return 0;
    struct tsr_name *n = malloc(sizeof(*n) + l + 1);
    if (!n)
        return -ENOMEM;
    memcpy(n->path, line, l);
    n->path[l] = '\0';
    n->next = NULL;
    if (r->tail)
        r->tail->next = n;
    else
        r->head = n;
    r->tail = n;
    r->st.queued++;
    return 0;
}

/* Opens the next queued file; 1 when one is open, 0 when the queue is empty. */
static int open_next(struct tsr *r)
{
    while (r->fd < 0 && r->head) {
        r->fd = open(r->head->path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0) {
            r->st.files_lost++; /* the ring wrapped past it */
            pop(r);
        }
    }
    return r->fd >= 0;
}

int tsr_feed(struct tsr *r, int fd)
{
    for (;;) {
        if (r->off == r->len) {
            if (!open_next(r))
                return 0;
            ssize_t n = read(r->fd, r->buf, sizeof(r->buf));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) { /* end of this file: it is tshark's now */
                close(r->fd);
                r->fd = -1;
                unlink(r->head->path);
                pop(r);
                r->st.files++;
                continue;
            }
            r->off = 0;
            r->len = (size_t)n;
        }
        ssize_t w = write(fd, r->buf + r->off, r->len - r->off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 1;
        if (w < 0)
            return -errno;
        r->off += (size_t)w;
        r->st.bytes_fed += (uint64_t)w;
    }
}

void tsr_stats(const struct tsr *r, struct tsr_stats *out)
{
    *out = r->st;
}

int tsr_parse_dumpcap_stats(const char *line, uint64_t *received, uint64_t *dropped)
{
    const char *p = strstr(line, "Packets received/dropped on interface");
    if (!p || !(p = strstr(p, "': ")))
        return -EINVAL;
    if (sscanf(p + 3, "%" SCNu64 "/%" SCNu64, received, dropped) != 2)
        return -EINVAL;
    return 0;
}
