/* minerlab-det-stratum-dpi: cleartext Stratum / browser-miner payload rules. */
#include <stdio.h>

#include "det_alert.h"
#include "det_netcli.h"
#include "stratum_dpi.h"

int main(int argc, char **argv)
{
    struct det_netcli cli;
    int rc = det_netcli_parse("minerlab-det-stratum-dpi",
                              "Cleartext Stratum and browser-miner payload rules "
                              "(README.md).",
                              argc, argv, &cli, NULL, 0);
    if (rc)
        return rc == 1 ? 0 : rc;
    volatile sig_atomic_t *stop = det_install_stop_handler();
    struct sdpi *s = NULL;
    struct sdpi_config cfg = {.home = cli.home};
    if (sdpi_create(&s, &cfg) < 0) {
        fprintf(stderr, "minerlab-det-stratum-dpi: out of memory\n");
        return 1;
    }
    /* It judges the first Stratum messages of a connection (login, job). */
    det_min_observation("stratum-dpi", DET_NETWORK, 0, "first Stratum messages");
    rc = det_pcap_run_detector("stratum-dpi", &cli.pcap, sdpi_packet, sdpi_tick, s,
                               stop);
    sdpi_destroy(s);
    return rc;
}
