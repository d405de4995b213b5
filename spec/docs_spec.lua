-- Every function a module exposes carries a LuaLS doc comment (STYLE practice 14), so editors
-- show documentation for the whole API. A function is exposed when it is defined at the top level
-- as `function M.name(` or `function Class:name(`; names starting with "_" are private.
local function lua_files()
  local p = assert(io.popen("find lua -name '*.lua' | sort"))
  local files = {}
  for line in p:lines() do files[#files + 1] = line end
  p:close()
  return files
end

describe("API documentation", function()
  it("covers every exposed function of every module", function()
    local missing = {}
    local files = lua_files()
    assert.is_true(#files > 10, "no Lua modules found")
    for _, path in ipairs(files) do
      local prev, n = "", 0
      for line in io.lines(path) do
        n = n + 1
        local name = line:match("^function%s+([%w_%.:]+)%s*%(")
        if name then
          local last = name:match("([%w_]+)$")
          if last:sub(1, 1) ~= "_" and not prev:match("^%-%-%-") then
            missing[#missing + 1] = ("%s:%d %s"):format(path, n, name)
          end
        end
        prev = line
      end
    end
    assert(#missing == 0, "undocumented functions:\n" .. table.concat(missing, "\n"))
  end)
  -- types/e2b/core.lua declares the C module for LuaLS (as luv's docs/meta.lua): every function
  -- and field that the loaded e2b.core, its client and its request export is declared there,
  -- with a doc comment, and nothing that is not exported.
  it("declares every export of the C module e2b.core in types/e2b/core.lua, and nothing stale", function()
    local core = require("e2b.core")
    local client = core.client()
    local req = client:request({ method = "GET", url = "http://127.0.0.1:1/" }) -- never stepped: no traffic
    local exported = { core = {}, client = {}, request = {} }
    for k, v in pairs(core) do exported.core[k] = type(v) == "function" and "function" or "field" end
    for k in pairs(getmetatable(client).__index) do exported.client[k] = "function" end
    for k in pairs(getmetatable(req).__index) do exported.request[k] = "function" end
    req:close()
    client:close()
    local declared = { core = {}, client = {}, request = {} }
    local class, prev, undocumented = nil, "", {}
    for line in io.lines("types/e2b/core.lua") do
      local c = line:match("^%-%-%-@class%s+(%S+)")
      if c then class = c elseif not line:match("^%-%-%-@field") then class = nil end
      local f = line:match("^%-%-%-@field%s+([%w_]+)")
      if f and class == "e2b.core" then declared.core[f] = "field" end
      local owner, name = line:match("^function%s+([%w_]+)[%.:]([%w_]+)%s*%(")
      if owner then
        assert(declared[owner], "unknown owner " .. owner .. " in types/e2b/core.lua")
        declared[owner][name] = "function"
        if not prev:match("^%-%-%-") then undocumented[#undocumented + 1] = owner .. "." .. name end
      end
      prev = line
    end
    local problems = {}
    for _, owner in ipairs({ "core", "client", "request" }) do
      for name, what in pairs(exported[owner]) do
        if declared[owner][name] ~= what then
          problems[#problems + 1] = ("%s.%s (%s) is exported but not declared"):format(owner, name, what)
        end
      end
      for name, what in pairs(declared[owner]) do
        if exported[owner][name] ~= what then
          problems[#problems + 1] = ("%s.%s (%s) is declared but not exported"):format(owner, name, what)
        end
      end
    end
    table.sort(problems)
    assert(#problems == 0, "types/e2b/core.lua is out of date:\n" .. table.concat(problems, "\n"))
    assert(#undocumented == 0, "undocumented in types/e2b/core.lua: " .. table.concat(undocumented, ", "))
    assert.is_true(next(declared.client) ~= nil and next(declared.request) ~= nil)
    -- LuaLS finds it: .luarc.json puts types/ on the library path
    local f = assert(io.open(".luarc.json", "r"))
    local luarc = require("e2b.json").decode(f:read("*a"))
    f:close()
    assert.same({ "types" }, luarc["workspace.library"])
  end)
end)

