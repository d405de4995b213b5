-- The Neovim plugin (examples/nvim) in a headless Neovim against this run's emulator:
-- spec/nvim/run.sh runs spec/nvim/plugin_test.lua, bounded by `timeout`. Fails (never skips)
-- when nvim or the LuaJIT build of the core is missing.
local e2e = require("spec.support.e2e")

local sh_quote = require("spec.support.host").quote

describe("Neovim plugin (headless)", function()
  it("streams into a scratch buffer with the editor responsive; stop cancels; lists and kills", function()
    e2e.require_emulator()
    local env = {}
    for _, k in ipairs({ "E2B_API_URL", "E2B_SANDBOX_URL", "E2B_API_KEY" }) do
      env[#env + 1] = k .. "=" .. sh_quote(e2e.env[k])
    end
    local cmd = "env " .. table.concat(env, " ") .. " NVIM_TEST_TIMEOUT=120 bash spec/nvim/run.sh 2>&1; echo \"exit=$?\""
    local p = assert(io.popen(cmd))
    local output = p:read("*a")
    p:close()
    local code = tonumber(output:match("exit=(%d+)%s*$"))
    assert(code == 0 and not output:find("not ok", 1, true) and output:find("# all passed", 1, true),
           "headless Neovim test failed (exit " .. tostring(code) .. "):\n" .. output)
    -- the run really checked something
    local oks = select(2, output:gsub("\nok %- ", ""))
    assert.is_true(oks >= 20, "only " .. oks .. " checks ran:\n" .. output)
  end)
end)
