#!/usr/bin/env python3
"""A short, bounded load through the gateway for the Prometheus check: reads across
subgraphs, the mutations and the lifecycle that move every business counter (orders placed;
payments authorized and declined by the simulated provider as the events arrive; refunds of
what it captured), and failing requests so error series exist.

Usage: load.py GATEWAY_GRAPHQL_URL SECONDS
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

URL, SECONDS = sys.argv[1], float(sys.argv[2])


def post(body, operation=None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"content-type": "application/json"}
    if os.environ.get("LOAD_TOKEN"):
        # A staff token with every scope (run.sh mints it with the platform's dev key).
        headers["authorization"] = "Bearer " + os.environ["LOAD_TOKEN"]
    req = urllib.request.Request(URL, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, None
    except (urllib.error.URLError, TimeoutError, json.JSONDecodeError):
        return 0, None


def gql(name, query, **variables):
    status, body = post({"query": query, "operationName": name, "variables": variables})
    return status, (body or {})


def data(result, *path):
    node = result[1].get("data")
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


counts = {"requests": 0, "errors": 0, "refunds": 0}
placed = []  # orders not yet seen captured, oldest first


def run(name, query, **variables):
    result = gql(name, query, **variables)
    counts["requests"] += 1
    if result[0] != 200 or result[1].get("errors"):
        counts["errors"] += 1
    return result


def refund_captured():
    """Refund 1 minor unit of every payment the lifecycle has captured since the last look."""
    for order_id in list(placed[:20]):
        view = run(
            "OrderPayments",
            "query OrderPayments($id: ID!) { order(id: $id) { status payments { id status } } }",
            id=order_id,
        )
        payments = data(view, "order", "payments") or []
        captured = [p for p in payments if p and p.get("status") == "CAPTURED"]
        settled = captured or any(p and p.get("status") == "FAILED" for p in payments)
        if settled or data(view, "order", "status") in ("CANCELLED", None):
            placed.remove(order_id)
        for payment in captured:
            refund = run(
                "Refund",
                "mutation Refund($id: ID!, $amount: Int64!, $key: String!) "
                "{ refundPayment(id: $id, amount: $amount, idempotencyKey: $key) { id } }",
                id=payment["id"],
                amount="1",
                key=str(uuid.uuid4()),
            )
            if data(refund, "refundPayment"):
                counts["refunds"] += 1


def error_code(result):
    errors = result[1].get("errors") or [{}]
    return (errors[0].get("extensions") or {}).get("code")


def place_when_known(customer, key):
    """Place an order for a customer created a moment ago. Orders learns of a new customer from
    its CustomerRegistered event and answers NOT_YET_KNOWN until then: retry the same request
    (same key) for a bounded time, as placeOrder's description tells clients to."""
    deadline = time.monotonic() + 10
    while True:
        result = run(
            "PlaceOrder",
            "mutation PlaceOrder($input: PlaceOrderInput!, $key: String!) "
            "{ placeOrder(input: $input, idempotencyKey: $key) { id total { amount currency } } }",
            input={
                "customerId": customer,
                "currency": "USD",
                "lines": [{"sku": "SKU-0001", "quantity": 1}],
            },
            key=key,
        )
        if error_code(result) != "NOT_YET_KNOWN" or time.monotonic() > deadline:
            return data(result, "placeOrder")
        time.sleep(0.05)


def one_round():
    key = lambda: str(uuid.uuid4())
    run("Customers", "query Customers { customers(first: 5) { nodes { id name } } }")
    run("Catalog", "query Catalog { products(first: 5) { nodes { sku } } }")
    customer = data(
        run(
            "CreateCustomer",
            "mutation CreateCustomer($input: CreateCustomerInput!, $key: String!) "
            "{ createCustomer(input: $input, idempotencyKey: $key) { id } }",
            input={"email": f"load-{uuid.uuid4().hex[:12]}@example.com", "name": "Load Test"},
            key=key(),
        ),
        "createCustomer",
        "id",
    )
    if customer:
        order = place_when_known(customer, key())
        if order:
            placed.append(order["id"])
            run(
                "OrderView",
                "query OrderView($id: ID!) { order(id: $id) { id status customer { name } "
                "payments { status } shipments { status } } }",
                id=order["id"],
            )
    # The lifecycle authorizes, captures and ships the orders by itself (the simulated provider
    # declines some: run.sh sets its failure rate). Refund a little of each captured one.
    refund_captured()
    # Failing requests: a validation error, bad input, and a malformed body.
    run("Broken", "query Broken { noSuchField }")
    run("BadId", "query BadId { customer(id: \"not-a-uuid\") { id } }")
    post(b"{not json")
    counts["requests"] += 1
    counts["errors"] += 1


deadline = time.monotonic() + SECONDS
rounds = 0
while time.monotonic() < deadline and rounds < 10_000:
    one_round()
    rounds += 1
# The last orders' payments: give the lifecycle a moment, then refund what it captured.
for _ in range(20):
    if not placed:
        break
    time.sleep(0.5)
    refund_captured()
print(
    f"load: {rounds} rounds, {counts['requests']} requests, {counts['errors']} with errors, "
    f"{counts['refunds']} refunds of captured payments"
)
if counts["refunds"] == 0:
    sys.exit("load: the lifecycle captured no payment to refund (is NATS up, are the events flowing?)")
if counts["requests"] == counts["errors"]:
    sys.exit("load: every request failed; the services are not answering")
