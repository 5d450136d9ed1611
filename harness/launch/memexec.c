/*
 * minerlab-memexec — runs an executable from an anonymous memory file, the
 * way fileless droppers do: the image is copied from a file or standard input
 * into memfd_create(2) and started with fexecve(2), so /proc/PID/exe reads
 * "/memfd:NAME (deleted)" and nothing new is written to disk.
 *
 *   minerlab-memexec [-n MEMFD_NAME] FILE|- [--] ARGV0 [ARG...]
 *
 * The image is capped at 256 MiB.  Exit status: that of the program (it
 * replaces this process), or 127 when loading or executing fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEMEXEC_MAX_IMAGE (256L * 1024 * 1024)

extern char **environ;

static void usage(void)
{
    fprintf(stderr, "usage: minerlab-memexec [-n MEMFD_NAME] FILE|- [--] ARGV0 [ARG...]\n");
}

/* Copies all of in_fd into out_fd; 0 or -errno (-EFBIG past the cap). */
static int copy_image(int in_fd, int out_fd)
{
    char buf[65536];
    long total = 0;

    for (;;) {
        ssize_t n = read(in_fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return total > 0 ? 0 : -ENOEXEC;
        total += n;
        if (total > MEMEXEC_MAX_IMAGE)
            return -EFBIG;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out_fd, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return -errno;
            off += w;
        }
    }
}

int main(int argc, char **argv)
{
    const char *memfd_name = "kworker";
    int in_fd = -1, mem_fd = -1, rc, i = 1;

    if (i + 1 < argc && strcmp(argv[i], "-n") == 0) {
        memfd_name = argv[i + 1];
        i += 2;
    }
    if (i >= argc) {
        usage();
        return 127;
    }
    const char *src = argv[i++];
    if (i < argc && strcmp(argv[i], "--") == 0)
        i++;
    if (i >= argc) {
        usage();
        return 127;
    }
    in_fd = strcmp(src, "-") == 0 ? STDIN_FILENO : open(src, O_RDONLY | O_CLOEXEC);
    if (in_fd < 0) {
        fprintf(stderr, "minerlab-memexec: %s: %s\n", src, strerror(errno));
        return 127;
    }
    /* No MFD_CLOEXEC: an ELF image would not need it kept, but a script
     * interpreter reopens /proc/self/fd/N, which CLOEXEC would close. */
    mem_fd = memfd_create(memfd_name, 0);
    if (mem_fd < 0) {
        fprintf(stderr, "minerlab-memexec: memfd_create: %s\n", strerror(errno));
        return 127;
    }
    rc = copy_image(in_fd, mem_fd);
    if (rc < 0) {
        fprintf(stderr, "minerlab-memexec: loading %s: %s\n", src, strerror(-rc));
        return 127;
    }
    if (in_fd != STDIN_FILENO)
        close(in_fd);
    /* The loaded program may want stdin (e.g. `-c -`); after reading the
     * image from it there is nothing left, so give it /dev/null instead. */
    if (in_fd == STDIN_FILENO) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            close(devnull);
        }
    }
    fexecve(mem_fd, argv + i, environ);
    fprintf(stderr, "minerlab-memexec: fexecve: %s\n", strerror(errno));
    return 127;
}
