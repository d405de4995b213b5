local config = require("e2b.config")
local errors = require("e2b.errors")
local u = require("spec.support.unit")

describe("e2b.config", function()
  local saved
  before_each(function() saved = config.getenv end)
  after_each(function() config.getenv = saved end)

  local function env(t) config.getenv = function(k) return t[k] end end

  it("uses defaults when nothing is set", function()
    env({})
    local c = config.resolve("t", {})
    assert.are.equal("e2b.app", c.domain)
    assert.are.equal("https://api.e2b.app", c.api_url)
    assert.are.equal(60, c.request_timeout)
    assert.is_false(c.debug)
    assert.is_nil(c.api_key)
    assert.is_nil(c.sandbox_url)
  end)

  it("reads the environment", function()
    env({ E2B_API_KEY = u.KEY, E2B_DOMAIN = "example.org", E2B_SANDBOX_URL = "http://127.0.0.1:9/",
          E2B_DEBUG = "TRUE" })
    local c = config.resolve("t", {})
    assert.are.equal(u.KEY, c.api_key)
    assert.are.equal("example.org", c.domain)
    assert.are.equal("http://localhost:3000", c.api_url)    -- debug default
    assert.are.equal("http://127.0.0.1:9", c.sandbox_url)  -- trailing slash dropped
    assert.is_true(c.debug)
  end)

  it("lets options win over the environment", function()
    env({ E2B_API_KEY = "e2b_aa", E2B_DOMAIN = "env.org", E2B_API_URL = "http://env" })
    local c = config.resolve("t", { api_key = "e2b_bb", domain = "opt.org", api_url = "http://opt/",
                                    request_timeout = 5, debug = false })
    assert.are.same({ "e2b_bb", "opt.org", "http://opt", 5 }, { c.api_key, c.domain, c.api_url, c.request_timeout })
  end)

  it("derives the envd URL as the protocol says", function()
    env({})
    local c = config.resolve("t", {})
    assert.are.equal("https://sandbox.e2b.app", config.envd_url(c, "i1", nil))
    assert.are.equal("https://sandbox.e2b.dev", config.envd_url(c, "i1", "e2b.dev"))
    assert.are.equal("https://49983-i1.my.org", config.envd_url(c, "i1", "my.org"))
    c = config.resolve("t", { sandbox_url = "http://127.0.0.1:7" })
    assert.are.equal("http://127.0.0.1:7", config.envd_url(c, "i1", "my.org"))
    c = config.resolve("t", { debug = true })
    assert.are.equal("http://localhost:49983", config.envd_url(c, "i1", "my.org"))
  end)

  it("builds hosts for ports", function()
    env({})
    local c = config.resolve("t", {})
    assert.are.equal("8000-i1.e2b.app", config.host(c, "i1", nil, 8000))
    assert.are.equal("8000-i1.x.org", config.host(c, "i1", "x.org", 8000))
    assert.are.equal("localhost:8000", config.host(config.resolve("t", { debug = true }), "i1", nil, 8000))
  end)

  it("requires a well-formed API key before any request", function()
    env({})
    local err = u.raised(config.require_api_key, config.resolve("t", {}))
    assert.is_true(errors.is(err, errors.AuthenticationError))
    assert.matches("API key is required", err.message)
    err = u.raised(config.require_api_key, config.resolve("t", { api_key = "sk_nothex_secretvalue" }))
    assert.matches("Invalid API key format", err.message)
    assert.not_matches("secretvalue", tostring(err))
    assert.has_no.errors(function()
      config.require_api_key(config.resolve("t", { api_key = "anything", validate_api_key = false }))
    end)
    env({ E2B_VALIDATE_API_KEY = "False" })
    assert.has_no.errors(function() config.require_api_key(config.resolve("t", { api_key = "other" })) end)
  end)

  it("registers the API key as a secret", function()
    env({})
    config.resolve("t", { api_key = "e2b_feedfacefeedface" })
    assert.are.equal("key=***", errors.redact("key=e2b_feedfacefeedface"))
  end)

  it("rejects negative request timeouts and non-string headers", function()
    env({})
    assert.matches("request_timeout", u.raised(config.resolve, "t", { request_timeout = -1 }).message)
    assert.matches("headers", u.raised(config.resolve, "t", { headers = { A = 1 } }).message)
  end)

  it("escapes query values", function()
    assert.are.equal("path=%2Fhome%2Fuser%2Fa%20b.txt&username=root",
      config.query({ { "path", "/home/user/a b.txt" }, { "username", "root" }, { "skip", nil } }))
  end)

  it("resolves a declared call's connection in one place (config.call)", function()
    env({})
    local D = config.declare("Thing.list", { { "limit", "integer", 10 } }, "Thing:list")
    local o, cfg = config.call(D, { api_key = u.KEY, limit = 3, request_timeout = 5 })
    assert.are.same({ 3, 5, u.KEY, "https://api.e2b.app" }, { o.limit, cfg.request_timeout, cfg.api_key, cfg.api_url })
    assert.matches("^Thing.list: unknown option 'limt'", u.raised(config.call, D, { limt = 1 }).message)
    assert.matches("^Thing.list: option 'request_timeout' must be a number of seconds",
      u.raised(config.call, D, { request_timeout = -1 }).message)
    -- on an object holding its connection: own options + request_timeout, the base config kept
    local base = cfg
    local o2, cfg2 = config.call(D, nil, base)
    assert.are.same({ 10 }, { o2.limit })
    assert.are.equal(base, cfg2)
    local _, cfg3 = config.call(D, { request_timeout = 1 }, base)
    assert.are.same({ 1, 5, u.KEY }, { cfg3.request_timeout, base.request_timeout, cfg3.api_key })
    assert.matches("^Thing:list: unknown option 'api_key'", u.raised(config.call, D, { api_key = u.KEY }, base).message)
  end)
end)
