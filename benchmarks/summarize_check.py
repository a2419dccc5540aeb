"""Checks summarize.py's verdicts on made-up rounds whose answer is known (no proxy runs): exit 0 when all hold.

    python3 benchmarks/summarize_check.py

Vigil's req/s is 1.30x the better competitor's in every round with twins 3 % apart (ahead), its wrk p99 1.30x the
better one's (behind: lower is better), its CPU per request 1.02x (level: inside vigil-b's 3 %, where the HAProxy twins
alone, 0.5 % apart, would call it behind); two runs of three rounds, so the pooling of runs is exercised too."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS = ["vigil", "vigil-b", "nginx", "haproxy", "haproxy-b"]
# per round: (target -> (rps, p99 ms, cpu us per request)); nginx is the better competitor on every metric
ROUND = {"nginx": (50000, 1.0, 10.0), "haproxy": (40000, 2.0, 12.0), "haproxy-b": (41200, 1.94, 12.06),
         "vigil": (65000, 1.3, 10.2), "vigil-b": (63050, 1.339, 9.9)}
EXPECTED = {"wrk req/s": "| ahead |", "wrk p99 ms": "| behind |",
            "proxy CPU us per request (wrk)": "| level (inside the A/A spread) |"}


def write_run(path, scale):
    with open(path, "w") as f:
        f.write("round\ttarget\ttest\tvalue\n")
        for rnd in (1, 2, 3):
            for t, (rps, p99, cpu) in ROUND.items():
                s = scale * (1 + 0.01 * rnd)   # the machine's drift: the same for every target in a round
                f.write(f"{rnd}\t{t}\trps\t{rps / s:.0f}\n{rnd}\t{t}\tp99\t{p99 * s:.3f}ms\n"
                        f"{rnd}\t{t}\tcpu_us_per_req\t{cpu * s:.3f}\n")


def main():
    with tempfile.TemporaryDirectory() as d:
        runs = [os.path.join(d, f"run-{i}.tsv") for i in (1, 2)]
        for i, path in enumerate(runs):
            write_run(path, 1 + 0.1 * i)
        out = subprocess.run([sys.executable, os.path.join(HERE, "summarize.py"), ",".join(runs), "core"] + TARGETS,
                             check=True, capture_output=True, text=True).stdout
    failures = []
    for label, verdict in EXPECTED.items():
        rows = [line for line in out.splitlines() if line.startswith(f"| {label} | ") and "per round" not in line
                and ("higher" in line or "lower" in line)]
        if len(rows) != 1 or not rows[0].endswith(verdict):
            failures.append(f"{label}: expected {verdict!r} in {rows}")
    if "2 run(s), 6 round(s)" not in out:
        failures.append("the two runs were not pooled into 6 rounds")
    print("\n".join(failures) if failures else "summarize.py verdicts: ok")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
