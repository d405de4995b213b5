-- Every ```lua block of README.md that starts with `local e2b = require("e2b")` is a complete
-- script: it runs as is (its own process, against this run's emulator) and must exit 0, so the
-- README's snippets cannot rot.
local e2e = require("spec.support.e2e")

local host = require("spec.support.host")
local interpreter, shell_quote = host.interpreter, host.quote

local function runnable_blocks()
  local f = assert(io.open("README.md", "rb"))
  local text = f:read("*a")
  f:close()
  local blocks = {}
  for body in text:gmatch("\n```lua\n(.-)\n```") do
    if body:match("^local e2b = require%(\"e2b\"%)\n") then blocks[#blocks + 1] = body end
  end
  return blocks
end

describe("README snippets", function()
  local blocks = runnable_blocks()

  it("exist (stdin, tag, PTY, ports, pause/auto-resume, quick start)", function()
    assert.is_true(#blocks >= 4, "found " .. #blocks .. " runnable blocks")
  end)

  for i, body in ipairs(blocks) do
    local title = body:match("\n([^\n]*[%w][^\n]*)") or ""
    it(("block %d runs as is: %s"):format(i, title:sub(1, 60)), function()
      e2e.require_emulator()
      local script = os.tmpname()
      local f = assert(io.open(script, "wb"))
      f:write(body, "\n")
      f:close()
      local env = {}
      for k, v in pairs(e2e.env) do env[#env + 1] = k .. "=" .. shell_quote(v) end
      local p = assert(io.popen(("cd /tmp && env %s LUA_PATH=%s LUA_CPATH=%s timeout 120 %s %s 2>&1; echo \"exit=$?\""):format(
        table.concat(env, " "), shell_quote(package.path), shell_quote(package.cpath),
        shell_quote(interpreter()), shell_quote(script))))
      local out = p:read("*a")
      p:close()
      os.remove(script)
      local ok = out:match("exit=0\n$") ~= nil   -- (5.1's popen close has no exit status)
      assert(ok, "README block " .. i .. " failed:\n" .. body .. "\n---\n" .. out:sub(-2000))
    end)
  end
end)
