/*
 * tlsctx — TLS for libuv streams through OpenSSL memory BIOs: contexts for
 * the pool (given certificate, or a self-signed one made at start) and for
 * the miner (no verification: lab pools are self-signed; the fingerprint is
 * logged instead), and a per-connection session that turns ciphertext from
 * the socket into plaintext and plaintext into ciphertext to send.
 *
 * Threads: a context may be shared; a session belongs to one thread.
 */
#ifndef TLSCTX_H
#define TLSCTX_H

#include <openssl/ssl.h>
#include <stddef.h>

/*
 * Server context. cert_file/key_file (PEM) when both are given, else a fresh
 * self-signed P-256 certificate for CN=minerlab-pool valid for 1 day.
 * fingerprint receives the certificate's SHA-256 as 64 lowercase hex digits.
 * 0 or -EIO with a reason.
 */
int tlsctx_server(const char *cert_file, const char *key_file, SSL_CTX **out,
                  char fingerprint[65], char *err, size_t errlen);
/*
 * Adds a certificate that the server context presents when the client's SNI
 * is name (case-insensitive; "*.example.org" matches one label), like a
 * real pool behind one address with several domains. Other or no SNI gets
 * the context's own certificate. fingerprint as above. 0 or -EIO.
 */
int tlsctx_server_add_sni(SSL_CTX *ctx, const char *name, const char *cert_file,
                          const char *key_file, char fingerprint[65], char *err,
                          size_t errlen);
/* Client context (TLS 1.2+, no peer verification). 0 or -EIO. */
int tlsctx_client(SSL_CTX **out, char *err, size_t errlen);

struct tls_session {
    SSL *ssl;
    BIO *rbio; /* socket -> SSL (owned by ssl) */
    BIO *wbio; /* SSL -> socket (owned by ssl) */
    int handshake_done;
};

/* Starts a session; sni may be NULL. For clients the ClientHello is ready
 * in the output at once. 0 or -ENOMEM. */
int tls_session_init(struct tls_session *s, SSL_CTX *ctx, int server, const char *sni);
void tls_session_free(struct tls_session *s);

/* Called with decrypted application bytes; non-zero stops the feed. */
typedef int (*tls_plain_cb)(void *ud, const char *data, size_t len);

/*
 * Feeds ciphertext from the socket, advances the handshake, and hands every
 * decrypted byte to cb. *handshake_now is set to 1 when the handshake
 * completed during this call. Returns 0, the callback's non-zero value, or
 * -EPROTO with OpenSSL's reason in err (the caller closes the connection).
 */
int tls_session_feed(struct tls_session *s, const void *data, size_t len,
                     tls_plain_cb cb, void *ud, int *handshake_now, char *err,
                     size_t errlen);
/* Encrypts plaintext into the output (only after the handshake). 0/-EPROTO. */
int tls_session_write(struct tls_session *s, const void *data, size_t len);
/* Takes all pending ciphertext as a malloc'd buffer (NULL, 0 when none). */
char *tls_session_take_output(struct tls_session *s, size_t *len);
/* SHA-256 of the peer's certificate as 64 lowercase hex digits; -ENOENT
 * when the peer sent none. */
int tls_session_peer_fingerprint(const struct tls_session *s, char out[65]);
/* The SNI host name of a server session, or NULL. */
const char *tls_session_sni(const struct tls_session *s);
/* Protocol and cipher, e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384". */
void tls_session_describe(const struct tls_session *s, char *buf, size_t len);

#endif
