/*
 * falco_map — Falco's JSON output (json_output: true; one object a line with
 * time, rule, priority, output, source, tags, output_fields) to
 * detector-protocol alerts: pid from output_fields' proc.pid (or
 * proc.vpid), the flow from fd.cip/fd.cport → fd.sip/fd.sport (or fd.name
 * "a:p->b:q"), technique network when there is a flow, script when there is
 * a process command line, else other; score from the priority (Emergency,
 * Alert, Critical 1.0, Error 0.9, Warning 0.7, Notice 0.5, Informational
 * 0.3, Debug 0.1). Objects without rule or output are garbage.
 */
#ifndef FALCO_MAP_H
#define FALCO_MAP_H

#include "jtail.h"

int falco_map(const json_t *obj, struct jtail_alert *out);

#endif
