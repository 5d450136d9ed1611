/*
 * eve — Suricata EVE JSON records to detector-protocol alerts: "alert"
 * events become network alerts with the flow tuple, the signature (gid:sid:rev,
 * message, category) in the reason and a score from the severity (1 → 1.0,
 * 2 → 0.7, 3 → 0.4, else 0.3); other event types (flow, dns, stats...) are
 * ignored; objects without event_type, or alerts without an alert object or
 * addresses, are garbage.
 */
#ifndef EVE_H
#define EVE_H

#include "jtail.h"

int eve_map(const json_t *obj, struct jtail_alert *out);

#endif
