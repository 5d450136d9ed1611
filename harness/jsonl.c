#include "jsonl.h"

#include <errno.h>
#include <string.h>

#include "ml_util.h"

int jsonl_open(struct jsonl *j, const char *path)
{
    memset(j, 0, sizeof(*j));
    snprintf(j->path, sizeof(j->path), "%s", path);
    j->f = fopen(path, "ae");
    return j->f ? 0 : -errno;
}

int jsonl_write(struct jsonl *j, json_t *o)
{
    if (!o)
        return -ENOMEM;
    char *line =
        j->f ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17))
             : NULL;
    json_decref(o);
    int ok =
        line && fputs(line, j->f) >= 0 && fputc('\n', j->f) != EOF && fflush(j->f) == 0;
    int e = errno;
    free(line);
    if (ok) {
        j->written++;
        return 0;
    }
    if (j->failed++ == 0)
        fprintf(stderr, "minerlab: %s: cannot write: %s (later records may be lost)\n",
                j->path, j->f ? strerror(e) : "not open");
    if (j->f)
        clearerr(j->f);
    return -EIO;
}

void jsonl_close(struct jsonl *j)
{
    if (j->f)
        fclose(j->f);
    j->f = NULL;
}

int timeline_event(struct jsonl *j, const char *event, const char *scenario,
                   json_t *fields)
{
    json_t *o = fields ? fields : json_object();
    json_object_set_new(o, "ts", json_real(ml_now_unix()));
    json_object_set_new(o, "event", json_string(event));
    if (scenario)
        json_object_set_new(o, "scenario", json_string(scenario));
    return jsonl_write(j, o);
}
