/*
 * memscan: the content patterns and mapping shapes on buffers and on the
 * recorded maps of the project's miner, then live: a child exec'd from this
 * binary plants a generated wallet, a Stratum URL, an XMRig option and the
 * RandomX salt in its heap next to a 256 MiB anonymous mapping and JIT-like
 * pages; memscan must alert on it with that evidence, and not on an idle
 * sibling, a vanished pid, or (without root) at all.
 *
 * The strings are assembled at run time so this binary does not carry them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <poll.h>
#include <sys/mman.h>

#include "mem_patterns.h"
#include "memscan.h"
#include "test_det_host_util.h"

static const char b58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* A syntactically valid address: '4', one of [0-9AB], 93 base58 characters. */
static void make_wallet(char *out, unsigned seed)
{
    out[0] = '4';
    out[1] = "0123456789AB"[seed % 12];
    for (int i = 2; i < 95; i++) {
        seed = seed * 1103515245u + 12345u;
        out[i] = b58[(seed >> 16) % 58];
    }
    out[95] = '\0';
}

/* XOR-0x20 encoded so the literal never sits in this binary. */
static void unmask(const char *in, char *out)
{
    volatile char key = 0x20; /* volatile: no constant folding back into rodata */
    size_t i = 0;
    for (; in[i]; i++)
        out[i] = (char)(in[i] ^ key);
    out[i] = '\0';
}

static void url(char *out)
{
    unmask("STRATUM\x0bTCP\x1a\x0f\x0f\x11\x12\x17\x0e\x10\x0e\x10\x0e\x11\x1a\x13\x13"
           "\x13\x13",
           out);
}

static void salt(char *out)
{
    unmask("rANDOMx\x23", out);
}

static void option(char *out)
{
    unmask("\x0d\x0d"
           "DONATE\x0dLEVEL",
           out);
}

static void test_buffer_patterns(void **state)
{
    (void)state;
    char w[96], u[64], s[16], o[32], buf[1024];
    make_wallet(w, 7);
    url(u);
    salt(s);
    option(o);
    struct mem_samples smp;
    memset(&smp, 0, sizeof(smp));
    size_t n = (size_t)snprintf(buf, sizeof(buf), "xx %s yy", w);
    assert_int_equal(mem_scan_buffer((unsigned char *)buf, n, n, &smp), MEM_EV_WALLET);
    assert_int_equal(strncmp(smp.wallet, w, 12), 0);
    /* A longer base58 run is not an address; nor is a run that starts earlier. */
    n = (size_t)snprintf(buf, sizeof(buf), "%sz", w);
    assert_int_equal(mem_scan_buffer((unsigned char *)buf, n, n, &smp), 0);
    n = (size_t)snprintf(buf, sizeof(buf), "z%s", w);
    assert_int_equal(mem_scan_buffer((unsigned char *)buf, n, n, &smp), 0);
    w[1] = 'C'; /* not [0-9AB] */
    n = (size_t)snprintf(buf, sizeof(buf), " %s ", w);
    assert_int_equal(mem_scan_buffer((unsigned char *)buf, n, n, &smp), 0);
    n = (size_t)snprintf(buf, sizeof(buf), "-o %s%c%s%c%s", u, 0, s, 0, o);
    assert_int_equal(mem_scan_buffer((unsigned char *)buf, n, n, &smp),
                     MEM_EV_URL | MEM_EV_SALT | MEM_EV_OPTION);
    assert_string_equal(smp.url, u);
    /* The bare scheme (a parser's prefix, a format string) is not a URL. */
    u[14] = '\0';
    n = (size_t)snprintf(buf, sizeof(buf), "%s%c", u, 0);
    assert_int_equal(mem_scan_buffer((unsigned char *)buf, n, n, &smp), 0);
    /* Windows: a match starting at or after `starts` belongs to the next window. */
    n = (size_t)snprintf(buf, sizeof(buf), "abcd%s", s);
    assert_int_equal(mem_scan_buffer((unsigned char *)buf, n, 4, &smp), 0);
    assert_int_equal(mem_scan_buffer((unsigned char *)buf, n, 5, &smp), MEM_EV_SALT);
}

static void test_shapes_and_score(void **state)
{
    (void)state;
    struct det_map m;
    det_proc_parse_map("7f0000000000-7f0082000000 rw-p 00000000 00:00 0 ", &m);
    assert_int_equal(mem_map_shape(&m), MEM_EV_DATASET);
    det_proc_parse_map("7f0000000000-7f0010000000 rw-p 00000000 00:00 0 ", &m);
    assert_int_equal(mem_map_shape(&m), MEM_EV_CACHE);
    det_proc_parse_map("7f0000000000-7f0010000000 r--p 00000000 08:01 42 /data/big.bin",
                       &m);
    assert_int_equal(mem_map_shape(&m), 0);
    det_proc_parse_map("7f0000000000-7f0000013000 rwxp 00000000 00:00 0 ", &m);
    assert_int_equal(mem_map_shape(&m), MEM_EV_JIT);
    /* The recorded maps of the project's miner (light mode) show the cache and JIT
     * pages. */
    char dir[512], path[600], line[1024];
    data_path(dir, sizeof(dir), "miner-snap");
    snprintf(path, sizeof(path), "%s/%d/maps", dir,
             snapshot_pid(dir, "[kworker/0:2-ev"));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    unsigned bits = 0;
    while (fgets(line, sizeof(line), f))
        if (det_proc_parse_map(line, &m) == 0)
            bits |= mem_map_shape(&m);
    fclose(f);
    assert_int_equal(bits, MEM_EV_CACHE | MEM_EV_JIT);
    /* A RandomX verifier holding wallets (a pool, a node) is not called a miner. */
    assert_false(mem_should_alert(MEM_EV_WALLET | MEM_EV_SALT | MEM_EV_CACHE, 0.5));
    assert_true(mem_should_alert(MEM_EV_URL | MEM_EV_SALT, 0.5));
    assert_false(mem_should_alert(MEM_EV_OPTION, 0.5));
    assert_false(mem_should_alert(MEM_EV_JIT | MEM_EV_CACHE, 0.1));
    char names[128];
    mem_evidence_names(MEM_EV_WALLET | MEM_EV_JIT, names, sizeof(names));
    assert_string_equal(names, "wallet, jit-pages");
}

/* Child side: plant (or not) the evidence, say ready on fd, wait to be killed. */
static int child_main(int plant, int fd)
{
    if (plant) {
        char *heap = malloc(4096);
        char w[96], u[64], s[16], o[32];
        make_wallet(w, 99);
        url(u);
        salt(s);
        option(o);
        int n = snprintf(heap, 4096, "%s", w);
        n += 1 + snprintf(heap + n + 1, 4096 - (size_t)n - 1, "%s", u);
        n += 1 + snprintf(heap + n + 1, 4096 - (size_t)n - 1, "%s", o);
        memcpy(heap + n + 1, s, 8);
        void *cache = mmap(NULL, 256u << 20, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        void *jit = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        (void)cache;
        (void)jit;
    }
    if (write(fd, "r", 1) != 1)
        return 1;
    for (;;)
        pause();
}

struct child_args {
    const char *mode;
    int ready_fd, other_fd;
};

/* Runs in the forked child: a fresh image of this binary, so no inherited heap. */
static void exec_self(void *arg)
{
    const struct child_args *a = arg;
    close(a->other_fd);
    char fdarg[16];
    snprintf(fdarg, sizeof(fdarg), "%d", a->ready_fd);
    execl("/proc/self/exe", "test_det_memscan", a->mode, fdarg, (char *)NULL);
    _exit(127);
}

static pid_t start_child(const char *mode)
{
    int p[2];
    if (pipe(p) < 0)
        return -1;
    struct child_args a = {mode, p[1], p[0]};
    pid_t pid = spawn_child(exec_self, &a);
    close(p[1]);
    struct pollfd pfd = {p[0], POLLIN, 0};
    char c;
    int ok = poll(&pfd, 1, 10000) == 1 && read(p[0], &c, 1) == 1;
    close(p[0]);
    if (!ok) {
        reap_child(pid);
        return -1;
    }
    return pid;
}

static char *scan_pid(pid_t pid, struct memscan_stats *stats)
{
    char pidarg[16];
    snprintf(pidarg, sizeof(pidarg), "%d", (int)pid);
    char *argv[] = {"det", "--once", "--pid", pidarg};
    struct memscan_config cfg;
    char err[256];
    assert_int_equal(memscan_parse_args(4, argv, &cfg, err, sizeof(err)), 0);
    capture_begin();
    struct memscan *ms = memscan_new(&cfg);
    int rc = ms ? memscan_tick(ms) : -ENOMEM;
    char *out = capture_end();
    assert_true(rc >= 0);
    if (stats)
        memscan_get_stats(ms, stats);
    memscan_free(ms);
    return out;
}

static void test_live_planted_vs_idle(void **state)
{
    (void)state;
    pid_t planted = start_child("--plant");
    pid_t idle = start_child("--idle");
    assert_true(planted > 0 && idle > 0);
    struct memscan_stats st;
    char *out = scan_pid(planted, &st);
    fprintf(stderr, "%s", out);
    int root = geteuid() == 0;
    if (root) {
        assert_int_equal(count_lines(out, planted, 0), 1);
        assert_non_null(strstr(out, "wallet, stratum-url, miner-option, randomx-salt"));
        assert_non_null(strstr(out, "cache-256MiB"));
        assert_non_null(strstr(out, "jit-pages"));
        assert_true(st.bytes_read > 0);
    }
    free(out);
    out = scan_pid(idle, NULL);
    assert_int_equal(count_lines(out, 0, 0), 0);
    free(out);
    reap_child(planted);
    reap_child(idle);
    /* Exited before the scan: no alert, no crash. */
    out = scan_pid(planted, NULL);
    assert_int_equal(count_lines(out, 0, 0), 0);
    free(out);
}

/* Without root, the memory of root's processes is closed: degraded, no alert. */
static void test_not_root_degrades(void **state)
{
    (void)state;
    pid_t planted = start_child("--plant");
    assert_true(planted > 0);
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        if (geteuid() == 0 && setuid(65534) != 0)
            _exit(write(p[1], "s", 1) == 1 ? 0 : 3); /* no CAP_SETUID here: skip */
        char *out = scan_pid(planted, NULL);
        int ok = count_lines(out, 0, 0) == 0 && count_lines(out, 0, 1) >= 1;
        _exit(write(p[1], ok ? "y" : "n", 1) == 1 ? 0 : 3);
    }
    close(p[1]);
    char c = 0;
    assert_int_equal(read(p[0], &c, 1), 1);
    close(p[0]);
    waitpid(pid, NULL, 0);
    reap_child(planted);
    if (c == 's') {
        fprintf(stderr, "cannot drop to uid 65534 here: not-root path not tested\n");
        return;
    }
    assert_int_equal(c, 'y');
}

int main(int argc, char **argv)
{
    if (argc == 3 &&
        (strcmp(argv[1], "--plant") == 0 || strcmp(argv[1], "--idle") == 0))
        return child_main(strcmp(argv[1], "--plant") == 0, atoi(argv[2]));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buffer_patterns),
        cmocka_unit_test(test_shapes_and_score),
        cmocka_unit_test(test_live_planted_vs_idle),
        cmocka_unit_test(test_not_root_degrades),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
