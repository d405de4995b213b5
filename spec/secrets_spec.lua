-- No secret ever shows: a realistic workflow (spec/support/secrets_workflow.lua, run in a child
-- process so its stderr is captured too) uses a distinctive API key, a secure sandbox's envd
-- token, git credentials and a proxy password, provokes many failures, and prints every error
-- message and field and every object's tostring. None of the secrets may appear anywhere.
local e2e = require("spec.support.e2e")
local server = require("spec.support.server")

local BAD_KEY = "e2b_0badc0ffee5ec2e7" .. "0badc0ffee5ec2e7"
local PROXY_PASSWORD = "Pr0xyPa55-7c1f"
local BAD_PROXY_PASSWORD = "WrongPr0xy-93ad"
local GIT_USER = "gituser"
local GIT_PASSWORD = "G1tT0ken-5f0e2a"

local host = require("spec.support.host")
local slurp, sh_quote = host.read, host.quote

describe("secrets", function()
  local proxy_server
  setup(function() proxy_server = server.start("spec/support/proxy_server.js", "--auth puser:" .. PROXY_PASSWORD) end)
  teardown(function() if proxy_server then proxy_server.stop() end end)

  it("never appear in errors, tostring or stderr of a failing workflow", function()
    e2e.require_emulator()
    local emu = assert(e2e.emulator, "this spec needs the emulator spec/helper.lua starts")
    local proxy = ("http://puser:%s@127.0.0.1:%d"):format(PROXY_PASSWORD, proxy_server.port)
    local bad_proxy = ("http://puser:%s@127.0.0.1:%d"):format(BAD_PROXY_PASSWORD, proxy_server.port)
    local out, err = os.tmpname(), os.tmpname()
    finally(function() os.remove(out); os.remove(err) end)
    local vars = {
      E2B_API_URL = emu.api_url, E2B_SANDBOX_URL = emu.sandbox_url, E2B_API_KEY = emu.api_key,
      SECRETS_BAD_KEY = BAD_KEY, SECRETS_PROXY = proxy, SECRETS_BAD_PROXY = bad_proxy,
      SECRETS_GIT_USER = GIT_USER, SECRETS_GIT_PASSWORD = GIT_PASSWORD, SECRETS_CONTROL_URL = emu.control_url,
    }
    local cmd = {}
    for k, v in pairs(vars) do cmd[#cmd + 1] = k .. "=" .. sh_quote(v) end
    local lua = arg and arg[-1] or "lua5.4"
    cmd[#cmd + 1] = ("timeout 120 %s spec/support/secrets_workflow.lua > %s 2> %s"):format(sh_quote(lua), out, err)
    os.execute("LUA_PATH=" .. sh_quote(package.path) .. " LUA_CPATH=" .. sh_quote(package.cpath) .. " "
      .. table.concat(cmd, " "))
    local stdout, stderr = slurp(out), slurp(err)
    local failures = tonumber(stdout:match("\nFAILURES (%d+)\n"))
    assert.is_truthy(failures, "the workflow did not finish:\n" .. stdout:sub(-2000) .. "\n" .. stderr)
    assert.is_true(failures >= 20, "only " .. failures .. " failures were provoked")
    local token = assert(loadstring or load)("return " .. assert(stdout:match("\nTOKEN (%b\"\")\n")))()
    assert.is_true(#token >= 16)
    local visible = stdout:gsub("\nTOKEN %b\"\"\n", "\n") .. stderr
    -- the texts are there (credentials were replaced, not the messages dropped)
    assert.matches("AuthenticationError", visible)
    assert.matches("CommandExitError", visible, 1, true)
    assert.matches("e2b.Sandbox(id=", visible, 1, true)
    for name, secret in pairs({ api_key = emu.api_key, bad_api_key = BAD_KEY, envd_token = token,
                                proxy_password = PROXY_PASSWORD, bad_proxy_password = BAD_PROXY_PASSWORD,
                                git_password = GIT_PASSWORD }) do
      local at = visible:find(secret, 1, true)
      assert.is_nil(at, name .. " leaked: ..." .. (at and visible:sub(math.max(1, at - 300), at + 80):gsub(secret, "<" .. name .. ">") or ""))
    end
  end)

  -- The core's own trace (libcurl's verbose output, redacted in core/engine/redact.c): HTTP/2
  -- prints each header inside an info line ("h2h3 [x-api-key: …]"), HTTP/1.1 as header lines.
  it("never appear in the core's trace, over HTTP/1.1 and HTTP/2, direct and through a proxy", function()
    local h2 = server.start("spec/support/h2_server.js")
    local echo = require("spec.support.echo").start()
    finally(function() h2.stop(); echo.stop() end)
    local secrets = {
      api_key = "e2b_7race" .. "c0ffee5ec2e70badc0ffee", token = "envdT0ken-4b1d9e77",
      traffic = "Traff1cT0ken-0e6a55", git_password = "G1tPa55-d4e1",
      signature = "v1_S1gnature9c2f", proxy_password = PROXY_PASSWORD,
    }
    secrets.basic = require("e2b.core").b64encode("gituser:" .. secrets.git_password)
    local out, err = os.tmpname(), os.tmpname()
    finally(function() os.remove(out); os.remove(err) end)
    local vars = {
      T_API_KEY = secrets.api_key, T_TOKEN = secrets.token, T_TRAFFIC = secrets.traffic,
      T_BASIC = secrets.basic, T_GIT_PASSWORD = secrets.git_password, T_SIGNATURE = secrets.signature,
      T_H1 = echo.url, T_H2 = ("https://127.0.0.1:%d"):format(h2.port), T_CA = h2.ca_file,
      T_PROXY = ("http://puser:%s@127.0.0.1:%d"):format(PROXY_PASSWORD, proxy_server.port),
    }
    local cmd = {}
    for k, v in pairs(vars) do cmd[#cmd + 1] = k .. "=" .. sh_quote(v) end
    local lua = arg and arg[-1] or "lua5.4"
    cmd[#cmd + 1] = ("timeout 60 %s spec/support/trace_workflow.lua > %s 2> %s"):format(sh_quote(lua), out, err)
    os.execute("LUA_PATH=" .. sh_quote(package.path) .. " LUA_CPATH=" .. sh_quote(package.cpath) .. " "
      .. table.concat(cmd, " "))
    local stdout, trace = slurp(out), slurp(err)
    -- all four requests answered, over the versions meant
    assert.equal("DONE 4 1.1:done:200,1.1:done:200,2:done:200,2:done:200\n", stdout, trace:sub(-2000))
    -- the trace is there, headers included, with the values replaced
    assert.matches("[e2b.core] > X-API-KEY: ***", trace, 1, true)
    assert.matches("[x-api-key: ***]", trace, 1, true)
    assert.matches("[x-access-token: ***]", trace, 1, true)
    assert.matches("[e2b-traffic-access-token: ***]", trace, 1, true)
    assert.matches("[authorization: ***]", trace, 1, true)
    assert.matches("Proxy-Authorization: ***", trace, 1, true)
    for name, secret in pairs(secrets) do
      for _, piece in ipairs({ secret, secret:sub(1, 8), secret:sub(-8) }) do
        local at = trace:find(piece, 1, true)
        assert.is_nil(at, name .. " leaked in the trace: ..." .. (at and trace:sub(math.max(1, at - 200), at + 60) or ""))
      end
    end
  end)
end)
