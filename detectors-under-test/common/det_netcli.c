#include "det_netcli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int det_netcli_parse(const char *prog, const char *summary, int argc, char **argv,
                     struct det_netcli *cli, const struct opt *own, size_t nown)
{
    char err[512] = "";
    long snaplen = 65535, buffer_mib = 32;
    const char *env = getenv("ML_HOME_NET");
    memset(cli, 0, sizeof(*cli));
    struct det_pcap_config *pc = &cli->pcap;
    pc->home_net = env && *env ? env : NULL;
    const struct opt common[] = {
        {"iface", OPT_STRING, &pc->iface, 0, 0, "IFACE",
         "capture interface (\"any\" works; default $ML_IFACE, else lo)"},
        {"read", OPT_STRING, &pc->read_file, 0, 0, "FILE",
         "read a pcap file instead of capturing"},
        {"filter", OPT_STRING, &pc->filter, 0, 0, "BPF", "capture filter expression"},
        {"snaplen", OPT_LONG, &snaplen, 64, 262144, "N", "bytes kept per packet"},
        {"buffer-mib", OPT_LONG, &buffer_mib, 1, 4096, "MIB",
         "kernel capture ring in MiB"},
        {"home-net", OPT_STRING, &pc->home_net, 0, 0, "CIDR[,CIDR]",
         "the sensor's home net, like Suricata's $HOME_NET (default $ML_HOME_NET)"},
    };
    const size_t ncommon = sizeof(common) / sizeof(common[0]);
    int rc = opt_parse(argc, argv, common, ncommon, own, nown, err, sizeof(err));
    if (rc == 1) {
        opt_usage(stdout, prog, summary, common, ncommon, own, nown);
        return 1;
    }
    if (rc == 0)
        rc = det_home_parse(pc->home_net, &cli->home, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "%s: %s (see --help)\n", prog, err);
        return OPT_EXIT_USAGE;
    }
    pc->snaplen = (int)snaplen;
    pc->buffer_mib = (int)buffer_mib;
    return 0;
}
