-- POST /api/v1/orders with one line (quantity 1) of a random seeded product,
-- shipped to an address in Germany (given with the order) by the seeded
-- parcel, taxed at DE's 19 %, with the seeded 10 % code (no limits): the
-- full checkout, as the logged-in bench users one after another. Every
-- answer must be 201. Its pgbench twin is bench/pgbench/checkout.sql.
local c = dofile(os.getenv("BENCH_DIR") .. "/wrk/common.lua")
setup, done = c.setup, c.done

local auth = {}
local i = 0
local count = c.product_count
local method = "01KBSM" .. string.rep("0", 19) .. "1"

function init(args)
  c.seed()
  for _, token in ipairs(c.lines(c.env("BENCH_TOKENS"))) do
    auth[#auth + 1] = "Bearer " .. token
  end
  i = (thread_index or 0) * 7
end

function request()
  i = i + 1
  local body = '{"items":[{"product_id":"' .. c.product_id(math.random(count)) .. '","quantity":1}],'
    .. '"shipping_address":{"name":"Bench Buyer","line1":"Hauptstr. 1","city":"Berlin","postal_code":"10115","country":"DE"},'
    .. '"shipping_method_id":"' .. method .. '","discount_code":"bench10"}'
  return wrk.format("POST", "/api/v1/orders", {
    ["Authorization"] = auth[(i % #auth) + 1],
    ["Content-Type"] = "application/json",
  }, body)
end
