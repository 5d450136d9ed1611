/*
 * det_net_load — loopback Stratum-like load for the network detectors'
 * keep-up benchmark: N client connections to a listener in this process,
 * each client sending ~200-byte submit lines at an aggregate rate, the
 * server answering each read with a short OK line and pushing a job line to
 * every connection once a second. Prints the port first, then a JSON summary.
 *
 *   det_net_load [--conns N] [--rate LINES_PER_S] [--seconds S] [--port P]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int nonblock(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static long arg(int argc, char **argv, const char *name, long def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name))
            return strtol(argv[i + 1], NULL, 10);
    return def;
}

int main(int argc, char **argv)
{
    long conns = arg(argc, argv, "--conns", 100),
         rate = arg(argc, argv, "--rate", 5000);
    long seconds = arg(argc, argv, "--seconds", 10),
         port = arg(argc, argv, "--port", 0);
    static int cli[MAX_CONNS], srv[MAX_CONNS];
    static struct pollfd pf[MAX_CONNS];
    char line[256], buf[65536];
    if (conns < 1 || conns > MAX_CONNS || rate < 1 || seconds < 1)
        return fprintf(stderr, "det_net_load: bad arguments\n"), 64;
    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof(sa);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1024) < 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0)
        return perror("det_net_load: listen"), 1;
    printf("%u\n", ntohs(sa.sin_port));
    fflush(stdout);
    for (long i = 0; i < conns; i++) {
        cli[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(cli[i], (struct sockaddr *)&sa, sizeof(sa)) < 0)
            return perror("det_net_load: connect"), 1;
        srv[i] = accept(lfd, NULL, NULL);
        nonblock(cli[i]);
        nonblock(srv[i]);
        pf[i] = (struct pollfd){.fd = srv[i], .events = POLLIN};
    }
    double t0 = now_s(), next_job = t0 + 1;
    unsigned long long sent = 0, bytes = 0, replies = 0, jobs = 0;
    long who = 0;
    while (now_s() - t0 < (double)seconds) {
        double due = (now_s() - t0) * (double)rate;
        while ((double)sent < due) {
            int n = snprintf(
                line, sizeof(line),
                "{\"id\":%llu,\"jsonrpc\":\"2.0\",\"method\":\"submit\",\"params\":"
                "{\"id\":\"s%ld\",\"job_id\":\"7\",\"nonce\":\"%08llx\",\"result\":"
                "\"%064llx\"}}\n",
                sent + 2, who, sent, sent * 2654435761ull);
            if (write(cli[who], line, (size_t)n) == n)
                bytes += (unsigned long long)n;
            sent++;
            who = (who + 1) % conns;
        }
        poll(pf, (nfds_t)conns, 1);
        for (long i = 0; i < conns; i++) {
            if (pf[i].revents & POLLIN) {
                while (read(srv[i], buf, sizeof(buf)) > 0)
                    ;
                static const char ok[] = "{\"id\":2,\"jsonrpc\":\"2.0\",\"error\":null,"
                                         "\"result\":{\"status\":\"OK\"}}\n";
                if (write(srv[i], ok, sizeof(ok) - 1) > 0)
                    replies++;
            }
            while (read(cli[i], buf, sizeof(buf)) > 0)
                ;
        }
        if (now_s() >= next_job) {
            next_job += 1;
            int n = snprintf(line, sizeof(line),
                             "{\"jsonrpc\":\"2.0\",\"method\":\"job\",\"params\":{"
                             "\"blob\":\"%0152d\","
                             "\"job_id\":\"%llu\",\"target\":\"b88d0600\"}}\n",
                             0, jobs);
            for (long i = 0; i < conns; i++)
                if (write(srv[i], line, (size_t)n) == n)
                    jobs++;
        }
    }
    double el = now_s() - t0;
    printf("{\"conns\":%ld,\"seconds\":%.1f,\"lines\":%llu,\"lines_per_s\":%.0f,"
           "\"client_bytes\":%llu,\"replies\":%llu,\"jobs\":%llu}\n",
           conns, el, sent, (double)sent / el, bytes, replies, jobs);
    for (long i = 0; i < conns; i++)
        close(cli[i]), close(srv[i]);
    close(lfd);
    return 0;
}
