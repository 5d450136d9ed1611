/*
 * rxref-hash — hashes one input with the portable reference VM (light mode,
 * dataset items from librandomx's cache) and, with --compare, with
 * librandomx too. Exit 0 when the hashes agree (or no comparison), 1 when
 * they differ, 2 on usage errors.
 *
 * --own computes the dataset items with rxref's own Argon2d cache and
 * SuperscalarHash instead (no librandomx in the hash at all).
 *
 *   rxref-hash [--key TEXT | --key-hex HEX] [--hex] [--compare] [--own] INPUT
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"
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

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"key-hex", required_argument, NULL, 'K'},
                                         {"hex", no_argument, NULL, 'x'},
                                         {"compare", no_argument, NULL, 'c'},
                                         {"own", no_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    uint8_t key[MAX_IN], in[MAX_IN], ours[32], theirs[32];
    size_t keylen = 12, inlen = 0;
    int hex = 0, compare = 0, own = 0, c, rc = 2;
    char err[256], out_hex[65];
    struct rxref_vm *vm = NULL;
    struct rxref_librx *lx = NULL;
    struct rxref_cache *cache = NULL;

    memcpy(key, "test key 000", 12);
    while ((c = getopt_long(argc, argv, "k:K:xcoh", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
        case 'K':
            if (decode_arg(optarg, c == 'K', key, &keylen) != 0) {
                fprintf(stderr, "rxref-hash: bad key\n");
                return 2;
            }
            break;
        case 'x':
            hex = 1;
            break;
        case 'c':
            compare = 1;
            break;
        case 'o':
            own = 1;
            break;
        default:
            fprintf(stderr, "usage: rxref-hash [--key TEXT|--key-hex HEX] [--hex] "
                            "[--compare] [--own] INPUT\n");
            return c == 'h' ? 0 : 2;
        }
    }
    if (optind != argc - 1 || decode_arg(argv[optind], hex, in, &inlen) != 0) {
        fprintf(stderr, "rxref-hash: need one INPUT (text, or hex with --hex)\n");
        return 2;
    }
    if (rxref_vm_create(&vm, err, sizeof(err)) != 0 ||
        rxref_librx_create(key, keylen, RXREF_LIBRX_SPARSE, &lx, err, sizeof(err)) !=
            0) {
        fprintf(stderr, "rxref-hash: %s\n", err);
        goto out;
    }
    if (own) {
        if (rxref_cache_create(&cache, err, sizeof(err)) != 0) {
            fprintf(stderr, "rxref-hash: %s\n", err);
            goto out;
        }
        rxref_cache_init(cache, key, keylen);
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
