#!/usr/bin/env python3
"""A bounded HTTP/1.1 keep-alive client for syscall counting: exactly REQUESTS requests over CONNS connections,
one outstanding request per connection, then exit. A connection the server closes (a keep-alive request limit)
is replaced and its unanswered request sent again. Prints the counts and the elapsed seconds.
   fixed_requests.py HOST:PORT REQUESTS CONNS"""
import selectors
import socket
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"


def response_end(buf):
    """Index just past one complete response in buf, or -1."""
    head_end = buf.find(b"\r\n\r\n")
    if head_end < 0:
        return -1
    length = 0
    for line in buf[:head_end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    end = head_end + 4 + length
    return end if len(buf) >= end else -1


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    total, conns = int(sys.argv[2]), int(sys.argv[3])
    sel = selectors.DefaultSelector()
    sent = done = reconnects = 0

    def connect():
        s = socket.create_connection((host, int(port)))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(REQUEST)
        sel.register(s, selectors.EVENT_READ, bytearray())

    started = time.monotonic()
    for _ in range(min(conns, total)):
        connect()
        sent += 1
    deadline = started + 300
    while done < total:
        if time.monotonic() > deadline:
            sys.exit("gave up after 300 s at %d of %d" % (done, total))
        for key, _ in sel.select(timeout=5):
            s, buf = key.fileobj, key.data
            chunk = s.recv(65536)
            if not chunk:
                if buf:
                    sys.exit("connection closed inside a response after %d responses" % done)
                sel.unregister(s)
                s.close()
                reconnects += 1
                connect()
                continue
            buf += chunk
            while True:
                end = response_end(buf)
                if end < 0:
                    break
                del buf[:end]
                done += 1
                if sent < total:
                    s.sendall(REQUEST)
                    sent += 1
    print("%d requests in %.2f s, %d reconnects" % (done, time.monotonic() - started, reconnects))


if __name__ == "__main__":
    main()
