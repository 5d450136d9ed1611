/*
 * labinet — the runner's side of the lab internet (harness/launch/labinet.sh):
 * every malicious scenario mines to a pool that is a remote host. The pool,
 * the lab DNS (dnsmasq answering scenarios/pool-domains.txt) and the web
 * host live in their own namespace; the victims (the root namespace, and
 * cloud namespaces attached to the same bridged LAN) reach them by name.
 * Detectors capture on the victims' uplink: the LAN's port toward it.
 *
 * Implemented in runner_labinet.c, one of the runner's layers (it works
 * on struct runner).
 *
 * Threads: the runner's thread.
 */
#ifndef HX_LABINET_H
#define HX_LABINET_H

#include <stddef.h>

#include "linereader.h"

#define LABINET_MAX_HOSTS 8
/* The pool's wss:// port in the lab internet (443 on its address is Stratum
 * over TLS); the web host serves HTTPS on 443 of its own address. */
#define LABINET_PORT_WSS 8443

struct labinet {
    int up;
    char netns[80], iface[32]; /* the lab internet namespace; the victims' uplink */
    char dns[64], pool[64], web[64];
    char net[64];       /* the lab internet half: the miner's --lab-net */
    char home[64];      /* the victims' half: a sensor's home net */
    char victim[64];    /* the root namespace's address on the LAN (home's .1) */
    char web_name[254]; /* the web host's name (catalogue tag "web"), "" = none */
    char ca[4200];      /* the run's lab CA certificate (public part) */
    char certs[8192];   /* pool --tls-cert NAME:CERT:KEY lines (labca.sh) */
    char reason[256];   /* why it is not up */
    struct {            /* namespaces joined to the LAN (labinet_attach) */
        char netns[80], addr[64];
    } hosts[LABINET_MAX_HOSTS];
    size_t nhosts;
    int log_fd; /* tail of RUNDIR/labdns.log (the lab DNS's queries) */
    struct linereader log_lines;
};

struct runner;

/* Brings the lab internet up for the run and makes its lab CA and
 * certificates; 0, or -errno with the reason in r->inet.reason. */
int labinet_up(struct runner *r);
/* Removes everything labinet_up made (quiet when nothing is there). */
void labinet_down(struct runner *r);
/* Joins namespace netns to the victim LAN as host N; 0 or -errno. */
int labinet_attach(struct runner *r, const char *netns, int n);
/* The LAN address of a namespace labinet_attach joined, or NULL. */
const char *labinet_host_addr(const struct labinet *li, const char *netns);
/*
 * The pool's command line inside the lab internet: `ip netns exec NS cmd`
 * then listeners on the pool address at real pool ports (tcp 3333, tls 443
 * and 14433, ws 8080, wss 8443), the web host (HTTPS on the web address's
 * 443: the pool's static files, --www) and one --tls-cert per catalogue
 * name. Fills argv (at
 * most cap entries, NULL-terminated) from `rest` (the pool's other options);
 * returns the count, or 0 when it does not fit.
 */
size_t labinet_pool_argv(struct runner *r, const char *cmd, const char *const *rest,
                         const char **argv, size_t cap);

#endif
