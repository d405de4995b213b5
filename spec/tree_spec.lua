-- files:upload_dir / download_dir end to end, and the directory refusal of write/write_files.
local e2e = require("spec.support.e2e")
local u = require("spec.support.unit")
local e2b = require("e2b")
local host = require("spec.support.host")
local sh, tmpdir, write, read = host.sh, host.tmpdir, host.write, host.read_if
local errors = e2b.errors

local raised = u.raised

local function rss_kb()
  return tonumber(read("/proc/self/status"):match("VmRSS:%s*(%d+)"))
end

local function skipped_reason(r, path)
  for _, s in ipairs(r.skipped) do if s.path == path then return s.reason end end
  return nil
end

describe("a local directory as from_file", function()
  it("is refused by write and write_files before any request", function()
    local sbx, fake = u.sandbox()
    local dir = tmpdir(finally)
    local err = raised(sbx.files.write_files, sbx.files, { { path = "/home/user/x", from_file = dir } })
    assert.is_true(errors.is(err, errors.InvalidArgumentError), tostring(err))
    assert.matches("is a directory", err.message, 1, true)
    assert.matches("files:write_files", err.message, 1, true)
    err = raised(sbx.files.write, sbx.files, "/home/user/x", { from_file = dir })
    assert.is_true(errors.is(err, errors.InvalidArgumentError), tostring(err))
    assert.are.equal(0, #fake.requests)
  end)
end)

describe("files:upload_dir / download_dir", function()
  it("checks its arguments and options", function()
    local sbx = u.sandbox()
    local dir = tmpdir(finally)
    assert.matches("not a directory", raised(sbx.files.upload_dir, sbx.files, dir .. "/nope", "/x").message, 1, true)
    assert.matches("did you mean", raised(sbx.files.upload_dir, sbx.files, dir, "/x", { ignores = {} }).message, 1, true)
    assert.matches("symlinks", raised(sbx.files.upload_dir, sbx.files, dir, "/x", { symlinks = "all" }).message, 1, true)
    assert.matches("concurrency", raised(sbx.files.upload_dir, sbx.files, dir, "/x", { concurrency = 0 }).message, 1, true)
    assert.matches("ignore", raised(sbx.files.download_dir, sbx.files, "/x", dir, { ignore = { 1 } }).message, 1, true)
  end)

  it("refuses entry names a hostile sandbox could use to leave local_dir, before writing anything", function()
    local F = require("spec.support.fake_transport")
    local sbx, fake = u.sandbox()
    fake:on("POST /filesystem.Filesystem/Stat", function()
      return F.json(200, { entry = { name = "t", type = "FILE_TYPE_DIRECTORY", path = "/home/user/t" } })
    end)
    local dst = tmpdir(finally)
    for _, bad in ipairs({ "/home/user/t/../../../x", "/home/user/t//x", "/home/user/tx/y", "/etc/x" }) do
      fake:on("POST /filesystem.Filesystem/ListDir", function()
        return F.json(200, { entries = { { name = "x", type = "FILE_TYPE_FILE", path = bad, size = 1 } } })
      end)
      local err = raised(sbx.files.download_dir, sbx.files, "/home/user/t", dst)
      assert.is_true(errors.is(err, errors.InvalidArgumentError), tostring(err))
    end
    local p = io.popen("ls -A " .. dst)
    assert.are.equal("", p:read("*a"))
    p:close()
  end)

  it("round-trips nested and empty directories, with ignore patterns and progress", function()
    local sbx = e2e.sandbox(finally)
    local src, dst = tmpdir(finally), tmpdir(finally)
    sh(("mkdir -p %s/a/b/c %s/empty/inner %s/node_modules/x %s/keep"):format(src, src, src, src))
    write(src .. "/top.txt", "top")
    write(src .. "/a/one.txt", "one")
    write(src .. "/a/b/c/deep.bin", string.rep("\0\1\2", 1000))
    write(src .. "/a/b/skip.pyc", "compiled")
    write(src .. "/node_modules/x/index.js", "ignored")
    write(src .. "/keep/name with spaces.txt", "spaces")
    local calls, last = 0, nil
    local r = sbx.files:upload_dir(src, "/home/user/proj", {
      ignore = { "node_modules", "*.pyc" },
      on_progress = function(done, total) calls = calls + 1; last = { done, total } end,
    })
    assert.are.equal(4, r.files)
    assert.are.equal(3 + 3 + 3000 + 6, r.bytes)
    assert.is_true(calls >= 2)
    assert.are.same({ r.bytes, r.bytes }, last)
    assert.is_true(sbx.files:exists("/home/user/proj/empty/inner"))
    assert.is_false(sbx.files:exists("/home/user/proj/node_modules"))
    assert.is_false(sbx.files:exists("/home/user/proj/a/b/skip.pyc"))
    assert.are.equal("spaces", sbx.files:read("/home/user/proj/keep/name with spaces.txt"))

    local d = sbx.files:download_dir("/home/user/proj", dst .. "/out", { ignore = { "keep/" } })
    assert.are.equal(3, d.files)
    assert.are.equal("top", read(dst .. "/out/top.txt"))
    assert.are.equal(string.rep("\0\1\2", 1000), read(dst .. "/out/a/b/c/deep.bin"))
    assert.is_nil(read(dst .. "/out/keep/name with spaces.txt"))
    local p = io.popen("test -d " .. dst .. "/out/empty/inner && echo yes")
    assert.are.equal("yes", p:read("*l"))
    p:close()
  end)

  it("never reads outside local_dir: links pointing outside are skipped, or refused with symlinks = 'error'", function()
    local sbx = e2e.sandbox(finally)
    local outside, src = tmpdir(finally), tmpdir(finally)
    write(outside .. "/secret.txt", "SECRET")
    write(src .. "/real.txt", "real")
    sh(("ln -s %s/secret.txt %s/out_link"):format(outside, src))
    sh(("ln -s %s %s/out_dir"):format(outside, src))
    sh(("ln -s real.txt %s/in_link"):format(src))
    sh(("ln -s missing %s/dangling"):format(src))
    local r = sbx.files:upload_dir(src, "/home/user/up")
    assert.are.equal("symlink pointing outside local_dir", skipped_reason(r, "out_link"))
    assert.are.equal("symlink pointing outside local_dir", skipped_reason(r, "out_dir"))
    assert.are.equal("dangling symlink", skipped_reason(r, "dangling"))
    assert.are.equal("real", sbx.files:read("/home/user/up/in_link"))   -- inside: followed
    assert.is_false(sbx.files:exists("/home/user/up/out_link"))
    assert.is_false(sbx.files:exists("/home/user/up/out_dir"))
    local err = raised(sbx.files.upload_dir, sbx.files, src, "/home/user/up2", { symlinks = "error" })
    assert.is_true(errors.is(err, errors.InvalidArgumentError), tostring(err))
    assert.is_false(sbx.files:exists("/home/user/up2"))
    r = sbx.files:upload_dir(src, "/home/user/up3", { symlinks = "skip" })
    assert.are.equal(1, r.files)
    assert.are.equal("symlink", skipped_reason(r, "in_link"))
  end)

  it("never writes outside local_dir: sandbox symlinks are not recreated, local symlinks are not written through", function()
    local sbx = e2e.sandbox(finally)
    sbx.commands:run("mkdir -p /home/user/t/sub && echo hi > /home/user/t/sub/f.txt && " ..
      "ln -s /etc/passwd /home/user/t/passwd && ln -s /tmp /home/user/t/tmp_link")
    local outside, dst = tmpdir(finally), tmpdir(finally)
    local r = sbx.files:download_dir("/home/user/t", dst)
    assert.are.equal(1, r.files)
    assert.are.equal("hi\n", read(dst .. "/sub/f.txt"))
    assert.are.equal("symlink", skipped_reason(r, "passwd"))
    assert.are.equal("symlink", skipped_reason(r, "tmp_link"))
    assert.is_nil(read(dst .. "/passwd"))
    -- a local symlink where the tree has a directory: refused, nothing lands outside
    local dst2 = tmpdir(finally)
    sh(("ln -s %s %s/sub"):format(outside, dst2))
    local err = raised(sbx.files.download_dir, sbx.files, "/home/user/t", dst2)
    assert.is_true(errors.is(err, errors.InvalidArgumentError), tostring(err))
    assert.matches("refusing to write through", err.message, 1, true)
    assert.is_nil(read(outside .. "/f.txt"))
  end)

  it("moves a big tree with flat memory (" .. (os.getenv("E2B_TREE_MIB") or "256") .. " MiB)", function()
    local mib = tonumber(os.getenv("E2B_TREE_MIB") or "256")
    local sbx = e2e.sandbox(finally)
    local src, dst = tmpdir(finally), tmpdir(finally)
    local per = math.max(1, math.floor(mib / 4))
    sh(("mkdir -p %s/x/y"):format(src))
    for i = 1, 4 do
      sh(("head -c %dM /dev/urandom > %s/x/%s/part%d.bin"):format(per, src, i % 2 == 0 and "y" or ".", i))
    end
    collectgarbage("collect")
    local before, peak, calls = rss_kb(), 0, 0
    local function sample(done, total)
      calls = calls + 1
      if calls % 64 == 0 then peak = math.max(peak, rss_kb()) end
      assert(done <= total)
    end
    local r = sbx.files:upload_dir(src, "/tmp/big", { on_progress = sample })
    assert.are.equal(per * 4 * 1048576, r.bytes)
    local d = sbx.files:download_dir("/tmp/big", dst, { on_progress = sample })
    assert.are.equal(r.bytes, d.bytes)
    peak = math.max(peak, rss_kb())
    local p = io.popen(("cd %s && find . -type f | sort | xargs sha256sum; cd %s && find . -type f | sort | xargs sha256sum")
      :format(src, dst))
    local out = p:read("*a")
    p:close()
    local lines = {}
    for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.are.equal(8, #lines)
    for i = 1, 4 do assert.are.equal(lines[i], lines[i + 4]) end
    if os.getenv("E2B_TREE_MIB") then print(("\n%d MiB each way, RSS grew by %d KiB"):format(per * 4, peak - before)) end
    assert.is_true(peak - before < 64 * 1024, ("memory grew by %d KiB"):format(peak - before))
    sbx.files:remove("/tmp/big")
  end)
end)
