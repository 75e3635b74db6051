-- Shared by the wrk scripts (loaded with dofile): reading the fixture files
-- that bench/run.sh writes, and a done() that writes one JSON object per run
-- to $BENCH_WRK_JSON, so bench/report.py never parses wrk's text output.
--
-- Every wrk thread has its own Lua state: setup() numbers the threads in the
-- main state, and each thread's init() takes its share of the fixtures.

local M = {}

function M.lines(path)
  local t = {}
  local f = assert(io.open(path, "r"), "cannot open " .. path)
  for line in f:lines() do
    if line ~= "" then t[#t + 1] = line end
  end
  f:close()
  assert(#t > 0, path .. " is empty")
  return t
end

function M.env(name)
  local value = os.getenv(name)
  assert(value, "environment variable " .. name .. " is not set")
  return value
end

-- The product id for n (1..10000): the same formula as the seed SQL
-- (bench/seed.sql) and the pgbench scripts.
function M.product_id(n)
  return string.format("01KBPR%020d", n)
end

M.product_count = tonumber(os.getenv("BENCH_PRODUCTS") or "10000")

local counter = 0

-- Runs in wrk's main Lua state once per thread: numbers the threads (from 0)
-- so that each thread's init() can take a disjoint share of the fixtures.
-- The thread count itself comes from $BENCH_WRK_THREADS (run.sh passes the
-- same number to wrk -t).
function M.setup(thread)
  thread:set("thread_index", counter)
  counter = counter + 1
end

function M.threads()
  return tonumber(M.env("BENCH_WRK_THREADS"))
end

-- Seeds the thread's random numbers differently per thread and per run.
function M.seed()
  math.randomseed(os.time() * 64 + (thread_index or 0))
end

-- One JSON object: requests/s, latency percentiles (microseconds) and every
-- kind of error wrk counts (status = answers outside 2xx/3xx).
function M.done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local out = string.format(
    '{"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"mean_us":%.1f,"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d}',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout)
  local path = os.getenv("BENCH_WRK_JSON")
  if path then
    local f = assert(io.open(path, "w"))
    f:write(out, "\n")
    f:close()
  end
  io.stdout:write(out, "\n")
end

return M
