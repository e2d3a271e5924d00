#!/usr/bin/env python3
"""Replays every distinct request of siege URL files and fails on any non-2xx status or any
GraphQL error: siege only sees HTTP status codes, not the `errors` of a 200 response.

  replay.py FILE...

Mutations in the files carry idempotency keys, so replaying them returns the result the load
run got (or, for a line siege never sent, runs it once), never a second record.
"""
import json
import os
import sys
import urllib.error
import urllib.request


def check(url, body):
    headers = {"Content-Type": "application/json"}
    if os.environ.get("LOADTEST_TOKEN"):
        headers["Authorization"] = "Bearer " + os.environ["LOADTEST_TOKEN"]
    request = urllib.request.Request(url, body.encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, payload = err.code, err.read()
    if not 200 <= status < 300:
        return f"HTTP {status}: {payload[:300]!r}"
    result = json.loads(payload)
    if result.get("errors") or result.get("data") is None:
        return f"GraphQL errors: {json.dumps(result.get('errors'))[:500]}"
    return None


def main(paths):
    seen, failures = set(), 0
    for path in paths:
        for line in open(path):
            line = line.rstrip("\n")
            if not line or line in seen:
                continue
            seen.add(line)
            url, _, body = line.partition(" POST ")
            problem = check(url, body)
            if problem:
                failures += 1
                print(f"replay: {problem}\n  request: {body[:300]}", file=sys.stderr)
    print(f"replay: {len(seen)} distinct requests, {failures} failed")
    return 1 if failures or not seen else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
