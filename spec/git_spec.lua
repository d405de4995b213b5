-- End-to-end specs for sbx.git: real git in an emulator sandbox, with a local bare repository
-- as a plain remote and an authenticated one (`git http-backend` behind Basic auth, served by
-- a small Python server started inside the sandbox).
local e2b = require("e2b")
local errors = require("e2b.errors")
local e2e = require("spec.support.e2e")
local async = require("e2b.async")

-- Serves every bare repository under ROOT over smart HTTP; only USER:PASSWORD gets in.
-- Writes its port to PORT_FILE once it listens on 127.0.0.1.
local SERVER = [[
import base64, os, subprocess, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT, USER, PASSWORD, PORT_FILE = sys.argv[1:5]
EXPECTED = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

class Git(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def body(self):
        # git sends big pushes chunked
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def serve(self):
        data = self.body() if self.command == "POST" else b""
        if self.headers.get("Authorization") != EXPECTED:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        env = dict(os.environ, GIT_PROJECT_ROOT=ROOT, GIT_HTTP_EXPORT_ALL="1", REMOTE_USER=USER,
                   REMOTE_ADDR="127.0.0.1", REQUEST_METHOD=self.command, PATH_INFO=path,
                   QUERY_STRING=query, CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   CONTENT_LENGTH=str(len(data)),
                   HTTP_CONTENT_ENCODING=self.headers.get("Content-Encoding", ""),
                   GIT_PROTOCOL=self.headers.get("Git-Protocol", ""))
        out = subprocess.run(["git", "http-backend"], input=data, env=env,
                             stdout=subprocess.PIPE).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.decode().split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = serve

server = ThreadingHTTPServer(("127.0.0.1", 0), Git)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
]]

-- Asks for Basic auth, then never answers an authenticated request: a clone that hangs
-- after git got the credentials. Touches HIT_FILE when the credentials arrived.
local SLOW_SERVER = [[
import os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT_FILE, HIT_FILE = sys.argv[1:3]

class Slow(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        if not self.headers.get("Authorization"):
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        open(HIT_FILE, "w").close()
        time.sleep(60)

ThreadingHTTPServer.daemon_threads = True
server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
]]

local HOME = "/home/user"
local LIMIT = 60   -- seconds any one git command may take here

-- opts plus a time limit, so no spec can hang on git.
local function T(opts)
  opts = opts or {}
  opts.timeout = opts.timeout or LIMIT
  return opts
end

local function raises(class, fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  assert.is_true(errors.is(err, class), "expected " .. class.name .. ", got " .. tostring(err))
  return err
end

describe("sbx.git against a sandbox", function()
  local sbx, git

  local function sh(cmd)
    return sbx.commands:run(cmd, { timeout = LIMIT }).stdout
  end

  setup(function()
    e2e.require_emulator()
    sbx = e2b.Sandbox.create({ timeout = 600 })
    git = sbx.git
    git:configure_user("Spec Runner", "spec@example.com", T())
  end)

  teardown(function()
    if sbx then sbx:kill() end
  end)

  describe("a local repository", function()
    local repo = HOME .. "/work repo"   -- a space, to prove the quoting

    it("inits, stages, commits and reports status", function()
      git:init(repo, T({ initial_branch = "main" }))
      local st = git:status(repo, T())
      assert.equal("main", st.current_branch)
      assert.is_true(st.is_clean)

      sbx.files:write(repo .. "/a.txt", "one\n")
      sbx.files:write(repo .. "/it's here.txt", "two\n")
      st = git:status(repo, T())
      assert.equal(2, st.untracked_count)
      local names = {}
      for _, f in ipairs(st.file_status) do names[f.name] = f.status end
      assert.same({ ["a.txt"] = "untracked", ["it's here.txt"] = "untracked" }, names)

      git:add(repo, T())
      st = git:status(repo, T())
      assert.equal(2, st.staged_count)
      assert.equal("added", st.file_status[1].status)

      git:commit(repo, "first: it's $(not) `run`", T())
      assert.equal("first: it's $(not) `run`\n", sh("git -C '" .. repo .. "' log -1 --format=%s"))
      assert.is_true(git:status(repo, T()).is_clean)
      assert.equal("Spec Runner\n", sh("git -C '" .. repo .. "' log -1 --format=%an"))
    end)

    it("commits as a given author, and only the given files", function()
      sbx.files:write(repo .. "/b.txt", "b\n")
      sbx.files:write(repo .. "/c.txt", "c\n")
      git:add(repo, T({ files = { "b.txt" } }))
      local st = git:status(repo, T())
      assert.equal(1, st.staged_count)
      assert.equal(1, st.untracked_count)
      git:commit(repo, "b", T({ author_name = "Ada L", author_email = "ada@example.com" }))
      assert.equal("Ada L <ada@example.com>\n", sh("git -C '" .. repo .. "' log -1 --format='%an <%ae>'"))
      git:commit(repo, "nothing", T({ allow_empty = true }))
      local e = raises(errors.CommandExitError, git.commit, git, repo, "nothing again", T())
      assert.equal(1, e.exit_code)
    end)

    it("sees renames, modifications and deletions, and restores and resets them", function()
      sh("cd '" .. repo .. "' && git mv a.txt renamed.txt && echo more >> b.txt && rm c.txt")
      local st = git:status(repo, T())
      local by = {}
      for _, f in ipairs(st.file_status) do by[f.name] = f end
      assert.equal("renamed", by["renamed.txt"].status)
      assert.equal("a.txt", by["renamed.txt"].renamed_from)
      assert.equal("modified", by["b.txt"].status)
      assert.is_false(by["b.txt"].staged)
      assert.is_nil(by["c.txt"])   -- untracked file removed: no longer listed

      git:restore(repo, T({ paths = { "b.txt" } }))
      assert.equal("b\n", sbx.files:read(repo .. "/b.txt"))
      git:restore(repo, T({ paths = { "renamed.txt", "a.txt" }, staged = true }))
      st = git:status(repo, T())
      assert.equal(0, st.staged_count)
      assert.equal("untracked", st.file_status[#st.file_status].status)   -- renamed.txt
      git:reset(repo, T({ mode = "hard" }))
      assert.equal("one\n", sbx.files:read(repo .. "/a.txt"))
      sh("rm '" .. repo .. "/renamed.txt'")
      assert.is_true(git:status(repo, T()).is_clean)
      git:reset(repo, T({ mode = "hard", target = "HEAD~1" }))
      assert.equal("b\n", sh("git -C '" .. repo .. "' log -1 --format=%s"))
    end)

    it("creates, lists, checks out and deletes branches", function()
      git:create_branch(repo, "feature/x", T())
      local b = git:branches(repo, T())
      assert.same({ "feature/x", "main" }, b.branches)
      assert.equal("feature/x", b.current_branch)
      sbx.files:write(repo .. "/x.txt", "x\n")
      git:add(repo, T())
      git:commit(repo, "x", T())
      git:checkout_branch(repo, "main", T())
      assert.equal("main", git:branches(repo, T()).current_branch)
      raises(errors.CommandExitError, git.delete_branch, git, repo, "feature/x", T())
      git:delete_branch(repo, "feature/x", T({ force = true }))
      assert.same({ "main" }, git:branches(repo, T()).branches)
    end)

    it("reports a detached HEAD", function()
      sh("git -C '" .. repo .. "' checkout -q --detach")
      local st = git:status(repo, T())
      assert.is_true(st.detached)
      assert.is_nil(st.current_branch)
      git:checkout_branch(repo, "main", T())
    end)

    it("sets and gets config in each scope", function()
      git:set_config("pull.rebase", "false", T())
      assert.equal("false", git:get_config("pull.rebase", T()))
      git:set_config("e2b.note", "a 'quoted' value", T({ scope = "local", path = repo }))
      assert.equal("a 'quoted' value", git:get_config("e2b.note", T({ scope = "local", path = repo })))
      assert.is_nil(git:get_config("e2b.note", T()))
      assert.is_nil(git:get_config("e2b.missing", T({ scope = "local", path = repo })))
    end)

    it("raises CommandExitError for a path that is no repository", function()
      local e = raises(errors.CommandExitError, git.status, git, HOME .. "/nowhere", T())
      assert.matches("cannot change to", e.stderr, 1, true)
    end)
  end)

  describe("with a local bare repository as remote", function()
    local bare, a, b = HOME .. "/remote.git", HOME .. "/a", HOME .. "/b"

    it("pushes, clones, pulls and tracks ahead/behind", function()
      git:set_config("pull.rebase", "false", T())   -- pull merges diverged branches
      git:init(bare, T({ bare = true, initial_branch = "main" }))
      git:init(a, T({ initial_branch = "main" }))
      git:remote_add(a, "origin", bare, T())
      assert.equal(bare, git:remote_get(a, "origin", T()))
      assert.is_nil(git:remote_get(a, "nope", T()))
      sbx.files:write(a .. "/readme.md", "# hi\n")
      git:add(a, T())
      git:commit(a, "init", T())
      git:push(a, T({ remote = "origin", branch = "main" }))
      local st = git:status(a, T())
      assert.equal("origin/main", st.upstream)
      assert.equal(0, st.ahead)

      git:clone(bare, T({ path = b, branch = "main", depth = 1 }))
      assert.equal("# hi\n", sbx.files:read(b .. "/readme.md"))
      sbx.files:write(b .. "/new.txt", "from b\n")
      git:add(b, T())
      git:commit(b, "from b", T())
      git:push(b, T())

      sh("git -C " .. a .. " fetch -q")
      sbx.files:write(a .. "/local.txt", "local\n")
      git:add(a, T())
      git:commit(a, "local", T())
      st = git:status(a, T())
      assert.equal(1, st.ahead)
      assert.equal(1, st.behind)
      git:pull(a, T({ remote = "origin", branch = "main" }))
      assert.equal("from b\n", sbx.files:read(a .. "/new.txt"))
      git:push(a, T())
      git:pull(b, T())
      assert.equal("local\n", sbx.files:read(b .. "/local.txt"))
    end)

    it("raises GitUpstreamError for a branch without upstream", function()
      git:create_branch(a, "lonely", T())
      raises(errors.GitUpstreamError, git.pull, git, a, T())
      local e = raises(errors.GitUpstreamError, git.push, git, a, T({ set_upstream = false }))
      assert.matches("no upstream", e.stderr, 1, true)
      git:push(a, T({ remote = "origin", branch = "lonely" }))   -- sets the upstream
      assert.equal("origin/lonely", git:status(a, T()).upstream)
      git:checkout_branch(a, "main", T())
    end)

    it("adds, overwrites and fetches remotes", function()
      git:remote_add(a, "mirror", HOME .. "/elsewhere.git", T())
      raises(errors.CommandExitError, git.remote_add, git, a, "mirror", bare, T())
      git:remote_add(a, "mirror", bare, T({ overwrite = true, fetch = true }))
      assert.equal(bare, git:remote_get(a, "mirror", T()))
      assert.matches("mirror/main", sh("git -C " .. a .. " branch -r"), 1, true)
    end)
  end)

  describe("with an authenticated HTTP remote", function()
    local USER, PASSWORD = "bot", "s3cr:t@p/ss w0rd"
    local root, base = HOME .. "/srv", nil
    local server

    setup(function()
      sbx.files:write("/tmp/git_server.py", SERVER)
      git:init(root .. "/private.git", T({ bare = true, initial_branch = "main" }))
      local seed = HOME .. "/seed"
      git:init(seed, T({ initial_branch = "main" }))
      sbx.files:write(seed .. "/secret.txt", "classified\n")
      git:add(seed, T())
      git:commit(seed, "seed", T())
      git:push(seed, T({ remote = root .. "/private.git", branch = "main", set_upstream = false }))
      sh("rm -f /tmp/git_server.port")   -- the wait below must see this server's port
      server = sbx.commands:run("exec python3 /tmp/git_server.py " .. root .. " " .. USER .. " '"
        .. PASSWORD .. "' /tmp/git_server.port", { background = true, timeout = 0 })
      local port = sh("for i in $(seq 100); do [ -s /tmp/git_server.port ] && break; sleep 0.1; done; "
        .. "cat /tmp/git_server.port")
      assert.matches("^%d+$", port)
      base = "http://127.0.0.1:" .. port
    end)

    teardown(function()
      if server then pcall(server.kill, server) end
    end)

    local function config_has_secret(path)
      return sh("grep -rlF 's3cr' " .. path .. "/.git/config || true") ~= ""
    end

    it("refuses a clone without credentials with GitAuthError", function()
      local e = raises(errors.GitAuthError, git.clone, git, base .. "/private.git",
        T({ path = HOME .. "/anon" }))
      assert.equal("Git clone requires credentials for private repositories.", e.message)
    end)

    it("refuses wrong credentials with GitAuthError that does not show them", function()
      local e = raises(errors.GitAuthError, git.clone, git, base .. "/private.git",
        T({ path = HOME .. "/wrong", username = USER, password = "not-the-password" }))
      assert.is_nil(tostring(e):find("not-the-password", 1, true))
      assert.is_nil((e.stderr or ""):find("not-the-password", 1, true))
    end)

    it("clones with credentials and leaves none in the remote URL", function()
      local dest = HOME .. "/private"
      git:clone(base .. "/private.git", T({ path = dest, username = USER, password = PASSWORD }))
      assert.equal("classified\n", sbx.files:read(dest .. "/secret.txt"))
      assert.equal(base .. "/private.git", git:remote_get(dest, "origin", T()))
      assert.is_false(config_has_secret(dest))
    end)

    it("pushes and pulls with credentials, restoring the URL each time", function()
      local dest, other = HOME .. "/private", HOME .. "/private2"
      sbx.files:write(dest .. "/more.txt", "more\n")
      git:add(dest, T())
      git:commit(dest, "more", T())
      git:push(dest, T({ username = USER, password = PASSWORD }))
      assert.equal(base .. "/private.git", git:remote_get(dest, "origin", T()))
      assert.is_false(config_has_secret(dest))

      git:clone(base .. "/private.git", T({ path = other, username = USER, password = PASSWORD }))
      sbx.files:write(dest .. "/third.txt", "3\n")
      git:add(dest, T())
      git:commit(dest, "third", T())
      git:push(dest, T({ remote = "origin", branch = "main", username = USER, password = PASSWORD }))
      git:pull(other, T({ username = USER, password = PASSWORD }))
      assert.equal("3\n", sbx.files:read(other .. "/third.txt"))
      assert.equal(base .. "/private.git", git:remote_get(other, "origin", T()))
      assert.is_false(config_has_secret(other))
    end)

    it("raises GitAuthError for a push with wrong credentials and still restores the URL", function()
      local dest = HOME .. "/private"
      sbx.files:write(dest .. "/fourth.txt", "4\n")
      git:add(dest, T())
      git:commit(dest, "fourth", T())
      local e = raises(errors.GitAuthError, git.push, git, dest,
        T({ username = USER, password = "wrong-password" }))
      assert.is_nil(tostring(e):find("wrong-password", 1, true))
      assert.equal(base .. "/private.git", git:remote_get(dest, "origin", T()))
      raises(errors.GitAuthError, git.push, git, dest, T())   -- and no credentials at all
      raises(errors.GitAuthError, git.pull, git, dest, T({ username = USER, password = "nope-nope" }))
      assert.equal(base .. "/private.git", git:remote_get(dest, "origin", T()))
    end)

    it("never shows the password in argv, envs or files while a clone hangs and after it timed out",
      function()
      sbx.files:write("/tmp/git_slow.py", SLOW_SERVER)
      sh("rm -f /tmp/git_slow.port /tmp/git_slow.hit")
      local slow = sbx.commands:run("exec python3 /tmp/git_slow.py /tmp/git_slow.port /tmp/git_slow.hit",
        { background = true, timeout = 0 })
      finally(function() pcall(slow.kill, slow) end)
      local port = sh("for i in $(seq 100); do [ -s /tmp/git_slow.port ] && break; sleep 0.1; done; "
        .. "cat /tmp/git_slow.port")
      assert.matches("^%d+$", port)
      local dest = HOME .. "/hanging"
      local clone = async.spawn(function()
        return git:clone("http://127.0.0.1:" .. port .. "/r.git",
          { path = dest, username = USER, password = PASSWORD, timeout = 8 })
      end)
      local probe = async.spawn(function()
        -- once the server holds the authenticated request, git has the password in hand
        for _ = 1, 60 do
          if sbx.commands:run("[ -e /tmp/git_slow.hit ] && echo y || true").stdout == "y\n" then break end
          async.sleep(0.1)
        end
        local seen = {}
        for _, p in ipairs(sbx.commands:list()) do
          seen[#seen + 1] = p.cmd .. " " .. table.concat(p.args or {}, " ")
          for k, v in pairs(p.envs or {}) do seen[#seen + 1] = k .. "=" .. v end
        end
        seen[#seen + 1] = sbx.commands:run("ps -eo args").stdout
        return table.concat(seen, "\n"), sbx.commands:run("[ -e /tmp/git_slow.hit ] && echo y || true").stdout
      end)
      local r = async.gather({ clone, probe }, 30)
      assert.is_true(r[2].ok, tostring(r[2].error))
      assert.equal("y\n", r[2][2], "the clone never reached the authenticated request")
      -- (the test's own server gets the password as an argument; it is no git process)
      local lines = {}
      for line in r[2][1]:gmatch("[^\n]+") do
        if not line:find("git_server.py", 1, true) then lines[#lines + 1] = line end
      end
      local listed = table.concat(lines, "\n")
      assert.matches("git", listed, 1, true)
      for _, part in ipairs({ "s3cr", "s3cr%3At" }) do
        assert.is_nil(listed:find(part, 1, true), "password visible in the process list")
      end
      assert.is_false(r[1].ok, "the clone should have timed out")
      local e = r[1].error
      assert.is_true(errors.is(e, errors.TimeoutError), "expected TimeoutError, got " .. tostring(e))
      assert.is_nil(tostring(e):find("s3cr", 1, true))
      assert.is_nil(tostring(e.stderr or ""):find("s3cr", 1, true))
      -- whatever the timed-out clone left behind holds no credential
      assert.equal("", sh("grep -rlF 's3cr' " .. dest .. " 2>/dev/null || true"))
      assert.equal("", sh("grep -rlF 's3cr%3At' " .. dest .. " 2>/dev/null || true"))
    end)

    it("keeps the credentials in the URL only with dangerously_store_credentials", function()
      local dest = HOME .. "/stored"
      git:clone(base .. "/private.git", T({ path = dest, username = USER, password = PASSWORD,
        dangerously_store_credentials = true }))
      assert.is_true(config_has_secret(dest))
      git:pull(dest, T())   -- works without passing credentials again
    end)

    it("authenticates every later command with dangerously_authenticate", function()
      git:dangerously_authenticate(T({ username = USER, password = PASSWORD,
        host = base:match("//(.*)$"), protocol = "http" }))
      local dest = HOME .. "/via-helper"
      git:clone(base .. "/private.git", T({ path = dest }))
      assert.equal("classified\n", sbx.files:read(dest .. "/secret.txt"))
      assert.equal("store", git:get_config("credential.helper", T()))
      assert.is_nil(git:get_config("credential.helper", T({ scope = "local", path = dest })))
    end)
  end)
end)
