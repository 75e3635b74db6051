-- GET /api/v1/users/me with the bearer tokens of the logged-in bench users,
-- one after another (the tokens are in $BENCH_TOKENS, one per line).
local c = dofile(os.getenv("BENCH_DIR") .. "/wrk/common.lua")
setup, done = c.setup, c.done

local requests = {}
local i = 0

function init(args)
  for _, token in ipairs(c.lines(c.env("BENCH_TOKENS"))) do
    requests[#requests + 1] = wrk.format("GET", "/api/v1/users/me", { ["Authorization"] = "Bearer " .. token })
  end
  -- Threads start at different tokens.
  i = (thread_index or 0) * 7
end

function request()
  i = i + 1
  return requests[(i % #requests) + 1]
end
