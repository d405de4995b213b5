-- Errors a new user meets first say what happened: a missing template, a paused sandbox.
local F = require("spec.support.fake_transport")
local u = require("spec.support.unit")
local e2e = require("spec.support.e2e")
local e2b = require("e2b")
local errors = e2b.errors
local Sandbox = e2b.Sandbox

local function raised(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return err
end

-- The one error every operation on a paused sandbox raises.
local function assert_paused(err, id)
  assert.is_true(errors.is(err, errors.TimeoutError), tostring(err))
  assert.is_true(err.paused, tostring(err))
  assert.matches("is paused", err.message, 1, true)
  assert.matches("connect", err.message, 1, true)
  assert.matches(id, err.message, 1, true)
end

describe("a missing template (unit)", function()
  it("raises TemplateError naming the template, with the status", function()
    local fake = F.new()
    fake:on("POST /sandboxes", function()
      return F.json(404, { code = 404, message = "template 'nope' not found" })
    end)
    local err = raised(Sandbox.create, u.opts(fake, { template = "nope" }))
    assert.are.equal("TemplateError", err.name)
    assert.are.equal(404, err.status)
    assert.matches("Template 'nope' not found", err.message, 1, true)
  end)
end)

describe("errors end to end", function()
  it("a missing template is a TemplateError that says template", function()
    e2e.require_emulator()
    local err = raised(Sandbox.create, { template = "no-such-template-xyz" })
    assert.is_true(errors.is(err, errors.TemplateError), tostring(err))
    assert.matches("[Tt]emplate", err.message)
    assert.matches("no-such-template-xyz", err.message, 1, true)
  end)

  it("files, commands and PTYs on a paused sandbox raise one error that says paused and how to resume", function()
    local sbx = e2e.sandbox(finally)
    sbx.files:write("/home/user/a.txt", "A")
    local h = sbx.commands:run("sleep 30", { background = true, timeout = 0 })
    local attached = sbx.commands:run("sleep 30", { background = true, timeout = 0 })
    local watch = sbx.files:watch_dir("/home/user", nil, { timeout = 0 })
    h:disconnect()
    assert.is_true(sbx:pause())
    -- streams open when it paused end with the same error
    assert_paused(raised(attached.wait, attached), sbx.sandbox_id)
    assert_paused(raised(watch.wait, watch), sbx.sandbox_id)
    local id = sbx.sandbox_id
    assert_paused(raised(sbx.files.read, sbx.files, "/home/user/a.txt"), id)
    assert_paused(raised(sbx.files.write, sbx.files, "/home/user/b.txt", "B"), id)
    assert_paused(raised(sbx.files.list, sbx.files, "/home/user"), id)
    assert_paused(raised(sbx.commands.run, sbx.commands, "echo hi"), id)
    assert_paused(raised(sbx.commands.list, sbx.commands), id)
    assert_paused(raised(sbx.commands.connect, sbx.commands, h.pid), id)
    assert_paused(raised(sbx.pty.create, sbx.pty, { cols = 80, rows = 24 }), id)
    -- what the message says works
    assert.are.equal(sbx, sbx:connect())
    assert.are.equal("A", sbx.files:read("/home/user/a.txt"))
  end)

  it("send_stdin to a process started without stdin = true says what is missing", function()
    local sbx = e2e.sandbox(finally)
    local h = sbx.commands:run("sleep 5", { background = true })
    local err = raised(h.send_stdin, h, "x")
    assert.is_true(errors.is(err, errors.SandboxError), tostring(err))
    assert.matches("stdin = true", err.message, 1, true)
    h:kill()
  end)

  it("a killed sandbox still raises what it did (not 'paused')", function()
    local sbx = e2e.sandbox(finally)
    sbx:kill()
    local err = raised(sbx.files.read, sbx.files, "/home/user/a.txt")
    assert.is_nil(err.paused)
    assert.is_true(errors.is(err, errors.TimeoutError), tostring(err))
    err = raised(sbx.commands.run, sbx.commands, "echo hi")
    assert.is_nil(err.paused)
    assert.is_true(errors.is(err, errors.SandboxNotFoundError), tostring(err))
  end)
end)
