/* minerlab-det-pool-endpoint: Falco's pool rule, pool domains in DNS and TLS SNI. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "det_alert.h"
#include "det_netcli.h"
#include "ml_util.h"
#include "pool_endpoint.h"

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
    static const char prog[] = "minerlab-det-pool-endpoint";
    struct det_netcli cli;
    struct pep_config cfg = {0};
    uint16_t ports[PEP_MAX_PORTS];
    const char *domains = NULL, *port_list = NULL;
    char err[512], pathbuf[4096];
    const struct opt own[] = {
        {"domains", OPT_STRING, &domains, 0, 0, "FILE",
         "pool domain list of the DNS and SNI rules (default: pool-domains.txt "
         "beside the binary, else the source tree's)"},
        {"ports", OPT_STRING, &port_list, 0, 0, "LIST",
         "comma-separated pool ports replacing Falco's miner_ports"},
    };
    int rc = det_netcli_parse(prog,
                              "Falco's miner-pool rule as written, pool domains in DNS "
                              "queries and TLS SNI (README.md).",
                              argc, argv, &cli, own, sizeof(own) / sizeof(own[0]));
    if (rc)
        return rc == 1 ? 0 : rc;
    if (port_list && parse_ports(port_list, ports, &cfg.nports) < 0) {
        fprintf(stderr, "%s: --ports wants 1..%d ports in 1..65535, got '%s'\n", prog,
                PEP_MAX_PORTS, port_list);
        return OPT_EXIT_USAGE;
    }
    cfg.ports = port_list ? ports : NULL;
    cfg.home = cli.home;
    volatile sig_atomic_t *stop = det_install_stop_handler();
    struct pep *p = NULL;
    if (pep_create(&p, &cfg) < 0) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return 1;
    }
    if (!domains)
        domains =
            pep_default_domains_path(pathbuf, sizeof(pathbuf), POOL_DOMAINS_SOURCE);
    if (pep_load_domains(p, domains, err, sizeof(err)) < 0) {
        char why[600];
        snprintf(why, sizeof(why), "%s; the DNS and SNI rules are off", err);
        det_alert_degraded("pool-endpoint", DET_NETWORK, why);
    }
    /* It judges a connection by its first packets (endpoint, SNI). */
    det_min_observation("pool-endpoint", DET_NETWORK, 0,
                        "first packets of a connection");
    rc = det_pcap_run_detector("pool-endpoint", &cli.pcap, pep_packet, pep_tick, p,
                               stop);
    pep_destroy(p);
    return rc;
}
