/*
 * ws — RFC 6455 WebSocket: the handshake keys (SHA-1 + base64 through
 * OpenSSL), frame encoding (clients mask, servers do not) and a bounded,
 * incremental frame parser that reassembles fragmented messages and hands
 * control frames (ping, pong, close) out separately.
 *
 * Threads: a parser belongs to one thread. Key helpers are pure.
 */
#ifndef WS_H
#define WS_H

#include <stddef.h>
#include <stdint.h>

enum ws_opcode {
    WS_CONT = 0x0,
    WS_TEXT = 0x1,
    WS_BINARY = 0x2,
    WS_CLOSE = 0x8,
    WS_PING = 0x9,
    WS_PONG = 0xA,
};

#define WS_DEFAULT_MAX 65536 /* bytes of one reassembled message */

/* base64(SHA-1(key + RFC GUID)); out needs 29 bytes. 0 or -EIO. */
int ws_accept_key(const char *client_key, char out[29]);
/* A fresh random Sec-WebSocket-Key; out needs 25 bytes. 0 or -EIO. */
int ws_client_key(char out[25]);
/*
 * One frame with FIN set: opcode, payload, masked with a random key when
 * mask is non-zero (clients must). Returns a malloc'd buffer and its size in
 * *outlen, or NULL on allocation failure.
 */
uint8_t *ws_frame(enum ws_opcode op, const void *payload, size_t len, int mask,
                  size_t *outlen);

/* Called with a complete message (TEXT/BINARY, reassembled) or a control
 * frame (CLOSE/PING/PONG). payload is NUL-terminated for convenience.
 * Non-zero return stops the feed and is returned by ws_parser_feed. */
typedef int (*ws_message_cb)(void *ud, enum ws_opcode op, char *payload, size_t len);

struct ws_parser {
    int server;         /* 1: frames must be masked (from clients) */
    size_t max_message; /* cap on one message */
    uint8_t *in;        /* unparsed bytes (owned) */
    size_t in_len, in_cap;
    char *msg; /* fragments of the message in progress (owned) */
    size_t msg_len, msg_cap;
    int msg_op; /* opcode of the message in progress, 0 = none */
};

/* server: 1 on the pool side. max_message 0 = WS_DEFAULT_MAX. */
void ws_parser_init(struct ws_parser *p, int server, size_t max_message);
void ws_parser_free(struct ws_parser *p);
/*
 * Feeds bytes from the peer. Returns 0; -EPROTO (reason in err) on a frame
 * RFC 6455 forbids (unmasked from a client, masked from a server, reserved
 * bits or opcodes, fragmented or oversized control frame, continuation
 * without a start); -EMSGSIZE when a message passes the cap; -ENOMEM; or the
 * callback's non-zero return.
 */
int ws_parser_feed(struct ws_parser *p, const void *data, size_t len, ws_message_cb cb,
                   void *ud, char *err, size_t errlen);

#endif
