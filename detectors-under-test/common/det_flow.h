/*
 * det_flow — a flow table for the network reference detectors: TCP and UDP
 * flows keyed by their 5-tuple, the client side told apart (the sender of a
 * SYN without ACK; otherwise the higher port), in-order TCP reassembly good
 * enough for line-oriented protocols (newline-delimited JSON, HTTP headers)
 * and for WebSocket frames after an HTTP upgrade, with a byte cap per flow.
 *
 * What the reassembly does not do: it never waits for a missing segment.
 * A gap (lost packet, capture started mid-stream) drops the partial line and
 * resynchronises at the next segment; a WebSocket stream that loses sync
 * stops being parsed in that direction. Lines longer than the cap are cut.
 *
 * Threads: one table belongs to one thread.
 */
#ifndef DET_FLOW_H
#define DET_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "det_alert.h"
#include "det_pcap.h"

struct det_ws;

enum { DET_C2S = 0, DET_S2C = 1 };

enum det_stream_mode {
    DET_STREAM_LINES, /* newline-delimited text (the default) */
    DET_STREAM_WS,    /* WebSocket frames after an HTTP 101 upgrade */
    DET_STREAM_OFF    /* binary (TLS) or desynchronised: no line/frame parsing */
};

struct det_stream {
    uint32_t next_seq;
    int seq_known;
    enum det_stream_mode mode;
    uint8_t *buf; /* working buffer for the partial line / frame */
    size_t len;
    uint8_t *head; /* the first head_cap bytes of the stream, kept */
    size_t head_len;
    uint64_t bytes;   /* payload bytes seen (incl. gaps skipped) */
    uint64_t packets; /* payload-carrying packets */
    uint64_t gaps;    /* sequence gaps seen */
    int fin;
    struct det_ws *ws; /* DET_STREAM_WS: the detectors' RFC 6455 parser */
    int upgrade_seen;  /* an "Upgrade: websocket" header was seen */
    int http_101;      /* the server's status line was "HTTP/1.x 101" */
    int skip_to_nl;    /* an over-long line is being discarded */
};

struct det_flow_entry {
    uint8_t l4;
    int family;
    uint8_t addr[2][16]; /* [0] client, [1] server */
    uint16_t port[2];
    char client[64], server[64]; /* "ip:port" */
    double first_ts, last_ts;
    int saw_syn;
    struct det_stream dir[2];
    uint64_t fired; /* rule bits already alerted on this flow */
    void *user;     /* the detector's per-flow state, freed in on_close */
    struct det_flow_entry *next_in_bucket;
};

struct det_flow_callbacks {
    /* A new flow. */
    void (*on_new)(void *ctx, struct det_flow_entry *f, double ts);
    /*
     * Every payload-carrying packet (TCP in-order bytes after trimming, or a UDP
     * datagram): len captured bytes at data, wire_len bytes on the wire (more when
     * the capture's snaplen cut the packet).
     */
    void (*on_data)(void *ctx, struct det_flow_entry *f, int dir, const uint8_t *data,
                    size_t len, size_t wire_len, double ts);
    /* A complete line in DET_STREAM_LINES mode, without "\n" / "\r\n" (not
     * NUL-terminated). */
    void (*on_line)(void *ctx, struct det_flow_entry *f, int dir, const char *line,
                    size_t len, double ts);
    /* A complete WebSocket message (text or binary), unmasked, reassembled;
     * client frames must be masked (RFC 6455), or that direction stops. */
    void (*on_ws)(void *ctx, struct det_flow_entry *f, int dir, int opcode,
                  const uint8_t *payload, size_t len, double ts);
    /* The flow ends (FIN both ways, RST, idle, table destroyed): free f->user. */
    void (*on_close)(void *ctx, struct det_flow_entry *f);
};

struct det_flow_config {
    size_t max_flows;      /* 0 = 65536; new flows beyond it are not tracked */
    size_t stream_cap;     /* working buffer cap per direction, 0 = 65536 */
    size_t head_cap;       /* kept stream prefix per direction, 0 = none kept */
    double idle_timeout_s; /* 0 = 900 */
    int raw_only;          /* no line / WebSocket parsing: on_data only */
};

struct det_flow_table;

/* Creates a table; cb and ctx are borrowed for its lifetime. 0 or -ENOMEM. */
int det_flow_table_create(struct det_flow_table **out,
                          const struct det_flow_config *cfg,
                          const struct det_flow_callbacks *cb, void *ctx);
/* Feeds one parsed packet (TCP or UDP; others ignored). */
void det_flow_table_packet(struct det_flow_table *t, const struct det_pkt *p);
/* Closes flows idle since before now - idle_timeout_s. */
void det_flow_table_expire(struct det_flow_table *t, double now);
/* Calls fn for every live flow. */
void det_flow_table_foreach(struct det_flow_table *t,
                            void (*fn)(void *arg, struct det_flow_entry *f), void *arg);
/* Flows not tracked because the table was full. */
uint64_t det_flow_table_overflows(const struct det_flow_table *t);
/* Closes every flow (on_close) and frees the table. NULL is fine. */
void det_flow_table_destroy(struct det_flow_table *t);

/* Returns 1 the first time rule (0..63) fires on f, 0 afterwards. */
int det_flow_fire_once(struct det_flow_entry *f, unsigned rule);
/* Fills a protocol flow (client → server) pointing into f. */
void det_flow_describe(const struct det_flow_entry *f, struct det_flow *out);

/* memmem for a NUL-terminated needle. */
const char *det_find(const char *hay, size_t len, const char *needle);

#endif
