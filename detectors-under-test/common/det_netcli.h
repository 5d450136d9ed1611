/*
 * det_netcli — the command line every network detector shares, in
 * base/opt.h's option-table style: --iface, --read, --filter, --snaplen,
 * --buffer-mib and --home-net, next to the detector's own table. The usage
 * text is generated from both tables; usage errors exit OPT_EXIT_USAGE (2).
 *
 * Threads: call from main() (opt_parse uses getopt_long).
 */
#ifndef DET_NETCLI_H
#define DET_NETCLI_H

#include <stddef.h>

#include "det_home.h"
#include "det_pcap.h"
#include "opt.h"

struct det_netcli {
    struct det_pcap_config pcap;
    struct det_home_net home; /* parsed from --home-net, else $ML_HOME_NET */
};

/*
 * Parses argv into cli (zeroed first) and the targets of own (which hold
 * their defaults). Returns 0; 1 after printing the usage on stdout
 * (--help: exit 0); or OPT_EXIT_USAGE after printing "PROG: reason (see
 * --help)" on stderr. summary is the usage's second line.
 */
int det_netcli_parse(const char *prog, const char *summary, int argc, char **argv,
                     struct det_netcli *cli, const struct opt *own, size_t nown);

#endif
