-- wrk script: every request is GET of a random path from a file (one path a line).
-- Usage: wrk ... -s bench/paths.lua URL -- PATHS_FILE [IF_NONE_MATCH [DELAY_MS]]
-- DELAY_MS > 0: each connection pauses that long before each request (a paced, light load whose
-- latency is not its own queueing: the mixed-load row's cached lookups).
-- Counts response statuses per thread and prints one "BENCHJSON {...}" line when done.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot open paths file " .. tostring(args[1]))
  if args[2] ~= nil and args[2] ~= "" then
    wrk.headers["If-None-Match"] = args[2]
  end
  requests_ = {}
  for path in file:lines() do
    if path ~= "" then
      table.insert(requests_, wrk.format("GET", path))
    end
  end
  file:close()
  delay_ms_ = tonumber(args[3] or "0") or 0
  if delay_ms_ <= 0 then
    delay = nil -- wrk checks for delay() after init: without it, no timer per request
  end
  count_ = #requests_
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
  s200 = 0
  s304 = 0
  sother = 0
end

function request()
  return requests_[math.random(count_)]
end

function delay()
  return delay_ms_
end

function response(status, headers, body)
  if status == 200 then
    s200 = s200 + 1
  elseif status == 304 then
    s304 = s304 + 1
  else
    sother = sother + 1
  end
end

function done(summary, latency, requests)
  local c200, c304, cother = 0, 0, 0
  for _, thread in ipairs(threads) do
    c200 = c200 + thread:get("s200")
    c304 = c304 + thread:get("s304")
    cother = cother + thread:get("sother")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_us": %d, "bytes": %d, "errors": %d, '
      .. '"s200": %d, "s304": %d, "sother": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect + e.read + e.write + e.status + e.timeout,
    c200, c304, cother,
    latency:percentile(50), latency:percentile(99), latency.max
  ))
end
