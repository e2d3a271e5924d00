#!/usr/bin/env python3
"""Writes a siege URL file of GraphQL POSTs through the gateway for one load mix.

  generate.py MIX [--gateway URL] [--count N] [--out FILE]

Mixes:
  catalog   browsing the catalog: product pages with price and stock (orders + fulfillment)
  history   a customer's order history with payments, shipments and returns (all five)
  checkout  place-order -> pay -> ship. Orders to pay and ship are placed while generating;
            every mutation in the file carries a fresh idempotency key, so a run writes new
            records (and a line siege repeats is an idempotent replay, as a retrying client's).

Ids come from the running platform (its demo data), so the file matches what it serves.
Requests carry `Authorization: Bearer $LOADTEST_TOKEN` (a staff token with every scope, from
`crowdcrunch token --staff all`); siege sends the same header (see smoke.sh and run.sh).
Requests are single-line JSON without `$`, which siege would take for a variable.
"""
import argparse
import json
import os
import re
import sys
import urllib.request
import uuid

CUSTOMER_HISTORY = """
customer(id: "%s") { name email orders(first: 10) { nodes {
  id status placedAt total { amount currency } amountDue { amount currency }
  lines { quantity product { sku name } }
  payments { status amount { amount currency } }
  shipments { status carrier trackingNumber }
  returns { status reason } } } }
"""
PRODUCT = 'product(sku: "%s") { sku name price { amount currency } stock }'
PRODUCT_PAGE = "products(first: %d%s) { nodes { sku name price { amount currency } stock } pageInfo { hasNextPage endCursor } }"
PLACE = """placeOrder(input: { customerId: "%s", currency: "USD",
  lines: [{ sku: "%s", quantity: 1 }] }, idempotencyKey: "%s") { id status total { amount currency } }"""
# Payment and shipment follow from the order's events (the lifecycle), not from the client: a
# checkout places an order and then follows one placed earlier across the three domains.
FOLLOW = """{ order(id: "%s") { id status amountDue { amount currency }
  payments { status amount { amount currency } } shipments { status carrier } } }"""
RESTOCK = 'adjustStock(sku: "%s", delta: %d, idempotencyKey: "%s") { sku stock }'


def one_line(query):
    return re.sub(r"\s+", " ", query).strip()


def post(gateway, query):
    body = json.dumps({"query": one_line(query)}).encode()
    request = urllib.request.Request(gateway, body, headers())
    with urllib.request.urlopen(request, timeout=30) as response:
        result = json.load(response)
    if result.get("errors"):
        sys.exit(f"generate: setup request failed: {json.dumps(result['errors'])}\n  {one_line(query)}")
    return result["data"]


def headers():
    """JSON, with the load test's bearer token when one is set."""
    out = {"Content-Type": "application/json"}
    if os.environ.get("LOADTEST_TOKEN"):
        out["Authorization"] = "Bearer " + os.environ["LOADTEST_TOKEN"]
    return out


def key():
    return f"loadtest-{uuid.uuid4()}"


def catalog(gateway, count):
    skus = [p["sku"] for p in post(gateway, "{ products(first: 100) { nodes { sku } } }")["products"]["nodes"]]
    cursors = [None]
    page = post(gateway, "{ %s }" % PRODUCT_PAGE % (10, ""))["products"]
    while page["pageInfo"]["hasNextPage"] and len(cursors) < 5:
        cursors.append(page["pageInfo"]["endCursor"])
        page = post(gateway, "{ %s }" % PRODUCT_PAGE % (10, ', after: "%s"' % cursors[-1]))["products"]
    queries = []
    for i in range(count):
        if i % 3 == 0:
            cursor = cursors[i // 3 % len(cursors)]
            after = ', after: "%s"' % cursor if cursor else ""
            queries.append("{ %s }" % PRODUCT_PAGE % (10, after))
        else:
            queries.append("{ %s }" % PRODUCT % skus[i % len(skus)])
    return queries


def history(gateway, count):
    ids = [c["id"] for c in post(gateway, "{ customers(first: 100) { nodes { id } } }")["customers"]["nodes"]]
    return ["{ %s }" % CUSTOMER_HISTORY % ids[i % len(ids)] for i in range(count)]


def batched(gateway, fields, size=25):
    """Run mutation fields in aliased batches (one request per `size`); results in order."""
    results = []
    for start in range(0, len(fields), size):
        chunk = fields[start:start + size]
        body = " ".join("m%d: %s" % (i, f) for i, f in enumerate(chunk))
        data = post(gateway, "mutation { %s }" % body)
        results.extend(data["m%d" % i] for i in range(len(chunk)))
    return results


def checkout(gateway, count):
    customers = [c["id"] for c in post(gateway, "{ customers(first: 100) { nodes { id } } }")["customers"]["nodes"]]
    skus = [p["sku"] for p in post(gateway, "{ products(first: 100) { nodes { sku } } }")["products"]["nodes"]]
    skus = skus[:count]
    # Enough stock for every shipment in the file, whatever the demo stock levels are.
    batched(gateway, [RESTOCK % (sku, count // len(skus) + 1, key()) for sku in skus])
    flows = [(customers[i % len(customers)], skus[i % len(skus)]) for i in range(count)]
    placed = batched(gateway, [PLACE % (customer, sku, key()) for customer, sku in flows])
    queries = []
    for (customer, sku), order in zip(flows, placed):
        queries.append("mutation { %s }" % PLACE % (customer, sku, key()))
        queries.append(FOLLOW % order["id"])
    return queries


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mix", choices=["catalog", "history", "checkout"])
    parser.add_argument("--gateway", default="http://127.0.0.1:4000/graphql")
    parser.add_argument("--count", type=int, default=300, help="requests (checkout: flows)")
    parser.add_argument("--out", default="-", help="URL file to write (default: stdout)")
    args = parser.parse_args()
    queries = {"catalog": catalog, "history": history, "checkout": checkout}[args.mix](args.gateway, args.count)
    lines = ["%s POST %s\n" % (args.gateway, json.dumps({"query": one_line(q)})) for q in queries]
    out = sys.stdout if args.out == "-" else open(args.out, "w")
    out.writelines(lines)
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
