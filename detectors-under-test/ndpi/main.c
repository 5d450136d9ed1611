/*
 * minerlab-det-ndpi: Debian's libndpi classifying every flow on the capture
 * interface; one alert per flow nDPI labels as a mining protocol.
 */
#include <stdio.h>
#include <string.h>

#include "det_alert.h"
#include "det_cli.h"
#include "det_home.h"
#include "det_pcap.h"
#include "nd.h"

#define DETECTOR "ndpi"

int main(int argc, char **argv)
{
    struct det_pcap_config pc = {0};
    struct det_pcap_cli cli;
    struct det_home_net home;
    char err[256], version[128], homes[512];
    const char *home_net = det_home_env();
    int want_version = 0;
    struct opt popts[DET_PCAP_NOPTS];
    size_t np = det_pcap_opt_table(&pc, &cli, popts);
    const struct opt opts[] = {
        {"home-net", OPT_STRING, &home_net, 0, 0, "CIDR[,CIDR]",
         "the victim's home network (default $ML_HOME_NET): alerts say which "
         "side is home"},
        {"version", OPT_FLAG, &want_version, 0, 0, NULL,
         "print the nDPI version and exit"},
    };
    det_pcap_short_options(argc, argv);
    det_cli_parse(argc, argv,
                  "Debian's libndpi classifying every flow on the capture interface; "
                  "one alert per flow it labels Mining.",
                  popts, np, opts, sizeof(opts) / sizeof(opts[0]));
    det_pcap_opt_finish(&pc, &cli);
    nd_version(version, sizeof(version));
    if (want_version) {
        det_print_version(version);
        return 0;
    }
    if (det_home_parse(home_net, &home, err, sizeof(err)) < 0) {
        fprintf(stderr, "minerlab-det-ndpi: --home-net: %s\n", err);
        return OPT_EXIT_USAGE;
    }
    det_home_format(&home, homes, sizeof(homes));
    volatile sig_atomic_t *stop = det_install_stop_handler();
    struct nd *n = NULL;
    struct nd_config cfg = {.home = home.n ? &home : NULL};
    if (nd_create(&n, &cfg) < 0) {
        det_alert_degraded(DETECTOR, DET_NETWORK, "libndpi failed to initialise");
        return 1;
    }
    det_info_line(DETECTOR, DET_NETWORK,
                  json_pack("{s:s,s:s,s:i,s:s}", "version", version, "home_net", homes,
                            "min_observation_s", 0, "min_observation_basis",
                            "the first packets of a flow (nDPI decides within 64)"));
    int rc = det_pcap_run_detector(DETECTOR, &pc, nd_packet, nd_tick, n, stop);
    nd_finish(n);
    struct nd_counts c;
    nd_counts(n, &c);
    det_info_line(DETECTOR, DET_NETWORK,
                  json_pack("{s:I,s:I,s:I,s:I,s:I}", "flows", (json_int_t)c.flows,
                            "flows_classified", (json_int_t)c.classified,
                            "flows_mining", (json_int_t)c.mining, "alerts",
                            (json_int_t)c.alerts, "flows_untracked",
                            (json_int_t)c.evicted));
    nd_destroy(n);
    return rc;
}
