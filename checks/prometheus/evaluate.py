#!/usr/bin/env python3
"""Evaluate every dashboard panel's PromQL and every rule's expression through Prometheus'
HTTP API; exit non-zero naming each expression whose result is empty (or that errors).

Grafana variables are substituted as Grafana would: `$__rate_interval` by a window covering
several scrapes, a templated variable by the alternation of its values (from its
`label_values(metric, label)` query). Alert expressions are evaluated without their final
threshold comparison (the series the alert watches must exist, healthy or not), and
`absent(x)` as `x`.

Usage: evaluate.py PROMETHEUS_URL REPO_ROOT RULE_FILE...
"""
import glob
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

import yaml

PROM, ROOT, RULE_FILES = sys.argv[1], sys.argv[2], sys.argv[3:]


def api(path, **params):
    url = f"{PROM}/api/v1/{path}?{urllib.parse.urlencode(params, doseq=True)}"
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def query(expr):
    try:
        body = api("query", query=expr)
    except urllib.error.HTTPError as e:
        return None, e.read().decode(errors="replace")
    return body["data"]["result"], None


def variable_values(variable):
    q = variable.get("query")
    q = q.get("query") if isinstance(q, dict) else q
    m = re.match(r"\s*label_values\(\s*([^,]+?)\s*,\s*(\w+)\s*\)", q or "")
    if not m:
        return [".+"]
    values = api(f"label/{m.group(2)}/values", **{"match[]": m.group(1)})["data"]
    return [re.escape(v) for v in values] or [".+"]


def substitute(expr, variables):
    expr = re.sub(r"\$\{?__rate_interval\}?", "1m", expr)
    expr = re.sub(r"\$\{?__interval\}?", "15s", expr)
    expr = re.sub(r"\$\{?__range\}?", "5m", expr)
    for name, alternation in variables.items():
        expr = re.sub(r"\$\{" + name + r"(:\w+)?\}|\$" + name + r"\b", alternation, expr)
    return expr


def panels(items):
    for panel in items:
        yield panel
        yield from panels(panel.get("panels", []))
        for row in panel.get("rows", []):
            yield from panels(row.get("panels", []))


def dashboard_expressions():
    for path in sorted(glob.glob(f"{ROOT}/observability/dashboards/*.json")):
        board = json.load(open(path))
        variables = {
            v["name"]: "|".join(variable_values(v))
            for v in board.get("templating", {}).get("list", [])
            if v.get("type") == "query"
        }
        for panel in panels(board.get("panels", [])):
            for target in panel.get("targets", []):
                if target.get("expr"):
                    where = f"{path.split('/')[-1]}: {panel.get('title')}"
                    yield where, substitute(target["expr"], variables)


THRESHOLD = re.compile(r"\s*(==|!=|>=|<=|>|<)\s*(bool\s+)?-?[0-9.eE+]+\s*$")


def unabsent(expr):
    # absent(x) is empty exactly when x has data: check x itself.
    out, i = [], 0
    for m in re.finditer(r"absent\(", expr):
        out.append(expr[i:m.start()])
        depth, j = 1, m.end()
        while depth and j < len(expr):
            depth += {"(": 1, ")": -1}.get(expr[j], 0)
            j += 1
        out.append("(" + expr[m.end():j - 1] + ")")
        i = j
    out.append(expr[i:])
    return "".join(out)


def rule_expressions():
    for path in RULE_FILES:
        for group in yaml.safe_load(open(path)).get("groups", []):
            for rule in group.get("rules", []):
                expr = rule["expr"].strip()
                if "alert" in rule:
                    where = f"{path.split('/')[-1]}: alert {rule['alert']}"
                    expr = unabsent(THRESHOLD.sub("", expr))
                else:
                    where = f"{path.split('/')[-1]}: record {rule['record']}"
                yield where, expr
                if "record" in rule:
                    yield where + " (recorded series)", rule["record"]


failures, checked = [], 0
for where, expr in [*dashboard_expressions(), *rule_expressions()]:
    checked += 1
    result, error = query(expr)
    if error or not result:
        failures.append(f"{where}\n    {expr}\n    -> {error or 'empty result'}")
print(f"{checked} expressions evaluated, {len(failures)} empty or failing")
for f in failures:
    print("FAIL", f)
print(f"{checked - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
