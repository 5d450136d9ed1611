/*
 * minerlab-kbench-demo — the smallest external kernel for `minerlab bench
 * --external` (docs/kbench.md): librandomx in light mode, one VM per key,
 * one thread (it ignores --mode and --threads). Reads "KEYHEX INPUTHEX"
 * lines, prints one hex hash per line, flushed.
 *
 * --fault wrong|few|garbage|hang makes it misbehave on the 3rd input (or
 * the Nth with --fault-at N), for the benchmark's own tests: a wrong hash,
 * exit without answering, a line that is no hash, or silence.
 */
#include <randomx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ml_util.h"

int main(int argc, char **argv)
{
    const char *fault = "";
    long at = 3;
    for (int i = 1; i < argc - 1; i++) {
        if (!strcmp(argv[i], "--fault"))
            fault = argv[i + 1];
        if (!strcmp(argv[i], "--fault-at"))
            at = atol(argv[i + 1]);
    }
    randomx_flags f = randomx_get_flags();
    randomx_cache *cache = randomx_alloc_cache(f);
    randomx_vm *vm = NULL;
    char line[2048], key[2048] = "", out[65];
    uint8_t kb[64], in[512], h[32];
    long n = 0;
    if (!cache)
        return 1;
    while (fgets(line, sizeof(line), stdin)) {
        char *sp = strchr(line, ' '), *nl = strchr(line, '\n');
        if (!sp || !nl)
            return 2;
        *sp = '\0';
        *nl = '\0';
        size_t klen = strlen(line) / 2, ilen = strlen(sp + 1) / 2;
        if (klen > sizeof(kb) || ilen > sizeof(in) || ml_hex_decode(line, kb, klen) ||
            ml_hex_decode(sp + 1, in, ilen))
            return 2;
        if (strcmp(key, line) != 0) {
            randomx_init_cache(cache, kb, klen);
            if (!vm)
                vm = randomx_create_vm(f, cache, NULL);
            else
                randomx_vm_set_cache(vm, cache);
            if (!vm)
                return 1;
            snprintf(key, sizeof(key), "%s", line);
        }
        randomx_calculate_hash(vm, in, ilen, h);
        if (++n == at) {
            if (!strcmp(fault, "wrong"))
                h[0] ^= 1;
            else if (!strcmp(fault, "few"))
                return 0;
            else if (!strcmp(fault, "garbage")) {
                puts("this is not a hash");
                fflush(stdout);
                continue;
            } else if (!strcmp(fault, "hang"))
                for (;;)
                    pause();
        }
        ml_hex_encode(h, 32, out);
        puts(out);
        fflush(stdout);
    }
    if (vm)
        randomx_destroy_vm(vm);
    randomx_release_cache(cache);
    return 0;
}
