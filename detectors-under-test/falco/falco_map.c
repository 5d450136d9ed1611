#include "falco_map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static double priority_score(const char *p)
{
    static const struct {
        const char *name;
        double score;
    } pr[] = {{"emergency", 1.0},     {"alert", 1.0},   {"critical", 1.0},
              {"error", 0.9},         {"warning", 0.7}, {"notice", 0.5},
              {"informational", 0.3}, {"info", 0.3},    {"debug", 0.1}};
    for (size_t i = 0; p && i < sizeof(pr) / sizeof(pr[0]); i++)
        if (!strcasecmp(p, pr[i].name))
            return pr[i].score;
    return -1;
}

/* A field that Falco writes as a number or, for some fields, a string. */
static long long num_field(const json_t *f, const char *name)
{
    const json_t *v = json_object_get(f, name);
    if (json_is_integer(v))
        return (long long)json_integer_value(v);
    const char *s = json_string_value(v);
    return s ? atoll(s) : 0;
}

/* The flow from fd.cip/cport/sip/sport, else from fd.name "c:p->s:q". */
static int falco_flow(const json_t *f, struct jtail_alert *out)
{
    const char *cip = json_string_value(json_object_get(f, "fd.cip"));
    const char *sip = json_string_value(json_object_get(f, "fd.sip"));
    const char *name = json_string_value(json_object_get(f, "fd.name"));
    const char *l4 = json_string_value(json_object_get(f, "fd.l4proto"));
    if (cip && sip) {
        jtail_endpoint(cip, num_field(f, "fd.cport"), out->src, sizeof(out->src));
        jtail_endpoint(sip, num_field(f, "fd.sport"), out->dst, sizeof(out->dst));
    } else if (name && strstr(name, "->")) {
        const char *arrow = strstr(name, "->");
        snprintf(out->src, sizeof(out->src), "%.*s", (int)(arrow - name), name);
        snprintf(out->dst, sizeof(out->dst), "%s", arrow + 2);
        if (!strchr(out->src, ':') || !strchr(out->dst, ':'))
            return 0;
    } else {
        return 0;
    }
    snprintf(out->proto, sizeof(out->proto), "%s", l4 ? l4 : "tcp");
    out->flow = (struct det_flow){out->proto, out->src, out->dst};
    out->a.flow = &out->flow;
    return 1;
}

int falco_map(const json_t *o, struct jtail_alert *out)
{
    const char *rule = json_string_value(json_object_get(o, "rule"));
    const char *output = json_string_value(json_object_get(o, "output"));
    if (!rule || !output)
        return -EINVAL;
    const json_t *f = json_object_get(o, "output_fields");
    long long pid = num_field(f, "proc.pid");
    if (pid <= 0)
        pid = num_field(f, "proc.vpid");
    out->a.pid = pid > 0 && pid < 1 << 30 ? (int)pid : 0;
    int flow = falco_flow(f, out);
    out->a.technique = flow                                 ? DET_NETWORK
                       : json_object_get(f, "proc.cmdline") ? DET_SCRIPT
                                                            : DET_OTHER;
    out->a.score = priority_score(json_string_value(json_object_get(o, "priority")));
    double ts = jtail_parse_time(json_string_value(json_object_get(o, "time")));
    out->a.ts = ts > 0 ? ts : 0;
    snprintf(out->reason, sizeof(out->reason), "falco rule '%s' (%s): %s", rule,
             json_string_value(json_object_get(o, "priority"))
                 ? json_string_value(json_object_get(o, "priority"))
                 : "no priority",
             output);
    return 1;
}
