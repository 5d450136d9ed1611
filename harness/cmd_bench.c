/* minerlab bench: runs minerlab-miner --bench over a mode x threads matrix. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hxutil.h"
#include "catalog.h"
#include "cmd.h"
#include "ml_util.h"
#include "proc.h"

extern char **environ;

static json_t *bench_one(const char *miner, const char *mode, int threads, long hashes)
{
    char t[16], n[32], tmpl[] = "/tmp/minerlab-bench-XXXXXX", last[512];
    hx_fmt(t, sizeof(t), "%d", threads);
    hx_fmt(n, sizeof(n), "%ld", hashes);
    int fd = mkstemp(tmpl);
    if (fd < 0)
        return NULL;
    unlink(tmpl);
    const char *argv[] = {miner, "--bench", n, "--mode", mode, "-t", t, "--json", NULL};
    int rc = proc_run_sync(argv, environ, NULL, 600, fd, last, sizeof(last));
    char buf[65536];
    ssize_t len = pread(fd, buf, sizeof(buf) - 1, 0);
    close(fd);
    buf[len > 0 ? len : 0] = '\0';
    json_t *o = rc == 0 ? json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
    if (!o)
        fprintf(stderr, "minerlab bench: %s -t %d failed (%d): %s\n", mode, threads, rc,
                last);
    return o;
}

int cmd_bench(int argc, char **argv)
{
    static const struct option opts[] = {
        {"hashes", 1, NULL, 'n'}, {"threads", 1, NULL, 't'}, {"modes", 1, NULL, 'm'},
        {"json", 1, NULL, 'j'},   {"help", 0, NULL, 'h'},    {NULL, 0, NULL, 0}};
    long hashes = 200;
    char threads[128], modes[128] = "light";
    const char *json_out = NULL;
    int c;
    hx_fmt(threads, sizeof(threads), "1,%ld", sysconf(_SC_NPROCESSORS_ONLN));
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:t:m:j:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (ml_parse_long(optarg, 1, 100000000, &hashes))
                return HX_EXIT_USAGE;
            break;
        case 't':
            hx_fmt(threads, sizeof(threads), "%s", optarg);
            break;
        case 'm':
            hx_fmt(modes, sizeof(modes), "%s", optarg);
            break;
        case 'j':
            json_out = optarg;
            break;
        default:
            puts("usage: minerlab bench [--hashes N] [--threads 1,2] [--modes "
                 "light,fast] "
                 "[--json FILE]");
            return c == 'h' ? HX_EXIT_OK : HX_EXIT_USAGE;
        }
    }
    struct hx_paths p;
    char miner[4400];
    paths_resolve(&p, NULL, NULL);
    hx_fmt(miner, sizeof(miner), "%s/minerlab-miner", p.bin);
    json_t *all = json_array();
    printf("%-6s %7s %10s %12s %s\n", "mode", "threads", "H/s", "init s", "flags");
    char *msave = NULL;
    for (char *m = strtok_r(modes, ",", &msave); m; m = strtok_r(NULL, ",", &msave)) {
        char tcopy[128], *tsave = NULL;
        hx_fmt(tcopy, sizeof(tcopy), "%s", threads);
        for (char *t = strtok_r(tcopy, ",", &tsave); t;
             t = strtok_r(NULL, ",", &tsave)) {
            json_t *o = bench_one(miner, m, atoi(t), hashes);
            if (!o)
                continue;
            double init = json_number_value(json_object_get(o, "cache_init_s")) +
                          json_number_value(json_object_get(o, "dataset_init_s"));
            printf("%-6s %7s %10.1f %12.2f %s\n", m, t,
                   json_number_value(json_object_get(o, "hashrate")), init,
                   json_string_value(json_object_get(o, "flags")) ?: "");
            json_array_append_new(all, o);
        }
    }
    if (json_out && json_dump_file(all, json_out, JSON_INDENT(2) | JSON_SORT_KEYS) != 0)
        fprintf(stderr, "minerlab bench: cannot write %s\n", json_out);
    int status = json_array_size(all) ? HX_EXIT_OK : HX_EXIT_USAGE;
    json_decref(all);
    return status;
}
