#!/usr/bin/env python3
"""Connection floods against a running gateway, for the numbers in the issue-10 table (not a test:
tests live in gateway/tests/server/). Opens IDLE idle TCP connections and SLOW slow-header ones
(one header line every INTERVAL s), then times a normal query while they are open, and reports
the gateway's RSS (from /proc, PID given) and how many flood sockets the gateway has closed.

  bench/connection-floods.py URL PID [IDLE=15000] [SLOW=1000] [INTERVAL=5] [HOLD=30]
"""
import json, os, resource, selectors, socket, sys, time, urllib.request

url, pid = sys.argv[1], int(sys.argv[2])
idle_n, slow_n = int(sys.argv[3]) if len(sys.argv) > 3 else 15000, int(sys.argv[4]) if len(sys.argv) > 4 else 1000
interval = float(sys.argv[5]) if len(sys.argv) > 5 else 5.0
hold = float(sys.argv[6]) if len(sys.argv) > 6 else 30.0
host, port = url.split("//")[1].split("/")[0].split(":")
port = int(port)
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def rss_mb():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return -1


def query():
    body = json.dumps({"query": "{ __typename }"}).encode()
    req = urllib.request.Request(url, body, {"content-type": "application/json"})
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            status = res.status
    except Exception as e:  # noqa: BLE001 - reported, not raised
        status = f"error {e}"
    return status, (time.perf_counter() - t) * 1000


def open_many(n, first_bytes):
    socks, failed = [], 0
    for _ in range(n):
        try:
            s = socket.create_connection((host, port), timeout=5)
            if first_bytes:
                s.sendall(first_bytes)
            s.setblocking(False)
            socks.append(s)
        except OSError:
            failed += 1
    return socks, failed


def closed_count(socks):
    closed = 0
    for s in socks:
        try:
            if s.recv(1, socket.MSG_PEEK) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
    return closed


print(f"before: rss {rss_mb()} MB, query {query()}")
t = time.perf_counter()
idle, idle_failed = open_many(idle_n, b"")
print(f"opened {len(idle)} idle ({idle_failed} failed) in {time.perf_counter() - t:.1f}s: "
      f"rss {rss_mb()} MB, query {query()}")
slow, slow_failed = open_many(slow_n, b"POST /graphql HTTP/1.1\r\nhost: gw\r\n")
print(f"opened {len(slow)} slow-header ({slow_failed} failed): rss {rss_mb()} MB, query {query()}")
start = time.perf_counter()
line = 0
while time.perf_counter() - start < hold:
    time.sleep(interval)
    line += 1
    for s in slow:
        try:
            s.send(f"x-slow-{line}: 1\r\n".encode())
        except OSError:
            pass
    print(f"t+{time.perf_counter() - start:.0f}s: idle closed {closed_count(idle)}/{len(idle)}, "
          f"slow closed {closed_count(slow)}/{len(slow)}, rss {rss_mb()} MB, query {query()}")
for s in idle + slow:
    s.close()
time.sleep(1)
print(f"after: rss {rss_mb()} MB, query {query()}")
