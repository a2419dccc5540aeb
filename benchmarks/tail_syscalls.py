#!/usr/bin/env python3
"""A proxy loop's batch shape, from `perf record -e raw_syscalls:sys_enter,raw_syscalls:sys_exit -p PID` (issue 15's
wrk tail): per epoll_wait, how many events it returned and what the loop did until the next one.

  perf script -F tid,time,event,trace -i sys.data | tail_syscalls.py

The loop thread is the thread with the most epoll_wait calls. A request of wrk's (HTTP through an L4 proxy) is two
reads that returned bytes (the request from the client, the response from the upstream). Prints key=value pairs:
  reqs              requests seen (successful reads / 2)
  sys_per_req       the loop's syscalls per request, all kinds; and per kind (read, write, epoll_wait, epoll_ctl,
                    clock_gettime, other)
  eagain_per_req    reads that found nothing (EAGAIN) per request
  waits_zero        epoll_waits that returned no event (a poll that found nothing, or a timeout)
  ev_p50/p90/p99/max   events returned per epoll_wait that returned any
  reqs_per_batch    requests per epoll_wait that returned any (reads with bytes / 2 in the iteration after it)
  busy_p50/p99/max_us  time from an epoll_wait's return to the next epoll_wait's entry (handling one batch)
  blocked_ms        the time spent inside epoll_wait calls that returned events after waiting over 50 us
"""
import re
import sys

from tail_sched import pct  # the same nearest-rank percentile

LINE = re.compile(r"^\s*(?P<tid>\d+)\s+(?P<time>[\d.]+):\s+raw_syscalls:sys_(?P<kind>enter|exit):\s+NR (?P<nr>-?\d+)"
                  r"(?: = (?P<ret>-?\d+))?")
READS = {0, 17, 19, 45}          # read, pread64, readv, recvfrom
WRITES = {1, 18, 20, 44, 46}     # write, pwrite64, writev, sendto, sendmsg
WAITS = {232, 281, 441}          # epoll_wait, epoll_pwait, epoll_pwait2
NAMES = {233: "epoll_ctl", 228: "clock_gettime"}


def main():
    events = []
    waits_by_tid = {}
    for line in sys.stdin:
        m = LINE.match(line)
        if not m:
            continue
        tid, nr = int(m["tid"]), int(m["nr"])
        events.append((tid, float(m["time"]), m["kind"], nr, int(m["ret"]) if m["ret"] is not None else None))
        if nr in WAITS and m["kind"] == "enter":
            waits_by_tid[tid] = waits_by_tid.get(tid, 0) + 1
    if not waits_by_tid:
        print("no_epoll_wait=1")
        return
    loop = max(waits_by_tid, key=waits_by_tid.get)
    kinds = {}
    reads_ok = eagain = 0
    batches = []              # (events, reads with bytes, busy seconds)
    waits_zero = 0
    blocked = 0.0
    enter_time = None
    current = None            # [events, reads_ok, exit_time] of the batch being handled
    for tid, t, kind, nr, ret in events:
        if tid != loop:
            continue
        if kind == "enter":
            enter_time = t
            name = "read" if nr in READS else "write" if nr in WRITES else "epoll_wait" if nr in WAITS else \
                NAMES.get(nr, "other")
            kinds[name] = kinds.get(name, 0) + 1
            if nr in WAITS and current is not None:
                batches.append((current[0], current[1], t - current[2]))
                current = None
            continue
        if nr in READS and ret is not None:
            if ret > 0:
                reads_ok += 1
                if current is not None:
                    current[1] += 1
            elif ret == -11:
                eagain += 1
        elif nr in WAITS and ret is not None:
            if ret <= 0:
                waits_zero += 1
            else:
                current = [ret, 0, t]
                if enter_time is not None and t - enter_time > 50e-6:
                    blocked += t - enter_time
    reqs = max(1, reads_ok // 2)
    evs = [b[0] for b in batches]
    busy = [b[2] * 1e6 for b in batches]
    fields = {
        "reqs": reads_ok // 2,
        "sys_per_req": f"{sum(kinds.values()) / reqs:.3f}",
        **{f"{k}_per_req": f"{kinds.get(k, 0) / reqs:.3f}" for k in
           ("read", "write", "epoll_wait", "epoll_ctl", "clock_gettime", "other")},
        "eagain_per_req": f"{eagain / reqs:.3f}",
        "waits_zero": waits_zero,
        "batches": len(batches),
        "ev_p50": pct(evs, 50), "ev_p90": pct(evs, 90), "ev_p99": pct(evs, 99), "ev_max": max(evs) if evs else 0,
        "reqs_per_batch": f"{sum(b[1] for b in batches) / 2 / max(1, len(batches)):.1f}",
        "busy_p50_us": f"{pct(busy, 50):.0f}", "busy_p99_us": f"{pct(busy, 99):.0f}",
        "busy_max_us": f"{max(busy) if busy else 0:.0f}",
        "blocked_ms": f"{blocked * 1000:.1f}",
    }
    print("\t".join(f"{k}={v}" for k, v in fields.items()))


if __name__ == "__main__":
    main()
