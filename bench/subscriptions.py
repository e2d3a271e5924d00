#!/usr/bin/env python3
"""Subscriptions bench: N concurrent subscriptions on one gateway (memory per open
subscription) and fan-out (events/s delivered to clients).

    cargo build --release -p crowdcrunch-gateway --bin crowdcrunch-gateway --example live_subgraphs
    python3 bench/subscriptions.py [N] [EVENTS] [TRANSPORT]   # defaults: 1000 20 ws
    env: UPSTREAM=ws|sse (how the gateway subscribes to the ticker; default ws)
         PROFILE=release|debug, BIN_DIR=dir of both binaries, OUT=file to append the table to

Starts the `live` test subgraphs (examples/live_subgraphs.rs: ticker owns
`priceChanged`, each event needs catalog then shipping) and a release gateway
(2 workers), opens N subscriptions (N WebSocket connections with one
`graphql-transport-ws` subscription each, or N SSE streams), waits until the
gateway reports them open (gateway_subscriptions_open) and the ticker has N
streams, then reads the gateway's RSS: memory per subscription =
(RSS with N open - RSS idle) / N.
Then the ticker publishes EVENTS price changes of the SKU all of them follow;
each event costs the gateway one entity fetch to catalog and one to shipping
per subscription, and one message to each client. Fan-out = N x EVENTS / the
time from publishing to the last client receiving its last event.
Every client reads its socket from the moment it is open (answering the
gateway's pings, as graphql-ws clients do), and every wait has a deadline
after which the script prints what it saw and exits 1, rather than hanging.
Prints a markdown table row set. A benchmark, not a test: numbers depend on
the machine (the clients, subgraphs and gateway share its cores)."""
import asyncio, base64, json, os, re, socket, struct, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
# PROFILE=debug measures a debug build (slower events/s; set when no release build is at hand).
PROFILE = os.environ.get("PROFILE", "release")
BIN_DIR = os.environ.get("BIN_DIR", os.path.join(TARGET, PROFILE))
UPSTREAM = os.environ.get("UPSTREAM", "ws")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
EVENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 20
TRANSPORT = sys.argv[3] if len(sys.argv) > 3 else "ws"
QUERY = "subscription($sku: ID!) { priceChanged(sku: $sku) { price item { sku name shippingCost } } }"
# Longest wait for any phase (opening, all events) before giving up with a diagnosis.
DEADLINE_S = float(os.environ.get("DEADLINE_S", "180"))

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))

def metric(url, name):
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    total, found = 0.0, False
    for m in re.finditer(r"^%s(?:\{[^}]*\})? ([0-9.e+]+)$" % name, text, re.M):
        total += float(m.group(1)); found = True
    return total if found else 0.0

class Client:
    """Reads its socket from the moment it is open; `next` payloads go to a queue."""
    def start(self):
        self.events = asyncio.Queue()
        self.ended = None
        self.reader = asyncio.create_task(self.read())
    async def read(self):
        try:
            while True:
                msg = await self.recv()
                if msg.get("type") != "next":
                    self.ended = "got %s" % json.dumps(msg)[:200]; return
                self.events.put_nowait(msg["payload"])
        except (EOFError, asyncio.IncompleteReadError, ConnectionError) as e:
            self.ended = "closed: %r" % e

class Ws(Client):
    """A minimal graphql-transport-ws client (masked text frames, answers pings)."""
    async def open(self, port, sku):
        self.r, self.w = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        key = base64.b64encode(os.urandom(16)).decode()
        self.w.write(("GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n" % key).encode())
        head = await self.r.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        await self.send({"type": "connection_init", "payload": {}})
        ack = await self.recv()
        assert ack["type"] == "connection_ack", ack
        await self.send({"id": "1", "type": "subscribe",
                         "payload": {"query": QUERY, "variables": {"sku": sku}}})
        self.start()
    async def send(self, msg):
        data = json.dumps(msg).encode(); mask = os.urandom(4)
        n = len(data)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n))
        self.w.write(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
        await self.w.drain()
    async def recv(self):
        while True:
            b0, b1 = await self.r.readexactly(2)
            n = b1 & 0x7F
            if n == 126: n = struct.unpack(">H", await self.r.readexactly(2))[0]
            elif n == 127: n = struct.unpack(">Q", await self.r.readexactly(8))[0]
            payload = await self.r.readexactly(n)
            op = b0 & 0x0F
            if op == 1:
                msg = json.loads(payload)
                if msg.get("type") == "ping":
                    await self.send({"type": "pong"}); continue
                if msg.get("type") == "pong": continue
                return msg
            if op == 8: raise EOFError("closed %r" % payload[:2])

class Sse(Client):
    async def open(self, port, sku):
        self.r, self.w = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        body = json.dumps({"query": QUERY, "variables": {"sku": sku}}).encode()
        self.w.write(("POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Accept: text/event-stream\r\nContent-Length: %d\r\n\r\n" % len(body)).encode() + body)
        head = await self.r.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        self.start()
    async def recv(self):
        while True:
            line = await self.r.readline()  # chunked framing: sizes and blank lines skipped
            if not line: raise EOFError("stream ended")
            if line.startswith(b"data: {"):
                return {"type": "next", "payload": json.loads(line[6:])}
            if line.startswith(b"event: complete"):
                return {"type": "complete"}

def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"content-type": "application/json"})
    return json.loads(urllib.request.urlopen(req, timeout=30).read())

async def wait_for(what, check, diagnose):
    until = time.time() + DEADLINE_S
    while not check():
        if time.time() > until:
            print("gave up waiting %.0f s for %s; %s" % (DEADLINE_S, what, diagnose()), file=sys.stderr)
            sys.exit(1)
        await asyncio.sleep(0.1)

async def main():
    sub = subprocess.Popen([os.path.join(BIN_DIR, "examples/live_subgraphs")],
                           stdout=subprocess.PIPE, text=True)
    urls = json.loads(sub.stdout.readline())
    port, mport = free_port(), free_port()
    cfg = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
    # All clients come from one address and carry no token: one "client" to the per-client cap.
    cfg.write('workers = 2\nmetrics_listen = "127.0.0.1:%d"\n[subscriptions]\nmax_connections_per_client = %d\n' % (mport, N + 10))
    for name in ("ticker", "catalog", "shipping"):
        cfg.write('[subgraphs.%s]\nurl = "%s"\n' % (name, urls[name]))
        if name == "ticker" and UPSTREAM == "sse":
            cfg.write('subscription_protocol = "sse"\nsubscription_url = "%s/sse"\n' % urls[name])
    cfg.close()
    gw = subprocess.Popen([os.path.join(BIN_DIR, "crowdcrunch-gateway"), "--config", cfg.name,
        "--supergraph", os.path.join(ROOT, "gateway/tests/fixtures/live/supergraph.graphql"),
        "--listen", "127.0.0.1:%d" % port], stderr=subprocess.DEVNULL)
    murl = "http://127.0.0.1:%d/metrics" % mport
    clients = []
    def receivers():
        return post(urls["publish"], {"sku": "none", "count": 1})["receivers"]
    def diagnose():
        ended = [c.ended for c in clients if getattr(c, "ended", None)]
        return ("gateway: %d open subscriptions, %d connections, %d subgraph failures, %d fds; "
                "ticker streams: %d; clients: %d opened, %d ended (first: %s)" % (
            metric(murl, "gateway_subscriptions_open"), metric(murl, "gateway_subscription_connections_open"),
            metric(murl, "gateway_subscription_failures_total"), fds(gw.pid), receivers(),
            len(clients), len(ended), ended[:1]))
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/health" % port, timeout=1); break
            except Exception: time.sleep(0.05)
        time.sleep(0.5)
        idle, idle_fds = rss_kib(gw.pid), fds(gw.pid)
        t0 = time.time()
        for i in range(0, N, 100):
            batch = [Ws() if TRANSPORT == "ws" else Sse() for _ in range(min(100, N - i))]
            await asyncio.gather(*(c.open(port, "bench") for c in batch))
            clients.extend(batch)
        await wait_for("%d open subscriptions" % N, lambda: metric(murl, "gateway_subscriptions_open") >= N, diagnose)
        # Every subgraph stream is open once the ticker has N receivers.
        await wait_for("%d ticker streams" % N, lambda: receivers() >= N, diagnose)
        opened_s = time.time() - t0
        await asyncio.sleep(1.0)
        full, full_fds = rss_kib(gw.pid), fds(gw.pid)
        t1 = time.time()
        post(urls["publish"], {"sku": "bench", "count": EVENTS})
        await wait_for("%d events at each client" % EVENTS,
                       lambda: all(c.events.qsize() >= EVENTS or c.ended for c in clients), diagnose)
        took = time.time() - t1
        for c in clients:
            assert not c.ended, c.ended
            for _ in range(EVENTS):
                p = c.events.get_nowait()
                assert "errors" not in p and p["data"]["priceChanged"]["item"] == {"sku": "bench", "name": "Item bench", "shippingCost": 5}, p
        rows = ["| build | client transport | subgraph transport | subscriptions | gateway RSS idle MiB | RSS with all open MiB | KiB per subscription | gateway fds idle / open | opened in s | events | delivered | fan-out events/s |",
                "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
                "| %s | %s | %s | %d | %.1f | %.1f | %.1f | %d / %d | %.1f | %d | %d | %.0f |" % (
                    PROFILE, TRANSPORT, UPSTREAM, N, idle / 1024, full / 1024, (full - idle) / N,
                    idle_fds, full_fds, opened_s, EVENTS, N * EVENTS, N * EVENTS / took)]
        print("\n".join(rows))
        if os.environ.get("OUT"):
            with open(os.environ["OUT"], "a") as f: f.write(rows[-1] + "\n")
    finally:
        gw.terminate(); sub.terminate()
        try: gw.wait(10)
        except Exception: gw.kill()
        os.unlink(cfg.name)

asyncio.run(main())
