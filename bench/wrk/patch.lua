-- PATCH /api/v1/users/{id} with If-Match, conflict-free by construction.
--
-- A versioned write of one user by two connections at once would make one of
-- them lose (412) by design, so no user is ever in flight twice: each thread
-- owns a disjoint share of the users ($BENCH_PATCH_USERS: "id version" lines,
-- read from the database just before the run) and keeps the idle ones in a
-- free list. request() takes a user from the list and sends its known
-- version; response() reads the user's id from the answer and its new
-- version from the ETag, and puts it back. A thread has at most as many
-- requests in flight as it has connections (wrk sends one at a time per
-- connection), so it needs more users than connections: run.sh checks that.
--
-- The writer is the admin (one token, $BENCH_ADMIN_TOKEN): an admin may
-- patch any user, and the path is the same versioned update a customer's
-- own PATCH takes (same statements); only the authorization check differs.
local c = dofile(os.getenv("BENCH_DIR") .. "/wrk/common.lua")
setup, done = c.setup, c.done

local free = {}     -- idle user ids
local version = {}  -- id -> last known version
local auth
local n = 0

function init(args)
  auth = "Bearer " .. c.env("BENCH_ADMIN_TOKEN")
  local threads = c.threads()
  local mine = 0
  for index, line in ipairs(c.lines(c.env("BENCH_PATCH_USERS"))) do
    if (index - 1) % threads == thread_index then
      local id, v = line:match("^(%S+)%s+(%d+)$")
      assert(id, "bad line in BENCH_PATCH_USERS: " .. line)
      free[#free + 1] = id
      version[id] = tonumber(v)
      mine = mine + 1
    end
  end
  assert(mine > 0, "no users for thread " .. thread_index)
end

function request()
  local id = table.remove(free)
  if id == nil then
    -- Cannot happen with more users than connections; if it did, this
    -- request would conflict and be counted as an error, never hidden.
    id = next(version)
  end
  n = n + 1
  return wrk.format("PATCH", "/api/v1/users/" .. id, {
    ["Authorization"] = auth,
    ["Content-Type"] = "application/json",
    ["If-Match"] = '"' .. version[id] .. '"',
  }, '{"full_name":"Bench Patch ' .. n .. '"}')
end

function response(status, headers, body)
  if status ~= 200 then return end
  local id = body:match('"id"%s*:%s*"([0-9A-Z]+)"')
  local etag = headers["ETag"] or headers["etag"] or headers["Etag"]
  if id and etag and version[id] then
    version[id] = tonumber(etag:match("(%d+)"))
    free[#free + 1] = id
  end
end
