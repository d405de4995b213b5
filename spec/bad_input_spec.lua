-- Table-driven bad input over the public API (issue 13, items 1, 6, 7, 8): every case is refused
-- with an InvalidArgumentError whose message names the PUBLIC argument, before any request is
-- sent — or, where a value is valid, it is a documented success. Runs against the fake transport,
-- so a refused call provably sent nothing.
local u = require("spec.support.unit")
local F = require("spec.support.fake_transport")
local e2b = require("e2b")
local errors = e2b.errors
local async = require("e2b.async")

local NAN, INF = 0 / 0, math.huge
local cyclic = {}
cyclic.self = cyclic

-- Values a path argument (remote or local) refuses, with the words the message must have.
local BAD_PATHS = {
  { "", "must not be empty" },
  { "/home/user/a\0b", "NUL" },
  { "/home/user/\255\254", "UTF%-8" },
  { "/home/user/\192\175", "UTF%-8" },            -- an overlong '/'
  { "/home/user/\237\160\128", "UTF%-8" },        -- a UTF-16 surrogate
  { 42, "must be string" },
  { {}, "must be string" },
}

local sbx, fake

local function refused(label, argname, fn, ...)
  fake.requests = {}
  local ok, err = pcall(fn, ...)
  assert(not ok, label .. ": expected InvalidArgumentError, the call returned")
  assert(errors.is(err, errors.InvalidArgumentError),
    label .. ": expected InvalidArgumentError, got " .. tostring(err))
  assert(err.message:find("'" .. argname .. "'", 1, true) or err.message:find(argname .. " ", 1, true),
    label .. ": message does not name '" .. argname .. "': " .. err.message)
  assert(#fake.requests == 0, label .. ": a request was sent before the refusal")
  return err
end

describe("bad input (unit)", function()
  before_each(function() sbx, fake = u.sandbox() end)

  describe("every path argument refuses empty, NUL, invalid UTF-8 and non-strings", function()
    local function calls()
      local f, c, g = sbx.files, sbx.commands, sbx.git
      return {
        { "files:read", "path", function(p) return f:read(p) end },
        { "files:read to_file", "to_file", function(p) return f:read("/x", { to_file = p }) end },
        { "files:write", "path", function(p) return f:write(p, "x") end },
        { "files:write from_file", "from_file", function(p) return f:write("/x", { from_file = p }) end },
        { "files:write_files", "path", function(p) return f:write_files({ { path = p, data = "x" } }) end },
        { "files:list", "path", function(p) return f:list(p) end },
        { "files:exists", "path", function(p) return f:exists(p) end },
        { "files:get_info", "path", function(p) return f:get_info(p) end },
        { "files:make_dir", "path", function(p) return f:make_dir(p) end },
        { "files:rename old", "old_path", function(p) return f:rename(p, "/y") end },
        { "files:rename new", "new_path", function(p) return f:rename("/y", p) end },
        { "files:remove", "path", function(p) return f:remove(p) end },
        { "files:watch_dir", "path", function(p) return f:watch_dir(p) end },
        { "Sandbox:download_url", "path", function(p) return sbx:download_url(p) end },
        { "Sandbox:upload_url", "path", function(p) return sbx:upload_url(p) end },
        { "commands:run cwd", "cwd", function(p) return c:run("true", { cwd = p }) end },
        { "pty:create cwd", "cwd", function(p) return sbx.pty:create({ cwd = p }) end },
        { "git:init", "path", function(p) return g:init(p) end },
        { "git:status", "path", function(p) return g:status(p) end },
        { "git:clone path", "path", function(p) return g:clone("https://x.test/r.git", { path = p }) end },
        { "git:add cwd", "cwd", function(p) return g:add("/r", { cwd = p }) end },
      }
    end
    for _, bad in ipairs(BAD_PATHS) do
      it(("refuses %q"):format(tostring(bad[1])), function()
        for _, call in ipairs(calls()) do
          local err = refused(call[1], call[2], call[3], bad[1])
          assert(err.message:find(bad[2]), call[1] .. ": " .. err.message .. " lacks " .. bad[2])
        end
      end)
    end

    it("accepts valid UTF-8 paths (a documented success)", function()
      fake:on("POST /filesystem.Filesystem/Stat", function() return F.json(200, { entry = { name = "é" } }) end)
      assert.is_true(sbx.files:exists("/home/user/caf\195\169 \240\159\152\128"))
    end)
  end)

  describe("text that goes over the wire as JSON is valid UTF-8 without NUL", function()
    local CASES = {
      { "commands:run cmd", "cmd", function(v) return sbx.commands:run(v) end },
      { "commands:run envs value", "envs", function(v) return sbx.commands:run("true", { envs = { A = v } }) end },
      { "commands:run envs key", "envs", function(v) return sbx.commands:run("true", { envs = { [v] = "1" } }) end },
      { "pty:create envs", "envs", function(v) return sbx.pty:create({ envs = { A = v } }) end },
      { "git:commit message", "message", function(v) return sbx.git:commit("/r", v) end },
    }
    for _, bad in ipairs({ { "\255\254", "UTF%-8" }, { "a\0b", "NUL" } }) do
      it(("refuses %q"):format(bad[1]), function()
        for _, c in ipairs(CASES) do
          local err = refused(c[1], c[2], c[3], bad[1])
          assert(err.message:find(bad[2]), c[1] .. ": " .. err.message)
        end
      end)
    end

    it("file data stays byte-exact (no UTF-8 rule)", function()
      fake:on("POST /files", function() return F.json(200, { { name = "b", type = "file", path = "/b" } }) end)
      sbx.files:write("/b", "\255\254\0\1")
      assert.matches("\255\254%z\1", fake.last.multipart[1].data)
    end)
  end)

  describe("numbers: NaN, ±inf and huge are refused naming the argument", function()
    local NUMS = { NAN, INF, -INF, 2 ^ 60, 1.5 }
    local CASES = {
      { "files:list depth", "depth", function(v) return sbx.files:list("/", { depth = v }) end },
      { "commands:kill pid", "pid", function(v) return sbx.commands:kill(v) end },
      { "commands:connect pid", "pid", function(v) return sbx.commands:connect(v) end },
      { "commands:send_stdin pid", "pid", function(v) return sbx.commands:send_stdin(v, "x") end },
      { "pty:kill pid", "pid", function(v) return sbx.pty:kill(v) end },
      { "pty:create cols", "cols", function(v) return sbx.pty:create({ cols = v, rows = 24 }) end },
      { "pty:create rows", "rows", function(v) return sbx.pty:create({ cols = 80, rows = v }) end },
      { "pty:resize cols", "cols", function(v) return sbx.pty:resize(1, { cols = v, rows = 24 }) end },
      { "Sandbox:get_host port", "port", function(v) return sbx:get_host(v) end },
      { "git:clone depth", "depth", function(v) return sbx.git:clone("https://x.test/r.git", { depth = v }) end },
      { "Sandbox:get_logs limit", "limit", function(v) return sbx:get_logs({ limit = v }) end },
      { "Sandbox:upload_url expiration", "use_signature_expiration",
        function(v) return sbx:upload_url("/x", { use_signature_expiration = v }) end },
    }
    for _, c in ipairs(CASES) do
      it(c[1], function()
        for _, v in ipairs(NUMS) do refused(c[1] .. " = " .. tostring(v), c[2], c[3], v) end
      end)
    end

    local SECONDS = {
      { "commands:run timeout", "timeout", function(v) return sbx.commands:run("true", { timeout = v }) end },
      { "files:read request_timeout", "request_timeout", function(v) return sbx.files:read("/x", { request_timeout = v }) end },
      { "Sandbox:set_timeout", "timeout", function(v) return sbx:set_timeout(v) end },
      { "files:watch_dir timeout", "timeout", function(v) return sbx.files:watch_dir("/x", nil, { timeout = v }) end },
      { "Sandbox:get_metrics start", "start", function(v) return sbx:get_metrics({ start = v }) end },
      { "Sandbox:get_metrics end", "end", function(v) return sbx:get_metrics({ ["end"] = v }) end },
      { "Sandbox:get_logs cursor", "cursor", function(v) return sbx:get_logs({ cursor = v }) end },
    }
    for _, c in ipairs(SECONDS) do
      it(c[1], function()
        for _, v in ipairs({ NAN, INF, -INF, -1 }) do refused(c[1] .. " = " .. tostring(v), c[2], c[3], v) end
      end)
    end

    -- durations whose milliseconds do not fit libcurl's 32-bit timeouts: refused naming the
    -- caller's option (they used to reach the core and fail naming its internal 'timeout_ms')
    for i = 1, 4 do
      local c = SECONDS[i]
      it(c[1] .. " above options.MAX_SECONDS", function()
        for _, v in ipairs({ 3e9, 2 ^ 31, require("e2b.options").MAX_SECONDS + 1 }) do
          local err = refused(c[1] .. " = " .. tostring(v), c[2], c[3], v)
          assert.is_nil(err.message:find("timeout_ms", 1, true))
        end
      end)
    end
  end)

  describe("ids, names and secrets refuse \"\" and non-strings", function()
    local T, W = e2b.Template, e2b.Webhook
    local function cases()
      local o = u.opts(fake)
      return {
        { "Template.exists", "name", function(v) return T.exists(v, o) end },
        { "Template.delete", "template_id", function(v) return T.delete(v, o) end },
        { "Template.build", "name", function(v) return T.build(T.new():from_image("alpine"), v, o) end },
        { "Template:from_image", "image", function(v) return T.new():from_image(v) end },
        { "Template:from_template", "template", function(v) return T.new():from_template(v) end },
        { "Template:copy", "dest", function(v) return T.new():from_image("a"):copy("a.txt", v) end },
        { "Template:set_user", "user", function(v) return T.new():from_image("a"):set_user(v) end },
        { "Sandbox.delete_snapshot", "snapshot_id", function(v) return e2b.Sandbox.delete_snapshot(v, o) end },
        { "Webhook.get", "webhook_id", function(v) return W.get(v, o) end },
        { "Webhook.delete", "webhook_id", function(v) return W.delete(v, o) end },
        { "Webhook.verify", "secret", function(v) return W.verify(v, "{}", "sig") end },
      }
    end
    for _, bad in ipairs({ { "", "must not be empty" }, { 7, "must be string, got number" },
                           { nil, "must be string, got nil" } }) do
      it(("refuses %s"):format(tostring(bad[1] == "" and '""' or bad[1])), function()
        for _, c in ipairs(cases()) do
          local err = refused(c[1], c[2], c[3], bad[1])
          assert(err.message:find(c[1] .. ": argument '" .. c[2] .. "' " .. bad[2], 1, true),
            c[1] .. ": " .. err.message)
        end
      end)
    end
  end)

  describe("shapes", function()
    it("a cyclic network table", function()
      local err = refused("Sandbox:update_network", "rules", sbx.update_network, sbx, { rules = cyclic })
      assert.matches("cycle", err.message)
    end)
    it("wrong types and nil", function()
      refused("commands:run nil", "cmd", sbx.commands.run, sbx.commands, nil)
      refused("files:write nil data", "data", sbx.files.write, sbx.files, "/x", nil)
      refused("files:write_files", "list", sbx.files.write_files, sbx.files, "nope")
      refused("pty:resize", "size", sbx.pty.resize, sbx.pty, 1, nil)
      refused("Sandbox:set_timeout nil", "timeout", sbx.set_timeout, sbx, nil)
      refused("files:watch_dir on_event", "on_event", sbx.files.watch_dir, sbx.files, "/x", 5)
    end)
  end)

  describe("async", function()
    it("async.sleep refuses NaN, ±inf, negatives and non-numbers, naming 'seconds'", function()
      for _, v in ipairs({ NAN, INF, -INF, -1, "1", nil }) do
        local ok, err = pcall(async.sleep, v)
        assert.is_false(ok)
        assert.is_true(errors.is(err, errors.InvalidArgumentError), tostring(err))
        assert.matches("'seconds'", err.message)
      end
    end)
    it("async.wait refuses a non-task, naming 'task'", function()
      for _, v in ipairs({ nil, 1, {}, "t" }) do
        local ok, err = pcall(async.wait, v)
        assert.is_false(ok)
        assert.is_true(errors.is(err, errors.InvalidArgumentError), tostring(err))
        assert.matches("'task'", err.message)
      end
    end)
    it("timeouts of Task:wait, gather and all refuse NaN and inf", function()
      local t = async.spawn(function() return 1 end)
      for _, v in ipairs({ NAN, INF, -1 }) do
        assert.matches("'timeout'", u.raised(t.wait, t, v).message)
        assert.matches("'timeout'", u.raised(async.gather, { t }, v).message)
        assert.matches("'timeout'", u.raised(async.all, { t }, v).message)
      end
      assert.are.equal(1, t:wait())
    end)
  end)
end)
