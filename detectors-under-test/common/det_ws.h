/*
 * det_ws — the detectors' own WebSocket frame parser, written from RFC 6455
 * section 5 and sharing no code with the emulator's (emulator/common/ws.c):
 * a detector that parsed the miner's frames with the miner's own framing
 * code could not see a framing bug. It is passive: it never answers pings
 * and never writes.
 *
 * A byte-at-a-time state machine (no input buffering beyond the 14 header
 * bytes): payload bytes are unmasked straight into the message being
 * reassembled. One parser per direction of a flow; frames from the client
 * must be masked and frames from the server must not (section 5.1).
 *
 * Threads: a parser belongs to one thread.
 */
#ifndef DET_WS_H
#define DET_WS_H

#include <stddef.h>
#include <stdint.h>

/* Opcodes (RFC 6455 section 5.2). */
#define DET_WS_CONT 0x0
#define DET_WS_TEXT 0x1
#define DET_WS_BINARY 0x2
#define DET_WS_CLOSE 0x8
#define DET_WS_PING 0x9
#define DET_WS_PONG 0xA

/* Called per complete message (TEXT/BINARY, fragments joined) and per
 * control frame (CLOSE/PING/PONG). payload is unmasked and NUL-terminated.
 * Non-zero stops the feed; det_ws_feed returns it. */
typedef int (*det_ws_cb)(void *ud, int opcode, const uint8_t *payload, size_t len);

struct det_ws {
    int from_client;    /* 1: the frames must be masked */
    size_t max_message; /* cap on one reassembled message */
    uint8_t hdr[14];    /* the frame header being read */
    size_t hdr_len, hdr_need;
    int in_payload;   /* 0: reading a header, 1: reading payload */
    int fin, opcode;  /* of the current frame */
    uint8_t key[4];   /* its masking key (zero when unmasked) */
    uint64_t left;    /* payload bytes still to come */
    uint64_t pos;     /* payload bytes seen (for the key index) */
    uint8_t ctl[126]; /* a control frame's payload (at most 125 bytes) */
    size_t ctl_len;
    uint8_t *msg; /* the data message being reassembled (owned) */
    size_t msg_len, msg_cap;
    int msg_op; /* its opcode; 0 while none is open */
};

/* from_client: 1 for the client-to-server direction. max_message 0 = 65536. */
void det_ws_init(struct det_ws *w, int from_client, size_t max_message);
void det_ws_free(struct det_ws *w);
/*
 * Feeds bytes of one direction, in order. Returns 0; -EPROTO on a frame the
 * RFC forbids (reserved bits or opcode, masking on the wrong side, a
 * fragmented or long control frame, a continuation with no message open, a
 * new message inside an open one, a 64-bit length with its top bit set);
 * -EMSGSIZE past max_message; -ENOMEM; or the callback's non-zero value.
 * After an error the parser is out of sync: free it.
 */
int det_ws_feed(struct det_ws *w, const uint8_t *data, size_t len, det_ws_cb cb,
                void *ud);

#endif
