/*
 * ring — the adapter's side of dumpcap's ring buffer: dumpcap captures to
 * rotating files (-b duration:N -b files:K -b printname:stdout) and prints
 * each file's name once it is closed; tsr queues those names and copies the
 * files, in order, into one tshark reading a pcapng stream on stdin (pcapng
 * sections concatenate), deleting each file once tshark has it. Capture
 * (cheap, in dumpcap) no longer waits for dissection (slow, in tshark), so
 * the kernel drops nothing while tshark catches up from the files. A file
 * dumpcap's ring already deleted before it was copied is counted as lost.
 *
 * Threads: one. Nothing here prints.
 */
#ifndef TSA_RING_H
#define TSA_RING_H

#include <stddef.h>
#include <stdint.h>

struct tsr;
struct tsr_stats {
    unsigned long files;      /* files copied whole */
    unsigned long files_lost; /* named by dumpcap, gone before they were copied */
    uint64_t bytes_fed;
    unsigned long queued; /* names waiting (including the one being copied) */
};

struct tsr *tsr_create(void);
void tsr_destroy(struct tsr *r);
/* Queues one line of dumpcap's printname output (a path; blank lines ignored). */
int tsr_add(struct tsr *r, const char *line);
/*
 * Copies queued file data to fd (which may be non-blocking) until fd would
 * block or the queue is empty. Returns 1 when data is still waiting, 0 when
 * the queue is empty, -EPIPE (or -errno) when fd is closed.
 */
int tsr_feed(struct tsr *r, int fd);
void tsr_stats(const struct tsr *r, struct tsr_stats *out);

/*
 * Parses dumpcap's closing line "Packets received/dropped on interface 'lo':
 * R/D (pcap:...)" into *received and *dropped. 0, or -EINVAL for other lines.
 */
int tsr_parse_dumpcap_stats(const char *line, uint64_t *received, uint64_t *dropped);

#endif
