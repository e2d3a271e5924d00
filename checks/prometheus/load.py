#!/usr/bin/env python3
"""A short, bounded load through the gateway for the Prometheus check: reads across
subgraphs, the mutations that move every business counter (orders placed, payments
authorized and failed, refunds), and failing requests so error series exist.

Usage: load.py GATEWAY_GRAPHQL_URL SECONDS
"""
import json
import sys
import time
import urllib.error
import urllib.request
import uuid

URL, SECONDS = sys.argv[1], float(sys.argv[2])


def post(body, operation=None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(URL, data=data, headers={"content-type": "application/json"})
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


counts = {"requests": 0, "errors": 0}


def run(name, query, **variables):
    result = gql(name, query, **variables)
    counts["requests"] += 1
    if result[0] != 200 or result[1].get("errors"):
        counts["errors"] += 1
    return result


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
        order = data(
            run(
                "PlaceOrder",
                "mutation PlaceOrder($input: PlaceOrderInput!, $key: String!) "
                "{ placeOrder(input: $input, idempotencyKey: $key) { id total { amount currency } } }",
                input={
                    "customerId": customer,
                    "currency": "USD",
                    "lines": [{"sku": "SKU-0001", "quantity": 1}],
                },
                key=key(),
            ),
            "placeOrder",
        )
        if order:
            authorize = (
                "mutation Authorize($input: AuthorizePaymentInput!, $key: String!) "
                "{ authorizePayment(input: $input, idempotencyKey: $key) { id status } }"
            )
            total = order["total"]
            payment = data(
                run(
                    "Authorize",
                    authorize,
                    input={"orderId": order["id"], "amount": total["amount"],
                           "currency": total["currency"], "method": "CARD"},
                    key=key(),
                ),
                "authorizePayment",
                "id",
            )
            # Over the wallet limit: declined, so payments_failed_total moves.
            run(
                "Authorize",
                authorize,
                input={"orderId": order["id"], "amount": "2000000",
                       "currency": total["currency"], "method": "WALLET"},
                key=key(),
            )
            if payment:
                run(
                    "Capture",
                    "mutation Capture($id: ID!, $key: String!) "
                    "{ capturePayment(id: $id, idempotencyKey: $key) { id status } }",
                    id=payment,
                    key=key(),
                )
                run(
                    "Refund",
                    "mutation Refund($id: ID!, $amount: Int64!, $key: String!) "
                    "{ refundPayment(id: $id, amount: $amount, idempotencyKey: $key) { id } }",
                    id=payment,
                    amount="1",
                    key=key(),
                )
            run(
                "OrderView",
                "query OrderView($id: ID!) { order(id: $id) { id status customer { name } "
                "payments { status } shipments { status } } }",
                id=order["id"],
            )
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
print(f"load: {rounds} rounds, {counts['requests']} requests, {counts['errors']} with errors")
if counts["requests"] == counts["errors"]:
    sys.exit("load: every request failed; the services are not answering")
