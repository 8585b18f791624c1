-- wrk script: GET /api/v1/delivery/search?q=... with a query picked at
-- random (uniformly) from a file of queries, one per line (plain words;
-- they are URL-encoded here). Lines starting with # are comments.
--
--   wrk -t2 -c50 -d10s --latency -s bench/search.lua http://127.0.0.1:18080 -- bench/queries.txt

local paths = {}

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  local path = args[1] or "bench/queries.txt"
  local f = assert(io.open(path, "r"), "cannot open query file " .. path)
  for line in f:lines() do
    line = line:gsub("^%s+", ""):gsub("%s+$", "")
    if line ~= "" and line:sub(1, 1) ~= "#" then
      paths[#paths + 1] = "/api/v1/delivery/search?q=" .. urlencode(line)
    end
  end
  f:close()
  assert(#paths > 0, "no queries in " .. path)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
