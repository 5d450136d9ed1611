/*
 * linereader — a bounded newline splitter for stream transports (Stratum
 * over TCP or TLS). Bytes go in as they arrive; each complete line comes out
 * through a callback, without its "\n" (and a trailing "\r" removed),
 * NUL-terminated. A line longer than the cap is an error: real pools drop
 * the connection on lines over 8192 bytes, and so do we.
 *
 * Threads: one reader belongs to one thread (the libuv loop thread).
 */
#ifndef LINEREADER_H
#define LINEREADER_H

#include <stddef.h>

#define LINEREADER_DEFAULT_MAX 8192

/* Called once per complete line; line is writable and NUL-terminated.
 * Returning non-zero stops feeding; linereader_feed returns that value. */
typedef int (*linereader_cb)(void *ud, char *line, size_t len);

struct linereader {
    char *buf;             /* owned; holds the unfinished line */
    size_t len;            /* bytes of the unfinished line */
    size_t cap;            /* allocated bytes */
    size_t max_line;       /* cap on one line, without the newline */
    int drop_long;         /* 1: skip over-long lines instead of failing */
    int skipping;          /* dropping the rest of an over-long line */
    unsigned long dropped; /* over-long lines dropped (drop_long mode) */
    linereader_cb on_long; /* NULL, or told of each dropped line (drop_long mode) */
};

/* Prepares lr with a line cap in bytes (0 = LINEREADER_DEFAULT_MAX).
 * Allocates lazily; cannot fail. */
void linereader_init(struct linereader *lr, size_t max_line);
/*
 * For readers of local pipes (a child's stdout, a log being tailed) where one
 * bad line must not end the stream: an over-long line is dropped up to its
 * newline, counted in lr->dropped, and the feed goes on.
 */
void linereader_drop_long(struct linereader *lr);
/*
 * In drop_long mode, cb is called once for each over-long line, with its
 * first max_line bytes (NUL-terminated), when it passes the cap; its return
 * value is ignored. For readers that show what they dropped.
 */
void linereader_on_long(struct linereader *lr, linereader_cb cb);
/*
 * The end of the stream: emits the unfinished last line (one without "\n"),
 * unless it is being dropped, and empties the reader. Returns cb's value, or
 * 0 when there was nothing to emit.
 */
int linereader_flush(struct linereader *lr, linereader_cb cb, void *ud);
/* Frees the buffer; lr may be re-initialised afterwards. */
void linereader_free(struct linereader *lr);
/*
 * Feeds len bytes. Calls cb for each line completed. Returns 0; -EMSGSIZE
 * with a reason in err when a line passes the cap (the reader is then reset
 * and the caller should drop the peer; never in drop_long mode); -ENOMEM; or the
 * callback's non-zero return value, which stops the feed at once.
 */
int linereader_feed(struct linereader *lr, const char *data, size_t len,
                    linereader_cb cb, void *ud, char *err, size_t errlen);

#endif
