#include "tlsctx.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ml_util.h"

static int ssl_fail(char *err, size_t errlen, const char *what)
{
    char e[200];
    ERR_error_string_n(ERR_get_error(), e, sizeof(e));
    ERR_clear_error();
    return ml_err(err, errlen, -EIO, "%s: %s", what, e);
}

/* A self-signed P-256 certificate; 0 or -EIO. */
static int self_signed(SSL_CTX *ctx, char *err, size_t errlen)
{
    int rc = -EIO;
    X509 *x = NULL;
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    if (!pkey || !(x = X509_new()))
        goto out;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(ml_mono_ns() & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, pkey);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *)"minerlab-pool", -1, -1, 0);
    X509_set_issuer_name(x, name);
    if (!X509_sign(x, pkey, EVP_sha256()) || SSL_CTX_use_certificate(ctx, x) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, pkey) != 1)
        goto out;
    rc = 0;
out:
    if (rc)
        ssl_fail(err, errlen, "self-signed certificate");
    X509_free(x);
    EVP_PKEY_free(pkey);
    return rc;
}

/* SHA-256 of cert in hex; 0 or -EIO. */
static int cert_fingerprint(X509 *cert, char fingerprint[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!cert || !X509_digest(cert, EVP_sha256(), md, &mdlen) || mdlen != 32)
        return -EIO;
    ml_hex_encode(md, 32, fingerprint);
    return 0;
}

int tlsctx_server(const char *cert_file, const char *key_file, SSL_CTX **out,
                  char fingerprint[65], char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    int rc;
    if (!ctx)
        return ssl_fail(err, errlen, "SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (cert_file && *cert_file && key_file && *key_file) {
        if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
            rc = ssl_fail(err, errlen, "loading --cert/--key");
            goto fail;
        }
    } else if ((rc = self_signed(ctx, err, errlen))) {
        goto fail;
    }
    if (cert_fingerprint(SSL_CTX_get0_certificate(ctx), fingerprint)) {
        rc = ssl_fail(err, errlen, "certificate fingerprint");
        goto fail;
    }
    *out = ctx;
    return 0;
fail:
    SSL_CTX_free(ctx);
    return rc;
}

int tlsctx_client(SSL_CTX **out, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return ssl_fail(err, errlen, "SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    *out = ctx;
    return 0;
}

int tls_session_init(struct tls_session *s, SSL_CTX *ctx, int server, const char *sni)
{
    memset(s, 0, sizeof(*s));
    s->ssl = SSL_new(ctx);
    s->rbio = BIO_new(BIO_s_mem());
    s->wbio = BIO_new(BIO_s_mem());
    if (!s->ssl || !s->rbio || !s->wbio) {
        SSL_free(s->ssl);
        BIO_free(s->rbio);
        BIO_free(s->wbio);
        memset(s, 0, sizeof(*s));
        return -ENOMEM;
    }
    SSL_set_bio(s->ssl, s->rbio, s->wbio);
    if (server) {
        SSL_set_accept_state(s->ssl);
    } else {
        if (sni && *sni)
            SSL_set_tlsext_host_name(s->ssl, sni);
        SSL_set_connect_state(s->ssl);
        SSL_do_handshake(s->ssl); /* queues the ClientHello */
    }
    return 0;
}

void tls_session_free(struct tls_session *s)
{
    if (s->ssl)
        SSL_free(s->ssl); /* frees both BIOs */
    memset(s, 0, sizeof(*s));
}

int tls_session_feed(struct tls_session *s, const void *data, size_t len,
                     tls_plain_cb cb, void *ud, int *handshake_now, char *err,
                     size_t errlen)
{
    *handshake_now = 0;
    if (len && BIO_write(s->rbio, data, (int)len) != (int)len)
        return ml_err(err, errlen, -ENOMEM, "TLS input buffer");
    if (!s->handshake_done) {
        int r = SSL_do_handshake(s->ssl);
        if (r != 1) {
            int e = SSL_get_error(s->ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                return 0;
            ssl_fail(err, errlen, "TLS handshake");
            return -EPROTO;
        }
        s->handshake_done = 1;
        *handshake_now = 1;
    }
    char buf[16384];
    for (;;) {
        int r = SSL_read(s->ssl, buf, sizeof(buf));
        if (r > 0) {
            int rc = cb(ud, buf, (size_t)r);
            if (rc)
                return rc;
            continue;
        }
        int e = SSL_get_error(s->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            return 0;
        if (e == SSL_ERROR_ZERO_RETURN)
            return ml_err(err, errlen, -EPROTO, "TLS close_notify");
        ssl_fail(err, errlen, "TLS read");
        return -EPROTO;
    }
}

int tls_session_write(struct tls_session *s, const void *data, size_t len)
{
    if (!s->handshake_done)
        return -EPROTO;
    if (len == 0)
        return 0;
    return SSL_write(s->ssl, data, (int)len) == (int)len ? 0 : -EPROTO;
}

char *tls_session_take_output(struct tls_session *s, size_t *len)
{
    size_t n = BIO_ctrl_pending(s->wbio);
    *len = 0;
    if (n == 0)
        return NULL;
    char *buf = malloc(n);
    if (!buf)
        return NULL;
    int r = BIO_read(s->wbio, buf, (int)n);
    if (r <= 0) {
        free(buf);
        return NULL;
    }
    *len = (size_t)r;
    return buf;
}

void tls_session_describe(const struct tls_session *s, char *buf, size_t len)
{
    snprintf(buf, len, "%s %s", SSL_get_version(s->ssl), SSL_get_cipher_name(s->ssl));
}

/* ---- certificates by SNI ---- */

struct sni_cert {
    struct sni_cert *next;
    SSL_CTX *ctx;
    char name[256];
};

static int sni_index = -1;
static pthread_once_t sni_once = PTHREAD_ONCE_INIT;

static void sni_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
                     void *argp)
{
    (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
    for (struct sni_cert *e = ptr, *next; e; e = next) {
        next = e->next;
        SSL_CTX_free(e->ctx);
        free(e);
    }
}

static void sni_index_init(void)
{
    sni_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, sni_free);
}

static int sni_match(const char *pattern, const char *host)
{
    if (!strncmp(pattern, "*.", 2)) {
        const char *dot = strchr(host, '.');
        return dot && dot != host && !strcasecmp(dot + 1, pattern + 2);
    }
    return !strcasecmp(pattern, host);
}

static int on_servername(SSL *ssl, int *alert, void *arg)
{
    (void)alert;
    const char *host = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    SSL_CTX *ctx = arg;
    if (!host)
        return SSL_TLSEXT_ERR_OK;
    for (struct sni_cert *e = SSL_CTX_get_ex_data(ctx, sni_index); e; e = e->next)
        if (sni_match(e->name, host)) {
            SSL_set_SSL_CTX(ssl, e->ctx);
            break;
        }
    return SSL_TLSEXT_ERR_OK;
}

int tlsctx_server_add_sni(SSL_CTX *ctx, const char *name, const char *cert_file,
                          const char *key_file, char fingerprint[65], char *err,
                          size_t errlen)
{
    pthread_once(&sni_once, sni_index_init);
    if (sni_index < 0)
        return ssl_fail(err, errlen, "SSL_CTX_get_ex_new_index");
    if (!*name || strlen(name) >= sizeof(((struct sni_cert *)0)->name))
        return ml_err(err, errlen, -EIO, "bad SNI name '%s'", name);
    if (!*cert_file || !*key_file)
        return ml_err(err, errlen, -EIO, "%s: a certificate and a key are needed",
                      name);
    struct sni_cert *e = calloc(1, sizeof(*e));
    if (!e)
        return ml_err(err, errlen, -EIO, "out of memory");
    snprintf(e->name, sizeof(e->name), "%s", name);
    int rc = tlsctx_server(cert_file, key_file, &e->ctx, fingerprint, err, errlen);
    if (rc) {
        free(e);
        return rc;
    }
    e->next = SSL_CTX_get_ex_data(ctx, sni_index);
    SSL_CTX_set_ex_data(ctx, sni_index, e);
    SSL_CTX_set_tlsext_servername_callback(ctx, on_servername);
    SSL_CTX_set_tlsext_servername_arg(ctx, ctx);
    return 0;
}

int tls_session_peer_fingerprint(const struct tls_session *s, char out[65])
{
    X509 *cert = s->ssl ? SSL_get1_peer_certificate(s->ssl) : NULL;
    if (!cert)
        return -ENOENT;
    int rc = cert_fingerprint(cert, out);
    X509_free(cert);
    return rc;
}

const char *tls_session_sni(const struct tls_session *s)
{
    return s->ssl ? SSL_get_servername(s->ssl, TLSEXT_NAMETYPE_host_name) : NULL;
}
