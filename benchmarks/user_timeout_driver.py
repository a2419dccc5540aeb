#!/usr/bin/env python3
"""Dead peer with data in flight, one measurement (benchmarks/user-timeout.sh runs it inside a private network
namespace that has the nft table `inet ut_bench` with the set `blackhole`).

  user_timeout_driver.py SIDE LIMIT_S
SIDE upstream: the client pushes through the proxy to an upstream that reads; the upstream is blackholed.
SIDE client:   the upstream pushes through the proxy to a client that reads; the client is blackholed.
After UNDER_WAY bytes have crossed, the peer's address goes into the blackhole set; the time until the surviving
peer sees the proxy close its leg (EOF or reset) is printed in ms, or ">LIMIT_S s" when it did not within LIMIT_S.
"""
import socket
import subprocess
import sys
import threading
import time

PROXY = ("127.0.0.1", 8000)
CLIENT_IP = "127.0.0.2"
UPSTREAM = ("127.0.0.3", 9000)
UNDER_WAY = 8 * 1024 * 1024
CHUNK = 64 * 1024
PUSH_LIMIT = 8 * 1024 * 1024 * 1024


def push(sock, stop):
    data = b"x" * CHUNK
    sent = 0
    try:
        while not stop.is_set() and sent < PUSH_LIMIT:
            sock.sendall(data)
            sent += len(data)
    except OSError:
        pass


def drain(sock, counter, stop):
    try:
        while not stop.is_set():
            n = len(sock.recv(CHUNK))
            if n == 0:
                return
            counter[0] += n
    except OSError:
        pass


def main():
    side, limit = sys.argv[1], float(sys.argv[2])
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(UPSTREAM)
    server.listen(8)
    client = socket.socket()
    client.bind((CLIENT_IP, 0))
    client.connect(PROXY)
    server.settimeout(10)
    upstream, _ = server.accept()
    receiver, pusher = (client, upstream) if side == "client" else (upstream, client)
    stop = threading.Event()
    received = [0]
    threading.Thread(target=drain, args=(receiver, received, stop), daemon=True).start()
    threading.Thread(target=push, args=(pusher, stop), daemon=True).start()
    deadline = time.monotonic() + 20
    while received[0] < UNDER_WAY:
        if time.monotonic() > deadline:
            print("error: transfer never got under way (%d bytes)" % received[0])
            sys.exit(1)
        time.sleep(0.01)
    dead_ip = CLIENT_IP if side == "client" else UPSTREAM[0]
    subprocess.run(["nft", "add element inet ut_bench blackhole { %s }" % dead_ip], check=True)
    start = time.monotonic()
    survivor = upstream if side == "client" else client
    survivor.settimeout(0.2)
    result = None
    while time.monotonic() - start < limit:
        try:
            if len(survivor.recv(CHUNK)) == 0:
                result = time.monotonic() - start
                break
        except socket.timeout:
            continue
        except OSError:
            result = time.monotonic() - start
            break
    stop.set()
    subprocess.run(["nft", "delete element inet ut_bench blackhole { %s }" % dead_ip], check=True)
    print("%d" % (result * 1000) if result is not None else ">%d s" % limit)
    for s in (client, upstream, server):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()


if __name__ == "__main__":
    main()
