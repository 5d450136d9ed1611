/*
 * minerlab-det-ndpi: Debian's libndpi classifying every flow on the capture
 * interface; one alert per flow nDPI labels as a mining protocol.
 */
#include <stdio.h>
#include <string.h>

#include "det_alert.h"
#include "det_pcap.h"
#include "nd.h"

#define DETECTOR "ndpi"

static void usage(FILE *to)
{
    fprintf(to, "usage: minerlab-det-ndpi [options]\n" DET_PCAP_USAGE
                "  --version           print the nDPI version and exit\n"
                "  -h, --help          this text\n");
}

int main(int argc, char **argv)
{
    struct det_pcap_config pc = {0};
    char err[256], version[128];
    nd_version(version, sizeof(version));
    for (int i = 1; i < argc; i++) {
        int rc = det_pcap_parse_option(&pc, argc, argv, &i, err, sizeof(err));
        if (rc > 0)
            continue;
        if (rc == 0 && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
            usage(stdout);
            return 0;
        }
        if (rc == 0 && !strcmp(argv[i], "--version")) {
            puts(version);
            return 0;
        }
        fprintf(stderr, "minerlab-det-ndpi: %s\n",
                rc < 0 ? err : "unknown option (see --help)");
        return 64;
    }
    volatile sig_atomic_t *stop = det_install_stop_handler();
    struct nd *n = NULL;
    if (nd_create(&n, NULL) < 0) {
        det_alert_degraded(DETECTOR, DET_NETWORK, "libndpi failed to initialise");
        return 1;
    }
    det_info_line(DETECTOR, DET_NETWORK, json_pack("{s:s}", "version", version));
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
