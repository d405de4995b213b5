-- The installed rock is whole: `luarocks make` into a fresh tree from a copy of the sources, then,
-- with only that tree on the module paths, require("e2b.emulator").start() installs the
-- emulator's npm dependencies into a fresh per-user cache, starts it, and a sandbox runs a command.
--
-- It builds for and runs lua5.4 whatever interpreter runs busted, so it runs once per test.sh
-- run (under the 5.4 pass of the matrix) rather than five times the same.
local sh_quote = require("spec.support.host").quote

local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("*a")
  local ok = p:close()
  return ok, out
end

local runs_here = _VERSION == "Lua 5.4" and not rawget(_G, "jit")

describe("the installed rock" .. (runs_here and "" or " (built and run by the Lua 5.4 pass)"), function()
  if not runs_here then return end

  it("starts the emulator and runs a command from a fresh tree only", function()
    local tmp = os.tmpname()
    os.remove(tmp)
    finally(function() os.execute("rm -rf " .. sh_quote(tmp)) end)
    local src, tree, cache, work = tmp .. "/src", tmp .. "/tree", tmp .. "/cache", tmp .. "/work"
    assert(run(("mkdir -p %s %s && tar --exclude=node_modules --exclude=.state -cf - CMakeLists.txt core lua emulator rockspec | tar -C %s -xf -")
      :format(sh_quote(src), sh_quote(work), sh_quote(src))))
    local ok, out = run(("cd %s && timeout 300 luarocks --lua-version 5.4 --tree %s make rockspec/e2b-scm-1.rockspec")
      :format(sh_quote(src), sh_quote(tree)))
    assert(ok, "luarocks make failed:\n" .. out:sub(-3000))

    local script = [[
      local emu = require("e2b.emulator").start({ start_timeout = 120 })
      local ok, err = pcall(function()
        assert(package.searchpath("e2b.emulator", package.path):find(os.getenv("TREE"), 1, true), "not the installed module")
        local sbx = require("e2b").Sandbox.create(emu.config)
        print("says: " .. sbx.commands:run("echo installed-rock-ok").stdout)
        sbx:kill()
      end)
      emu:stop()
      assert(ok, tostring(err))
    ]]
    -- only the tree (and the system's default paths, for Debian's lua-cjson) on the module paths
    ok, out = run(("cd %s && eval \"$(luarocks --lua-version 5.4 --tree %s path)\" && " ..
        "env -u E2B_EMULATOR -u E2B_API_URL -u E2B_API_KEY -u E2B_SANDBOX_URL TREE=%s E2B_EMULATOR_CACHE=%s " ..
        "timeout 300 lua5.4 -e %s")
      :format(sh_quote(work), sh_quote(tree), sh_quote(tree), sh_quote(cache), sh_quote(script)))
    assert(ok, "the installed rock failed:\n" .. out:sub(-3000))
    assert.matches("says: installed%-rock%-ok", out)
    -- the cache was made once and is reused
    local listed = select(2, run("ls " .. sh_quote(cache)))
    assert.matches("^emulator%-%x+\n$", listed)
  end)
end)
