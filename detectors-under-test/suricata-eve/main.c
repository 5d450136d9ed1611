/* minerlab-det-suricata-eve: alerts from a Suricata EVE JSON file (see README.md). */
#include "eve.h"
#include "jtail.h"

int main(int argc, char **argv)
{
    static const struct jtail_adapter ad = {
        "suricata-eve",    "Suricata EVE JSON",          "Suricata",
        "ML_SURICATA_EVE", "/var/log/suricata/eve.json", eve_map};
    return jtail_main(&ad, argc, argv);
}
