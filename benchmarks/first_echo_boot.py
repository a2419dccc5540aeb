#!/usr/bin/env python3
"""Start-up probe, as benchmarks/first_echo.py, that also says when the byte came back on the kernel's boot clock,
so that the caller can subtract a process's own start (field 22 of /proc/PID/stat, in clock ticks since boot): for a
container, podman's and runc's part is then told apart from the JVM's. Leaves the process running and prints
"<ms since launch> <pid> <seconds since boot at the echo>".
   first_echo_boot.py HOST:PORT COMMAND..."""
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
