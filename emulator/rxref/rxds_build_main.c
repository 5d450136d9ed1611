/*
 * minerlab-dataset — builds the fast-mode RandomX dataset once, the way
 * minerlab-miner does (emulator/common/rx.h: librandomx's cache and
 * dataset, THP or huge pages), with the chosen builder, and prints one JSON
 * object: builder, kernel, threads, cache and dataset times, the XOR of all
 * dataset items (64 bytes, hex), peak RSS. With --compare the other builder
 * is run on the same context afterwards and every item compared.
 *
 *   minerlab-dataset [--builder own|lib] [--threads N] [--no-huge-pages]
 *                    [--key TEXT] [--compare]
 * Exit 0, 1 when --compare found a difference, 2 on usage (base/opt.h) or
 * setup errors.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "ml_util.h"
#include "opt.h"
#include "rx.h"
#include "rxref_core.h"

static void xor_fold(const uint8_t *mem, size_t bytes, uint8_t out[64])
{
    uint64_t acc[8] = {0};
    const uint64_t *w = (const uint64_t *)mem;
    for (size_t i = 0; i < bytes / 8; i += 8)
        for (int q = 0; q < 8; q++)
            acc[q] ^= w[i + q];
    for (int q = 0; q < 8; q++)
        rxref_st64(out + 8 * q, acc[q]);
}

static int parse_builder(void *ctx, const char *arg, char *err, size_t errlen)
{
    if (rx_builder_parse(arg, ctx) != 0)
        return ml_err(err, errlen, -EINVAL, "--builder must be own or lib");
    return 0;
}

int main(int argc, char **argv)
{
    struct rx_config cfg = {.mode = RX_MODE_FAST, .pages = RX_PAGES_AUTO, .quiet = 1};
    const char *key = "minerlab dataset build";
    int compare = 0, small_pages = 0, rc;
    char err[256];
    const struct opt opts[] = {
        {"b|builder", OPT_CALLBACK,
         &(struct opt_cb){parse_builder, &cfg.builder, "own"}, 0, 0, "own|lib",
         "who builds the dataset"},
        {"t|threads", OPT_INT, &cfg.init_threads, 1, 256, "N",
         "dataset initialisation threads (0: automatic)"},
        {"no-huge-pages", OPT_FLAG, &small_pages, 0, 0, NULL, "small pages only"},
        {"k|key", OPT_STRING, &key, 0, 0, "TEXT", "the RandomX key"},
        {"compare", OPT_FLAG, &compare, 0, 0, NULL,
         "build with the other builder too and compare every item"},
    };
    rc = opt_main(argc, argv, "minerlab-dataset",
                  "Builds the fast-mode RandomX dataset once and prints it as JSON.",
                  opts, sizeof(opts) / sizeof(opts[0]), NULL);
    if (rc >= 0)
        return rc;
    if (small_pages)
        cfg.pages = RX_PAGES_SMALL;
    rc = 2;
    struct rx_ctx *ctx = NULL, *other = NULL;
    uint8_t x[64], xo[64];
    char hex[129], hexo[129];
    json_t *j = NULL;
    if (rx_ctx_create(&cfg, &ctx, err, sizeof(err)) != 0) {
        fprintf(stderr, "minerlab-dataset: %s\n", err);
        goto out;
    }
    rx_ctx_rekey(ctx, key, strlen(key));
    const struct rx_info *info = rx_ctx_info(ctx);
    size_t bytes = 0;
    uint8_t *mem = rx_ctx_dataset_memory(ctx, &bytes);
    xor_fold(mem, bytes, x);
    ml_hex_encode(x, 64, hex);
    j = json_pack("{s:s, s:s, s:s, s:b, s:i, s:b, s:b, s:f, s:f, s:s}", "builder",
                  info->builder, "cache_source", info->builder_cache, "key", key,
                  "builder_fallback", info->builder_fallback, "threads",
                  info->init_threads, "thp", info->thp, "large_pages",
                  info->large_pages, "cache_init_s", info->cache_init_s,
                  "dataset_init_s", info->dataset_init_s, "xor", hex);
    rc = 0;
    if (compare) {
        /* The other builder into a second dataset; every item compared. */
        struct rx_config oc = cfg;
        oc.builder = cfg.builder == RX_BUILDER_LIB ? RX_BUILDER_OWN : RX_BUILDER_LIB;
        if (rx_ctx_create(&oc, &other, err, sizeof(err)) != 0) {
            fprintf(stderr, "minerlab-dataset: %s\n", err);
            rc = 2;
            goto out;
        }
        rx_ctx_rekey(other, key, strlen(key));
        const uint8_t *omem = rx_ctx_dataset_memory(other, NULL);
        size_t diff = 0, first = (size_t)-1;
        for (size_t i = 0; i < bytes / 64; i++)
            if (memcmp(mem + 64 * i, omem + 64 * i, 64) != 0) {
                if (!diff)
                    first = i;
                diff++;
            }
        xor_fold(omem, bytes, xo);
        ml_hex_encode(xo, 64, hexo);
        json_object_set_new(j, "compare_builder",
                            json_string(rx_ctx_info(other)->builder));
        json_object_set_new(j, "compare_dataset_init_s",
                            json_real(rx_ctx_info(other)->dataset_init_s));
        json_object_set_new(j, "compare_xor", json_string(hexo));
        json_object_set_new(j, "items_differing", json_integer((json_int_t)diff));
        if (diff)
            json_object_set_new(j, "first_differing_item",
                                json_integer((json_int_t)first));
        rc = diff ? 1 : 0;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    json_object_set_new(j, "peak_rss_mib", json_real((double)ru.ru_maxrss / 1024.0));
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (s)
        puts(s);
    free(s);
out:
    json_decref(j);
    rx_ctx_destroy(other);
    rx_ctx_destroy(ctx);
    return rc;
}
