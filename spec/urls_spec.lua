-- Signed /files URLs (protocol §6): Appendix B vectors, URL shape, and a plain HTTP client
-- (curl) uploading and downloading through them against the emulator.
local u = require("spec.support.unit")
local e2e = require("spec.support.e2e")
local F = require("spec.support.fake_transport")
local signature = require("e2b.signature")

local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>/dev/null"))
  local out = p:read("*a")
  p:close()
  return out
end

-- curl with a time bound; prints the body then "\n<status>".
local function curl(args)
  local out = sh("curl -sS --max-time 20 -w '\\n%{http_code}' " .. args)
  local body, status = out:match("^(.*)\n(%d+)$")
  return tonumber(status), body
end

local q = require("spec.support.host").quote

describe("signed URLs (unit)", function()
  it("matches the Appendix B vectors", function()
    assert.are.equal("v1_oYj0Akd8FwDHrrJyEtBakbiZbsdBcAUc0/n7VngH08Y", signature.sign({
      path = "/home/user/hello.txt", operation = "read", user = "", token = u.TOKEN }))
    assert.are.equal("v1_DI9tlLYYDxuPm1NvtUa1dklbgrcQc1jgvUjnj6wms6o", signature.sign({
      path = "/home/user/hello.txt", operation = "write", user = "user", token = u.TOKEN, expiration = 1767225600 }))
  end)

  it("builds the Appendix B download URL and makes no request", function()
    local sbx, fake = u.sandbox()
    local url = sbx:download_url("/home/user/hello.txt")
    assert.are.equal("https://49983-isbx1.e2b.app/files?path=%2Fhome%2Fuser%2Fhello.txt" ..
      "&signature=v1_oYj0Akd8FwDHrrJyEtBakbiZbsdBcAUc0%2Fn7VngH08Y", url:gsub("sandbox%.e2b%.app", "49983-isbx1.e2b.app"))
    assert.are.equal(0, #fake.requests)
  end)

  it("signs user and expiration into upload URLs", function()
    local sbx = u.sandbox()
    local before = os.time()
    local url = sbx:upload_url("/home/user/hello.txt", { user = "user", use_signature_expiration = 60 })
    local qp = F.query({ url = url })
    assert.are.equal("user", qp.username)
    assert.are.equal("/home/user/hello.txt", qp.path)
    local exp = tonumber(qp.signature_expiration)
    assert.is_true(exp >= before + 60 and exp <= os.time() + 60)
    assert.are.equal(signature.sign({ path = "/home/user/hello.txt", operation = "write", user = "user",
      token = u.TOKEN, expiration = exp }), qp.signature)
    assert.not_matches(u.TOKEN, url, 1, true)
  end)

  it("leaves out path when not given and signs the empty path", function()
    local sbx = u.sandbox()
    local qp = F.query({ url = sbx:upload_url() })
    assert.is_nil(qp.path)
    assert.are.equal(signature.sign({ path = "", operation = "write", user = "", token = u.TOKEN }), qp.signature)
  end)

  it("does not sign for a sandbox without a token, and refuses expiration there", function()
    local sbx = u.sandbox(nil, { envdAccessToken = F.null })
    local url = sbx:download_url("/tmp/a")
    assert.not_matches("signature", url, 1, true)
    local err = u.raised(sbx.download_url, sbx, "/tmp/a", { use_signature_expiration = 10 })
    assert.are.equal("InvalidArgumentError", err.name)
    assert.matches("only when sandbox is created as secured", err.message, 1, true)
  end)

  it("rejects bad arguments", function()
    local sbx = u.sandbox()
    assert.matches("'path'", u.raised(sbx.download_url, sbx, nil).message)
    assert.matches("did you mean", u.raised(sbx.upload_url, sbx, "/a", { usr = "root" }).message)
    assert.matches("positive", u.raised(sbx.upload_url, sbx, "/a", { use_signature_expiration = 0 }).message)
    assert.matches("method", u.raised(require("e2b").Sandbox.download_url, "isbx1", "/a").message)
  end)
end)

describe("signed URLs (end to end)", function()
  local tmp = os.tmpname()
  teardown(function() os.remove(tmp) end)

  it("a plain HTTP client uploads and downloads with them", function()
    local sbx = e2e.sandbox(finally)
    local f = assert(io.open(tmp, "wb"))
    f:write("signed\0bytes\n")
    f:close()
    local up = sbx:upload_url("/home/user/up.bin", { use_signature_expiration = 120 })
    local status = curl("-X POST -F " .. q("file=@" .. tmp) .. " " .. q(up))
    assert.are.equal(200, status)
    assert.are.equal("signed\0bytes\n", sbx.files:read("/home/user/up.bin"))

    local s2, body = curl(q(sbx:download_url("/home/user/up.bin")))
    assert.are.equal(200, s2)
    assert.are.equal("signed\0bytes\n", body)

    sbx.files:write("/root/secret.txt", "root only", { user = "root" })
    local s3, b3 = curl(q(sbx:download_url("/root/secret.txt", { user = "root" })))
    assert.are.equal(200, s3)
    assert.are.equal("root only", b3)
  end)

  it("refuses an expired, a tampered and a missing signature", function()
    local sbx = e2e.sandbox(finally)
    sbx.files:write("/home/user/a.txt", "A")
    local url = sbx:download_url("/home/user/a.txt", { use_signature_expiration = 1 })
    assert.are.equal(200, (curl(q(url))))
    -- tampered: another path under the same signature
    local other = url:gsub("a%.txt", "b.txt")
    local s1, b1 = curl(q(other))
    assert.are.equal(401, s1)
    assert.matches("signature", b1)
    -- the operation is signed too: a read URL cannot write
    local s2 = curl("-X POST -F " .. q("file=@/dev/null") .. " " .. q(url))
    assert.are.equal(401, s2)
    -- unsigned: the URL names no sandbox, so say which one; the token is still required
    local s3 = curl("-H " .. q("E2b-Sandbox-Id: " .. sbx.sandbox_id) .. " " .. q((url:gsub("&signature=[^&]*", ""))))
    assert.are.equal(401, s3)
    -- expired: the expiration is in whole seconds, so wait past the next boundary
    local exp = tonumber(F.query({ url = url }).signature_expiration)
    while os.time() <= exp do os.execute("sleep 0.2") end
    local s4, b4 = curl(q(url))
    assert.are.equal(401, s4)
    assert.matches("expired", b4)
  end)
end)
