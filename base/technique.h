/*
 * technique — the detection techniques of the detector protocol
 * (detectors-under-test/PROTOCOL.md), written once: detectors emit these
 * names, the harness accepts only these names.
 */
#ifndef TECHNIQUE_H
#define TECHNIQUE_H

/* "system-metrics", "network", "memory", "script", "browser", "other", then
 * NULL; the order is that of enum det_technique (det_alert.h). */
extern const char *const technique_names[];
#define TECHNIQUE_COUNT 6

#endif
