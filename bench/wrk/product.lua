-- GET /api/v1/products/{id}: a random one of the seeded products each time
-- (public, no token).
local c = dofile(os.getenv("BENCH_DIR") .. "/wrk/common.lua")
setup, done = c.setup, c.done

local count = c.product_count

function init(args)
  c.seed()
end

function request()
  return wrk.format("GET", "/api/v1/products/" .. c.product_id(math.random(count)))
end
