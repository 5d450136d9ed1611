#include "ws.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

int ws_accept_key(const char *client_key, char out[29])
{
    unsigned char digest[SHA_DIGEST_LENGTH];
    char buf[128];
    size_t kl = strlen(client_key);
    if (kl + sizeof(ws_guid) > sizeof(buf))
        return -EINVAL;
    memcpy(buf, client_key, kl);
    memcpy(buf + kl, ws_guid, sizeof(ws_guid) - 1);
    SHA1((const unsigned char *)buf, kl + sizeof(ws_guid) - 1, digest);
    return EVP_EncodeBlock((unsigned char *)out, digest, SHA_DIGEST_LENGTH) == 28
               ? 0
               : -EIO;
}

int ws_client_key(char out[25])
{
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return -EIO;
    return EVP_EncodeBlock((unsigned char *)out, raw, sizeof(raw)) == 24 ? 0 : -EIO;
}

uint8_t *ws_frame(enum ws_opcode op, const void *payload, size_t len, int mask,
                  size_t *outlen)
{
    size_t hl = 2 + (len < 126 ? 0 : len <= 0xFFFF ? 2 : 8) + (mask ? 4 : 0);
    uint8_t *f = malloc(hl + len);
    if (!f)
        return NULL;
    size_t i = 0;
    f[i++] = (uint8_t)(0x80 | op);
    uint8_t m = mask ? 0x80 : 0;
    if (len < 126) {
        f[i++] = (uint8_t)(m | len);
    } else if (len <= 0xFFFF) {
        f[i++] = m | 126;
        f[i++] = (uint8_t)(len >> 8);
        f[i++] = (uint8_t)len;
    } else {
        f[i++] = m | 127;
        for (int s = 56; s >= 0; s -= 8)
            f[i++] = (uint8_t)((uint64_t)len >> s);
    }
    uint8_t key[4] = {0};
    if (mask) {
        if (RAND_bytes(key, 4) != 1) {
            free(f);
            return NULL;
        }
        memcpy(f + i, key, 4);
        i += 4;
    }
    const uint8_t *src = payload;
    for (size_t k = 0; k < len; k++)
        f[i + k] = mask ? (uint8_t)(src[k] ^ key[k & 3]) : src[k];
    *outlen = hl + len;
    return f;
}

void ws_parser_init(struct ws_parser *p, int server, size_t max_message)
{
    memset(p, 0, sizeof(*p));
    p->server = server;
    p->max_message = max_message ? max_message : WS_DEFAULT_MAX;
}

void ws_parser_free(struct ws_parser *p)
{
    free(p->in);
    free(p->msg);
    p->in = NULL;
    p->msg = NULL;
    p->in_len = p->in_cap = p->msg_len = p->msg_cap = 0;
}

static int grow(void *pp, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 512;
    while (c < need)
        c *= 2;
    void *n = realloc(*(void **)pp, c);
    if (!n)
        return -ENOMEM;
    *(void **)pp = n;
    *cap = c;
    return 0;
}

/* Handles one complete, unmasked frame payload. */
static int on_frame(struct ws_parser *p, int fin, int op, uint8_t *pl, size_t len,
                    ws_message_cb cb, void *ud, char *err, size_t errlen)
{
    if (op >= 0x8) {
        char saved = (char)pl[len];
        pl[len] = '\0'; /* the buffer always has one spare byte */
        int rc = cb(ud, (enum ws_opcode)op, (char *)pl, len);
        pl[len] = (uint8_t)saved;
        return rc;
    }
    if (op == WS_CONT && !p->msg_op)
        return ml_err(err, errlen, -EPROTO, "continuation frame without a start");
    if (op != WS_CONT && p->msg_op)
        return ml_err(err, errlen, -EPROTO, "new message inside a fragmented one");
    if (p->msg_len + len > p->max_message)
        return ml_err(err, errlen, -EMSGSIZE, "WebSocket message over %zu bytes",
                      p->max_message);
    if (op != WS_CONT)
        p->msg_op = op;
    if (grow(&p->msg, &p->msg_cap, p->msg_len + len + 1))
        return -ENOMEM;
    memcpy(p->msg + p->msg_len, pl, len);
    p->msg_len += len;
    if (!fin)
        return 0;
    p->msg[p->msg_len] = '\0';
    size_t n = p->msg_len;
    int mop = p->msg_op;
    p->msg_len = 0;
    p->msg_op = 0;
    return cb(ud, (enum ws_opcode)mop, p->msg, n);
}

/* Parses one frame at the start of p->in; returns bytes used, 0 when more
 * are needed, or a negative error. */
static long parse_one(struct ws_parser *p, ws_message_cb cb, void *ud, char *err,
                      size_t errlen, int *cbrc)
{
    uint8_t *b = p->in;
    size_t n = p->in_len;
    if (n < 2)
        return 0;
    int fin = b[0] & 0x80, op = b[0] & 0x0F, masked = b[1] & 0x80;
    if (b[0] & 0x70)
        return ml_err(err, errlen, -EPROTO, "reserved bits set");
    if ((op > 2 && op < 8) || op > 10)
        return ml_err(err, errlen, -EPROTO, "reserved opcode %d", op);
    if (masked != (p->server ? 0x80 : 0))
        return ml_err(err, errlen, -EPROTO,
                      p->server ? "unmasked client frame" : "masked server frame");
    uint64_t len = b[1] & 0x7F;
    size_t hl = 2;
    if (len == 126) {
        if (n < 4)
            return 0;
        len = (uint64_t)b[2] << 8 | b[3];
        hl = 4;
    } else if (len == 127) {
        if (n < 10)
            return 0;
        len = 0;
        for (int i = 0; i < 8; i++)
            len = len << 8 | b[2 + i];
        hl = 10;
    }
    if (op >= 8 && (!fin || len > 125))
        return ml_err(err, errlen, -EPROTO, "bad control frame");
    if (len > p->max_message)
        return ml_err(err, errlen, -EMSGSIZE, "WebSocket frame over %zu bytes",
                      p->max_message);
    size_t mk = masked ? 4 : 0;
    if (n < hl + mk + len)
        return 0;
    uint8_t *pl = b + hl + mk;
    for (size_t i = 0; mk && i < len; i++)
        pl[i] ^= b[hl + (i & 3)];
    int rc = on_frame(p, fin, op, pl, (size_t)len, cb, ud, err, errlen);
    if (rc) {
        *cbrc = 1;
        return rc;
    }
    return (long)(hl + mk + len);
}

int ws_parser_feed(struct ws_parser *p, const void *data, size_t len, ws_message_cb cb,
                   void *ud, char *err, size_t errlen)
{
    if (grow(&p->in, &p->in_cap, p->in_len + len + 1))
        return -ENOMEM;
    memcpy(p->in + p->in_len, data, len);
    p->in_len += len;
    size_t off = 0;
    int rc = 0;
    for (;;) {
        int cbrc = 0;
        uint8_t *save = p->in;
        size_t save_len = p->in_len;
        p->in += off;
        p->in_len -= off;
        long used = parse_one(p, cb, ud, err, errlen, &cbrc);
        p->in = save;
        p->in_len = save_len;
        if (used < 0 || cbrc) {
            rc = (int)used;
            break;
        }
        if (used == 0)
            break;
        off += (size_t)used;
    }
    if (off) {
        memmove(p->in, p->in + off, p->in_len - off);
        p->in_len -= off;
    }
    return rc;
}
