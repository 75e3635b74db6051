-- GET /api/v1/products?limit=20: the first page, newest first (public). One
-- fixed request, so wrk sends it without calling into Lua.
local c = dofile(os.getenv("BENCH_DIR") .. "/wrk/common.lua")
setup, done = c.setup, c.done

wrk.method = "GET"
wrk.path = "/api/v1/products?limit=20"
