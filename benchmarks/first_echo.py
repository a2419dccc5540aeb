#!/usr/bin/env python3
"""Start-up probe: starts COMMAND and measures the milliseconds until a byte sent through HOST:PORT comes back
(the proxy listens and relays to an echoing upstream), polling every 2 ms. Leaves the process running and
prints "<ms> <pid> <seconds since boot at the echo>": the last, on the kernel's boot clock, lets a caller subtract a
process's own start (field 22 of /proc/PID/stat), so that for a container podman's and runc's part is told apart
from the JVM's.
   first_echo.py HOST:PORT COMMAND..."""
import socket
import subprocess
import sys
import time


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    started = time.monotonic()
    proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.monotonic() - started < 30:
        if proc.poll() is not None:
            sys.exit("exited with %d before relaying" % proc.returncode)
        try:
            with socket.create_connection((host, int(port)), timeout=1) as s:
                s.sendall(b"x")
                if s.recv(1) == b"x":
                    echoed = time.clock_gettime(time.CLOCK_BOOTTIME)
                    print("%.0f %d %.3f" % ((time.monotonic() - started) * 1000, proc.pid, echoed))
                    return
        except OSError:
            pass
        time.sleep(0.002)
    proc.kill()
    sys.exit("no echo within 30 s")


if __name__ == "__main__":
    main()
