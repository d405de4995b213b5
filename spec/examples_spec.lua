-- Every runnable example in examples/ runs to completion against the emulator of this spec run,
-- so that none can rot. Each runs as its own Lua process with the emulator's environment.
local e2e = require("spec.support.e2e")

local host = require("spec.support.host")
local interpreter, shell_quote = host.interpreter, host.quote

local function list_examples()
  local p = assert(io.popen("ls examples/*.lua 2>/dev/null"))
  local files = {}
  for line in p:lines() do files[#files + 1] = line end
  p:close()
  return files
end

-- The interpreter running this spec: examples must work on it too.
-- Run one example as its own process with `env` (name → value; false = unset); its exit status
-- (true on 0) and output.
local function run_example(path, env, args)
  local parts = {}
  for k, v in pairs(env) do
    parts[#parts + 1] = v == false and ("-u " .. k) or (k .. "=" .. shell_quote(v))
  end
  local log = os.tmpname()
  local cmd = ("env %s LUA_PATH=%s LUA_CPATH=%s timeout 300 %s %s %s >%s 2>&1"):format(
    table.concat(parts, " "), shell_quote(package.path), shell_quote(package.cpath),
    shell_quote(interpreter()), shell_quote(path), args or "", shell_quote(log))
  local ok = os.execute(cmd)
  local f = io.open(log, "rb")
  local out = f and f:read("*a") or ""
  if f then f:close() end
  os.remove(log)
  return ok == true or ok == 0, out
end

describe("examples exit status", function()
  it("an example exits non-zero when its sandboxes fail (a refused API key)", function()
    e2e.require_emulator()
    local env = {}
    for k, v in pairs(e2e.env) do env[k] = v end
    env.E2B_API_KEY = "e2b_" .. string.rep("0", 40)   -- well-formed, not the emulator's
    local ok, out = run_example("examples/parallel_sandboxes.lua", env, "2")
    assert.is_false(ok, "exited 0:\n" .. out)
    assert.matches("AuthenticationError", out, 1, true)
    assert.matches("2 failed", out, 1, true)
  end)

  it("parallel_sandboxes.lua starts its own emulator when nothing is configured", function()
    e2e.require_emulator()
    local ok, out = run_example("examples/parallel_sandboxes.lua",
      { E2B_API_URL = false, E2B_API_KEY = false, E2B_SANDBOX_URL = false, E2B_DOMAIN = false }, "2")
    assert.is_true(ok, out)
    assert.matches("the local emulator at", out, 1, true)
    assert.matches("0 failed", out, 1, true)
  end)
end)

describe("examples #e2e", function()
  local examples = list_examples()

  it("exist", function()
    assert.is_true(#examples >= 2, "no examples found in examples/")
  end)

  for _, path in ipairs(examples) do
    it("run to completion: " .. path, function()
      e2e.require_emulator()
      local ok, out = run_example(path, e2e.env)
      assert(ok, path .. " failed:\n" .. out:sub(-3000))
    end)
  end
end)
