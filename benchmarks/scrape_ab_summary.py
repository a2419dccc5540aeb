"""Summarise benchmarks/scrape.sh: per mode, scraper-on against scraper-off windows of one Vigil process.

Reads OUT/windows.tsv (one row per wrk window), OUT/ab.json (JFR: the loop and admin threads' allocated bytes,
GCs), OUT/gc.log (-Xlog:gc with timemillis), and the scrapes each window saw (OUT/scrapes.log from the curl loop,
or OUT/prometheus-scrapes.tsv). Ratios are taken per round (the on and off windows next to each other) and their
median reported, so that slow drift of the machine's load cancels.
    python3 benchmarks/scrape_ab_summary.py OUT ADMIN_PORT CLK_TCK
"""
import bisect
import csv
import datetime
import json
import os
import re
import statistics
import sys

out, admin_port, hz = sys.argv[1], sys.argv[2], int(sys.argv[3])


def epoch_ms(iso):
    """JFR's ISO time (nanoseconds, Z or an offset) in epoch milliseconds."""
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?", iso)
    base = datetime.datetime.fromisoformat(m.group(1) + (m.group(3) or "Z").replace("Z", "+00:00"))
    return base.timestamp() * 1000 + float(m.group(2) or 0) * 1000


def thread_name(event):
    t = event["values"].get("thread") or event["values"].get("eventThread") or {}
    return t.get("javaName") or t.get("osName") or "?"


events = json.load(open(os.path.join(out, "ab.json")))["recording"]["events"]
allocated = {}  # thread -> sorted [(ms, bytes)]
gc_jfr = []
for e in events:
    if e["type"] == "jdk.ThreadAllocationStatistics":
        allocated.setdefault(thread_name(e), []).append((epoch_ms(e["values"]["startTime"]), e["values"]["allocated"]))
    elif e["type"] == "jdk.GarbageCollection":
        gc_jfr.append(epoch_ms(e["values"]["startTime"]))
for samples in allocated.values():
    samples.sort()
gc_log = []
if os.path.exists(os.path.join(out, "gc.log")):
    for line in open(os.path.join(out, "gc.log")):
        m = re.match(r"\[(\d+)ms\].*Pause", line)
        if m:
            gc_log.append(int(m.group(1)))


def bytes_between(thread, start, end):
    """A thread's bytes from the last sample at or before start to the first at or after end (idle gaps)."""
    samples = allocated.get(thread, [])
    times = [t for t, _ in samples]
    i, j = bisect.bisect_right(times, start) - 1, bisect.bisect_left(times, end)
    if i < 0 or j >= len(samples):
        return None
    return samples[j][1] - samples[i][1]


def steady_bytes_per_request(thread, start, end, requests):
    """Bytes between the samples from 1.5 s into the window to 0.5 s before its end (wrk's connections set up
    and closed outside), over the requests of that span at the window's mean rate."""
    inner = [(t, b) for t, b in allocated.get(thread, []) if start + 1500 <= t <= end - 500]
    if len(inner) < 2:
        return None
    return (inner[-1][1] - inner[0][1]) / (requests * (inner[-1][0] - inner[0][0]) / (end - start))


scrape_times = []  # (ms, url) of curl's scrapes
if os.path.exists(os.path.join(out, "scrapes.log")):
    for line in open(os.path.join(out, "scrapes.log")):
        t, url = line.split()
        scrape_times.append((float(t) * 1000, url))
prom = {}
if os.path.exists(os.path.join(out, "prometheus-scrapes.tsv")):
    for line in open(os.path.join(out, "prometheus-scrapes.tsv")):
        start, n = line.split()
        prom[int(start)] = float(n)

rows = []
for r in csv.DictReader(open(os.path.join(out, "windows.tsv")), delimiter="\t"):
    start, end, n = int(r["start_ms"]), int(r["end_ms"]), max(1, int(r["requests"]))
    loop_bytes = bytes_between("vigil-loop-0", start, end)
    admin_bytes = bytes_between("vigil-admin", start, end)
    if prom:
        scrapes = prom.get(start, 0)
    else:
        scrapes = sum(1 for t, url in scrape_times if start <= t <= end and f":{admin_port}/" in url)
    p99 = r["p99"]
    p99_ms = next((float(p99[:-len(u)]) * s for u, s in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)) if p99.endswith(u)), 0)
    rows.append({
        "mode": r["mode"], "round": int(r["round"]), "window": r["window"], "load1": float(r["load1"]),
        "rps": float(r["rps"]), "p99_ms": p99_ms, "requests": n, "scrapes": scrapes,
        "cpu_us_per_req": int(r["proc_ticks"]) / hz * 1e6 / n,
        "loop_us_per_req": int(r["loop_ns"]) / 1e3 / n,
        "admin_ms": int(r["admin_ns"]) / 1e6,
        "admin_ms_per_scrape": int(r["admin_ns"]) / 1e6 / scrapes if scrapes else None,
        "loop_bytes": loop_bytes,
        "loop_B_per_req": None if loop_bytes is None else loop_bytes / n,
        "loop_B_per_req_steady": steady_bytes_per_request("vigil-loop-0", start, end, n),
        "admin_kB": None if admin_bytes is None else admin_bytes / 1e3,
        "gcs_jfr": sum(1 for t in gc_jfr if start <= t <= end),
        "gcs_log": sum(1 for t in gc_log if start <= t <= end),
    })

LABELS = [("rps", "wrk req/s", "{:,.0f}"), ("p99_ms", "wrk p99 ms", "{:.2f}"),
          ("cpu_us_per_req", "Vigil CPU us per request (process)", "{:.3f}"),
          ("loop_us_per_req", "event loop thread CPU us per request", "{:.3f}"),
          ("scrapes", "scrapes of Vigil in the window", "{:.0f}"),
          ("admin_ms", "admin thread CPU ms in the window", "{:.1f}"),
          ("admin_ms_per_scrape", "admin thread CPU ms per scrape", "{:.2f}"),
          ("admin_kB", "admin thread kB allocated in the window (JFR)", "{:.1f}"),
          ("loop_B_per_req", "loop thread bytes allocated per request (JFR, whole window)", "{:.3f}"),
          ("loop_B_per_req_steady", "the same without wrk's connection set-up and close", "{:.3f}"),
          ("gc_per_1M_req_jfr", "young GCs per 1M requests, all windows pooled (JFR)", "{:.2f}"),
          ("gc_per_1M_req_log", "young GCs per 1M requests, all windows pooled (-Xlog:gc)", "{:.2f}"),
          ("loop_B_per_req_pooled", "loop thread bytes per request, all windows pooled (JFR)", "{:.3f}")]
POOLED = {"gc_per_1M_req_jfr": ("gcs_jfr", 1e6), "gc_per_1M_req_log": ("gcs_log", 1e6),
          "loop_B_per_req_pooled": ("loop_bytes", 1)}  # sums over windows / their requests: GCs are rare events
RATIOS = ("rps", "cpu_us_per_req", "loop_us_per_req", "loop_B_per_req", "loop_B_per_req_steady")


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def pooled(windows, key, scale):
    windows = [r for r in windows if r[key] is not None]
    return sum(r[key] for r in windows) * scale / sum(r["requests"] for r in windows) if windows else None


def fmt(value, pattern):
    return "-" if value is None else pattern.format(value)


print("| mode | metric | scraper off (median) | scraper on (median) | on/off, median of per-round ratios (range) |")
print("|---|---|---|---|---|")
for mode in dict.fromkeys(r["mode"] for r in rows):
    mine = [r for r in rows if r["mode"] == mode]
    pairs = {}
    for r in mine:
        pairs.setdefault(r["round"], {})[r["window"]] = r
    for key, label, pattern in LABELS:
        if key in POOLED:
            total, scale = POOLED[key]
            off, on = (pooled([r for r in mine if r["window"] == w], total, scale) for w in ("off", "on"))
        else:
            off = med([r[key] for r in mine if r["window"] == "off"])
            on = med([r[key] for r in mine if r["window"] == "on"])
        ratio = "-"
        if key in RATIOS:
            ratios = [p["on"][key] / p["off"][key] for p in pairs.values()
                      if "on" in p and "off" in p and p["on"][key] is not None and p["off"][key]]
            if ratios:
                ratio = f"{statistics.median(ratios):.3f} ({min(ratios):.3f}-{max(ratios):.3f})"
        print(f"| {mode} | {label} | {fmt(off, pattern)} | {fmt(on, pattern)} | {ratio} |")
print()
for mode in dict.fromkeys(r["mode"] for r in rows):
    for window in ("off", "on"):
        mine = [r for r in rows if r["mode"] == mode and r["window"] == window]
        rps = ", ".join(f"{r['rps']:.0f}" for r in mine)
        cpu = ", ".join(f"{r['cpu_us_per_req']:.2f}" for r in mine)
        load = ", ".join(str(r["load1"]) for r in mine)
        print(f"{mode} {window}: req/s per round {rps}; CPU us/req {cpu}; load average {load}")
