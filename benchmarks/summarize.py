"""Median table of a side-by-side run's raw.tsv (round, target, test, value), one column per target.

    python3 benchmarks/summarize.py RAW_TSV core|http TARGET...

Ratio columns compare Vigil with direct, nginx, HAProxy and, when the run had one, the baseline build ("base"). Below
the table, the spread (min-max over rounds) of the request rate and CPU per request, the run's noise. With the A/A
target haproxy-b (a second HAProxy, same config) the table adds haproxy-b/haproxy, and a second table gives both
vigil/haproxy and haproxy-b/haproxy per metric as the median of the per-round ratios with their min-max: a
Vigil/HAProxy gap inside the A/A range is noise."""
import csv
import statistics
import sys

NAMES = {"direct": "direct", "vigil": "vigil", "base": "vigil (baseline)", "nginx": "nginx", "haproxy": "haproxy",
         "vigil-spin": "vigil idle-strategy=spin", "haproxy-b": "haproxy-b (A/A)"}
TESTS = {
    "core": (("gbps", "iperf3 Gbit/s"), ("rps", "wrk req/s"), ("p50", "wrk p50 ms"), ("p99", "wrk p99 ms"),
             ("cpu%", "proxy CPU % of its core (wrk)"), ("cpu_us_per_req", "proxy CPU us per request (wrk)"),
             ("fixed_p50", "fixed-rate p50 ms"), ("fixed_p90", "fixed-rate p90 ms"),
             ("fixed_p99", "fixed-rate p99 ms"), ("fixed_p99_9", "fixed-rate p99.9 ms"),
             ("fixed_max", "fixed-rate max ms"), ("fixed_cpu%", "proxy CPU % of its core (fixed rate)"),
             ("setup_rate", "connection setups/s"),
             ("setup_cpu_us", "proxy CPU us per connection setup"),
             ("idle_kib_per_conn", "KiB RSS growth per idle proxied conn"),
             ("idle_heap_kib_per_conn", "KiB live Java heap per idle conn (Vigil)"),
             ("idle_rss_mib", "RSS MiB holding the idle conns"),
             ("dead_peer_close_ms", "dead client: last conn closed, ms (budget 3000)")),
    "http": (("rps", "wrk req/s"), ("p50", "wrk p50 ms"), ("p75", "wrk p75 ms"), ("p90", "wrk p90 ms"),
             ("p99", "wrk p99 ms"), ("cpu%", "proxy CPU % of its core (wrk)"),
             ("cpu_us_per_req", "proxy CPU us per request (wrk)"),
             ("fixed_p50", "fixed-rate p50 ms"), ("fixed_p90", "fixed-rate p90 ms"),
             ("fixed_p99", "fixed-rate p99 ms"), ("fixed_p99_9", "fixed-rate p99.9 ms"),
             ("fixed_max", "fixed-rate max ms"), ("fixed_errors", "fixed-rate errors")),
}


def num(v):
    v = v.strip()
    for unit, scale in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if v.endswith(unit) and v[:-len(unit)].replace(".", "").isdigit():
            return float(v[:-len(unit)]) * scale
    return float(v)


def main():
    raw, kind, targets = sys.argv[1], sys.argv[2], sys.argv[3:]
    vals = {}
    rows = list(csv.DictReader(open(raw), delimiter="\t"))
    for r in rows:
        vals.setdefault((r["target"], r["test"]), []).append(num(r["value"]))
    med = {k: statistics.median(v) for k, v in vals.items()}
    ratios = [b for b in ("direct", "nginx", "haproxy", "base") if b in targets and "vigil" in targets]
    aa = "haproxy-b" in targets and "haproxy" in targets
    spin = "vigil-spin" in targets and "vigil" in targets

    def cell(t, test):
        return "{:.2f}".format(med[(t, test)]) if (t, test) in med else "-"

    def ratio(test, base, target="vigil"):
        if (target, test) not in med or not med.get((base, test)):
            return "-"
        return "{:.2f}".format(med[(target, test)] / med[(base, test)])

    def by_round(test, target):
        """target/haproxy for each round both have: median (min-max), or - ."""
        a = {r["round"]: num(r["value"]) for r in rows if r["target"] == target and r["test"] == test}
        b = {r["round"]: num(r["value"]) for r in rows if r["target"] == "haproxy" and r["test"] == test}
        per = [a[k] / b[k] for k in a if k in b and b[k]]
        if not per:
            return "-"
        return "{:.2f} ({:.2f}-{:.2f})".format(statistics.median(per), min(per), max(per))

    def spin_ratio(test):
        if ("vigil-spin", test) not in med or not med.get(("vigil", test)):
            return "-"
        return "{:.2f}".format(med[("vigil-spin", test)] / med[("vigil", test)])

    head = ["metric"] + [NAMES.get(t, t) for t in targets] + [f"vigil/{b}" for b in ratios] + \
        (["spin/block"] if spin else []) + (["haproxy-b/haproxy (A/A)"] if aa else [])
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for test, label in TESTS[kind]:
        if not any((t, test) in med for t in targets):
            continue
        print("| " + " | ".join([label] + [cell(t, test) for t in targets] + [ratio(test, b) for b in ratios] +
                                ([spin_ratio(test)] if spin else []) +
                                ([ratio(test, "haproxy", "haproxy-b")] if aa else [])) + " |")
    print()
    if aa:
        pairs = [t for t in ("vigil", "haproxy-b") if t in targets]
        print("| metric: per-round ratio to haproxy, median (min-max) | " +
              " | ".join(f"{t}/haproxy" + (" (A/A)" if t == "haproxy-b" else "") for t in pairs) + " |")
        print("|" + "---|" * (len(pairs) + 1))
        for test, label in TESTS[kind]:
            if ("haproxy", test) in vals:
                print("| " + " | ".join([label] + [by_round(test, t) for t in pairs]) + " |")
        print()
    for test in ("rps", "cpu_us_per_req", "fixed_p99"):
        spread = [f"{t} {min(vals[(t, test)]):g}-{max(vals[(t, test)]):g}" for t in targets if (t, test) in vals]
        if spread:
            print(f"spread over rounds, {test}: " + ", ".join(spread))
    if any((t, "fixed_errors") in vals for t in targets):
        print("fixed-rate load: " + ", ".join(f"{t} {int(sum(vals.get((t, 'fixed_errors'), [0])))} errors"
                                            for t in targets))


if __name__ == "__main__":
    main()
