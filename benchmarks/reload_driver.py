#!/usr/bin/env python3
"""Load-side helpers for benchmarks/reload.sh (Python 3 standard library only).

  echo   --listen HOST:PORT                      byte-exact echo upstream (one thread, epoll), until SIGTERM
  churn  --target HOST:PORT --out F [--seconds S] [--max N] [--workers W]
                                                 W threads, each: connect, 100 random bytes each way, check, close;
                                                 again until SIGTERM, S seconds or N exchanges in all. Failures are
                                                 classified (refused, reset, timeout, eof, mismatch, other) with
                                                 their times
  hold   --target HOST:PORT --sessions N --out F [--max-seconds S]
                                                 open N sessions and exchange 1 KiB on each, then write F.ready;
                                                 each SIGUSR2 opens one more ("late") session the same way;
                                                 on SIGUSR1 exchange 64 KiB on each, byte-exact, and write F;
                                                 on SIGTERM close them all and exit
  cpu    FILE                                    snapshot /proc/stat and every process's CPU ticks to FILE
  noise  BEFORE AFTER --root PID                 CPU busy per core and CPU used outside PID's process tree
  table  RAW.tsv                                 the markdown table of reload.sh's raw results

Every loop is bounded in time and count. Errors are counted by errno class, never retried.
"""
import argparse
import json
import os
import selectors
import signal
import socket
import statistics
import sys
import time

CHURN_BYTES = 100
CHURN_TIMEOUT_S = 5.0
HOLD_FIRST_BYTES = 1024
HOLD_CHECK_BYTES = 64 * 1024
HOLD_CHUNK = 8192
HOLD_TIMEOUT_S = 10.0
MAX_RECORDED_FAILURES = 1000


def address(text):
    host, port = text.rsplit(":", 1)
    return host, int(port)


class Flags:
    """Signals only set flags; the loops look at them."""
    stop = False
    check = False
    late = 0


def on_stop(_signum, _frame):
    Flags.stop = True


def on_check(_signum, _frame):
    Flags.check = True


# --- echo upstream ---------------------------------------------------------------------------------------------

def echo(args):
    signal.signal(signal.SIGTERM, on_stop)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(address(args.listen))
    server.listen(4096)
    server.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(server, selectors.EVENT_READ, None)
    pending = {}   # socket -> bytes not yet written back (reads pause while any are pending: backpressure)

    def close(conn):
        sel.unregister(conn)
        pending.pop(conn, None)
        conn.close()

    while not Flags.stop:
        for key, mask in sel.select(timeout=0.5):
            if key.data is None:
                for _ in range(64):   # drain the backlog, bounded per wake-up
                    try:
                        conn, _peer = server.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:
                        break
                    conn.setblocking(False)
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    sel.register(conn, selectors.EVENT_READ, "conn")
                continue
            conn = key.fileobj
            try:
                if mask & selectors.EVENT_WRITE:
                    data = pending[conn]
                    sent = conn.send(data)
                    if sent < len(data):
                        pending[conn] = data[sent:]
                        continue
                    del pending[conn]
                    sel.modify(conn, selectors.EVENT_READ, "conn")
                    continue
                data = conn.recv(65536)
                if not data:
                    close(conn)
                    continue
                sent = 0
                try:
                    sent = conn.send(data)
                except BlockingIOError:
                    pass
                if sent < len(data):
                    pending[conn] = data[sent:]
                    sel.modify(conn, selectors.EVENT_WRITE, "conn")
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                close(conn)


# --- connect-per-exchange churn --------------------------------------------------------------------------------

def classify(ex):
    if isinstance(ex, ConnectionRefusedError):
        return "refused"
    if isinstance(ex, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        return "reset"
    if isinstance(ex, socket.timeout):
        return "timeout"
    if isinstance(ex, EOFError):
        return "eof"
    if isinstance(ex, ValueError):
        return "mismatch"
    return "other"


def read_exactly(sock, size):
    parts = []
    left = size
    while left > 0:
        chunk = sock.recv(min(left, 65536))
        if not chunk:
            raise EOFError(f"closed after {size - left} of {size} bytes")
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def churn(args):
    """`workers` threads, each a sequential connect-exchange-close loop (the GIL is free while a socket waits)."""
    import threading
    signal.signal(signal.SIGTERM, on_stop)
    target = address(args.target)
    kinds = ("exchanges", "refused", "reset", "timeout", "eof", "mismatch", "other")
    counts = {k: 0 for k in kinds}
    failures = []
    lock = threading.Lock()
    started = time.time()
    deadline = time.monotonic() + args.seconds

    def loop():
        for _ in range(args.max // args.workers):
            if Flags.stop or time.monotonic() > deadline:
                break
            message = os.urandom(CHURN_BYTES)
            try:
                with socket.create_connection(target, timeout=CHURN_TIMEOUT_S) as sock:
                    sock.sendall(message)
                    if read_exactly(sock, CHURN_BYTES) != message:
                        raise ValueError("echo differs")
                kind = "exchanges"
                failure = None
            except (OSError, EOFError, ValueError) as ex:
                kind = classify(ex)
                failure = {"at": time.time(), "kind": kind, "error": repr(ex)}
            with lock:
                counts[kind] += 1
                if failure and len(failures) < MAX_RECORDED_FAILURES:
                    failures.append(failure)

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(args.workers)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads) and time.monotonic() < deadline + CHURN_TIMEOUT_S + 5:
        time.sleep(0.05)   # the main thread must stay free to take SIGTERM
    with lock:
        counts["failures"] = sum(v for k, v in counts.items() if k != "exchanges")
        write_json(args.out, {"started": started, "ended": time.time(), "workers": args.workers, **counts,
                              "failure_list": failures})


# --- long-lived sessions ---------------------------------------------------------------------------------------

def exchange(sock, size):
    """Write `size` random bytes in chunks and read each chunk back; raises when the echo is not byte-exact."""
    sent = os.urandom(size)
    for offset in range(0, size, HOLD_CHUNK):
        chunk = sent[offset:offset + HOLD_CHUNK]
        sock.sendall(chunk)
        if read_exactly(sock, len(chunk)) != chunk:
            raise ValueError(f"echo differs at bytes {offset}..{offset + len(chunk)}")


def hold(args):
    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGUSR1, on_check)
    signal.signal(signal.SIGUSR2, on_late)
    target = address(args.target)
    first, first_errors = open_sessions(target, args.sessions)
    write_json(args.out + ".ready", {"opened": len(first), "open_errors": first_errors, "at": time.time()})
    late = []
    late_errors = []
    deadline = time.monotonic() + args.max_seconds
    while not Flags.stop and time.monotonic() < deadline:
        wanted, Flags.late = Flags.late, 0
        if wanted:
            opened, errors = open_sessions(target, wanted)
            late += opened
            late_errors += errors
        elif Flags.check:
            break
        else:
            time.sleep(0.02)
    first_survived, first_lost = check_sessions(first)
    late_survived, late_lost = check_sessions(late)
    write_json(args.out, {"wanted": args.sessions, "opened": len(first), "survived": first_survived,
                          "lost": first_lost, "late_opened": len(late), "late_open_errors": late_errors,
                          "late_survived": late_survived, "late_lost": late_lost, "checked_at": time.time()})
    while not Flags.stop and time.monotonic() < deadline:
        time.sleep(0.05)
    for sock in first + late:
        sock.close()


def on_late(_signum, _frame):
    Flags.late += 1


def open_sessions(target, count):
    sessions = []
    errors = []
    for _ in range(count):
        try:
            sock = socket.create_connection(target, timeout=HOLD_TIMEOUT_S)
            exchange(sock, HOLD_FIRST_BYTES)
            sessions.append(sock)
        except (OSError, EOFError, ValueError) as ex:
            errors.append(repr(ex))
    return sessions, errors


def check_sessions(sessions):
    survived = 0
    lost = []
    for index, sock in enumerate(sessions):
        try:
            exchange(sock, HOLD_CHECK_BYTES)
            survived += 1
        except (OSError, EOFError, ValueError) as ex:
            lost.append({"session": index, "kind": classify(ex), "error": repr(ex)})
    return survived, lost


# --- CPU noise -------------------------------------------------------------------------------------------------

def cpu_snapshot(args):
    cores = {}
    with open("/proc/stat") as stat:
        for line in stat:
            fields = line.split()
            if fields[0].startswith("cpu") and fields[0] != "cpu":
                values = [int(v) for v in fields[1:]]
                idle = values[3] + values[4]
                cores[fields[0]] = {"busy": sum(values[:8]) - idle, "total": sum(values[:8])}
    procs = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        rest = text[text.rindex(")") + 2:].split()
        # fields after the command: state ppid ... utime(12) stime(13), counted from state = 0
        procs[name] = {"ppid": rest[1], "ticks": int(rest[11]) + int(rest[12]), "comm": text[text.index("(") + 1:
                                                                                           text.rindex(")")]}
    write_json(args.file, {"at": time.time(), "cores": cores, "procs": procs})


def noise(args):
    with open(args.before) as f:
        before = json.load(f)
    with open(args.after) as f:
        after = json.load(f)
    hz = os.sysconf("SC_CLK_TCK")
    wall = after["at"] - before["at"]
    procs = after["procs"]

    def ours(pid):
        for _ in range(64):   # bounded walk up the process tree
            if pid == str(args.root):
                return True
            if pid not in procs or pid in ("0", "1"):
                return False
            pid = procs[pid]["ppid"]
        return False

    foreign = {}
    for pid, proc in procs.items():
        if pid in before["procs"] and before["procs"][pid]["comm"] == proc["comm"] and not ours(pid):
            delta = proc["ticks"] - before["procs"][pid]["ticks"]
            if delta > 0:
                foreign[proc["comm"]] = foreign.get(proc["comm"], 0) + delta
    result = {"wall_s": round(wall, 1)}
    for core, now in sorted(after["cores"].items()):
        then = before["cores"][core]
        result[f"{core}_busy_pct"] = round(100.0 * (now["busy"] - then["busy"]) / max(1, now["total"] - then["total"]))
    result["foreign_cpu_pct_of_one_core"] = round(100.0 * sum(foreign.values()) / hz / max(wall, 0.1))
    result["foreign_top"] = sorted(((round(100.0 * t / hz / max(wall, 0.1)), c) for c, t in foreign.items()),
                                   reverse=True)[:5]
    print(json.dumps(result))


# --- results table ---------------------------------------------------------------------------------------------

ROWS = [
    ("wrk_requests", "wrk requests (HTTP, keep-alive)"),
    ("wrk_connect", "wrk socket errors: connect"),
    ("wrk_read", "wrk socket errors: read"),
    ("wrk_write", "wrk socket errors: write"),
    ("wrk_timeout", "wrk socket errors: timeout"),
    ("wrk_non2xx", "wrk non-2xx/3xx responses"),
    ("churn_exchanges", "TCP churn exchanges (connect, 100 B each way, close)"),
    ("churn_refused", "TCP churn refused"),
    ("churn_reset", "TCP churn reset"),
    ("churn_other", "TCP churn other failures (timeout, early close, mismatch)"),
    ("held_survived", "long-lived sessions opened before the 1st reload, relaying byte-exact after the last (of 50)"),
    ("late_survived", "sessions opened one after each reload, relaying byte-exact after the last (one per reload)"),
    ("old_max", "old processes, most at once (sampled after each reload)"),
    ("old_after_last", "old processes right after the last reload"),
    ("old_after_linger", "old processes LINGER s later (sessions still open)"),
    ("old_exit_ms", "old processes gone, ms after the long-lived sessions closed"),
    ("vigil_web_accepted",
     "HTTP client connections accepted, Vigil's metric (2 × CONNS from wrk + 3 probes when none was closed)"),
    ("reload_ms_median", "reload time, trigger to done, median ms"),
    ("reload_ms_max", "reload time, max ms"),
    ("foreign_cpu_pct", "noise: CPU used by other processes, % of one core"),
]


def table(args):
    import csv
    values = {}
    proxies = []
    linger = "?"
    with open(args.raw) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["proxy"] not in proxies:
                proxies.append(row["proxy"])
            values.setdefault((row["proxy"], row["metric"]), []).append((int(row["round"]), row["value"]))
            if row["metric"] == "linger_s":
                linger = row["value"]
    print("| per round (r1 / r2 / …); Vigil's \"gen.\": old configuration generations inside its one process | " +
          " | ".join(proxies) + " |")
    print("|---|" + "---|" * len(proxies))
    for metric, label in ROWS:
        cells = []
        for proxy in proxies:
            rounds = sorted(values.get((proxy, metric), []))
            suffix = " gen." if proxy == "vigil" and metric.startswith("old_") and metric != "old_exit_ms" else ""
            cells.append(" / ".join(v + suffix for _, v in rounds) if rounds else "–")
        print(f"| {label.replace('LINGER', linger)} | " + " | ".join(cells) + " |")


def write_json(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("echo")
    p.add_argument("--listen", required=True)
    p = sub.add_parser("churn")
    p.add_argument("--target", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seconds", type=float, default=120)
    p.add_argument("--max", type=int, default=2_000_000)
    p.add_argument("--workers", type=int, default=4)
    p = sub.add_parser("hold")
    p.add_argument("--target", required=True)
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--out", required=True)
    p.add_argument("--max-seconds", type=float, default=300)
    p = sub.add_parser("cpu")
    p.add_argument("file")
    p = sub.add_parser("noise")
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--root", required=True)
    p = sub.add_parser("table")
    p.add_argument("raw")
    args = parser.parse_args()
    {"echo": echo, "churn": churn, "hold": hold, "cpu": cpu_snapshot, "noise": noise, "table": table}[
        args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
