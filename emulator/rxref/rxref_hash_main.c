/*
 * rxref-hash — hashes one input with the portable reference VM (light mode,
 * dataset items from librandomx's cache) and, with --compare, with
 * librandomx too. Exit 0 when the hashes agree (or no comparison), 1 when
 * they differ, 2 on usage errors (base/opt.h).
 *
 * --own computes the dataset items with rxref's own Argon2d cache and
 * SuperscalarHash instead (no librandomx in the hash at all).
 *
 *   rxref-hash [--key TEXT | --key-hex HEX] [--hex] [--compare] [--own] INPUT
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"
#include "opt.h"
#include "rxref.h"

#define MAX_IN 1024

static int decode_arg(const char *s, int hex, uint8_t *buf, size_t *len)
{
    size_t n = strlen(s);
    if (!hex) {
        if (n > MAX_IN)
            return -1;
        memcpy(buf, s, n);
        *len = n;
        return 0;
    }
    if (n % 2 || n / 2 > MAX_IN || ml_hex_decode(s, buf, n / 2) != 0)
        return -1;
    *len = n / 2;
    return 0;
}

struct key {
    uint8_t buf[MAX_IN];
    size_t len;
};

static int set_key(struct key *k, const char *arg, int hex, char *err, size_t errlen)
{
    if (decode_arg(arg, hex, k->buf, &k->len) != 0)
        return ml_err(err, errlen, -EINVAL, "bad key");
    return 0;
}

static int key_text(void *ctx, const char *arg, char *err, size_t errlen)
{
    return set_key(ctx, arg, 0, err, errlen);
}

static int key_hex(void *ctx, const char *arg, char *err, size_t errlen)
{
    return set_key(ctx, arg, 1, err, errlen);
}

int main(int argc, char **argv)
{
    struct key key = {.len = 12};
    uint8_t in[MAX_IN], ours[32], theirs[32];
    size_t inlen = 0;
    int hex = 0, compare = 0, own = 0, first = argc, rc;
    char err[256], out_hex[65];
    struct rxref_vm *vm = NULL;
    struct rxref_librx *lx = NULL;
    struct rxref_cache *cache = NULL;
    const struct opt opts[] = {
        {"k|key", OPT_CALLBACK, &(struct opt_cb){key_text, &key, "test key 000"}, 0, 0,
         "TEXT", "the RandomX key"},
        {"K|key-hex", OPT_CALLBACK, &(struct opt_cb){key_hex, &key, NULL}, 0, 0, "HEX",
         "the key in hex"},
        {"x|hex", OPT_FLAG, &hex, 0, 0, NULL, "INPUT is hex"},
        {"c|compare", OPT_FLAG, &compare, 0, 0, NULL,
         "hash with librandomx too; exit 1 when they differ"},
        {"o|own", OPT_FLAG, &own, 0, 0, NULL,
         "dataset items from rxref's own cache, not librandomx's"},
    };

    memcpy(key.buf, "test key 000", 12);
    rc = opt_main(
        argc, argv, "rxref-hash",
        "INPUT: text, or hex with --hex; hashed with the portable reference VM", opts,
        sizeof(opts) / sizeof(opts[0]), &first);
    if (rc >= 0)
        return rc;
    rc = 2;
    if (first != argc - 1 || decode_arg(argv[first], hex, in, &inlen) != 0) {
        fprintf(stderr, "rxref-hash: need one INPUT (text, or hex with --hex)\n");
        return OPT_EXIT_USAGE;
    }
    if (rxref_vm_create(&vm, err, sizeof(err)) != 0 ||
        rxref_librx_create(key.buf, key.len, RXREF_LIBRX_SPARSE, &lx, err,
                           sizeof(err)) != 0) {
        fprintf(stderr, "rxref-hash: %s\n", err);
        goto out;
    }
    if (own) {
        if (rxref_cache_create(&cache, err, sizeof(err)) != 0) {
            fprintf(stderr, "rxref-hash: %s\n", err);
            goto out;
        }
        rxref_cache_init(cache, key.buf, key.len);
        rxref_vm_set_item_fn(vm, rxref_cache_item, cache);
    } else {
        rxref_vm_set_item_fn(vm, rxref_librx_item, lx);
    }
    rxref_vm_hash(vm, in, inlen, ours);
    ml_hex_encode(ours, 32, out_hex);
    printf("%s\n", out_hex);
    rc = 0;
    if (compare) {
        rxref_librx_hash(lx, in, inlen, theirs);
        ml_hex_encode(theirs, 32, out_hex);
        printf("librandomx %s %s\n", out_hex,
               memcmp(ours, theirs, 32) ? "DIFFERS" : "agrees");
        rc = memcmp(ours, theirs, 32) ? 1 : 0;
    }
out:
    rxref_cache_destroy(cache);
    rxref_librx_destroy(lx);
    rxref_vm_destroy(vm);
    return rc;
}
