"""Median table and verdicts of one or more side-by-side runs' raw.tsv (round, target, test, value).

    python3 benchmarks/summarize.py RAW_TSV[,RAW_TSV...] core|http TARGET...

Several raw.tsv files (comma-separated, e.g. the runs of RUNS=N) are one pool of rounds: round r of run i is its own
round. The first table gives each target's median over all rounds, Vigil's ratio of medians to direct, nginx,
HAProxy and the baseline build ("base") when present, and the A/A twins' (haproxy-b/haproxy, vigil-b/vigil: the same
binary and config twice). The second table judges Vigil per metric against the better of nginx and HAProxy: the
per-round ratio (median, min-max), both A/A floors per round, and a verdict "ahead", "level (inside the A/A spread)"
or "behind" by the rule printed under it. Below, the spread (min-max over rounds) of the request rate, CPU per
request and fixed-rate p99."""
import csv
import statistics
import sys

NAMES = {"direct": "direct", "vigil": "vigil", "base": "vigil (baseline)", "nginx": "nginx", "haproxy": "haproxy",
         "vigil-spin": "vigil idle-strategy=spin", "haproxy-b": "haproxy-b (A/A)", "vigil-b": "vigil-b (A/A)"}
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
             ("cpu_us_per_req", "proxy CPU us per request (wrk; lower = more req/s per CPU)"),
             ("fixed_p50", "fixed-rate p50 ms"), ("fixed_p90", "fixed-rate p90 ms"),
             ("fixed_p99", "fixed-rate p99 ms"), ("fixed_p99_9", "fixed-rate p99.9 ms"),
             ("fixed_max", "fixed-rate max ms"), ("fixed_errors", "fixed-rate errors")),
}
HIGHER_IS_BETTER = {"gbps", "rps", "setup_rate"}
NO_VERDICT = {"cpu%", "fixed_cpu%", "fixed_errors"}   # neither better nor worse when higher (CPU % follows the rate)
TWINS = (("vigil-b", "vigil"), ("haproxy-b", "haproxy"))
COMPETITORS = ("nginx", "haproxy")
MIN_BAND = 1.01   # a difference under 1 % is not called, even when the twins measured the same (idle memory)
RULE = """Verdict rule, per metric: ratio = Vigil / best competitor in the same round, where the best competitor is the
better of nginx and HAProxy by its median over all rounds; A/A band = 1/m..m, where m is the largest deviation from 1
(either way: r or 1/r) of any per-round A/A ratio (vigil-b/vigil and haproxy-b/haproxy), at least 1.01; "ahead" =
the median of Vigil's per-round ratios lies beyond the band on the better side, "behind" = beyond it on the worse
side, "level (inside the A/A spread)" = inside it. Better = higher for Gbit/s, req/s and setups/s, lower for every
other metric."""


def num(v):
    v = v.strip()
    for unit, scale in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if v.endswith(unit) and v[:-len(unit)].replace(".", "").isdigit():
            return float(v[:-len(unit)]) * scale
    return float(v)


def short(v):
    return "{:.0f}".format(v) if abs(v) >= 1000 else "{:.2f}".format(v)


def load(paths):
    """{(target, test): {(run, round): value}} over all runs; the runs' count."""
    by_round = {}
    for run, path in enumerate(paths, 1):
        with open(path) as f:
            for r in csv.DictReader(f, delimiter="\t"):
                by_round.setdefault((r["target"], r["test"]), {})[(run, r["round"])] = num(r["value"])
    return by_round, len(paths)


def per_round(by_round, test, target, base):
    """target/base for each round both have (base non-zero): {(run, round): ratio}."""
    a, b = by_round.get((target, test), {}), by_round.get((base, test), {})
    return {k: a[k] / b[k] for k in a if k in b and b[k]}


def fmt_range(ratios):
    if not ratios:
        return "-"
    v = list(ratios)
    return "{:.2f} ({:.2f}-{:.2f})".format(statistics.median(v), min(v), max(v))


def median_table(by_round, med, kind, targets):
    ratios = [b for b in ("direct", "nginx", "haproxy", "base") if b in targets and "vigil" in targets]
    twins = [(t, o) for t, o in TWINS if t in targets and o in targets]
    spin = "vigil-spin" in targets and "vigil" in targets

    def cell(t, test):
        return short(med[(t, test)]) if (t, test) in med else "-"

    def ratio(test, base, target="vigil"):
        if (target, test) not in med or not med.get((base, test)):
            return "-"
        return "{:.2f}".format(med[(target, test)] / med[(base, test)])

    head = ["metric"] + [NAMES.get(t, t) for t in targets] + [f"vigil/{b}" for b in ratios] + \
        (["spin/block"] if spin else []) + [f"{t}/{o} (A/A)" for t, o in twins]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for test, label in TESTS[kind]:
        if not any((t, test) in med for t in targets):
            continue
        print("| " + " | ".join([label] + [cell(t, test) for t in targets] + [ratio(test, b) for b in ratios] +
                                ([ratio(test, "vigil", "vigil-spin")] if spin else []) +
                                [ratio(test, o, t) for t, o in twins]) + " |")
    print()


def verdict_table(by_round, med, kind, targets, runs):
    competitors = [c for c in COMPETITORS if c in targets]
    if "vigil" not in targets or not competitors:
        return
    twins = [(t, o) for t, o in TWINS if t in targets and o in targets]
    head = ["metric", "better", "best competitor (median)", "vigil/best per round: median (min-max)"] + \
        (["per run: median"] if runs > 1 else []) + [f"{t}/{o} per round (A/A)" for t, o in twins] + \
        ["A/A band", "verdict"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for test, label in TESTS[kind]:
        if test in NO_VERDICT or ("vigil", test) not in med:
            continue
        higher = test in HIGHER_IS_BETTER
        present = [c for c in competitors if (c, test) in med]
        if not present:
            continue
        best = (max if higher else min)(present, key=lambda c: med[(c, test)])
        vs_best = per_round(by_round, test, "vigil", best)
        if not vs_best:
            continue
        floors = [per_round(by_round, test, t, o) for t, o in twins]
        spread = [max(r, 1 / r) for f in floors for r in f.values() if r > 0]
        row = [label, "higher" if higher else "lower", "{} {}".format(best, short(med[(best, test)])),
               fmt_range(vs_best.values())]
        if runs > 1:
            row.append(" / ".join("{:.2f}".format(statistics.median(v)) if v else "-" for v in
                                  ([r for k, r in vs_best.items() if k[0] == run] for run in range(1, runs + 1))))
        row += [fmt_range(f.values()) for f in floors]
        if any(r <= 0 for f in floors + [vs_best] for r in f.values()):
            row += ["-", "- (a value <= 0)"]
        elif spread:
            m = max(spread + [MIN_BAND])
            q = statistics.median(vs_best.values())
            gain = q if higher else 1 / q   # > 1: Vigil better
            verdict = "ahead" if gain > m else "behind" if gain < 1 / m else "level (inside the A/A spread)"
            row += ["{:.2f}-{:.2f}".format(1 / m, m), verdict]
        else:
            row += ["-", "- (no A/A twin)"]
        print("| " + " | ".join(row) + " |")
    print()
    print(RULE)
    print()


def main():
    paths, kind, targets = sys.argv[1].split(","), sys.argv[2], sys.argv[3:]
    by_round, runs = load(paths)
    med = {k: statistics.median(v.values()) for k, v in by_round.items()}
    rounds = {k for (t, test), v in by_round.items() if test == "rps" for k in v}
    print(f"{runs} run(s), {len(rounds)} round(s) in all: " + ", ".join(paths))
    print()
    median_table(by_round, med, kind, targets)
    verdict_table(by_round, med, kind, targets, runs)
    for test in ("rps", "cpu_us_per_req", "fixed_p99"):
        spread = [f"{t} {min(v):g}-{max(v):g}" for t in targets
                  for v in [list(by_round.get((t, test), {}).values())] if v]
        if spread:
            print(f"spread over rounds, {test}: " + ", ".join(spread))
    if any((t, "fixed_errors") in by_round for t in targets):
        print("fixed-rate load: " + ", ".join(
            f"{t} {int(sum(by_round.get((t, 'fixed_errors'), {}).values()))} errors" for t in targets))


if __name__ == "__main__":
    main()
