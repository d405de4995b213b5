local options = require("e2b.options")
local errors = require("e2b.errors")
local u = require("spec.support.unit")

describe("e2b.options", function()
  local SPEC = { timeout = "number", envs = "table", on_stdout = "callable", depth = "integer" }

  it("accepts known options and copies them", function()
    local given = { timeout = 3, envs = {} }
    local o = options.check("f", given, SPEC)
    assert.are.same(given, o)
    o.timeout = 9
    assert.are.equal(3, given.timeout)
    assert.are.same({}, options.check("f", nil, SPEC))
  end)

  it("rejects unknown options with a suggestion", function()
    local err = u.raised(options.check, "commands:run", { timout = 1 }, SPEC)
    assert.is_true(errors.is(err, errors.InvalidArgumentError))
    assert.are.equal("commands:run: unknown option 'timout' (did you mean 'timeout'?)", err.message)
    err = u.raised(options.check, "f", { ENVS = {} }, SPEC)
    assert.matches("did you mean 'envs'", err.message, 1, true)
    err = u.raised(options.check, "f", { zzzzzzzz = 1 }, SPEC)
    assert.are.equal("f: unknown option 'zzzzzzzz'", err.message)
  end)

  it("names the option and the types on a type mismatch", function()
    local err = u.raised(options.check, "f", { timeout = "10" }, SPEC)
    assert.are.equal("f: option 'timeout' must be number, got string", err.message)
    err = u.raised(options.check, "f", { depth = 1.5 }, SPEC)
    assert.matches("'depth' must be integer", err.message)
    err = u.raised(options.check, "f", "nope", SPEC)
    assert.matches("options must be a table, got string", err.message)
    err = u.raised(options.check, "f", { [1] = true }, SPEC)
    assert.matches("option names must be strings", err.message)
  end)

  it("accepts callable tables for callbacks", function()
    local cb = setmetatable({}, { __call = function() end })
    assert.has_no.errors(function() options.check("f", { on_stdout = cb }, SPEC) end)
    assert.matches("callable", u.raised(options.check, "f", { on_stdout = {} }, SPEC).message)
  end)

  it("checks positional arguments", function()
    local err = u.raised(options.arg, "files:read", "path", 42, "string")
    assert.are.equal("files:read: argument 'path' must be string, got number", err.message)
    assert.are.equal("x", options.arg("f", "a", "x", { "string", "nil" }))
  end)

  it("checks string maps and durations", function()
    assert.matches("'envs' must map strings to strings",
      u.raised(options.string_map, "f", "envs", { A = true }).message)
    assert.matches("seconds from 0 to 2147483", u.raised(options.seconds, "f", "timeout", -1).message)
    assert.matches("seconds from 0 to 2147483", u.raised(options.seconds, "f", "timeout", 0 / 0).message)
    assert.matches("seconds from 0 to 2147483, got 3", u.raised(options.seconds, "f", "timeout", 3e9).message)
    assert.has_no.errors(function() options.seconds("f", "timeout", 0) end)
  end)

  describe("declared calls", function()
    local RUN = options.declare("commands:run", { { "timeout", "seconds", 60 }, { "envs", "string_map" },
      { "on_stdout", "callable" }, { "user", "string" } })

    it("checks against the declaration, fills defaults and copies", function()
      local given = { envs = { A = "1" } }
      local o = RUN:check(given)
      assert.are.same({ envs = { A = "1" }, timeout = 60 }, o)
      assert.is_nil(given.timeout)
      assert.are.same({ timeout = 60 }, RUN:check(nil))
      assert.are.equal(0, RUN:check({ timeout = 0 }).timeout)
    end)

    it("names the call in every error, derived types included", function()
      assert.are.equal("commands:run: unknown option 'timout' (did you mean 'timeout'?)",
        u.raised(RUN.check, RUN, { timout = 1 }).message)
      assert.are.equal("commands:run: option 'timeout' must be number, got string",
        u.raised(RUN.check, RUN, { timeout = "1" }).message)
      assert.matches("^commands:run: option 'timeout' must be a number of seconds from 0 to 2147483",
        u.raised(RUN.check, RUN, { timeout = -1 }).message)
      assert.matches("^commands:run: option 'envs' must map strings to strings",
        u.raised(RUN.check, RUN, { envs = { A = 1 } }).message)
      assert.are.equal("commands:run: argument 'cmd' must be string, got number",
        u.raised(RUN.arg, RUN, "cmd", 1, "string").message)
      local err = u.raised(RUN.fail, RUN, "cwd must be absolute")
      assert.are.same({ "InvalidArgumentError", "commands:run: cwd must be absolute" }, { err.name, err.message })
    end)

    it("derives nested and extended declarations", function()
      local NET = RUN:sub("network", { { "allow_out", "table" } })
      assert.are.equal("commands:run network", NET.name)
      assert.matches("^commands:run network: unknown option 'x'", u.raised(NET.check, NET, { x = 1 }).message)
      local MORE = RUN:extend(nil, { { "tag", "string" } })
      assert.are.same({ tag = "t", timeout = 60 }, MORE:check({ tag = "t" }))
      assert.has_error(function() options.declare("bad", { { "x" } }) end)
    end)
  end)
end)
