/* minerlab-det-pool-endpoint: pool ports, pool domains in DNS and TLS SNI. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "det_alert.h"
#include "det_pcap.h"
#include "ml_util.h"
#include "opt.h"
#include "pool_endpoint.h"

static void usage(FILE *to)
{
    fprintf(to,
            "usage: minerlab-det-pool-endpoint [options]\n" DET_PCAP_USAGE
            "  --domains FILE      pool domain list (default: pool-domains.txt next to "
            "the\n"
            "                      binary, else the source tree's copy)\n"
            "  --ports LIST        comma-separated pool ports (default: Falco's list)\n"
            "  --ignore-private    like Falco: no port alerts for loopback/private "
            "servers\n"
            "  -h, --help          this text\n");
}

static int parse_ports(const char *s, uint16_t *ports, size_t *n)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", s);
    *n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        long v;
        if (*n >= PEP_MAX_PORTS || ml_parse_long(tok, 1, 65535, &v) < 0)
            return -EINVAL;
        ports[(*n)++] = (uint16_t)v;
    }
    return *n ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
    struct det_pcap_config pc = {0};
    struct pep_config cfg = {0};
    uint16_t ports[PEP_MAX_PORTS];
    const char *domains = NULL;
    char err[512], pathbuf[4096];
    for (int i = 1; i < argc; i++) {
        int rc = det_pcap_parse_option(&pc, argc, argv, &i, err, sizeof(err));
        if (rc > 0)
            continue;
        if (rc == 0 && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
            usage(stdout);
            return 0;
        } else if (rc == 0 && !strcmp(argv[i], "--ignore-private")) {
            cfg.ignore_private = 1;
        } else if (rc == 0 && !strcmp(argv[i], "--domains") && i + 1 < argc) {
            domains = argv[++i];
        } else if (rc == 0 && !strcmp(argv[i], "--ports") && i + 1 < argc) {
            if (parse_ports(argv[++i], ports, &cfg.nports) < 0) {
                fprintf(stderr, "minerlab-det-pool-endpoint: bad --ports %s\n",
                        argv[i]);
                return OPT_EXIT_USAGE;
            }
            cfg.ports = ports;
        } else {
            fprintf(stderr, "minerlab-det-pool-endpoint: %s\n",
                    rc < 0 ? err : "unknown option or missing value (see --help)");
            return OPT_EXIT_USAGE;
        }
    }
    volatile sig_atomic_t *stop = det_install_stop_handler();
    struct pep *p = NULL;
    if (pep_create(&p, &cfg) < 0) {
        fprintf(stderr, "minerlab-det-pool-endpoint: out of memory\n");
        return 1;
    }
    if (!domains)
        domains =
            pep_default_domains_path(pathbuf, sizeof(pathbuf), POOL_DOMAINS_SOURCE);
    if (pep_load_domains(p, domains, err, sizeof(err)) < 0) {
        char why[600];
        snprintf(why, sizeof(why), "%s; only the port rule runs", err);
        det_alert_degraded("pool-endpoint", DET_NETWORK, why);
    }
    /* It judges a connection by its first packets (endpoint, SNI). */
    det_min_observation("pool-endpoint", DET_NETWORK, 0,
                        "first packets of a connection");
    int rc = det_pcap_run_detector("pool-endpoint", &pc, pep_packet, pep_tick, p, stop);
    pep_destroy(p);
    return rc;
}
