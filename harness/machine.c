#include "hxutil.h"
#include "machine.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static void cpu_model(char *out, size_t len)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    hx_fmt(out, len, "unknown");
    while (f && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *v = strchr(line, ':');
            if (v) {
                v += strspn(v + 1, " \t") + 1;
                v[strcspn(v, "\n")] = '\0';
                hx_fmt(out, len, "%s", v);
            }
            break;
        }
    }
    if (f)
        fclose(f);
}

json_t *machine_info(void)
{
    struct utsname u;
    char model[256];
    memset(&u, 0, sizeof(u));
    uname(&u);
    cpu_model(model, sizeof(model));
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    return json_pack("{s:s,s:s,s:s,s:s,s:i,s:I}", "hostname", u.nodename, "kernel",
                     u.release, "arch", u.machine, "cpu_model", model, "cores",
                     (int)sysconf(_SC_NPROCESSORS_ONLN), "mem_mib",
                     (json_int_t)((double)pages * (double)psz / 1048576.0));
}

/*
 * Versions of the packages we care about from /var/lib/dpkg/status (one
 * pass, no subprocess). Absent packages are left out.
 */
static void dpkg_versions(json_t *out)
{
    static const char *const pkgs[][2] = {{"librandomx0", "librandomx"},
                                          {"libuv1", "libuv"},
                                          {"libjansson4", "jansson"},
                                          {"libcyaml1", "libcyaml"},
                                          {"libssl3", "openssl"},
                                          {"libpcap0.8", "libpcap"},
                                          {"yara", "yara"},
                                          {"tshark", "tshark"},
                                          {"chromium", "chromium"},
                                          {"auditd", "auditd"},
                                          {"bpftrace", "bpftrace"}};
    FILE *f = fopen("/var/lib/dpkg/status", "r");
    char line[1024], pkg[256] = "";
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "Package: ", 9) == 0) {
            hx_fmt(pkg, sizeof(pkg), "%s", line + 9);
        } else if (strncmp(line, "Version: ", 9) == 0) {
            for (size_t i = 0; i < sizeof(pkgs) / sizeof(pkgs[0]); i++)
                if (strcmp(pkg, pkgs[i][0]) == 0)
                    json_object_set_new(out, pkgs[i][1], json_string(line + 9));
        }
    }
    if (f)
        fclose(f);
}

json_t *machine_versions(void)
{
    json_t *v = json_object();
    json_object_set_new(v, "minerlab", json_string(MINERLAB_VERSION));
    json_object_set_new(v, "jansson_build", json_string(JANSSON_VERSION));
    dpkg_versions(v);
    if (!json_object_get(v, "librandomx"))
        json_object_set_new(v, "librandomx", json_string("unknown"));
    return v;
}
