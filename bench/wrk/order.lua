-- POST /api/v1/orders with one line (quantity 1) of a random seeded product,
-- as the logged-in bench users one after another. The products are seeded
-- with a stock of a billion, so no order can run short: every answer must
-- be 201.
local c = dofile(os.getenv("BENCH_DIR") .. "/wrk/common.lua")
setup, done = c.setup, c.done

local auth = {}
local i = 0
local count = c.product_count

function init(args)
  c.seed()
  for _, token in ipairs(c.lines(c.env("BENCH_TOKENS"))) do
    auth[#auth + 1] = "Bearer " .. token
  end
  i = (thread_index or 0) * 7
end

function request()
  i = i + 1
  local body = '{"items":[{"product_id":"' .. c.product_id(math.random(count)) .. '","quantity":1}]}'
  return wrk.format("POST", "/api/v1/orders", {
    ["Authorization"] = auth[(i % #auth) + 1],
    ["Content-Type"] = "application/json",
  }, body)
end
