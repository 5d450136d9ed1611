/*
 * procname — `--name NAME`: what ps, /proc/PID/comm and /proc/PID/cmdline
 * show. The miner re-executes itself (/proc/self/exe) with argv[0] = NAME and
 * the rest of argv unchanged (a config read from standard input is put back
 * on fd 0 as a memfd), then sets comm with PR_SET_NAME (the kernel keeps
 * 15 bytes of it). /proc/PID/exe still names the real binary, as it would
 * for a renamed real miner.
 */
#ifndef MINER_PROCNAME_H
#define MINER_PROCNAME_H

/*
 * Call first thing in main. After a re-exec it applies the name and returns
 * 0. Otherwise, when argv or the config asks for a name, it re-executes and
 * does not return on success. Returns -errno with a reason on failure.
 */
int procname_apply(int argc, char **argv, const char *name, const char *stdin_config,
                   char *err, size_t errlen);

#endif
