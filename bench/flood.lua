-- wrk script: GET /api/v1/delivery/articles/{slug} for slugs that do not
-- exist, a new one every request: the flood of 404s an attacker (or a
-- broken crawler) sends, which must not evict the cache's hot set.
--
--   wrk -t2 -c50 -d10s -s bench/flood.lua http://127.0.0.1:18080

local n = 0
local tag

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
  tag = tostring(math.random(1, 1000000000))
end

function request()
  n = n + 1
  return wrk.format("GET", "/api/v1/delivery/articles/no-such-article-" .. tag .. "-" .. n)
end
