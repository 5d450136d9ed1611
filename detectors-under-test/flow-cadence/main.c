/* minerlab-det-flow-cadence: Stratum by flow shape, TLS included. */
#include <stdio.h>

#include "det_alert.h"
#include "det_netcli.h"
#include "flow_cadence.h"

int main(int argc, char **argv)
{
    struct det_netcli cli;
    struct fc_config cfg = {
        .min_age_s = 60, .max_rate_bps = 4096, .max_client_msg_bytes = 1024};
    const struct opt own[] = {
        {"min-age", OPT_DOUBLE, &cfg.min_age_s, 0.001, 1e9, "S",
         "flow age before it may alert"},
        {"max-rate", OPT_DOUBLE, &cfg.max_rate_bps, 0.001, 1e9, "BPS",
         "byte-rate ceiling, both ways"},
        {"max-msg", OPT_DOUBLE, &cfg.max_client_msg_bytes, 0.001, 1e9, "BYTES",
         "median client message size ceiling"},
    };
    int rc = det_netcli_parse("minerlab-det-flow-cadence",
                              "Stratum by flow shape, TLS included (README.md).", argc,
                              argv, &cli, own, sizeof(own) / sizeof(own[0]));
    if (rc)
        return rc == 1 ? 0 : rc;
    cfg.home = cli.home;
    volatile sig_atomic_t *stop = det_install_stop_handler();
    struct fc *c = NULL;
    if (fc_create(&c, &cfg) < 0) {
        fprintf(stderr, "minerlab-det-flow-cadence: out of memory\n");
        return 1;
    }
    char basis[64];
    snprintf(basis, sizeof(basis), "--min-age %g (a flow must be that old)",
             cfg.min_age_s);
    det_min_observation("flow-cadence", DET_NETWORK, cfg.min_age_s, basis);
    rc = det_pcap_run_detector("flow-cadence", &cli.pcap, fc_packet, fc_tick, c, stop);
    fc_destroy(c);
    return rc;
}
