#!/usr/bin/env python3
"""Who ran on the proxy's core during a window, from `perf record -e sched:sched_switch -C CPU` (issue 15's wrk tail).

  perf script -F comm,pid,tid,cpu,time,trace -i sched.data | tail_sched.py PROXY_PID LOOP_TID SECONDS

Prints one tab-separated line of key=value pairs:
  unaccounted_ms    time between switches where events were lost (perf could not keep up): attributed to no one
  loop_ms           the loop thread's time on the core
  own_ms            the proxy's other threads' time on the core (a JVM's GC, compiler, VM and timer threads)
  own_top           the three of those with the most time, comm:ms:slices
  other_ms          other processes' time on the core (other helpers' builds, the load generator if it strayed)
  idle_ms           the idle task's
  loop_out_r        times the loop thread was switched out while runnable (preempted), and of those
  out_r_by_own      ... preempted by one of the proxy's own threads
  wait_r_p50/p99/max_us  how long the loop then waited to run again (all its requests waited as long)
  own_in_wait_ms    the time the proxy's own other threads held the core while the loop waited runnable: the stall
                    the JVM's threads caused (other_in_wait_ms: other processes', the machine's)
  own_in_wait_max_us  the longest such stretch in one wait
  loop_sleeps       times the loop thread blocked (switched out sleeping: epoll_wait with nothing ready)
"""
import re
import sys

LINE = re.compile(r"^\s*(?P<comm>.*?)\s+(?P<pid>-?\d+)/(?P<tid>-?\d+)\s+\[(?P<cpu>\d+)\]\s+(?P<time>[\d.]+):\s+"
                  r"prev_comm=.*? prev_pid=(?P<prev>\d+) prev_prio=\d+ prev_state=(?P<state>\S+) ==> "
                  r"next_comm=(?P<next_comm>.*?) next_pid=(?P<next>\d+) next_prio=\d+")


def pct(values, p):
    if not values:
        return 0
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def main():
    proxy_pid, loop_tid, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    tid_pid = {}
    comm_of = {}
    switches = []
    for line in sys.stdin:
        m = LINE.match(line)
        if not m:
            continue
        prev = int(m["prev"])
        tid_pid[prev] = int(m["pid"])
        comm_of[prev] = m["comm"].strip()
        switches.append((float(m["time"]), prev, m["state"], int(m["next"]), m["next_comm"].strip()))
    if not switches:
        print("no_switches=1")
        return
    run_ms = {}
    slices = {}
    loop_waits = []           # (wait_us, by_own)
    loop_sleeps = 0
    out_since = None          # the loop was preempted at this time
    out_by_own = False
    own_in_wait = other_in_wait = 0.0
    unaccounted = 0.0
    own_this_wait = 0.0
    own_in_wait_max = 0.0
    for i in range(1, len(switches)):
        t0, _, _, running, _ = switches[i - 1]
        t1, prev, state, nxt, _ = switches[i]
        if prev != running:
            unaccounted += t1 - t0   # events lost between these two switches (perf could not keep up)
        if prev == running:   # the slice of `running` from t0 to t1 (always so on one CPU; kept as a check)
            run_ms[running] = run_ms.get(running, 0.0) + (t1 - t0) * 1000
            slices[running] = slices.get(running, 0) + 1
            if out_since is not None and running != loop_tid:  # (inside the slice branch)
                if tid_pid.get(running) == proxy_pid:
                    own_in_wait += t1 - t0
                    own_this_wait += t1 - t0
                elif running != 0:
                    other_in_wait += t1 - t0
        if prev == loop_tid:
            if state.startswith("R"):
                out_since = t1
                own_this_wait = 0.0
                out_by_own = tid_pid.get(nxt) == proxy_pid
            else:
                loop_sleeps += 1
                out_since = None
        elif nxt == loop_tid and out_since is not None:
            loop_waits.append(((t1 - out_since) * 1e6, out_by_own))
            own_in_wait_max = max(own_in_wait_max, own_this_wait)
            own_this_wait = 0.0
            out_since = None
        elif out_since is not None and tid_pid.get(nxt) == proxy_pid and nxt != loop_tid:
            out_by_own = True  # a JVM thread took the core before the loop got it back
    loop = run_ms.get(loop_tid, 0.0)
    idle = run_ms.get(0, 0.0)
    own = {t: ms for t, ms in run_ms.items() if t != loop_tid and tid_pid.get(t) == proxy_pid}
    other = sum(ms for t, ms in run_ms.items() if t not in own and t not in (0, loop_tid))
    top = sorted(own.items(), key=lambda kv: -kv[1])[:3]
    waits = [w for w, _ in loop_waits]
    fields = {
        "window_s": f"{switches[-1][0] - switches[0][0]:.2f}",
        "unaccounted_ms": f"{unaccounted * 1000:.0f}",
        "loop_ms": f"{loop:.0f}",
        "own_ms": f"{sum(own.values()):.1f}",
        "own_top": ",".join(f"{comm_of.get(t, t).replace(' ', '_')}:{ms:.1f}:{slices.get(t, 0)}" for t, ms in top) or "-",
        "other_ms": f"{other:.0f}",
        "idle_ms": f"{idle:.0f}",
        "loop_out_r": len(loop_waits),
        "out_r_by_own": sum(1 for _, own_thread in loop_waits if own_thread),
        "wait_r_p50_us": f"{pct(waits, 50):.0f}",
        "wait_r_p99_us": f"{pct(waits, 99):.0f}",
        "wait_r_max_us": f"{max(waits) if waits else 0:.0f}",
        "own_in_wait_ms": f"{own_in_wait * 1000:.1f}",
        "own_in_wait_max_us": f"{own_in_wait_max * 1e6:.0f}",
        "other_in_wait_ms": f"{other_in_wait * 1000:.0f}",
        "loop_sleeps": loop_sleeps,
    }
    print("\t".join(f"{k}={v}" for k, v in fields.items()))


if __name__ == "__main__":
    main()
