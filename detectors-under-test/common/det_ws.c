#include "det_ws.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DET_WS_DEFAULT_MAX 65536

void det_ws_init(struct det_ws *w, int from_client, size_t max_message)
{
    memset(w, 0, sizeof(*w));
    w->from_client = from_client;
    w->max_message = max_message ? max_message : DET_WS_DEFAULT_MAX;
    w->hdr_need = 2;
}

void det_ws_free(struct det_ws *w)
{
    free(w->msg);
    w->msg = NULL;
    w->msg_len = w->msg_cap = 0;
}

static int is_control(int op)
{
    return (op & 0x8) != 0;
}

static int known_opcode(int op)
{
    return op == DET_WS_CONT || op == DET_WS_TEXT || op == DET_WS_BINARY ||
           op == DET_WS_CLOSE || op == DET_WS_PING || op == DET_WS_PONG;
}

/* Checks the first two header bytes and says how long the header is. */
static int first_two(struct det_ws *w)
{
    uint8_t b0 = w->hdr[0], b1 = w->hdr[1];
    int masked = (b1 & 0x80) != 0, len7 = b1 & 0x7f;
    w->fin = (b0 & 0x80) != 0;
    w->opcode = b0 & 0x0f;
    if ((b0 & 0x70) || !known_opcode(w->opcode))
        return -EPROTO; /* no extension was negotiated: RSV must be 0 */
    if (masked != w->from_client)
        return -EPROTO; /* section 5.1: clients mask, servers do not */
    if (is_control(w->opcode) && (!w->fin || len7 > 125))
        return -EPROTO; /* section 5.5 */
    w->hdr_need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0);
    return 0;
}

/* The whole header is in: payload length, key, message bookkeeping. */
static int header_done(struct det_ws *w)
{
    int len7 = w->hdr[1] & 0x7f;
    size_t at = 2;
    uint64_t n = (uint64_t)len7;
    if (len7 == 126) {
        n = (uint64_t)w->hdr[2] << 8 | w->hdr[3];
        at = 4;
    } else if (len7 == 127) {
        n = 0;
        for (int i = 0; i < 8; i++)
            n = n << 8 | w->hdr[2 + i];
        if (n >> 63)
            return -EPROTO; /* section 5.2: the most significant bit is 0 */
        at = 10;
    }
    memset(w->key, 0, sizeof(w->key));
    if (w->from_client)
        memcpy(w->key, w->hdr + at, 4);
    w->left = n;
    w->pos = 0;
    if (is_control(w->opcode)) {
        w->ctl_len = 0;
        return 0;
    }
    if (w->opcode == DET_WS_CONT && !w->msg_op)
        return -EPROTO; /* nothing to continue */
    if (w->opcode != DET_WS_CONT && w->msg_op)
        return -EPROTO; /* a new message before the last one finished */
    if (w->opcode != DET_WS_CONT) {
        w->msg_op = w->opcode;
        w->msg_len = 0;
    }
    if (n > w->max_message - w->msg_len)
        return -EMSGSIZE;
    size_t want = w->msg_len + (size_t)n + 1;
    if (want > w->msg_cap) {
        uint8_t *m = realloc(w->msg, want);
        if (!m)
            return -ENOMEM;
        w->msg = m;
        w->msg_cap = want;
    }
    return 0;
}

/* The whole payload is in: hand out what is complete. */
static int frame_done(struct det_ws *w, det_ws_cb cb, void *ud)
{
    w->in_payload = 0;
    w->hdr_len = 0;
    w->hdr_need = 2;
    if (is_control(w->opcode)) {
        w->ctl[w->ctl_len] = 0;
        return cb(ud, w->opcode, w->ctl, w->ctl_len);
    }
    if (!w->fin)
        return 0;
    int op = w->msg_op;
    w->msg_op = 0;
    w->msg[w->msg_len] = 0;
    return cb(ud, op, w->msg, w->msg_len);
}

/* Copies up to len payload bytes, unmasking (section 5.3). Returns the count. */
static size_t payload(struct det_ws *w, const uint8_t *data, size_t len)
{
    size_t n = len < w->left ? len : (size_t)w->left;
    uint8_t *dst = is_control(w->opcode) ? w->ctl + w->ctl_len : w->msg + w->msg_len;
    for (size_t i = 0; i < n; i++)
        dst[i] = data[i] ^ w->key[(w->pos + i) & 3];
    if (is_control(w->opcode))
        w->ctl_len += n;
    else
        w->msg_len += n;
    w->pos += n;
    w->left -= n;
    return n;
}

int det_ws_feed(struct det_ws *w, const uint8_t *data, size_t len, det_ws_cb cb,
                void *ud)
{
    int rc = 0;
    while (len > 0 || (w->in_payload && w->left == 0)) {
        if (w->in_payload) {
            size_t n = payload(w, data, len);
            data += n;
            len -= n;
            if (w->left == 0 && (rc = frame_done(w, cb, ud)))
                return rc;
            continue;
        }
        w->hdr[w->hdr_len++] = *data++;
        len--;
        if (w->hdr_len == 2 && (rc = first_two(w)))
            return rc;
        if (w->hdr_len < w->hdr_need)
            continue;
        if ((rc = header_done(w)))
            return rc;
        w->in_payload = 1;
    }
    return 0;
}
