-- sbx:get_url(port): a server started in the sandbox is reachable by any HTTP client from what the
-- SDK returns — on E2B https://<port>-<id>.<domain>, on the emulator a loopback listener.
local e2e = require("spec.support.e2e")
local u = require("spec.support.unit")
local e2b = require("e2b")
local errors = e2b.errors

-- Output and success of a shell command (5.1's popen close has no exit status: echo it).
local function capture(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"exit=$?\""))
  local out = p:read("*a")
  p:close()
  local body, code = out:match("^(.-)exit=(%d+)\n$")
  return body, code == "0"
end

local function raised(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return err
end

describe("sbx:get_url (unit)", function()
  it("is https://<port>-<id>.<domain> on E2B, get_host unchanged; checks the port", function()
    local sbx, fake = u.sandbox()
    assert.are.equal("https://8000-isbx1.e2b.app", sbx:get_url(8000))
    assert.are.equal("8000-isbx1.e2b.app", sbx:get_host(8000))
    assert.are.equal(0, #fake.requests)
    assert.is_true(errors.is(raised(sbx.get_url, sbx, 0), errors.InvalidArgumentError))
    assert.is_true(errors.is(raised(sbx.get_url, sbx, "80"), errors.InvalidArgumentError))
    assert.is_true(errors.is(raised(sbx.get_url, sbx, 80, { nope = 1 }), errors.InvalidArgumentError))
    assert.is_true(errors.is(raised(e2b.Sandbox.get_url, "isbx1", 80), errors.InvalidArgumentError))
  end)
end)

describe("sbx:get_url on the emulator", function()
  it("serves a sandbox's server to curl, node and python3, offline", function()
    local sbx = e2e.sandbox(finally)
    sbx.files:write("/home/user/www/hello.txt", "hello from the sandbox")
    sbx.commands:run("cd /home/user/www && python3 -m http.server 8000 --bind 127.0.0.1",
      { background = true, timeout = 0 })
    local url = sbx:get_url(8000)
    assert.matches("^http://127%.0%.0%.1:%d+$", url)
    assert.are.equal(url, sbx:get_url(8000))          -- the same listener again
    assert.are.equal("8000-" .. sbx.sandbox_id .. ".e2b.app", sbx:get_host(8000))
    local target = url .. "/hello.txt"
    -- wait (bounded) until the server listens
    local out
    for _ = 1, 100 do
      out = capture("curl -sf --max-time 5 " .. target)
      if out == "hello from the sandbox" then break end
      os.execute("sleep 0.1")
    end
    assert.are.equal("hello from the sandbox", out)
    out = capture(("node -e \"fetch('%s').then(r => r.text()).then(t => process.stdout.write(t))\""):format(target))
    assert.are.equal("hello from the sandbox", out)
    out = capture(("python3 -c \"import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('%s', timeout=5).read().decode())\"")
      :format(target))
    assert.are.equal("hello from the sandbox", out)

    -- a paused sandbox refuses the connection; resumed, it serves again
    sbx:pause()
    local _, ok = capture("curl -sf --max-time 5 " .. target)
    assert.is_falsy(ok)
    sbx:connect()
    assert.are.equal("hello from the sandbox", (capture("curl -sf --max-time 5 " .. target)))
    -- killed: the listener is gone
    sbx:kill()
    _, ok = capture("curl -sf --max-time 5 " .. target)
    assert.is_falsy(ok)
  end)

  it("raises SandboxNotFoundError for a sandbox the emulator does not know", function()
    local sbx = e2e.sandbox(finally)
    sbx:kill()
    local err = raised(sbx.get_url, sbx, 8000)
    assert.is_true(errors.is(err, errors.SandboxNotFoundError), tostring(err))
  end)
end)
