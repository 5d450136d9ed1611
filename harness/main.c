/* minerlab — the harness entry point; every subcommand lives in cmd_*.c. */
#include "cmd.h"

int main(int argc, char **argv)
{
    return cmd_main(argc, argv);
}
