/* minerlab-det-stratum-dpi: cleartext Stratum / browser-miner payload rules. */
#include <stdio.h>
#include <string.h>

#include "det_alert.h"
#include "det_pcap.h"
#include "opt.h"
#include "stratum_dpi.h"

static void usage(FILE *to)
{
    fprintf(to, "usage: minerlab-det-stratum-dpi [options]\n" DET_PCAP_USAGE
                "  -h, --help          this text\n");
}

int main(int argc, char **argv)
{
    struct det_pcap_config pc = {0};
    char err[256];
    for (int i = 1; i < argc; i++) {
        int rc = det_pcap_parse_option(&pc, argc, argv, &i, err, sizeof(err));
        if (rc > 0)
            continue;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        }
        fprintf(stderr, "minerlab-det-stratum-dpi: %s\n",
                rc < 0 ? err : "unknown option (see --help)");
        return OPT_EXIT_USAGE;
    }
    volatile sig_atomic_t *stop = det_install_stop_handler();
    struct sdpi *s = NULL;
    if (sdpi_create(&s, NULL) < 0) {
        fprintf(stderr, "minerlab-det-stratum-dpi: out of memory\n");
        return 1;
    }
    /* It judges the first Stratum messages of a connection (login, job). */
    det_min_observation("stratum-dpi", DET_NETWORK, 0, "first Stratum messages");
    int rc = det_pcap_run_detector("stratum-dpi", &pc, sdpi_packet, sdpi_tick, s, stop);
    sdpi_destroy(s);
    return rc;
}
