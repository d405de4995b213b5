-- The SDK's error objects and the mapping tables of the protocol doc (§3.1, §4.5, §5.5).
local errors = require("e2b.errors")
local envd = require("e2b.envd")
local map = require("e2b.envd.errors")
local api = require("e2b.api")

describe("e2b.errors", function()
  it("has the class tree of the official SDKs", function()
    local e = errors.FileNotFoundError:new("x", { status = 404 })
    assert.is_true(e:is(errors.NotFoundError))
    assert.is_true(e:is(errors.SandboxError))
    assert.is_false(errors.AuthenticationError:new("x"):is(errors.SandboxError))
    assert.is_true(errors.GitAuthError:new("x"):is(errors.AuthenticationError))
    assert.are.equal("FileNotFoundError: x", tostring(e))
    assert.are.equal(404, e.status)
    assert.is_false(errors.is("string"))
  end)

  it("redacts registered secrets from messages and string fields", function()
    errors.add_secret("hunter2hunter2")
    local e = errors.CommandExitError:new("bad hunter2hunter2", { stderr = "pw=hunter2hunter2" })
    assert.are.equal("bad ***", e.message)
    assert.are.equal("pw=***", e.stderr)
  end)
end)

describe("RPC error mapping (§4.5)", function()
  local cases = {
    { "invalid_argument", "InvalidArgumentError", "m" },
    { "unauthenticated", "AuthenticationError", "m" },
    { "not_found", "NotFoundError", "m" },
    { "resource_exhausted", "RateLimitError", "m: Rate limit exceeded, please try again later." },
    { "unavailable", "TimeoutError", "^m: This error is likely due to sandbox timeout" },
    { "canceled", "TimeoutError", "^m: This error is likely due to exceeding 'request_timeout'" },
    { "deadline_exceeded", "TimeoutError", "^m: This error is likely due to exceeding 'timeout'" },
    { "internal", "SandboxError", "internal: m" },
    { "unknown", "SandboxError", "unknown: m" },
  }
  for _, c in ipairs(cases) do
    it(c[1] .. " → " .. c[2], function()
      local e = map.rpc_error(c[1], "m", 200)
      assert.are.equal(c[2], e.name)
      assert.are.equal(c[1], e.code)
      if c[3]:sub(1, 1) == "^" then assert.matches(c[3], e.message, 1) else assert.are.equal(c[3], e.message) end
    end)
  end

  it("applies per-module overrides (files: not_found → FileNotFoundError)", function()
    assert.are.equal("FileNotFoundError", map.rpc_error("not_found", "m", 200, { not_found = errors.FileNotFoundError }).name)
  end)

  it("derives the code from a bare HTTP status like connect-es", function()
    assert.are.same({ "internal", "unauthenticated", "permission_denied", "unimplemented", "unavailable",
                      "unavailable", "unavailable", "unavailable", "unknown" },
      (function()
        local out = {}
        for _, s in ipairs({ 400, 401, 403, 404, 429, 502, 503, 504, 418 }) do out[#out + 1] = map.code_from_status(s) end
        return out
      end)())
    local e = map.unary_error({ status = 401, body = '{"code":401,"message":"unauthorized access"}' })
    assert.are.equal("AuthenticationError", e.name)
    assert.are.equal("unauthorized access", e.message)
  end)
end)

describe("envd HTTP error mapping (§5.5)", function()
  for status, name in pairs({ [400] = "InvalidArgumentError", [401] = "AuthenticationError", [404] = "NotFoundError",
                              [429] = "RateLimitError", [502] = "TimeoutError", [507] = "NotEnoughSpaceError",
                              [500] = "SandboxError" }) do
    it(status .. " → " .. name, function()
      local e = map.http_error({ status = status, body = '{"code":' .. status .. ',"message":"m"}' })
      assert.are.equal(name, e.name)
      assert.are.equal(status, e.status)
    end)
  end
  it("falls back to the raw body, then the status", function()
    assert.are.equal("500: oops", map.http_error({ status = 500, body = "oops" }).message)
    assert.are.equal("500: HTTP 500", map.http_error({ status = 500, body = "" }).message)
  end)
end)

describe("REST error mapping (§3.1)", function()
  it("maps 401, 429 and the rest", function()
    assert.are.equal("AuthenticationError", api.error_for({ status = 401, body = '{"code":401,"message":"m"}' }).name)
    assert.are.equal("RateLimitError", api.error_for({ status = 429, body = '{"code":429,"message":"m"}' }).name)
    local e = api.error_for({ status = 409, body = '{"code":409,"message":"Sandbox is being killed"}' })
    assert.are.equal("SandboxError", e.name)
    assert.are.equal("409: Sandbox is being killed", e.message)
    assert.are.equal(409, e.status)
  end)
end)

describe("base64 and envelopes", function()
  it("round-trips every length and accepts unpadded and URL-safe input", function()
    for n = 0, 40 do
      local s = {}
      for i = 1, n do s[i] = string.char((i * 37 + n) % 256) end
      s = table.concat(s)
      assert.are.equal(s, envd.b64decode(envd.b64encode(s)))
    end
    assert.are.equal("aGkK", envd.b64encode("hi\n"))
    assert.are.equal("hi\n", envd.b64decode("aGkK"))
    assert.are.equal("\251\255", envd.b64decode("-_8"))
    assert.are.equal("dXNlcjo=", envd.b64encode("user:"))
    assert.has_error(function() envd.b64decode("a") end)
  end)

  it("frames a message as the appendix vector says", function()
    local payload = '{"process":{"cmd":"/bin/bash","args":["-l","-c","echo hi"]},"stdin":false}'
    assert.are.equal("\0\0\0\0\74" .. payload, require("e2b.connect").envelope(payload))
  end)

  it("compares versions", function()
    assert.are.equal(-1, require("e2b.version").compare("0.4.0", "0.10.0"))
    assert.are.equal(0, require("e2b.version").compare("0.6.13", "0.6.13"))
    assert.are.equal(1, require("e2b.version").compare("99.99.99", "0.5.2"))
  end)
end)
