-- POST /api/v1/auth/login as the seeded bench users one after another (they
-- share one password, hashed once at the configured cost). Each answer costs
-- the server one bcrypt verify plus a refresh-token INSERT.
local c = dofile(os.getenv("BENCH_DIR") .. "/wrk/common.lua")
setup, done = c.setup, c.done

local bodies = {}
local i = 0

function init(args)
  local password = c.env("BENCH_PASSWORD")
  for _, name in ipairs(c.lines(c.env("BENCH_USERNAMES"))) do
    bodies[#bodies + 1] = '{"username":"' .. name .. '","password":"' .. password .. '"}'
  end
  i = (thread_index or 0) * 101
end

function request()
  i = i + 1
  return wrk.format("POST", "/api/v1/auth/login", { ["Content-Type"] = "application/json" },
    bodies[(i % #bodies) + 1])
end
