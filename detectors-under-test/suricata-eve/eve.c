#include "eve.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int eve_map(const json_t *o, struct jtail_alert *out)
{
    const char *type = json_string_value(json_object_get(o, "event_type"));
    if (!type)
        return -EINVAL;
    if (strcmp(type, "alert") != 0)
        return 0;
    const json_t *al = json_object_get(o, "alert");
    const char *src = json_string_value(json_object_get(o, "src_ip"));
    const char *dst = json_string_value(json_object_get(o, "dest_ip"));
    const char *sig = json_string_value(json_object_get(al, "signature"));
    if (!json_is_object(al) || !src || !dst || !sig)
        return -EINVAL;
    const char *proto = json_string_value(json_object_get(o, "proto"));
    size_t i = 0;
    for (; proto && proto[i] && i + 1 < sizeof(out->proto); i++)
        out->proto[i] = (char)tolower((unsigned char)proto[i]);
    out->proto[i] = '\0';
    jtail_endpoint(src, (long)json_integer_value(json_object_get(o, "src_port")),
                   out->src, sizeof(out->src));
    jtail_endpoint(dst, (long)json_integer_value(json_object_get(o, "dest_port")),
                   out->dst, sizeof(out->dst));
    out->flow =
        (struct det_flow){out->proto[0] ? out->proto : NULL, out->src, out->dst};
    out->a.flow = &out->flow;
    out->a.technique = DET_NETWORK;
    json_int_t sev = json_integer_value(json_object_get(al, "severity"));
    out->a.score = sev == 1 ? 1.0 : sev == 2 ? 0.7 : sev == 3 ? 0.4 : 0.3;
    double ts = jtail_parse_time(json_string_value(json_object_get(o, "timestamp")));
    out->a.ts = ts > 0 ? ts : 0;
    const char *cat = json_string_value(json_object_get(al, "category"));
    const char *action = json_string_value(json_object_get(al, "action"));
    snprintf(
        out->reason, sizeof(out->reason), "suricata [%lld:%lld:%lld] %s%s%s%s (%s)",
        (long long)json_integer_value(json_object_get(al, "gid")),
        (long long)json_integer_value(json_object_get(al, "signature_id")),
        (long long)json_integer_value(json_object_get(al, "rev")), sig, cat ? " [" : "",
        cat ? cat : "", cat ? "]" : "", action ? action : "allowed");
    return 1;
}
