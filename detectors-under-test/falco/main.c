/* minerlab-det-falco: alerts from Falco's JSON output file (see README.md). */
#include "falco_map.h"
#include "jtail.h"

int main(int argc, char **argv)
{
    static const struct jtail_adapter ad = {
        "falco", "Falco JSON output", "Falco", "ML_FALCO_EVENTS", NULL, falco_map};
    return jtail_main(&ad, argc, argv);
}
