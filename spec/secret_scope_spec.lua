-- Secret registrations live as long as their owner (issue 13, items 5 and 11): a killed or
-- collected sandbox's envd token is forgotten, redaction costs the same however many sandboxes a
-- process has seen, and a password with a raw '@' is hidden whole.
local u = require("spec.support.unit")
local F = require("spec.support.fake_transport")
local e2b = require("e2b")
local errors = e2b.errors
local config = require("e2b.config")
local core = require("e2b.core")

local function token(i) return ("tok%060d"):format(i) end

-- A sandbox made through the fake transport with its own token.
local function sandbox_with(i)
  local sbx, fake = u.sandbox(nil, { sandboxID = "isbx" .. i, envdAccessToken = token(i) })
  fake:on("DELETE /sandboxes/isbx" .. i, function() return { status = 204, headers = {}, body = "" } end)
  return sbx
end

-- Microseconds per redaction of a typical error message.
local function redact_us()
  local msg = "POST https://49983-isbx1.e2b.app/process.Process/Start: connection refused (" ..
    ("x"):rep(120) .. ") while talking to the sandbox"
  local n = 2000
  errors.redact(msg)   -- a changed set of secrets is indexed once, at the next redaction
  local t0 = core.now_ms()
  for _ = 1, n do errors.redact(msg) end
  return (core.now_ms() - t0) * 1000 / n
end

describe("secret registrations", function()
  setup(function() sandbox_with(1000):kill() end)   -- the API key and other permanent ones first

  it("a killed sandbox's token is forgotten; a live one is still hidden", function()
    local before = errors.secret_count()
    local a, b = sandbox_with(1001), sandbox_with(1002)
    assert.are.equal("[***]", errors.redact("[" .. token(1001) .. "]"))
    assert.are.equal(before + 2, errors.secret_count())
    a:kill()
    assert.are.equal(before + 1, errors.secret_count())
    assert.are.equal("[***]", errors.redact("[" .. token(1002) .. "]"))
    a:kill()   -- idempotent
    assert.are.equal(before + 1, errors.secret_count())
    b:kill()
    assert.are.equal(before, errors.secret_count())
  end)

  it("a collected sandbox's token is forgotten", function()
    collectgarbage() collectgarbage()
    local before = errors.secret_count()
    do
      local s = sandbox_with(1003)
      assert.are.equal("***", errors.redact(token(1003)))
      s = nil   -- luacheck: ignore
    end
    for _ = 1, 4 do collectgarbage() end
    assert.are.equal(before, errors.secret_count())
  end)

  it("two objects of one sandbox share the token: it stays until both are gone", function()
    local before = errors.secret_count()
    local a = sandbox_with(1004)
    local b = sandbox_with(1004)
    a:kill()
    assert.are.equal("***", errors.redact(token(1004)))
    b:kill()
    assert.are.equal(before, errors.secret_count())
  end)

  it("permanent secrets (API key) are never released", function()
    local sbx = sandbox_with(1005)
    sbx:kill()
    assert.are.equal("***", errors.redact(u.KEY))
  end)

  it("redaction costs the same after 300 sandboxes, and with 1000 live tokens", function()
    collectgarbage() collectgarbage()
    local base = redact_us()
    for i = 1, 300 do sandbox_with(2000 + i):kill() end
    local after_seen = redact_us()
    local live = {}
    math.randomseed(13)
    for i = 1, 1000 do
      local t = {}
      for j = 1, 64 do t[j] = ("%x"):format(math.random(0, 15)) end
      live[i] = table.concat(t)
      errors.add_secret(live[i], live)
    end
    local with_live = redact_us()
    assert.are.equal("a *** b", errors.redact("a " .. live[777] .. " b"))
    assert.are.equal("******", errors.redact(live[1] .. live[2]))
    errors.release(live)
    print(("\n  redaction per error: %.1f us at start, %.1f us after 300 sandboxes killed, %.1f us with 1000 live tokens")
      :format(base, after_seen, with_live))
    -- before: 3.5 us at start, 185 us after 300 sandboxes, 83 ms with 100 k tokens (issue 13)
    assert.is_true(after_seen < base * 3 + 5, ("%.1f us vs %.1f us"):format(after_seen, base))
    assert.is_true(with_live < base * 5 + 20, ("%.1f us with 1000 live tokens vs %.1f us"):format(with_live, base))
  end)

  it("the indexed redaction hides overlapping and adjacent secrets, longest first", function()
    local owner = {}
    for i = 1, 20 do errors.add_secret(("pad-secret-%03d"):format(i), owner) end
    errors.add_secret("abcdXYZ", owner)
    errors.add_secret("abcdXYZ-longer", owner)
    assert.are.equal("<***>", errors.redact("<abcdXYZ-longer>"))
    assert.are.equal("<***|***>", errors.redact("<abcdXYZ|pad-secret-007>"))
    assert.are.equal("no secret here", errors.redact("no secret here"))
    errors.release(owner)
    assert.are.equal("abcdXYZ", errors.redact("abcdXYZ"))
  end)
end)

describe("a password with a raw '@'", function()
  it("is hidden whole in a proxy URL, also as the transport shows URLs", function()
    local proxy = "http://puser:p@ss-w0rd-x@127.0.0.1:9"
    config.resolve("Sandbox.create", u.opts(F.new(), { proxy = proxy }))
    local shown = errors.redact("proxy " .. proxy .. " refused")
    assert.is_nil(shown:find("ss-w0rd", 1, true), shown)
    assert.is_nil(shown:find("p@ss", 1, true), shown)
  end)

  it("never reaches a transport error message", function()
    local t = require("e2b.transport").new({ request_timeout = 2 })
    local ok, err = pcall(t.request, t, { method = "GET", url = "http://user:p@ss-wd-y@127.0.0.1:9/x?q=1" })
    t:close()
    assert.is_false(ok)
    local msg = tostring(err)
    assert.is_nil(msg:find("ss-wd-y", 1, true), msg)
    assert.is_nil(msg:find("p@ss", 1, true), msg)
    assert.matches("127.0.0.1:9/x", msg, 1, true)
  end)
end)
