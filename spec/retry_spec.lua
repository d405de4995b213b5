-- REST retries: 429 + Retry-After (any method), 502/503 on GETs; at most max_retries (default 2),
-- never past the request timeout. Unit (fake transport) and the emulator's fault injection.
local F = require("spec.support.fake_transport")
local u = require("spec.support.unit")
local e2e = require("spec.support.e2e")
local e2b = require("e2b")
local api = require("e2b.api")
local config = require("e2b.config")
local Sandbox = e2b.Sandbox

local function now() return require("e2b.core").now_ms() / 1000 end

local fault = e2e.fault

describe("retries (unit)", function()
  local function cfg(fake, extra)
    local c = config.resolve("x", u.opts(fake))
    for k, v in pairs(extra or {}) do c[k] = v end
    return c
  end
  local function answer(status, retry_after)
    local r = F.json(status, { code = status, message = "busy" })
    if retry_after then r.headers["retry-after"] = retry_after end
    return r
  end

  it("decides from status, method and Retry-After", function()
    assert.are.equal(2, api.retry_delay("POST", answer(429, "2"), 1))
    assert.is_nil(api.retry_delay("POST", answer(429), 1))            -- no hint, no retry
    assert.is_nil(api.retry_delay("POST", answer(503, "1"), 1))       -- create may have acted
    assert.are.equal(1, api.retry_delay("GET", answer(503, "1"), 1))
    assert.are.equal(0.5, api.retry_delay("GET", answer(502), 1))
    assert.are.equal(1, api.retry_delay("GET", answer(502), 2))
    assert.is_nil(api.retry_delay("GET", answer(500), 1))
    -- an HTTP date (RFC 9110 §10.2.3) counts from now; a past one means at once
    assert.are.equal(0, api.retry_delay("GET", answer(429, "Wed, 21 Oct 2015 07:28:00 GMT"), 1))
    local soon = os.date("!%a, %d %b %Y %H:%M:%S GMT", os.time() + 3)
    local d = api.retry_delay("POST", answer(429, soon), 1)
    assert.is_true(d >= 2 and d <= 3, tostring(d))
    assert.is_true(api.retry_delay("GET", answer(503, soon), 1) >= 2)
    assert.are.equal(5, api.retry_after_seconds("Wednesday, 21-Oct-15 07:28:00 GMT", 1445412475))
    assert.are.equal(5, api.retry_after_seconds("Wed Oct 21 07:28:00 2015", 1445412475))
    assert.is_nil(api.retry_after_seconds("soon"))
    assert.is_nil(api.retry_delay("POST", answer(429, "soon"), 1))
  end)

  it("retries at most max_retries times, then maps the last answer", function()
    local fake = F.new()
    local n = 0
    fake:on("GET /sandboxes/i1", function() n = n + 1 return answer(429, "0") end)
    local err = u.raised(api.get_info, cfg(fake), "i1")
    assert.are.equal("RateLimitError", err.name)
    assert.are.equal(3, n)
    n = 0
    u.raised(api.get_info, cfg(fake, { max_retries = 0 }), "i1")
    assert.are.equal(1, n)
  end)

  it("takes max_retries as a connection option of every call", function()
    local fake = F.new()
    local n = 0
    fake:on("GET /sandboxes/i1", function() n = n + 1 return answer(429, "0") end)
    local opts = u.opts(fake)
    opts.max_retries = 1
    local err = u.raised(Sandbox.get_info, "i1", opts)
    assert.are.equal("RateLimitError", err.name)
    assert.are.equal(2, n)
    opts.max_retries = -1
    assert.are.equal("InvalidArgumentError", u.raised(Sandbox.get_info, "i1", opts).name)
    opts.max_retries = 1.5
    assert.are.equal("InvalidArgumentError", u.raised(Sandbox.get_info, "i1", opts).name)
  end)

  it("does not wait past the request timeout", function()
    local fake = F.new()
    local n = 0
    fake:on("GET /sandboxes/i1", function() n = n + 1 return answer(429, "30") end)
    local t0 = now()
    assert.are.equal("RateLimitError", u.raised(api.get_info, cfg(fake, { request_timeout = 5 }), "i1").name)
    assert.are.equal(1, n)
    assert.is_true(now() - t0 < 1)
  end)
end)

describe("retries (end to end)", function()
  it("a GET answered 429 with Retry-After succeeds after the delay", function()
    local sbx = e2e.sandbox(finally)
    fault(finally, { mode = "status", status = 429, retry_after = 1, surface = "api",
                     match = "/sandboxes/" .. sbx.sandbox_id, count = 2 })
    local t0 = now()
    assert.are.equal("running", sbx:get_info().state)
    assert.is_true(now() - t0 >= 1.9, "both retries waited Retry-After")
  end)

  it("gives up after max_retries (default 2)", function()
    local sbx = e2e.sandbox(finally)
    fault(finally, { mode = "status", status = 429, retry_after = 0, surface = "api",
                     match = "/sandboxes/" .. sbx.sandbox_id, count = 3 })
    local ok, err = pcall(sbx.get_info, sbx)
    assert.is_false(ok)
    assert.are.equal("RateLimitError", err.name)
    assert.are.equal("running", sbx:get_info().state)   -- the rule is used up
  end)

  it("retries 503 on GETs, not on create; create is retried on 429", function()
    local sbx = e2e.sandbox(finally)
    fault(finally, { mode = "status", status = 503, surface = "api", match = "/sandboxes/" .. sbx.sandbox_id, count = 1 })
    assert.are.equal(sbx.sandbox_id, sbx:get_info().sandbox_id)

    fault(finally, { mode = "status", status = 503, retry_after = 0, surface = "api", match = "/sandboxes", count = 1 })
    local ok, err = pcall(Sandbox.create)
    assert.is_false(ok)
    assert.are.equal(503, err.status)

    fault(finally, { mode = "status", status = 429, retry_after = 1, surface = "api", match = "/sandboxes", count = 1 })
    local again = e2e.sandbox(finally)
    assert.is_true(again:is_running())
  end)
end)
