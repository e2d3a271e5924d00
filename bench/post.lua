-- wrk script: POSTs the JSON body in $BODY_FILE on every request, counts responses that
-- carry GraphQL errors, and prints machine-readable totals for bench/gateway.sh.
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
-- $ACCEPT: e.g. multipart/mixed for the @defer row.
wrk.headers["Accept"] = os.getenv("ACCEPT") or "application/json"

local threads = {}
local counter = 0

-- A unique Authorization header on every request (forwarded to subgraphs by gateways that
-- propagate it) keeps in-flight request deduplication from passing identical requests off
-- as speed. With $TOKEN set (a gateway that verifies JWTs), every request carries that real
-- token instead; with TOKEN=none, no Authorization header at all (anonymous).
local token = os.getenv("TOKEN")
function request()
  counter = counter + 1
  if token == "none" then
    wrk.headers["Authorization"] = nil
  elseif token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  else
    wrk.headers["Authorization"] = string.format("Bearer bench-%d-%d", thread_id, counter)
  end
  return wrk.format()
end

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  graphql_errors = 0
  bytes_seen = 0
end

function response(status, headers, body)
  bytes_seen = #body
  if body:find('"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
  end
end

function done(summary, latency, requests)
  local errors, size = 0, 0
  for _, t in ipairs(threads) do
    errors = errors + t:get("graphql_errors")
    size = math.max(size, t:get("bytes_seen"))
  end
  io.write(string.format("RESULT requests=%d duration_us=%d non2xx=%d socket_errors=%d graphql_errors=%d p50_us=%d p99_us=%d body_bytes=%d\n",
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    errors, latency:percentile(50), latency:percentile(99), size))
end
