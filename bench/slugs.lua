-- wrk script: GET /api/v1/delivery/articles/{slug} for a slug picked at
-- random (uniformly) from a file of slugs, one per line.
--
--   wrk -t2 -c50 -d10s --latency -s bench/slugs.lua http://127.0.0.1:18080 -- bench/out/slugs.txt [prefix [suffix]]
--
-- prefix and suffix (default /api/v1/delivery/articles/ and nothing) make
-- the URL of a slug: nginx serves the same documents as /a/{slug}.json.
-- Every wrk thread loads the file into its own Lua state.

local slugs = {}

function init(args)
  local path = args[1] or "bench/out/slugs.txt"
  local prefix = args[2] or "/api/v1/delivery/articles/"
  local suffix = args[3] or ""
  local f = assert(io.open(path, "r"), "cannot open slug file " .. path)
  for line in f:lines() do
    if line ~= "" then slugs[#slugs + 1] = prefix .. line .. suffix end
  end
  f:close()
  assert(#slugs > 0, "no slugs in " .. path)
  -- a different sequence per thread
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  return wrk.format("GET", slugs[math.random(#slugs)])
end
