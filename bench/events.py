#!/usr/bin/env python3
"""Issue 12's event measurements on a real platform (real PostgreSQL, the launcher's own
nats-server, five subgraphs and the gateway as processes), printed as markdown:

  1. events per second through the outbox relays, and the end-to-end lifecycle latency
     (placeOrder committed -> OrderFulfilled recorded) p50 / p99, for N orders placed through
     the gateway by 8 clients (carrier delay 0, provider latency 20 ms); then the relay's own
     capacity: 10,000 events committed at once in one outbox, timed until all are published;
     and the latency with no queue: 50 orders placed one at a time, each once the last is done;
  2. recovery after a consumer restart: fulfillment stopped, N orders placed (a backlog of
     N OrderPlaced and their follow-ups), fulfillment started again: time until every order
     is reserved and paid, and until every one is shipped (has its shipment).

    cargo build --release
    python3 bench/events.py target/release/crowdcrunch [N]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, `psql` on PATH) and `nats-server` on PATH.
A benchmark, not a test: timings depend on the machine (note its load with the numbers)."""
import json, os, signal, socket, subprocess, sys, tempfile, threading, time, urllib.request, uuid

BIN = os.path.abspath(sys.argv[1]); N = int(sys.argv[2]) if len(sys.argv) > 2 else 500
BURST = 10000; SERIAL = 50
PG = "postgres://postgres@127.0.0.1:5432"

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def psql(db, sql):
    out = subprocess.run(["psql", f"{PG}/{db}", "-AtXq", "-c", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()

class Platform:
    def __init__(self, db, data, without=()):
        self.ports = {n: free_port() for n in ["gateway", "customers", "orders", "payments", "fulfillment", "returns"]}
        args = [BIN, "--data-dir", data, "--database-url", f"{PG}/{db}"]
        for n, p in self.ports.items(): args += [f"--{n}-listen", f"127.0.0.1:{p}"]
        for w in without: args += ["--without", w]
        # The demo's live orders would add events of their own to what is timed.
        env = dict(os.environ, RUST_LOG="warn", FULFILLMENT_CARRIER_DELAY_MS="0", CROWDCRUNCH_NO_DEMO_ORDERS="true")
        env.pop("NATS_URL", None)
        self.env = env; self.data = data; self.db = db
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.nats = None
        for line in self.proc.stdout:
            if "started nats-server" in line: self.nats = line.rsplit(" at ", 1)[1].strip()
            if line.startswith("crowdcrunch: the "): break
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()
        self.token = subprocess.run([BIN, "token", "--staff", "all", "--data-dir", data], check=True, capture_output=True, text=True).stdout.strip()

    def gql(self, query, variables):
        req = urllib.request.Request(f"http://127.0.0.1:{self.ports['gateway']}/graphql",
            data=json.dumps({"query": query, "variables": variables}).encode(),
            headers={"content-type": "application/json", "authorization": f"Bearer {self.token}"})
        return json.load(urllib.request.urlopen(req, timeout=60))

    def stop(self):
        self.proc.send_signal(signal.SIGINT); self.proc.wait(timeout=120)

def fulfillment(p):
    """Run fulfillment as the launcher would (for the restart phase, outside the launcher)."""
    env = dict(p.env, DATABASE_URL=f"{PG}/{p.db}", NATS_URL=p.nats, SEED="1",
               FULFILLMENT_LISTEN=f"127.0.0.1:{p.ports['fulfillment']}",
               AUTH_JWKS_FILE=os.path.join(p.data, "auth", "jwks.json"), AUTH_ISSUER="crowdcrunch-dev", AUTH_AUDIENCE="crowdcrunch")
    proc = subprocess.Popen([BIN, "subgraph", "fulfillment"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try: urllib.request.urlopen(f"http://127.0.0.1:{p.ports['fulfillment']}/health", timeout=1); return proc
        except Exception: time.sleep(0.1)
    raise SystemExit("fulfillment did not start")

PLACE = "mutation($i: PlaceOrderInput!, $k: String!) { placeOrder(input: $i, idempotencyKey: $k) { id } }"
CUSTOMERS_Q = "{ customers(first: 50) { nodes { id } } }"

def place_all(p, n, clients=8):
    customers = [c["id"] for c in p.gql(CUSTOMERS_Q, {})["data"]["customers"]["nodes"]]
    products = [x["sku"] for x in p.gql("{ products(first: 20) { nodes { sku } } }", {})["data"]["products"]["nodes"]]
    todo = list(range(n)); lock = threading.Lock(); errors = []
    def worker():
        while True:
            with lock:
                if not todo: return
                i = todo.pop()
            v = {"i": {"customerId": customers[i % len(customers)], "currency": "USD",
                       "lines": [{"sku": products[i % len(products)], "quantity": 1}]}, "k": str(uuid.uuid4())}
            r = p.gql(PLACE, v)
            if r.get("errors"): errors.append(r["errors"])
    t0 = time.time(); ts = [threading.Thread(target=worker) for _ in range(clients)]
    [t.start() for t in ts]; [t.join() for t in ts]
    if errors: raise SystemExit(f"{len(errors)} placeOrder errors, e.g. {errors[0]}")
    return time.time() - t0

def wait(db, sql, want, limit=900):
    t0 = time.time()
    while time.time() - t0 < limit:
        if int(psql(db, sql) or 0) >= want: return time.time()
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for: {sql}")

def stock_up(p):
    for x in p.gql("{ products(first: 20) { nodes { sku } } }", {})["data"]["products"]["nodes"]:
        p.gql('mutation($s: ID!, $k: String!) { adjustStock(sku: $s, delta: 100000, idempotencyKey: $k) { stock } }', {"s": x["sku"], "k": str(uuid.uuid4())})

# Placed -> OrderFulfilled recorded, per order, as percentiles (close with ") x").
LATENCY = """SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d), percentile_cont(0.99) WITHIN GROUP (ORDER BY d), count(*)
    FROM (SELECT EXTRACT(EPOCH FROM (e.envelope->>'occurred_at')::timestamptz - o.placed_at) AS d
          FROM orders.outbox e JOIN orders.orders o ON o.id = (e.envelope->'data'->>'orderId')::uuid
          WHERE e.envelope->>'type' = 'OrderFulfilled'"""
# The bench's own orders (placed since `began`), not the demo history, which is settled
# already and known to every read model (counting it made every wait pass at once).
def live(began): return f"SELECT count(*) FROM orders.orders o WHERE o.placed_at >= '{began}' AND o.id IN (SELECT order_id FROM fulfillment.known_orders)"
def settled(began): return live(began) + " AND o.status IN ('FULFILLED', 'CANCELLED')"
OUTBOXES = ["customers", "orders", "payments", "fulfillment", "returns"]

def main():
    rows = []
    # Phase 1: throughput and lifecycle latency.
    db = f"cc_bench_{uuid.uuid4().hex[:12]}"; psql("postgres", f"CREATE DATABASE {db}")
    with tempfile.TemporaryDirectory() as data:
        p = Platform(db, data)
        stock_up(p)
        began = psql(db, "SELECT now()")
        placing = place_all(p, N)
        wait(db, settled(began), N)
        union = " UNION ALL ".join(f"SELECT created_at, published_at FROM {s}.outbox" for s in OUTBOXES)
        total, span = psql(db, f"SELECT count(*), EXTRACT(EPOCH FROM max(published_at) - min(created_at)) FROM ({union}) e WHERE created_at >= '{began}'").split("|")
        lat = psql(db, LATENCY + ") x").split("|")
        fulfilled = lat[2]
        rows.append(("orders placed through the gateway (8 clients)", f"{N} in {placing:.1f} s ({N/placing:.0f}/s)"))
        rows.append(("events of those orders published by the 5 relays (placement to last publish)", f"{total} in {float(span):.1f} s = **{int(total)/float(span):.0f} events/s**"))
        rows.append((f"lifecycle latency, placed -> FULFILLED ({fulfilled} orders)", f"p50 **{float(lat[0])*1000:.0f} ms**, p99 **{float(lat[1])*1000:.0f} ms**"))
        # The same latency with no queue: SERIAL orders one at a time, each placed once the one
        # before is FULFILLED (the burst above measures mostly the wait behind 500 others).
        customers = [c["id"] for c in p.gql(CUSTOMERS_Q, {})["data"]["customers"]["nodes"]]
        ids = []
        for i in range(SERIAL):
            r = p.gql(PLACE, {"i": {"customerId": customers[i % len(customers)], "currency": "USD",
                                    "lines": [{"sku": "SKU-0001", "quantity": 1}]}, "k": str(uuid.uuid4())})
            ids.append(r["data"]["placeOrder"]["id"])
            wait(db, f"SELECT count(*) FROM orders.orders WHERE id = '{ids[-1]}' AND status IN ('FULFILLED', 'CANCELLED')", 1, limit=60)
        alone = psql(db, LATENCY + " AND o.id IN (" + ",".join(f"'{x}'" for x in ids) + ")) x").split("|")
        rows.append((f"lifecycle latency, one order at a time ({alone[2]} orders)", f"p50 **{float(alone[0])*1000:.0f} ms**, p99 **{float(alone[1])*1000:.0f} ms**"))
        # Relay capacity: a burst of BURST events committed at once in one outbox (a type no
        # consumer handles, so the five consumers read and skip them), timed until published.
        psql(db, f"""INSERT INTO returns.outbox (id, envelope) SELECT g.id, jsonb_build_object('id', g.id,
            'type', 'BenchNoise', 'version', 1, 'source', 'bench', 'data', '{{}}'::jsonb,
            'occurred_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
            FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, {BURST})) g""")
        wait(db, "SELECT count(*) FROM returns.outbox WHERE envelope->>'source' = 'bench' AND published_at IS NOT NULL", BURST)
        burst = float(psql(db, "SELECT EXTRACT(EPOCH FROM max(published_at) - min(created_at)) FROM returns.outbox WHERE envelope->>'source' = 'bench'"))
        rows.append((f"relay capacity: a burst of {BURST} committed events in one outbox", f"published in {burst:.2f} s = **{BURST/burst:.0f} events/s**"))
        p.stop()
    psql("postgres", f"DROP DATABASE {db} WITH (FORCE)")
    # Phase 2: a backlog of N for a restarted fulfillment consumer.
    db = f"cc_bench_{uuid.uuid4().hex[:12]}"; psql("postgres", f"CREATE DATABASE {db}")
    with tempfile.TemporaryDirectory() as data:
        p = Platform(db, data, without=["fulfillment"])
        f = fulfillment(p); stock_up(p)
        f.send_signal(signal.SIGKILL); f.wait()
        began = psql(db, "SELECT now()")
        place_all(p, N)
        pending = psql(db, f"SELECT count(*) FROM orders.orders WHERE status = 'PLACED' AND placed_at >= '{began}'")
        t0 = time.time(); f = fulfillment(p); up = time.time() - t0
        paid = wait(db, live(began) + " AND o.status <> 'PLACED'", N) - t0
        mine = f"SELECT id FROM orders.orders WHERE status <> 'CANCELLED' AND placed_at >= '{began}'"
        shipped = wait(db, f"SELECT count(DISTINCT order_id) FROM fulfillment.shipments WHERE order_id IN ({mine})",
                       int(psql(db, f"SELECT count(*) FROM ({mine}) m WHERE id IN (SELECT order_id FROM fulfillment.known_orders)"))) - t0
        dup = psql(db, "SELECT count(*) FROM (SELECT order_id FROM fulfillment.shipments GROUP BY order_id HAVING count(*) > 1) d")
        rows.append((f"backlog while fulfillment was down", f"{pending} orders PLACED"))
        rows.append(("fulfillment restart to /health", f"{up:.1f} s"))
        rows.append((f"recovery: restart -> all {N} past PLACED (reserved and paid)", f"**{paid:.1f} s**"))
        rows.append(("recovery: restart -> every paid order has its shipment", f"**{shipped:.1f} s** (orders with 2+ shipments: {dup})"))
        f.send_signal(signal.SIGTERM); f.wait(); p.stop()
    psql("postgres", f"DROP DATABASE {db} WITH (FORCE)")
    print(f"| measure ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}) | result |\n|---|---|")
    for k, v in rows: print(f"| {k} | {v} |")

main()
