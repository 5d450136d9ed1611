#include "hxutil.h"

#include <stdarg.h>
#include <stdio.h>

int hx_fmt(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, len, fmt, ap);
    va_end(ap);
    return n;
}
