/*
 * Cryptominer rules for LIVE PROCESS MEMORY (minerlab's yara adapter runs
 * `yara -s RULES PID`). Written for memory on purpose: no `filesize`, no
 * file-header (uint16(0) == 0x5A4D / ELF magic) conditions, which never hold
 * for a process scan. Strings follow the public miner rules (facts.md):
 * Stratum URLs, XMRig strings, Monero wallet addresses, the RandomX Argon2 salt.
 */

rule miner_stratum_url
{
    meta:
        description = "Stratum pool URL in memory (argv, config, heap)"
    strings:
        $tcp = "stratum+tcp://" ascii wide nocase
        $ssl = "stratum+ssl://" ascii wide nocase
        $tls = "stratum+tls://" ascii wide nocase
        $udp = "stratum+udp://" ascii wide nocase
    condition:
        any of them
}

rule miner_xmrig_strings
{
    meta:
        description = "XMRig user agent, format string or option names"
    strings:
        $agent_fmt = "XMRig/%s libuv/%s" ascii
        $agent = /XMRig\/[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2} \(/ ascii
        $donate = "--donate-level" ascii
        $cpu_prio = "--cpu-priority" ascii
        $cfg_donate = "\"donate-level\":" ascii
    condition:
        any of them
}

rule miner_stratum_json
{
    meta:
        description = "Monero Stratum JSON-RPC login or submit as XMRig formats it"
    strings:
        $login = "\"method\":\"login\",\"params\":{\"login\":" ascii
        $submit = "\"method\":\"submit\",\"params\":{\"id\":" ascii
    condition:
        any of them
}

rule miner_monero_wallet
{
    meta:
        description = "Monero standard address (95 base58 characters starting 4)"
    strings:
        $wallet = /4[0-9AB][1-9A-HJ-NP-Za-km-z]{93}/ ascii
    condition:
        $wallet
}

rule miner_randomx_salt
{
    meta:
        description = "RandomX's Argon2 salt: librandomx is loaded (miners, also pools that verify shares)"
    strings:
        $salt = { 52 61 6E 64 6F 6D 58 03 }
    condition:
        $salt
}
