-- The request mix of the HTTP benchmark (appended to the generated tables inbox, region,
-- federal, cases and posts by bench/http.py). Each wrk thread takes every n-th approve POST,
-- so no case is approved twice.

local mix = {"inbox", "case", "region", "inbox", "case", "post", "inbox", "case", "region", "case"}
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  step = 0
  next_post = tid + 1
  posted = 0
end

local function get(path, cookie)
  return wrk.format("GET", path, {["Cookie"] = cookie})
end

function request()
  step = step + 1
  local kind = mix[(step % #mix) + 1]
  if kind == "inbox" then
    return get("/inbox?tab=mine", inbox)
  elseif kind == "region" then
    return get("/regions/RU-R01", region)
  elseif kind == "post" and next_post <= #posts then
    local p = posts[next_post]
    next_post = next_post + nthreads
    posted = posted + 1
    return wrk.format("POST", p[1], {["Cookie"] = p[2],
      ["Content-Type"] = "application/x-www-form-urlencoded"}, p[3])
  end
  return get(cases[(step % #cases) + 1], federal)
end

function done(summary, latency, requests)
  local posted_total = 0
  for _, thread in ipairs(threads) do
    posted_total = posted_total + (thread:get("posted") or 0)
  end
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "posts": %d, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), posted_total, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout))
end
