-- e2b.Webhook: verify/sign (pure), CRUD and deliveries end to end against the emulator, with a
-- loopback receiver that checks every delivery's signature.
local F = require("spec.support.fake_transport")
local u = require("spec.support.unit")
local e2e = require("spec.support.e2e")
local e2b = require("e2b")
local Webhook = e2b.Webhook

local SECRET = "whsec-lua-spec-0b4f1c"

describe("Webhook.verify / sign (unit)", function()
  it("matches E2B's signature: base64url without padding of sha256(secret .. body)", function()
    assert.are.equal("C1dnfGQq5NGZc3ZF8BzKAkVeC2HPuRR25raIBIzxvIM", Webhook.sign("s3cret", '{"a":1}'))
    assert.are.equal("D1xQ00l_g9Ez-dh5XPxNU3L5gFsbV5UXdh66Dr15dwQ", Webhook.sign("k", "\195\191\0x>>>?"))
    assert.is_true(Webhook.verify("s3cret", '{"a":1}', "C1dnfGQq5NGZc3ZF8BzKAkVeC2HPuRR25raIBIzxvIM"))
    assert.is_true(Webhook.verify("s3cret", '{"a":1}', " C1dnfGQq5NGZc3ZF8BzKAkVeC2HPuRR25raIBIzxvIM\r\n"))
  end)

  it("refuses a changed body, another secret, a cut or missing signature", function()
    local sig = Webhook.sign("s3cret", '{"a":1}')
    assert.is_false(Webhook.verify("s3cret", '{"a":2}', sig))
    assert.is_false(Webhook.verify("s3cret ", '{"a":1}', sig))
    assert.is_false(Webhook.verify("s3cret", '{"a":1}', sig:sub(1, -2)))
    assert.is_false(Webhook.verify("s3cret", '{"a":1}', sig .. "="))
    assert.is_false(Webhook.verify("s3cret", '{"a":1}', nil))
    assert.is_false(Webhook.verify("s3cret", '{"a":1}', ""))
  end)

  it("bad arguments are InvalidArgumentError naming them; the secret never shows", function()
    for _, c in ipairs({ { { nil, "b", "s" }, "'secret'" }, { { "", "b", "s" }, "'secret'" },
        { { "x", nil, "s" }, "'raw_body'" }, { { "x", "b", 5 }, "'signature'" } }) do
      local err = u.raised(Webhook.verify, c[1][1], c[1][2], c[1][3])
      assert.are.equal("InvalidArgumentError", err.name)
      assert.matches(c[2], err.message)
    end
    local fake = F.new()
    local secret = "never-print-this-7731"
    local checks = {
      function() return Webhook.create(u.opts(fake, { name = "n", url = "ftp://x", events = { "sandbox.lifecycle.created" }, signature_secret = secret })) end,
      function() return Webhook.create(u.opts(fake, { name = "n", url = "http://127.0.0.1:1/", events = { "created" }, signature_secret = secret })) end,
      function() return Webhook.create(u.opts(fake, { name = "n", url = "http://127.0.0.1:1/", events = { "sandbox.lifecycle.created" } })) end,
      function() return Webhook.update("w", { signature_secret = secret, enabld = true }, u.opts(fake)) end,
      function() return Webhook.update("w", {}, u.opts(fake)) end,
      function() return Webhook.get(nil, u.opts(fake)) end,
      function() return Webhook.deliveries("w", u.opts(fake, { status = "ok" })) end,
    }
    for i, f in ipairs(checks) do
      local err = u.raised(f)
      assert.are.equal("InvalidArgumentError", err.name, i)
      assert.is_nil(tostring(err):find(secret, 1, true), i)
    end
    assert.are.equal(0, #fake.requests)
    -- an API error that echoes the secret does not carry it either
    fake:on("POST /events/webhooks", function() return F.json(400, { code = 400, message = "bad secret " .. secret }) end)
    local err = u.raised(Webhook.create, u.opts(fake, { name = "n", url = "http://127.0.0.1:1/",
      events = { "sandbox.lifecycle.created" }, signature_secret = secret }))
    assert.is_nil(tostring(err):find(secret, 1, true))
    assert.are.same({ name = "n", url = "http://127.0.0.1:1/", events = { "sandbox.lifecycle.created" },
      enabled = true, signatureSecret = secret }, F.body(fake.last))
  end)
end)

describe("Webhook (end to end)", function()
  local receiver
  before_each(function() e2e.require_emulator() end)
  after_each(function() if receiver then receiver:close() receiver = nil end end)

  it("create, get, list, update, delete (twice)", function()
    local hook = Webhook.create({ name = "lua-crud", url = "http://127.0.0.1:9/hook",
      events = { "sandbox.lifecycle.killed" }, signature_secret = SECRET })
    e2e.defer(finally, function() Webhook.delete(hook.id) end)
    assert.is_string(hook.id)
    assert.are.same({ "sandbox.lifecycle.killed" }, hook.events)
    assert.is_true(hook.enabled)
    assert.is_string(hook.team_id)
    assert.is_string(hook.created_at)
    assert.are.same(hook, Webhook.get(hook.id))
    local listed = false
    for _, h in ipairs(Webhook.list()) do if h.id == hook.id then listed = true end end
    assert.is_true(listed)
    local changed = Webhook.update(hook.id, { enabled = false, name = "lua-crud-2",
      events = { "sandbox.lifecycle.created", "sandbox.lifecycle.killed" } })
    assert.is_false(changed.enabled)
    assert.are.equal("lua-crud-2", changed.name)
    assert.are.equal("http://127.0.0.1:9/hook", changed.url)
    assert.are.same(changed, Webhook.get(hook.id))
    assert.is_true(Webhook.delete(hook.id))
    assert.is_false(Webhook.delete(hook.id))
    assert.are.equal("NotFoundError", u.raised(Webhook.get, hook.id).name)
    assert.are.equal("NotFoundError", u.raised(Webhook.update, hook.id, { enabled = true }).name)
    -- the server refuses a non-loopback target (the emulator sends nothing elsewhere)
    local err = u.raised(Webhook.create, { name = "x", url = "http://192.0.2.1/", events = { "sandbox.lifecycle.killed" },
      signature_secret = SECRET })
    assert.are.equal(400, err.status)
  end)

  it("delivers matching events, signed, to a loopback receiver; deliveries records them", function()
    receiver = require("spec.support.hook_receiver").start()
    local hook = Webhook.create({ name = "lua-deliver", url = receiver.url,
      events = { "sandbox.lifecycle.created", "sandbox.lifecycle.killed" }, signature_secret = SECRET })
    e2e.defer(finally, function() Webhook.delete(hook.id) end)
    local sbx = e2e.sandbox(finally)
    sbx:set_timeout(100)                      -- an updated event: not subscribed
    sbx:kill()
    if not receiver:wait(function() return #receiver.received >= 2 end, 30) then
      local why = {}
      for d in Webhook.deliveries(hook.id):iter() do
        for _, a in ipairs(d.attempts) do why[#why + 1] = d.event_type .. ": " .. tostring(a.delivery_status) .. " " .. tostring(a.error_message) end
      end
      error(("deliveries did not arrive (%d received); the emulator's record: %s"):format(#receiver.received, table.concat(why, "; ")))
    end
    local types = {}
    for _, req in ipairs(receiver.received) do
      assert.are.equal("POST", req.method)
      assert.are.equal(hook.id, req.headers["e2b-webhook-id"])
      assert.are.equal("v1", req.headers["e2b-signature-version"])
      assert.is_true(Webhook.verify(SECRET, req.body, req.headers["e2b-signature"]))
      assert.is_false(Webhook.verify(SECRET .. "x", req.body, req.headers["e2b-signature"]))
      local ev = require("e2b.json").decode(req.body)
      if ev.sandboxId == sbx.sandbox_id then types[#types + 1] = ev.type end
    end
    assert.are.same({ "sandbox.lifecycle.created", "sandbox.lifecycle.killed" }, types)
    -- the record: newest first by default, one page per item with limit = 1
    local p = Webhook.deliveries(hook.id, { limit = 1, order_asc = true })
    local first = p:next_items()
    assert.are.equal(1, #first)
    assert.are.equal("sandbox.lifecycle.created", first[1].event_type)
    assert.are.equal(sbx.sandbox_id, first[1].sandbox_id)
    assert.are.equal("success", first[1].attempts[1].delivery_status)
    assert.are.equal(200, first[1].attempts[1].response_status_code)
    assert.is_true(p.has_next)
    local all = {}
    for d in Webhook.deliveries(hook.id, { event_type = "sandbox.lifecycle.killed" }):iter() do all[#all + 1] = d end
    assert.are.equal(1, #all)
    assert.are.equal(0, #Webhook.deliveries(hook.id, { status = "failed" }):next_items())
    assert.are.equal("NotFoundError", u.raised(function() return Webhook.deliveries("nosuchhook"):next_items() end).name)
  end)

  it("a failed delivery is recorded as failed", function()
    receiver = require("spec.support.hook_receiver").start(500)
    local hook = Webhook.create({ name = "lua-fail", url = receiver.url, events = { "sandbox.lifecycle.created" },
      signature_secret = SECRET })
    e2e.defer(finally, function() Webhook.delete(hook.id) end)
    e2e.sandbox(finally)
    local failed
    assert.is_true(receiver:wait(function()
      failed = Webhook.deliveries(hook.id, { status = "failed" }):next_items()
      return #failed >= 1
    end, 20))
    assert.are.equal("failed", failed[1].attempts[1].delivery_status)
    assert.are.equal(500, failed[1].attempts[1].response_status_code)
  end)
end)
