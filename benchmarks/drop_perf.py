#!/usr/bin/env python3
"""drop-probe.sh PERF_RECORD=1's windows side by side: the share of the proxy's CPU samples in the kernel's
per-packet connection lookups (netfilter conntrack, TCP established/TIME_WAIT hash), the kernel in all, and user
space (JIT-compiled code and the JVM). usage: drop_perf.py OUT"""
import glob
import re
import subprocess
import sys

out = sys.argv[1]
groups = {
    "conntrack": lambda s: "nf_conntrack" in s or s.startswith("nf_ct_") or "hash_conntrack" in s,
    "inet_lookup": lambda s: "inet_lookup" in s or "inet_ehashfn" in s,
}
print("window\tsamples\tkernel%\tuser%\tconntrack%\tinet_lookup%")
for path in sorted(glob.glob(f"{out}/perf-*.data"), key=lambda p: int(re.search(r"perf-(\d+)", p).group(1))):
    rep = subprocess.run(["perf", "report", "-i", path, "--no-children", "--sort", "sym", "--stdio", "-q"],
                         capture_output=True, text=True).stdout
    total = {"kernel": 0.0, "user": 0.0, **{g: 0.0 for g in groups}}
    for line in rep.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+\[(.)\]\s+(\S+)", line)
        if not m:
            continue
        pct, space, sym = float(m.group(1)), m.group(2), m.group(3)
        total["kernel" if space == "k" else "user"] += pct
        for g, match in groups.items():
            if space == "k" and match(sym):
                total[g] += pct
    n = re.search(r"# Samples: (\S+)", subprocess.run(["perf", "report", "-i", path, "--stdio"],
                                                        capture_output=True, text=True).stdout)
    window = re.search(r"perf-(\d+)", path).group(1)
    print(f"{window}\t{n.group(1) if n else '?'}\t{total['kernel']:.1f}\t{total['user']:.1f}\t"
          f"{total['conntrack']:.2f}\t{total['inet_lookup']:.2f}")
