#!/usr/bin/env python3
"""The miner's benchmarks (issue 2), run by hand, never by ctest.

  python3 tests/bench/miner_bench.py BIN_DIR OUT_DIR [--quick] [--only ceiling|duty]

(a) the bare-library ceiling (rx_ceiling) against `minerlab-miner --bench`,
    alternating, light and fast mode, same threads and page strategy;
(b) duty-cycle accuracy at 10/30/50/70/100 % with 1 and 2 threads in light
    mode: CPU read from /proc/PID/stat by this script (not by the miner) in
    5-s windows after the first 5 s;
(c) peak RSS (VmHWM from /proc/PID/status) in light and fast mode.
Writes OUT_DIR/miner-bench.json and prints a summary.
"""
import json, os, platform, subprocess, sys, time

TICK = os.sysconf("SC_CLK_TCK")


def run_json(cmd):
    """Runs cmd, returns (parsed JSON from stdout, peak RSS MiB seen in /proc)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    hwm = 0.0
    while p.poll() is None:
        hwm = max(hwm, vm_hwm(p.pid))
        time.sleep(0.5)
    out, err = p.communicate()
    if p.returncode != 0:
        raise RuntimeError(f"{cmd} failed ({p.returncode}): {err.strip()[-400:]}")
    return json.loads(out), hwm


def vm_hwm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def ceiling(bin_dir, mode, threads, seconds, pages, rounds):
    rows = []
    for r in range(rounds):
        for prog in ("ceiling", "miner"):
            if prog == "ceiling":
                cmd = [f"{bin_dir}/rx_ceiling", mode, str(threads), str(seconds), pages]
            else:
                cmd = [f"{bin_dir}/minerlab-miner", "--bench-seconds", str(seconds), "--json",
                       "--mode", mode, "-t", str(threads), "--randomx-init", str(threads)]
                if pages == "small":
                    cmd.append("--no-huge-pages")
                elif pages == "huge":
                    cmd.append("--huge-pages")
            d, hwm = run_json(cmd)
            row = {"program": prog, "round": r, "mode": mode, "threads": threads, "pages": pages,
                   "hashrate": d["hashrate"], "dataset_init_s": d["dataset_init_s"],
                   "peak_rss_mib_proc": hwm, "command": " ".join(cmd)}
            if prog == "miner":
                row["verified"] = d.get("verified")
            rows.append(row)
            print(f"  {prog:8s} {mode:5s} t={threads} pages={pages}: {d['hashrate']:.1f} H/s,"
                  f" init {d['dataset_init_s']:.2f} s, RSS {hwm:.0f} MiB", flush=True)
    return rows


def duty_run(bin_dir, duty, threads, seconds=25):
    cmd = [f"{bin_dir}/minerlab-miner", "--bench-seconds", str(seconds + 3), "--mode", "light",
           "-t", str(threads), "--duty", str(duty)]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)  # cache init (~0.6 s) before hashing starts
        samples = []
        t_end = time.monotonic() + seconds
        while time.monotonic() < t_end:
            samples.append((time.monotonic(), cpu_ticks(p.pid)))
            time.sleep(5)
        samples.append((time.monotonic(), cpu_ticks(p.pid)))
    finally:
        p.terminate()
        p.wait()
    windows = []
    for (t0, c0), (t1, c1) in zip(samples, samples[1:]):
        windows.append(100.0 * (c1 - c0) / TICK / (t1 - t0) / threads)
    steady = windows[1:]  # after the first 5 s
    worst = max(abs(w - duty) for w in steady)
    return {"duty": duty, "threads": threads, "windows_pct": [round(w, 2) for w in windows],
            "max_abs_error_after_5s": round(worst, 2), "command": " ".join(cmd)}


def machine():
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
            "thp": open("/sys/kernel/mm/transparent_hugepage/enabled").read().strip()}


def main():
    bin_dir, out_dir = sys.argv[1], sys.argv[2]
    quick = "--quick" in sys.argv
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    os.makedirs(out_dir, exist_ok=True)
    res = {"machine": machine(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    if only in (None, "ceiling"):
        print("(a) ceiling vs minerlab-miner --bench (alternating)")
        rounds = 1 if quick else 2
        res["ceiling"] = (ceiling(bin_dir, "light", 2, 15, "small", rounds) +
                          ceiling(bin_dir, "fast", 2, 20, "thp", rounds))
        for mode in ("light", "fast"):
            c = [r["hashrate"] for r in res["ceiling"] if r["mode"] == mode and r["program"] == "ceiling"]
            m = [r["hashrate"] for r in res["ceiling"] if r["mode"] == mode and r["program"] == "miner"]
            ci = [r["dataset_init_s"] for r in res["ceiling"] if r["mode"] == mode and r["program"] == "ceiling"]
            mi = [r["dataset_init_s"] for r in res["ceiling"] if r["mode"] == mode and r["program"] == "miner"]
            res[f"ratio_{mode}"] = round((sum(m) / len(m)) / (sum(c) / len(c)), 4)
            if mode == "fast":
                res["init_ratio_fast"] = round((sum(mi) / len(mi)) / (sum(ci) / len(ci)), 4)
            print(f"  {mode}: miner/ceiling hash rate = {res[f'ratio_{mode}']}")
        print(f"  fast: miner/ceiling dataset init = {res.get('init_ratio_fast')}")
    if only in (None, "duty"):
        print("(b) duty-cycle accuracy, light mode, 5-s windows from /proc/PID/stat")
        res["duty"] = []
        for threads in (1, 2):
            for duty in (10, 30, 50, 70, 100):
                r = duty_run(bin_dir, duty, threads, 15 if quick else 25)
                res["duty"].append(r)
                print(f"  t={threads} duty={duty:3d}%: windows {r['windows_pct']}"
                      f" max error {r['max_abs_error_after_5s']} pp", flush=True)
    path = os.path.join(out_dir, "miner-bench.json")
    with open(path, "w") as f:
        json.dump(res, f, indent=2, sort_keys=True)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
