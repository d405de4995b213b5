-- require("e2b") loads what a call needs when it needs it (issue 12: <= 5 ms; the timing is bench
-- N5's job, these check which modules load, so they cannot flake). Each case runs
-- spec/support/loaded_after.lua in a fresh interpreter: this process has loaded everything.
local host = require("spec.support.host")
local interpreter, q = host.interpreter, host.quote

-- Runs the steps in a fresh interpreter with `cpath` (default: this one's); step -> its line.
local function run(steps, cpath)
  local cmd = ("LUA_PATH=%s LUA_CPATH=%s %s spec/support/loaded_after.lua %s 2>&1"):format(
    q(package.path), q(cpath or package.cpath), q(interpreter()), table.concat(steps, " "))
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  local lines = {}
  for line in out:gmatch("[^\n]+") do
    local step, rest = line:match("^(%S+) ?(.*)$")
    lines[step] = rest
  end
  for _, s in ipairs(steps) do
    assert(lines[s], "no line for step " .. s .. " in:\n" .. out)
    assert(not lines[s]:find("^FAIL"), s .. ": " .. lines[s])
  end
  return lines, out
end

local function set(line)
  local t = {}
  for m in line:gmatch("%S+") do t[m] = true end
  return t
end

local function sorted_keys(t)
  local l = {}
  for k in pairs(t) do l[#l + 1] = k end
  table.sort(l)
  return table.concat(l, " ")
end

-- Every module under lua/e2b/, as require names.
local function all_modules()
  local p = assert(io.popen("find lua/e2b -name '*.lua' | LC_ALL=C sort"))
  local l = {}
  for path in p:lines() do
    l[#l + 1] = (path:gsub("^lua/", ""):gsub("/init%.lua$", ""):gsub("%.lua$", ""):gsub("/", "."))
  end
  p:close()
  assert(#l > 30, "found only " .. #l .. " modules under lua/e2b")
  return l
end

-- A directory holding this interpreter's cjson only (so e2b.core cannot be found there).
local function dir_with_cjson()
  local found
  for pattern in package.cpath:gmatch("[^;]+") do
    local f = pattern:gsub("%?", "cjson")
    local h = io.open(f, "rb")
    if h then h:close() found = f break end
  end
  assert(found, "cjson.so not found on package.cpath")
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute(("mkdir -p %s/e2b && ln -s %s %s/cjson.so"):format(q(dir), q(found), q(dir))))
  return dir
end

describe("require('e2b')", function()
  it("loads e2b only: no Sandbox side, no errors module, not the C core (libcurl)", function()
    local l = run({ "e2b" })
    assert.equal("e2b", sorted_keys(set(l.e2b)))
  end)

  it("loads each part with its first use, the C core with the first call that needs it", function()
    local l = run({ "e2b", "version", "Sandbox", "bad_input" })
    assert.equal("e2b e2b.version", sorted_keys(set(l.version)))
    local sb = set(l.Sandbox)
    assert.is_true(sb["e2b.sandbox"] and sb["e2b.errors"] and true)
    -- the envd side comes with the first sandbox, libcurl with the first request
    for _, m in ipairs({ "e2b.core", "e2b.envd", "e2b.commands", "e2b.filesystem", "e2b.async",
      "e2b.background", "e2b.code_interpreter", "e2b.template", "e2b.webhook" }) do
      assert.is_nil(sb[m], m .. " loaded with e2b.Sandbox")
    end
    -- rejecting bad input needs no libcurl
    assert.is_nil(set(l.bad_input)["e2b.core"], "e2b.core loaded to reject a bad option")
  end)

  it("e2b.safe loads the same little: e2b, e2b.safe and e2b.errors", function()
    local l = run({ "safe" })
    assert.equal("e2b e2b.errors e2b.safe", sorted_keys(set(l.safe)))
  end)

  it("no module under lua/e2b/ loads the C core when required (only through e2b.native)", function()
    local steps = {}
    for _, m in ipairs(all_modules()) do steps[#steps + 1] = "req:" .. m end
    local l = run(steps)
    local loaded = set(l[steps[#steps]])
    assert.is_true(loaded["e2b.sandbox"] and loaded["e2b.commands"] and loaded["e2b.native"] and true)
    assert.is_nil(loaded["e2b.core"], "e2b.core loaded by requiring the modules")
  end)

  it("keeps error classes one and the same, reached before or after the Sandbox side", function()
    run({ "errors_early" })
    run({ "errors_late" })
    -- and in this process, where everything is loaded
    local e2b = require("e2b")
    assert.equal(require("e2b.errors"), e2b.errors)
    assert.equal(require("e2b.errors").NotFoundError, e2b.errors.NotFoundError)
    assert.equal(e2b.errors, require("e2b.safe").errors)
  end)

  it("without a loadable C core: require works, the first call raises naming e2b.core and why", function()
    local dir = dir_with_cjson()
    finally(function() os.execute("rm -rf " .. q(dir)) end)
    -- missing
    local l, out = run({ "e2b", "bad_input", "no_core" }, dir .. "/?.so")
    assert.equal("e2b", sorted_keys(set(l.e2b)))
    local msg = out:match("no_core message ([^\n]*)")
    assert(msg, out)
    assert.matches("the C core (module 'e2b.core') could not be loaded: module 'e2b.core' not found", msg, 1, true)
    assert.matches(dir .. "/e2b/core.so", msg, 1, true)   -- the loader's own list of where it looked
    -- present but not loadable (not a shared object)
    local f = assert(io.open(dir .. "/e2b/core.so", "wb"))
    f:write("not a shared object\n")
    f:close()
    l, out = run({ "e2b", "no_core" }, dir .. "/?.so")
    assert.equal("e2b", sorted_keys(set(l.e2b)))
    msg = out:match("no_core message ([^\n]*)")
    assert(msg, out)
    assert.matches("the C core (module 'e2b.core') could not be loaded: error loading module 'e2b.core' from file '"
      .. dir .. "/e2b/core.so'", msg, 1, true)
  end)
end)
