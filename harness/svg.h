/*
 * svg — tiny inline-SVG writer for the HTML report (no scripts, no network).
 * All coordinates are in SVG user units; text is XML-escaped here.
 */
#ifndef HX_SVG_H
#define HX_SVG_H

#include <stdio.h>

void svg_begin(FILE *f, double w, double h, const char *title);
void svg_end(FILE *f);
void svg_rect(FILE *f, double x, double y, double w, double h, const char *fill,
              const char *tooltip);
void svg_line(FILE *f, double x1, double y1, double x2, double y2, const char *stroke);
void svg_circle(FILE *f, double cx, double cy, double r, const char *fill,
                const char *tooltip);
/* anchor: "start", "middle" or "end"; rotate in degrees (0 = none). */
void svg_text(FILE *f, double x, double y, const char *anchor, double rotate,
              const char *text);
/*
 * An interval whisker (class "whisker"): from (x1, y1) to (x2, y2), a
 * horizontal or vertical line, with caps of cap units across each end.
 */
void svg_whisker(FILE *f, double x1, double y1, double x2, double y2, double cap,
                 const char *stroke);
/* A distinct colour for series i. */
const char *svg_color(size_t i);

#endif
