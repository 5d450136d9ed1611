/* The run plan: order from the seed, repeats, shards, the plan hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan.h"
#include "scenario.h"

#define NSCEN 5

static struct scenario *scen[NSCEN];
static char dir[] = "/tmp/ml-plan-test.XXXXXX";
static const char *const dets[] = {"cpu-threshold", "memscan"};

static int setup(void **state)
{
    (void)state;
    char err[512];
    if (!mkdtemp(dir))
        return -1;
    for (int i = 0; i < NSCEN; i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/s%d.yaml", dir, i);
        FILE *f = fopen(path, "w");
        if (!f)
            return -1;
        fprintf(f,
                "id: benign-s%d\ntitle: t\ntype: benign\nlabel: benign\n"
                "launcher: benign\ncommand: \"true\"\nduration_s: 5\n",
                i);
        fclose(f);
        if (scenario_load(path, &scen[i], err, sizeof(err))) {
            fprintf(stderr, "%s\n", err);
            return -1;
        }
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < NSCEN; i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/s%d.yaml", dir, i);
        unlink(path);
        scenario_free(scen[i]);
    }
    rmdir(dir);
    return 0;
}

static void build(struct plan *p, unsigned repeats, uint64_t seed, unsigned idx,
                  unsigned count)
{
    char err[512] = "";
    int rc = plan_build(scen, NSCEN, repeats, seed, 0, "quick", dets, 2, idx, count, p,
                        err, sizeof(err));
    if (rc)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
}

static void test_order_follows_seed(void **state)
{
    (void)state;
    struct plan a, b, c;
    build(&a, 1, 42, 1, 1);
    build(&b, 1, 42, 1, 1);
    build(&c, 1, 43, 1, 1);
    assert_int_equal(a.nitems, NSCEN);
    int same_as_c = 1, is_selection_order = 1;
    for (size_t i = 0; i < a.nitems; i++) {
        assert_string_equal(a.items[i].scen->id, b.items[i].scen->id);
        same_as_c &= strcmp(a.items[i].scen->id, c.items[i].scen->id) == 0;
        is_selection_order &= a.items[i].scen == scen[i];
    }
    /* Five items: a different seed giving the same order is a 1-in-120 chance;
     * these two seeds are known not to. */
    assert_false(same_as_c && is_selection_order);
    assert_string_equal(a.hash, b.hash);
    assert_string_not_equal(a.hash, c.hash);
    plan_free(&a);
    plan_free(&b);
    plan_free(&c);
}

static void test_repeats_and_shards(void **state)
{
    (void)state;
    struct plan whole, s2;
    build(&whole, 3, 9, 1, 1);
    build(&s2, 3, 9, 2, 4);
    assert_int_equal(whole.nitems, NSCEN * 3);
    /* The hash names the plan, not the shard. */
    assert_string_equal(whole.hash, s2.hash);
    unsigned per_scen[NSCEN] = {0};
    for (size_t k = 0; k < whole.nitems; k++) {
        const struct plan_item *it = &whole.items[k];
        char want[PLAN_ID_MAX];
        snprintf(want, sizeof(want), "%s~r%u", it->base_id, it->repeat);
        assert_string_equal(it->scen->id, want);
        assert_string_equal(s2.items[k].scen->id, want); /* same order */
        assert_int_equal(s2.items[k].shard, k % 4 + 1);
        for (int i = 0; i < NSCEN; i++)
            per_scen[i] += strcmp(it->base_id, scen[i]->id) == 0;
    }
    for (int i = 0; i < NSCEN; i++)
        assert_int_equal(per_scen[i], 3);
    struct scenario *list[64];
    size_t n = plan_shard_scenarios(&s2, list, 64);
    assert_int_equal(n, 4); /* positions 1, 5, 9, 13 of 15 */
    assert_ptr_equal(list[0], s2.items[1].scen);
    assert_ptr_equal(list[3], s2.items[13].scen);
    json_t *j = plan_json(&s2);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 15);
    assert_string_equal(json_string_value(json_object_get(j, "seed")), "9");
    json_decref(j);
    plan_free(&whole);
    plan_free(&s2);
}

static void test_parse(void **state)
{
    (void)state;
    unsigned i = 0, n = 0;
    uint64_t seed = 0;
    char err[256];
    assert_int_equal(plan_parse_shard("2/5", NULL, &i, &n, err, sizeof(err)), 0);
    assert_int_equal(i, 2);
    assert_int_equal(n, 5);
    assert_int_equal(plan_parse_shard("auto/5", "4", &i, &n, err, sizeof(err)), 0);
    assert_int_equal(i, 5);
    static const char *const bad[] = {"0/5", "6/5", "1/0", "x",
                                      "1/",  "/3",  "a/3", "1/3/"};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        assert_int_equal(plan_parse_shard(bad[k], "0", &i, &n, err, sizeof(err)),
                         -EINVAL);
    assert_int_equal(plan_parse_shard("auto/5", "5", &i, &n, err, sizeof(err)),
                     -EINVAL);
    assert_int_equal(plan_parse_shard("auto/5", NULL, &i, &n, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "unset"));
    assert_int_equal(plan_parse_seed("18446744073709551615", &seed), 0);
    assert_true(seed == UINT64_MAX);
    assert_int_equal(plan_parse_seed("18446744073709551616", &seed), -EINVAL);
    assert_int_equal(plan_parse_seed("-1", &seed), -EINVAL);
    assert_int_equal(plan_parse_seed("12a", &seed), -EINVAL);
    assert_int_equal(plan_parse_seed("", &seed), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_follows_seed),
        cmocka_unit_test(test_repeats_and_shards),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
