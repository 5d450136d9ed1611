#include "svg.h"

#include "hxutil.h"

void svg_begin(FILE *f, double w, double h, const char *title)
{
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\" role=\"img\" font-family=\"sans-serif\" "
            "font-size=\"11\"><title>",
            w, h, w, h);
    hx_xml_escape(f, title);
    fputs("</title>\n", f);
}

void svg_end(FILE *f)
{
    fputs("</svg>\n", f);
}

static void tip(FILE *f, const char *tooltip)
{
    if (!tooltip)
        return;
    fputs("<title>", f);
    hx_xml_escape(f, tooltip);
    fputs("</title>", f);
}

void svg_rect(FILE *f, double x, double y, double w, double h, const char *fill,
              const char *tooltip)
{
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
            "stroke=\"#fff\">",
            x, y, w, h, fill);
    tip(f, tooltip);
    fputs("</rect>\n", f);
}

void svg_line(FILE *f, double x1, double y1, double x2, double y2, const char *stroke)
{
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
            x1, y1, x2, y2, stroke);
}

void svg_circle(FILE *f, double cx, double cy, double r, const char *fill,
                const char *tooltip)
{
    fprintf(f,
            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" "
            "fill-opacity=\"0.8\">",
            cx, cy, r, fill);
    tip(f, tooltip);
    fputs("</circle>\n", f);
}

void svg_text(FILE *f, double x, double y, const char *anchor, double rotate,
              const char *text)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"", x, y, anchor);
    if (rotate != 0)
        fprintf(f, " transform=\"rotate(%.0f %.1f %.1f)\"", rotate, x, y);
    fputc('>', f);
    hx_xml_escape(f, text);
    fputs("</text>\n", f);
}

void svg_whisker(FILE *f, double x1, double y1, double x2, double y2, double cap,
                 const char *stroke)
{
    int vertical = x1 == x2;
    double cx = vertical ? cap / 2 : 0, cy = vertical ? 0 : cap / 2;
    fprintf(
        f,
        "<g class=\"whisker\" stroke=\"%s\"><line x1=\"%.1f\" y1=\"%.1f\" "
        "x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
        "y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n",
        stroke, x1, y1, x2, y2, x1 - cx, y1 - cy, x1 + cx, y1 + cy, x2 - cx, y2 - cy,
        x2 + cx, y2 + cy);
}

const char *svg_color(size_t i)
{
    static const char *const colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                         "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                         "#bcbd22", "#17becf"};
    return colors[i % (sizeof(colors) / sizeof(colors[0]))];
}
