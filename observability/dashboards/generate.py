"""Generates the Grafana dashboards in this folder (the committed JSON is this script's output;
checks/observability-static fails when they differ). Edit here, then run:
    python3 observability/dashboards/generate.py [OUTPUT_DIR]
Every query uses only the names in the metrics contract. Panels that count rare events (errors,
failures, refunds) fall back to `<a sibling series that always exists> * 0`, so they show 0
rather than "No data" before the first event, without a bare vector(0) hiding a misspelt name."""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
# Where to write: this folder, or the folder given as the only argument (used by the drift check).
OUT = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
W = "$__rate_interval"
DS = {"type": "prometheus", "uid": "${datasource}"}

def ds_var():
    return {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
            "hide": 0, "refresh": 1, "regex": "", "skipUrlSync": False}

class B:
    def __init__(self): self.panels=[]; self.id=1; self.x=0; self.y=0; self.rowh=0
    def row(self, title):
        if self.x: self.y += self.rowh; self.x = 0; self.rowh=0
        self.panels.append({"type": "row", "title": title, "id": self.id, "collapsed": False, "panels": [],
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}})
        self.id += 1; self.y += 1
    def panel(self, kind, title, desc, targets, unit, w=8, h=8, extra_defaults=None, options=None):
        if self.x + w > 24: self.y += self.rowh; self.x = 0; self.rowh=0
        defaults = {"unit": unit}
        if extra_defaults: defaults.update(extra_defaults)
        p = {"type": kind, "title": title, "description": desc, "id": self.id, "datasource": DS,
             "gridPos": {"h": h, "w": w, "x": self.x, "y": self.y},
             "fieldConfig": {"defaults": defaults, "overrides": []},
             "targets": [{"refId": chr(65+i), "datasource": DS, "expr": e, "legendFormat": l, "range": True}
                         for i, (e, l) in enumerate(targets)]}
        if options: p["options"] = options
        elif kind == "timeseries": p["options"] = {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["mean", "max"]}, "tooltip": {"mode": "multi", "sort": "desc"}}
        elif kind == "stat": p["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "colorMode": "value", "graphMode": "area"}
        self.panels.append(p); self.id += 1
        self.x += w; self.rowh = max(self.rowh, h)

def dash(uid, title, desc, tags, panels, extra_vars=()):
    return {"uid": uid, "title": title, "description": desc, "tags": ["crowdcrunch"] + tags,
            "schemaVersion": 39, "version": 1, "editable": True, "graphTooltip": 1,
            "refresh": "30s", "time": {"from": "now-1h", "to": "now"}, "timezone": "browser",
            "annotations": {"list": []}, "links": [],
            "templating": {"list": [ds_var(), *extra_vars]}, "panels": panels}

ratio_thr = {"thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "orange", "value": 0.01}, {"color": "red", "value": 0.05}]}}

# ---------------- gateway overview
g = B()
REQ = f'sum(rate(gateway_http_requests_total[{W}]))'
ERR = (f'(sum(rate(gateway_http_requests_total{{status=~"5.."}}[{W}])) or {REQ} * 0)'
       f' + (sum(rate(gateway_graphql_errors_total[{W}])) or {REQ} * 0)')
g.row("Traffic")
g.panel("stat", "Requests per second", "Client requests the gateway answered, all operations.", [(REQ, "rps")], "reqps", w=6, h=5)
g.panel("stat", "Error ratio", "HTTP 5xx responses plus GraphQL errors, per request.", [(f'({ERR}) / {REQ}', "error ratio")], "percentunit", w=6, h=5, extra_defaults=ratio_thr)
g.panel("stat", "p99 latency", "99th percentile of the gateway's request duration.", [(f'histogram_quantile(0.99, sum by (le) (rate(gateway_http_request_duration_seconds_bucket[{W}])))', "p99")], "s", w=6, h=5)
g.panel("stat", "In-flight requests", "Requests being served right now, all gateway pods.", [('sum(gateway_http_requests_in_flight)', "in flight")], "short", w=6, h=5)
g.panel("timeseries", "Requests per second by operation", "Operation names are folded to unknown/other past the cardinality bound.", [(f'sum by (operation) (rate(gateway_http_requests_total[{W}]))', "{{operation}}")], "reqps", w=12)
g.panel("timeseries", "Responses by HTTP status", "", [(f'sum by (status) (rate(gateway_http_requests_total[{W}]))', "{{status}}")], "reqps", w=12)
g.row("Latency")
g.panel("timeseries", "Latency p50 / p95 / p99", "Gateway request duration, all operations.",
        [(f'histogram_quantile({q}, sum by (le) (rate(gateway_http_request_duration_seconds_bucket[{W}])))', f"p{int(q*100)}") for q in (0.5, 0.95, 0.99)], "s", w=12)
g.panel("timeseries", "p95 latency by operation", "", [(f'histogram_quantile(0.95, sum by (operation, le) (rate(gateway_http_request_duration_seconds_bucket[{W}])))', "{{operation}}")], "s", w=12)
g.row("Errors")
g.panel("timeseries", "Error ratio", "HTTP 5xx responses plus GraphQL errors, per request.", [(f'({ERR}) / {REQ}', "error ratio")], "percentunit", w=12, extra_defaults=ratio_thr)
g.panel("timeseries", "GraphQL errors by code", "extensions.code of the errors the gateway returned.",
        [(f'sum by (code) (rate(gateway_graphql_errors_total[{W}])) or {REQ} * 0', "{{code}}")], "short", w=12)
g.row("Subgraph fetches")
SREQ = f'sum by (subgraph) (rate(gateway_subgraph_requests_total[{W}]))'
g.panel("timeseries", "Subgraph fetches per second", "Requests the gateway sent to each subgraph.", [(SREQ, "{{subgraph}}")], "reqps", w=8)
g.panel("timeseries", "Subgraph fetch p95 latency", "", [(f'histogram_quantile(0.95, sum by (subgraph, le) (rate(gateway_subgraph_request_duration_seconds_bucket[{W}])))', "{{subgraph}}")], "s", w=8)
g.panel("timeseries", "Subgraph fetch errors and timeouts", "Fetches that failed or timed out, per second.",
        [(f'sum by (subgraph, status) (rate(gateway_subgraph_requests_total{{status!="ok"}}[{W}])) or {SREQ} * 0', "{{subgraph}} {{status}}")], "reqps", w=8)
g.row("Query planning")
HIT = f'sum(rate(gateway_plan_cache_hits_total[{W}]))'
MISS = f'sum(rate(gateway_plan_cache_misses_total[{W}]))'
g.panel("stat", "Plan cache hit ratio", "Operations served from a cached query plan.", [(f'{HIT} / ({HIT} + {MISS})', "hit ratio")], "percentunit", w=8, h=6)
g.panel("timeseries", "Plan cache hits and misses", "", [(HIT, "hits"), (MISS, "misses")], "ops", w=16, h=6)
gateway = dash("crowdcrunch-gateway", "CrowdCrunch / Gateway overview",
               "Traffic, errors and latency of the federation gateway, by operation and by subgraph fetch.", ["gateway"], g.panels)

# ---------------- services
s = B()
SEL = 'service=~"$service"'
SR = f'sum by (service) (rate(subgraph_http_requests_total{{{SEL}}}[{W}]))'
s.row("Requests")
s.panel("timeseries", "Requests per second", "", [(SR, "{{service}}")], "reqps", w=8)
s.panel("timeseries", "Error ratio", "GraphQL errors per request.",
        [(f'(sum by (service) (rate(subgraph_graphql_errors_total{{{SEL}}}[{W}])) or {SR} * 0) / {SR}', "{{service}}")], "percentunit", w=8, extra_defaults=ratio_thr)
s.panel("timeseries", "Responses by HTTP status", "", [(f'sum by (service, status) (rate(subgraph_http_requests_total{{{SEL}}}[{W}]))', "{{service}} {{status}}")], "reqps", w=8)
s.row("Duration")
for q in (0.5, 0.95, 0.99):
    s.panel("timeseries", f"Latency p{int(q*100)}", "",
            [(f'histogram_quantile({q}, sum by (service, le) (rate(subgraph_http_request_duration_seconds_bucket{{{SEL}}}[{W}])))', "{{service}}")], "s", w=8)
s.row("Errors")
s.panel("timeseries", "GraphQL errors by code", "", [(f'sum by (service, code) (rate(subgraph_graphql_errors_total{{{SEL}}}[{W}])) or {SR} * 0', "{{service}} {{code}}")], "short", w=12)
s.panel("stat", "Scrape target up", "1 when Prometheus reaches the service.", [('up{job=~"$service"}', "{{job}}")], "short", w=12,
        extra_defaults={"thresholds": {"mode": "absolute", "steps": [{"color": "red", "value": None}, {"color": "green", "value": 1}]}})
s.row("Database pool")
s.panel("timeseries", "Pool connections", "Connections in use and idle.", [(f'sum by (service, state) (db_pool_connections{{{SEL}}})', "{{service}} {{state}}")], "short", w=8)
s.panel("timeseries", "Pool utilisation", "Share of open connections in use.",
        [(f'sum by (service) (db_pool_connections{{{SEL}, state="in_use"}}) / sum by (service) (db_pool_connections{{{SEL}}})', "{{service}}")], "percentunit", w=8)
s.panel("timeseries", "Pool acquire wait p99", "Time a request waits for a connection.",
        [(f'histogram_quantile(0.99, sum by (service, le) (rate(db_pool_acquire_wait_seconds_bucket{{{SEL}}}[{W}])))', "{{service}}")], "s", w=8)
s.row("Domain events")
PUB = f'sum by (service) (rate(events_published_total{{{SEL}}}[{W}]))'
s.panel("timeseries", "Events published per second", "Outbox rows the relay published to NATS JetStream.", [(f'{PUB} or {SR} * 0', "{{service}}")], "ops", w=8)
s.panel("timeseries", "Outbox lag", "Age of the oldest event waiting in the outbox (0: all published). Alert: CrowdCrunchEventsOutboxStuck.",
        [(f'max by (service) (events_outbox_oldest_unpublished_seconds{{{SEL}}})', "{{service}}")], "s", w=8)
s.panel("timeseries", "Events consumed per second by outcome", "applied, duplicate (inbox), skipped (not handled), rebuilt (events replay), retried, dead_lettered.",
        [(f'sum by (consumer, outcome) (rate(events_consumed_total{{{SEL}}}[{W}])) or {SR} * 0', "{{consumer}} {{outcome}}")], "ops", w=8)
s.panel("timeseries", "Consumer lag", "Events in the stream not yet delivered to each consumer. Alert: CrowdCrunchEventsConsumerLagging.",
        [(f'max by (consumer) (events_consumer_pending{{{SEL}}})', "{{consumer}}")], "short", w=8)
s.panel("timeseries", "Redeliveries per second", "Deliveries after a failed or unacknowledged one.",
        [(f'sum by (consumer) (rate(events_redeliveries_total{{{SEL}}}[{W}])) or {SR} * 0', "{{consumer}}")], "ops", w=8)
s.panel("timeseries", "Dead letters", "Events a consumer gave up on; `crowdcrunch events dlq` lists them. Alert: CrowdCrunchEventsDeadLettered.",
        [(f'max by (consumer) (events_dead_letters{{{SEL}}})', "{{consumer}}")], "short", w=8)
svc_var = {"name": "service", "label": "Service", "type": "query", "datasource": DS,
           "query": {"query": "label_values(subgraph_http_requests_total, service)", "refId": "service"},
           
           "includeAll": True, "multi": True, "allValue": ".*", "refresh": 2, "sort": 1, "hide": 0, "regex": "", "skipUrlSync": False}
services = dash("crowdcrunch-services", "CrowdCrunch / Services",
                "RED metrics and database pool of each subgraph; pick services with the variable.", ["subgraphs"], s.panels, [svc_var])

# ---------------- business
b = B()
ORD = f'sum by (currency) (rate(orders_placed_total[{W}])) * 60'
AUTH = f'sum(rate(payments_authorized_total[{W}]))'
FAIL = f'(sum(rate(payments_failed_total[{W}])) or {AUTH} * 0)'
b.row("Orders")
b.panel("stat", "Orders per minute", "All currencies.", [(f'sum(rate(orders_placed_total[{W}])) * 60', "orders/min")], "short", w=6, h=5)
b.panel("stat", "Payment failure ratio", "Failed payments per payment attempt.", [(f'{FAIL} / ({AUTH} + {FAIL})', "failure ratio")], "percentunit", w=6, h=5,
        extra_defaults={"thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "orange", "value": 0.05}, {"color": "red", "value": 0.2}]}})
b.panel("stat", "Refunded per hour", "Refund volume in minor units (cents), all currencies.", [(f'sum(rate(refunded_amount_minor_total[{W}])) * 3600 or {AUTH} * 0', "minor units/h")], "short", w=12, h=5)
b.panel("timeseries", "Orders per minute by currency", "", [(ORD, "{{currency}}")], "short", w=12)
b.panel("timeseries", "Payments authorized per minute by currency", "", [(f'sum by (currency) (rate(payments_authorized_total[{W}])) * 60', "{{currency}}")], "short", w=12)
b.row("Payments and refunds")
b.panel("timeseries", "Payment failure ratio", "", [(f'{FAIL} / ({AUTH} + {FAIL})', "failure ratio")], "percentunit", w=8)
b.panel("timeseries", "Payment failures per minute by reason", "", [(f'sum by (reason) (rate(payments_failed_total[{W}])) * 60 or {AUTH} * 0', "{{reason}}")], "short", w=8)
b.panel("timeseries", "Refund volume per hour by currency", "Minor units (cents) refunded, as an hourly rate.",
        [(f'sum by (currency) (rate(refunded_amount_minor_total[{W}])) * 3600 or {AUTH} * 0', "{{currency}}")], "short", w=8)
business = dash("crowdcrunch-business", "CrowdCrunch / Business", "Orders, payments and refunds as the shop sees them.", ["business"], b.panels)

for name, d in [("gateway-overview", gateway), ("services", services), ("business", business)]:
    (OUT / f"{name}.json").write_text(json.dumps(d, indent=2) + "\n")
