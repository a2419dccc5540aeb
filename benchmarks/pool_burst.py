#!/usr/bin/env python3
"""Buffer-pool retention (RESULTS.md, issue 15 footprint): opens N sessions through a proxy, each sending 1 MiB to an
upstream this script accepts and never reads, then closes all; prints the proxy's RSS before, while stalled, and 5 s
after (and 35 s after: the pool trims every 10 s, the JVM trims the C heap every 10 s). Loopback only, bounded (10 s accept deadline).
   pool_burst.py UPSTREAM_PORT PROXY_PORT N PROXY_PID     (raise ulimit -n first: 2 fds per session here)"""
import socket
import sys
import time

up, px, n, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def rss():
    with open(f"/proc/{pid}/status") as f:
        for l in f:
            if l.startswith("VmRSS"): return int(l.split()[1]) // 1024
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", up)); srv.listen(4096); srv.setblocking(False)
held = []
print("before", rss(), "MiB", flush=True)
clients = []
payload = b"x" * (1 << 20)
for i in range(n):
    c = socket.create_connection(("127.0.0.1", px)); c.setblocking(False)
    try: c.send(payload)
    except BlockingIOError: pass
    clients.append(c)
    while True:
        try: a, _ = srv.accept(); a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096); held.append(a)
        except BlockingIOError: break
deadline = time.time() + 10
while len(held) < n and time.time() < deadline:
    try: a, _ = srv.accept(); held.append(a)
    except BlockingIOError: time.sleep(0.01)
time.sleep(3)
print("pending", len(held), "upstreams (none reading):", rss(), "MiB", flush=True)
for c in clients: c.close()
for a in held: a.close()
time.sleep(5)
print("after all closed +5 s:", rss(), "MiB", flush=True)
time.sleep(30)  # two of the pool's 10 s trim periods: a buffer unused for a whole period is freed
print("after all closed +35 s:", rss(), "MiB", flush=True)
