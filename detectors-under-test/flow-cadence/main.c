/* minerlab-det-flow-cadence: Stratum by flow shape, TLS included. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "det_alert.h"
#include "det_pcap.h"
#include "flow_cadence.h"
#include "ml_util.h"
#include "opt.h"

static void usage(FILE *to)
{
    fprintf(to,
            "usage: minerlab-det-flow-cadence [options]\n" DET_PCAP_USAGE
            "  --min-age SEC       flow age before it may alert (default 60)\n"
            "  --max-rate BPS      byte-rate ceiling, both ways (default 4096)\n"
            "  --max-msg BYTES     median client message size ceiling (default 1024)\n"
            "  -h, --help          this text\n");
}

static int number(const char *s, double min, double max, double *out)
{
    return ml_parse_double(s, min, max, out) ? -1 : 0;
}

int main(int argc, char **argv)
{
    struct det_pcap_config pc = {0};
    struct fc_config cfg = {0};
    char err[256];
    for (int i = 1; i < argc; i++) {
        int rc = det_pcap_parse_option(&pc, argc, argv, &i, err, sizeof(err));
        if (rc > 0)
            continue;
        double *target = NULL;
        if (rc == 0 && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
            usage(stdout);
            return 0;
        } else if (rc == 0 && !strcmp(argv[i], "--min-age")) {
            target = &cfg.min_age_s;
        } else if (rc == 0 && !strcmp(argv[i], "--max-rate")) {
            target = &cfg.max_rate_bps;
        } else if (rc == 0 && !strcmp(argv[i], "--max-msg")) {
            target = &cfg.max_client_msg_bytes;
        }
        if (!target || i + 1 >= argc || number(argv[i + 1], 0.001, 1e9, target) < 0) {
            fprintf(stderr, "minerlab-det-flow-cadence: %s\n",
                    rc < 0 ? err : "unknown option or bad value (see --help)");
            return OPT_EXIT_USAGE;
        }
        i++;
    }
    volatile sig_atomic_t *stop = det_install_stop_handler();
    struct fc *c = NULL;
    if (fc_create(&c, &cfg) < 0) {
        fprintf(stderr, "minerlab-det-flow-cadence: out of memory\n");
        return 1;
    }
    char basis[64];
    double min_age = cfg.min_age_s > 0 ? cfg.min_age_s : 60; /* fc.c's default */
    snprintf(basis, sizeof(basis), "--min-age %g (a flow must be that old)", min_age);
    det_min_observation("flow-cadence", DET_NETWORK, min_age, basis);
    int rc = det_pcap_run_detector("flow-cadence", &pc, fc_packet, fc_tick, c, stop);
    fc_destroy(c);
    return rc;
}
