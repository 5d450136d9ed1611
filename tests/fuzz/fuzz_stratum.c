/*
 * Fuzz target: the Stratum codec as the pool and the miner use it. Input is
 * a byte stream fed to the bounded line reader in two pieces; every line
 * goes through stratum_parse and every field parser, and whatever parses is
 * re-encoded (the encoders must accept what the parsers produce).
 * Built with libFuzzer (clang, -DMINERLAB_FUZZ=ON) or as a corpus replay.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linereader.h"
#include "ml_util.h"
#include "stratum.h"

static int on_line(void *ud, char *line, size_t len)
{
    struct stratum_msg m;
    char err[160];
    if (stratum_parse(line, len, &m, err, sizeof(err)))
        return 0;
    struct stratum_login l;
    struct stratum_submit s;
    struct stratum_job j;
    struct stratum_login_result lr;
    if (!stratum_parse_login(m.params, &l, err, sizeof(err)))
        free(stratum_encode_login(l.login, l.pass, l.agent, l.rigid, NULL));
    if (!stratum_parse_submit(m.params, &s, err, sizeof(err))) {
        char rh[65];
        ml_hex_encode(s.result, 32, rh);
        free(stratum_encode_submit(m.id, s.session_id, s.job_id, s.nonce_hex, rh,
                                   s.algo));
        (void)stratum_hash_meets(s.result, stratum_diff_to_target64(s.nonce));
    }
    if (!stratum_parse_job(m.params, &j, err, sizeof(err)))
        free(stratum_encode_job_notify(&j));
    if (m.result && !stratum_parse_login_result(m.result, &lr, err, sizeof(err)))
        free(stratum_encode_login_result(m.id, lr.session_id, &lr.job, lr.lab_version,
                                         lr.lab ? lr.lab_run : NULL));
    if (m.error)
        (void)stratum_error_message(m.error);
    stratum_msg_free(&m);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct linereader lr;
    char err[160];
    linereader_init(&lr, 4096);
    size_t half = size / 2;
    if (linereader_feed(&lr, (const char *)data, half, on_line, NULL, err,
                        sizeof(err)) == 0)
        linereader_feed(&lr, (const char *)data + half, size - half, on_line, NULL, err,
                        sizeof(err));
    linereader_free(&lr);
    uint64_t t;
    char hex[17];
    if (size >= 16) {
        memcpy(hex, data, 16);
        hex[16] = '\0';
        stratum_target_decode(hex, &t, err, sizeof(err));
        hex[8] = '\0';
        stratum_target_decode(hex, &t, err, sizeof(err));
    }
    return 0;
}
