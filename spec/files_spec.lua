local F = require("spec.support.fake_transport")
local u = require("spec.support.unit")
local e2e = require("spec.support.e2e")
local e2b = require("e2b")
local errors = e2b.errors

local ENTRY = { name = "hello.txt", type = "FILE_TYPE_FILE", path = "/home/user/hello.txt", size = "5",
  mode = 420, permissions = "-rw-r--r--", owner = "user", group = "user",
  modifiedTime = "2025-03-01T10:20:30.123456789Z" }
local MAPPED = { name = "hello.txt", type = "file", path = "/home/user/hello.txt", size = 5, mode = 420,
  permissions = "-rw-r--r--", owner = "user", group = "user", modified_time = "2025-03-01T10:20:30.123456789Z",
  metadata = {} }

describe("files (unit)", function()
  local sbx, fake
  before_each(function() sbx, fake = u.sandbox() end)

  it("reads through GET /files with path and user in the query", function()
    fake:on("GET /files", function() return { status = 200, headers = {}, body = "Hello" } end)
    assert.are.equal("Hello", sbx.files:read("/home/user/hello.txt"))
    assert.are.equal("https://sandbox.e2b.app/files?path=%2Fhome%2Fuser%2Fhello.txt", fake.last.url)
    assert.are.equal(u.TOKEN, fake.last.headers["X-Access-Token"])
    assert.is_nil(fake.last.headers["Authorization"])
    assert.are.equal("Hello", sbx.files:read("a b", { format = "bytes", user = "root" }))
    assert.are.same({ path = "a b", username = "root" }, F.query(fake.last))
  end)

  it("maps /files errors (§5.5)", function()
    local answer
    fake:on("GET /files", function() return answer end)
    local function err_for(status, msg)
      answer = F.json(status, { code = status, message = msg })
      return u.raised(sbx.files.read, sbx.files, "/x")
    end
    local e = err_for(404, "path '/x' does not exist")
    assert.are.equal("FileNotFoundError", e.name)
    assert.are.equal("path '/x' does not exist", e.message)
    assert.are.equal(404, e.status)
    assert.are.equal("InvalidArgumentError", err_for(400, "is a directory").name)
    assert.are.equal("AuthenticationError", err_for(401, "nope").name)
    assert.are.equal("x: The requests are being rate limited.", err_for(429, "x").message)
    assert.are.equal("TimeoutError", err_for(502, "The sandbox was not found").name)
    assert.are.equal("NotEnoughSpaceError", err_for(507, "full").name)
    assert.are.equal("500: boom", err_for(500, "boom").message)
    answer = { status = 503, headers = {}, body = "plain text" }
    assert.are.equal("503: plain text", u.raised(sbx.files.read, sbx.files, "/x").message)
  end)

  it("a to_file download that fails leaves the previous file intact and no partial file", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    local target = dir .. "/keep.bin"
    local f = assert(io.open(target, "wb")) f:write("OLD CONTENT") f:close()
    fake:on("GET /files", function(spec)
      assert.are_not.equal(target, spec.response_file, "the download goes beside the target")
      local part = assert(io.open(spec.response_file, "wb")) part:write("PARTIAL") part:close()
      errors.SandboxError:raise("GET /files: connection dropped", { kind = "dropped" })
    end)
    local e = u.raised(sbx.files.read, sbx.files, "/f", { to_file = target })
    assert.are.equal("dropped", e.kind)
    f = io.open(target, "rb") local s = f:read("*a") f:close()
    assert.are.equal("OLD CONTENT", s)
    local ls = io.popen("ls -A " .. dir) local left = ls:read("*a") ls:close()
    assert.are.equal("keep.bin\n", left)
    -- success replaces it whole
    fake:on("GET /files", function() return { status = 200, headers = {}, body = "NEW" } end)
    assert.are.equal(target, sbx.files:read("/f", { to_file = target }))
    f = io.open(target, "rb") s = f:read("*a") f:close()
    assert.are.equal("NEW", s)
    ls = io.popen("ls -A " .. dir) left = ls:read("*a") ls:close()
    assert.are.equal("keep.bin\n", left)
    -- an unwritable place is refused naming the public option, before any request
    fake.requests = {}
    e = u.raised(sbx.files.read, sbx.files, "/f", { to_file = dir .. "/no/such/dir/x" })
    assert.are.equal("InvalidArgumentError", e.name)
    assert.matches("'to_file'", e.message)
    assert.are.equal(0, #fake.requests)
    os.execute("rm -rf " .. dir)
  end)

  it("streams a read into a local file", function()
    fake:on("GET /files", function() return { status = 200, headers = {}, body = "DATA" } end)
    local tmp = os.tmpname()
    assert.are.equal(tmp, sbx.files:read("/f", { to_file = tmp }))
    assert.are.equal(tmp, fake.last.response_file:sub(1, #tmp))   -- written beside it, then renamed
    local f = io.open(tmp, "rb"); local s = f:read("*a"); f:close(); os.remove(tmp)
    assert.are.equal("DATA", s)
  end)

  it("rejects bad read options", function()
    assert.matches("'format' must be", u.raised(sbx.files.read, sbx.files, "/f", { format = "blob" }).message)
    assert.matches("did you mean 'format'", u.raised(sbx.files.read, sbx.files, "/f", { fromat = "text" }).message, 1, true)
    assert.matches("argument 'path'", u.raised(sbx.files.read, sbx.files, nil).message)
  end)

  it("writes a string as one multipart part named by its path", function()
    fake:on("POST /files", function() return F.json(200, { { path = "/home/user/a.txt", name = "a.txt", type = "file" } }) end)
    local info = sbx.files:write("/home/user/a.txt", "hi", { metadata = { owner = "me" } })
    assert.are.same({ path = "/home/user/a.txt", name = "a.txt", type = "file" }, info)
    local req = fake.last
    assert.are.same({ path = "/home/user/a.txt" }, F.query(req))
    assert.are.same({ { name = "file", filename = "/home/user/a.txt", content_type = "application/octet-stream",
                        data = "hi" } }, req.multipart)
    assert.are.equal("me", req.headers["X-Metadata-owner"])
    assert.matches("metadata key", u.raised(sbx.files.write, sbx.files, "/a", "x", { metadata = { ["a b"] = "x" } }).message)
  end)

  it("streams from_file as an octet-stream body", function()
    fake:on("POST /files", function() return F.json(200, { { path = "/big", name = "big", type = "file" } }) end)
    sbx.files:write("/big", { from_file = "/local/big" })
    assert.are.equal("/local/big", fake.last.body_file)
    assert.are.equal("application/octet-stream", fake.last.headers["Content-Type"])
    assert.is_nil(fake.last.multipart)
  end)

  it("write_files sends every entry in one request", function()
    fake:on("POST /files", function()
      return F.json(200, { { path = "/a", name = "a", type = "file" }, { path = "/b", name = "b", type = "file" } })
    end)
    local infos = sbx.files:write_files({ { path = "/a", data = "1" }, { path = "/b", from_file = "/l/b" } })
    assert.are.equal(2, #infos)
    assert.is_nil(F.query(fake.last).path)
    assert.are.equal("/l/b", fake.last.multipart[2].file)
    fake.requests = {}
    assert.are.same({}, sbx.files:write_files({}))
    assert.are.equal(0, #fake.requests)
    assert.matches("exactly one of", u.raised(sbx.files.write_files, sbx.files, { { path = "/a" } }).message)
    fake:on("POST /files", function() return F.json(200, {}) end)
    assert.matches("Expected to receive", u.raised(sbx.files.write, sbx.files, "/a", "x").message)
  end)

  it("maps entries of list, get_info and rename", function()
    fake:on("POST /filesystem.Filesystem/ListDir", function()
      return F.json(200, { entries = { ENTRY, { name = "odd", type = "FILE_TYPE_UNSPECIFIED", path = "/odd" } } })
    end)
    assert.are.same({ MAPPED }, sbx.files:list("/home/user", { depth = 2, user = "root" }))
    assert.are.same({ path = "/home/user", depth = 2 }, F.body(fake.last))
    assert.are.equal("Basic cm9vdDo=", fake.last.headers["Authorization"])
    assert.matches("depth", u.raised(sbx.files.list, sbx.files, "/", { depth = 0 }).message)
    fake:on("POST /filesystem.Filesystem/Stat", function() return F.json(200, { entry = ENTRY }) end)
    assert.are.same(MAPPED, sbx.files:get_info("/home/user/hello.txt"))
    fake:on("POST /filesystem.Filesystem/Move", function() return F.json(200, { entry = ENTRY }) end)
    assert.are.same(MAPPED, sbx.files:rename("/a", "/home/user/hello.txt"))
    assert.are.same({ source = "/a", destination = "/home/user/hello.txt" }, F.body(fake.last))
  end)

  it("exists, make_dir and remove follow the SDK special cases", function()
    local code
    fake:on("POST /filesystem.Filesystem/Stat", function()
      if not code then return F.json(200, { entry = ENTRY }) end
      return F.json(404, { code = code, message = "file not found" })
    end)
    assert.is_true(sbx.files:exists("/x"))
    code = "not_found"
    assert.is_false(sbx.files:exists("/x"))
    local err = u.raised(sbx.files.get_info, sbx.files, "/x")
    assert.are.equal("FileNotFoundError", err.name)
    assert.are.equal("not_found", err.code)
    fake:on("POST /filesystem.Filesystem/MakeDir", function()
      return F.json(409, { code = "already_exists", message = "exists" })
    end)
    assert.is_false(sbx.files:make_dir("/d"))
    fake:on("POST /filesystem.Filesystem/Remove", function() return F.json(200, {}) end)
    sbx.files:remove("/d")
    assert.are.same({ path = "/d" }, F.body(fake.last))
  end)
end)

local function write_local(path, size)
  local f = assert(io.open(path, "wb"))
  local block = ("0123456789abcdef"):rep(65536)   -- 1 MiB
  local left = size
  while left > 0 do
    local n = math.min(left, #block)
    f:write(block:sub(1, n))
    left = left - n
  end
  f:close()
end

local function file_size(path)
  local f = assert(io.open(path, "rb"))
  local n = f:seek("end")
  f:close()
  return n
end

describe("files (end to end)", function()
  local sbx
  before_each(function() e2e.require_emulator() end)

  it("writes, reads, lists, stats, renames and removes", function()
    sbx = e2e.sandbox(finally)
    local bin = "\0\1\2\255text\r\n"
    local info = sbx.files:write("/home/user/dir/a.bin", bin)
    assert.are.equal("/home/user/dir/a.bin", info.path)
    assert.are.equal("a.bin", info.name)
    assert.are.equal(bin, sbx.files:read("/home/user/dir/a.bin", { format = "bytes" }))
    assert.are.equal("", (sbx.files:write("empty.txt", "") and sbx.files:read("empty.txt")))
    assert.is_true(sbx.files:exists("/home/user/empty.txt"))
    assert.is_false(sbx.files:exists("/home/user/nope"))
    local st = sbx.files:get_info("/home/user/dir/a.bin")
    assert.are.same({ "a.bin", "file", #bin, "user" }, { st.name, st.type, st.size, st.owner })
    assert.is_string(st.permissions)
    assert.is_true(sbx.files:make_dir("/home/user/dir/sub/deep"))
    assert.is_false(sbx.files:make_dir("/home/user/dir/sub/deep"))
    local names = {}
    for _, e in ipairs(sbx.files:list("/home/user/dir", { depth = 2 })) do names[#names + 1] = e.name .. ":" .. e.type end
    table.sort(names)
    assert.are.same({ "a.bin:file", "deep:dir", "sub:dir" }, names)
    local moved = sbx.files:rename("/home/user/dir/a.bin", "/home/user/b.bin")
    assert.are.equal("/home/user/b.bin", moved.path)
    sbx.files:remove("/home/user/dir")
    assert.is_false(sbx.files:exists("/home/user/dir"))
    local err = select(2, pcall(sbx.files.read, sbx.files, "/home/user/dir/a.bin"))
    assert.are.equal("FileNotFoundError", err.name)
    local infos = sbx.files:write_files({ { path = "/tmp/x1", data = "1" }, { path = "/tmp/x2", data = "2" } })
    assert.are.equal(2, #infos)
    assert.are.equal("2", sbx.files:read("/tmp/x2"))
    local root = sbx.files:write("r.txt", "r", { user = "root" })
    assert.are.equal("/root/r.txt", root.path)
  end)

  it("streams big files with flat memory (from_file, to_file, stream)", function()
    sbx = e2e.sandbox(finally)
    local size = tonumber(os.getenv("E2B_BIG_FILE_MB") or "256") * 1048576
    local src, dst = os.tmpname(), os.tmpname()
    e2e.defer(finally, function() os.remove(src); os.remove(dst) end)
    write_local(src, size)
    collectgarbage("collect")
    local before = collectgarbage("count")
    local peak = before
    sbx.files:write("/tmp/big.bin", { from_file = src })
    peak = math.max(peak, collectgarbage("count"))
    assert.are.equal(size, sbx.files:get_info("/tmp/big.bin").size)
    sbx.files:read("/tmp/big.bin", { to_file = dst })
    peak = math.max(peak, collectgarbage("count"))
    assert.are.equal(size, file_size(dst))
    local total = 0
    for chunk in sbx.files:read("/tmp/big.bin", { format = "stream" }) do
      total = total + #chunk
      peak = math.max(peak, collectgarbage("count"))
    end
    assert.are.equal(size, total)
    -- Lua heap never held anything near the file: a few MiB of buffers at most.
    assert.is_true((peak - before) * 1024 < 64 * 1048576, ("heap grew by %.0f KiB"):format(peak - before))
  end)

  it("reports monotonic progress ending at the total, up and down", function()
    sbx = e2e.sandbox(finally)
    local size = 8 * 1048576
    local src, dst = os.tmpname(), os.tmpname()
    e2e.defer(finally, function() os.remove(src); os.remove(dst) end)
    write_local(src, size)
    -- a recorder that checks every call: done never decreases, never passes total
    local function recorder()
      local r = { calls = 0, done = -1, total = nil }
      r.fn = function(done, total)
        assert.is_true(done >= r.done, "progress went backwards")
        assert.is_true(done <= total, "done passed the total")
        r.calls, r.done, r.total = r.calls + 1, done, total
      end
      return r
    end
    local function check(r, expected)
      assert.is_true(r.calls >= 1, "no progress reported")
      assert.are.equal(expected, r.done)
      assert.are.equal(expected, r.total)
    end
    local up = recorder()
    sbx.files:write("/tmp/p.bin", { from_file = src }, { on_progress = up.fn })
    check(up, size)
    local small = recorder()
    sbx.files:write("/tmp/s.txt", "hello", { on_progress = small.fn })
    assert.is_true(small.calls >= 1 and small.done == small.total and small.total >= 5)  -- multipart framing counts
    local to_file = recorder()
    sbx.files:read("/tmp/p.bin", { to_file = dst, on_progress = to_file.fn })
    check(to_file, size)
    local text = recorder()
    assert.are.equal(size, #sbx.files:read("/tmp/p.bin", { format = "bytes", on_progress = text.fn }))
    check(text, size)
    local stream = recorder()
    local n = 0
    for chunk in sbx.files:read("/tmp/p.bin", { format = "stream", on_progress = stream.fn }) do n = n + #chunk end
    assert.are.equal(size, n)
    check(stream, size)
    assert.is_true(stream.calls > 1, "a big stream reports more than once")
  end)
end)
