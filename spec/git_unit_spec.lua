-- Unit specs for e2b.git: a fake commands object records every command string and answers
-- with canned output, so each method's exact command, the credential handling and the
-- parsing are checked without a sandbox.
local errors = require("e2b.errors")
local git_mod = require("e2b.git")
local shell = require("e2b.git.shell")
local url = require("e2b.git.url")
local parse = require("e2b.git.parse")

-- A commands object: `answers` is a list consumed in order; each entry is a result table
-- ({stdout=, stderr=, exit_code=}) or a function(cmd, opts) returning one. A non-zero
-- exit_code raises CommandExitError like the real commands:run does.
local function fake(answers)
  local f = { calls = {}, answers = answers or {} }
  function f:run(cmd, opts)
    local call = { cmd = cmd, opts = opts }
    self.calls[#self.calls + 1] = call
    if opts.background then   -- a handle: stdin is recorded, wait() gives the answer
      call.stdin = ""
      local h = {}
      function h.send_stdin(_, data) assert(not call.closed); call.stdin = call.stdin .. data end
      function h.close_stdin() call.closed = true end
      function h.kill() call.killed = true end
      function h.wait()
        assert(call.closed, "stdin must be closed before waiting")
        return f:answer(cmd, opts)
      end
      return h
    end
    return self:answer(cmd, opts)
  end
  function f:answer(cmd, opts)
    local a = table.remove(self.answers, 1)
    if type(a) == "function" then a = a(cmd, opts) end
    a = a or {}
    local r = { stdout = a.stdout or "", stderr = a.stderr or "", exit_code = a.exit_code or 0 }
    if r.exit_code ~= 0 then
      errors.CommandExitError:raise("command exited with code " .. r.exit_code
        .. ": " .. r.stderr, r)
    end
    return r
  end
  function f:cmds()
    local out = {}
    for i, c in ipairs(self.calls) do out[i] = c.cmd end
    return out
  end
  return f
end

local function new(answers)
  local f = fake(answers)
  return git_mod.new(f), f
end

local function fail(stderr, code)
  return { stderr = stderr, exit_code = code or 128 }
end

-- Call fn, expect it to raise an SDK error of `class`; return the error.
local function raises(class, fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  assert.is_true(errors.is(err, class),
    "expected " .. class.name .. ", got " .. tostring(err))
  return err
end

describe("git shell quoting", function()
  it("leaves safe tokens bare and single-quotes the rest", function()
    assert.equal("main", shell.quote("main"))
    assert.equal("user.name=A@b.c", shell.quote("user.name=A@b.c"))
    assert.equal("'--format=%(x)'", shell.quote("--format=%(x)"))
    assert.equal("''", shell.quote(""))
    assert.equal("'a b'", shell.quote("a b"))
    assert.equal("'it'\"'\"'s'", shell.quote("it's"))
    assert.equal("'$(rm -rf /)'", shell.quote("$(rm -rf /)"))
  end)

  it("round-trips awkward strings through a real bash", function()
    local samples = { "plain", "a b", "it's", "'", "''", "\"dq\"", "$HOME", "`id`", "$(id)",
      "a;b|c&d", "back\\slash", "new\nline", "tab\there", "ü ñ 日本", "*?[a]", "!x", "~", "-n",
      "--", "a'b\"c$d`e\\f" }
    for _, s in ipairs(samples) do
      local p = assert(io.popen("bash -c " .. shell.quote("printf %s " .. shell.quote(s))))
      local got = p:read("*a")
      p:close()
      assert.equal(s, got)
    end
  end)

  it("builds git commands with -C", function()
    assert.equal("git -C '/home/user/my repo' status", shell.git({ "status" }, "/home/user/my repo"))
    assert.equal("git init /r", shell.git({ "init", "/r" }))
  end)
end)

describe("git url credentials", function()
  it("embeds percent-encoded credentials in http(s) URLs only", function()
    assert.equal("https://me:tok@example.com/o/r.git",
      url.with_credentials("https://example.com/o/r.git", "me", "tok"))
    assert.equal("http://a%40b:p%3A%2F%40%20x@127.0.0.1:8080/r.git",
      url.with_credentials("http://127.0.0.1:8080/r.git", "a@b", "p:/@ x"))
    assert.equal("https://new:pw@h/x", url.with_credentials("https://old:secret@h/x", "new", "pw"))
    assert.is_nil(url.with_credentials("git@github.com:o/r.git", "u", "p"))
    assert.is_nil(url.with_credentials("/srv/repo.git", "u", "p"))
    assert.is_nil(url.with_credentials("ssh://git@h/r.git", "u", "p"))
  end)

  it("strips credentials and keeps the rest byte for byte", function()
    assert.equal("https://h:8443/a/b.git?x=1#f", url.strip_credentials("https://u:p@h:8443/a/b.git?x=1#f"))
    assert.equal("HTTPS://Host/R", url.strip_credentials("HTTPS://u:p@w@Host/R"))
    assert.equal("git@github.com:o/r.git", url.strip_credentials("git@github.com:o/r.git"))
    assert.equal("https://h/r", url.strip_credentials("https://h/r"))
  end)

  it("derives the clone directory", function()
    assert.equal("repo", url.repo_dir("https://h/o/repo.git"))
    assert.equal("repo", url.repo_dir("https://h/o/repo/"))
    assert.equal("repo", url.repo_dir("https://h/o/repo?x=1"))
    assert.is_nil(url.repo_dir("https://h/"))
    assert.is_nil(url.repo_dir("https://h"))
  end)
end)

describe("git status parsing", function()
  it("reports a clean repository with no output at all", function()
    local st = parse.status("")
    assert.is_true(st.is_clean)
    assert.is_false(st.has_changes)
    assert.is_nil(st.current_branch)
    assert.equal(0, st.total_count)
    assert.is_false(st.detached)
  end)

  it("reads an unborn branch", function()
    local st = parse.status("## No commits yet on main\n")
    assert.equal("main", st.current_branch)
    assert.is_nil(st.upstream)
    assert.is_true(st.is_clean)
    assert.equal("trunk", parse.status("## Initial commit on trunk\n").current_branch)
  end)

  it("reads branch, upstream, ahead and behind", function()
    local st = parse.status("## main...origin/main [ahead 1, behind 12]\n")
    assert.equal("main", st.current_branch)
    assert.equal("origin/main", st.upstream)
    assert.equal(1, st.ahead)
    assert.equal(12, st.behind)
    st = parse.status("## feat/x...up/feat/x [behind 3]\r\n")
    assert.equal("feat/x", st.current_branch)
    assert.equal("up/feat/x", st.upstream)
    assert.equal(0, st.ahead)
    assert.equal(3, st.behind)
    st = parse.status("## dev...origin/dev [gone]\n")
    assert.equal("dev", st.current_branch)
    assert.equal(0, st.ahead)
    assert.equal(0, st.behind)
  end)

  it("detects a detached HEAD", function()
    local st = parse.status("## HEAD (no branch)\n?? x\n")
    assert.is_true(st.detached)
    assert.is_nil(st.current_branch)
    st = parse.status("## HEAD (detached at 1a2b3c)\n")
    assert.is_true(st.detached)
    assert.is_nil(st.current_branch)
  end)

  it("reads staged, unstaged, untracked and quoted entries", function()
    local out = table.concat({
      "## main",
      "M  staged.txt",
      " M unstaged.txt",
      "MM both.txt",
      "A  new.txt",
      " D gone.txt",
      "D  removed.txt",
      " T link",
      "?? a",
      '?? "quo\\"te"',
      '?? "sp ace"',
      '?? "\\303\\274.txt"',
      "",
    }, "\n")
    local st = parse.status(out)
    local f = st.file_status
    assert.equal(11, #f)
    assert.same({ name = "staged.txt", status = "modified", index_status = "M",
      working_tree_status = " ", staged = true }, f[1])
    assert.same({ name = "unstaged.txt", status = "modified", index_status = " ",
      working_tree_status = "M", staged = false }, f[2])
    assert.equal("modified", f[3].status)
    assert.is_true(f[3].staged)
    assert.equal("added", f[4].status)
    assert.equal("deleted", f[5].status)
    assert.is_false(f[5].staged)
    assert.equal("deleted", f[6].status)
    assert.equal("typechange", f[7].status)
    assert.same({ name = "a", status = "untracked", index_status = "?",
      working_tree_status = "?", staged = false }, f[8])
    assert.equal('quo"te', f[9].name)
    assert.equal("sp ace", f[10].name)
    assert.equal("\195\188.txt", f[11].name)
    assert.equal(11, st.total_count)
    assert.equal(4, st.staged_count)
    assert.equal(7, st.unstaged_count)
    assert.equal(4, st.untracked_count)
    assert.equal(0, st.conflict_count)
    assert.is_false(st.is_clean)
    assert.is_true(st.has_changes)
    assert.is_true(st.has_staged)
    assert.is_true(st.has_untracked)
    assert.is_false(st.has_conflicts)
  end)

  it("reads renames, including quoted names on both sides", function()
    local st = parse.status('## main\nR  a -> b\nR  "sp ace" -> "new name"\nRM x -> "y z"\nC  s -> t\n')
    local f = st.file_status
    assert.same({ name = "b", renamed_from = "a", status = "renamed", index_status = "R",
      working_tree_status = " ", staged = true }, f[1])
    assert.equal("new name", f[2].name)
    assert.equal("sp ace", f[2].renamed_from)
    assert.equal("y z", f[3].name)
    assert.equal("x", f[3].renamed_from)
    assert.equal("renamed", f[3].status)
    assert.equal("copied", f[4].status)
    assert.equal("s", f[4].renamed_from)
  end)

  it("reads merge conflicts", function()
    local st = parse.status("## main...origin/main [ahead 1, behind 1]\n"
      .. "UU b\nAA both-added\nDD both-deleted\nAU au\nUD ud\nUA ua\nDU du\n?? u\nA  added\n")
    assert.equal(7, st.conflict_count)
    assert.is_true(st.has_conflicts)
    for i = 1, 7 do assert.equal("conflict", st.file_status[i].status) end
    assert.equal("untracked", st.file_status[8].status)
    assert.equal("added", st.file_status[9].status)
    assert.equal(1, st.ahead)
    assert.equal(1, st.behind)
  end)

  it("skips blank and too-short lines", function()
    local st = parse.status("## main\n\n   \nM\n M ok\n")
    assert.equal(1, st.total_count)
    assert.equal("ok", st.file_status[1].name)
  end)

  it("does not eat the first entry when there is no branch header", function()
    local st = parse.status(" M a\n")
    assert.equal(1, st.total_count)
    assert.equal("a", st.file_status[1].name)
  end)
end)

describe("git branches parsing", function()
  it("lists branches and the current one", function()
    local b = parse.branches("main\t \nfeature/x\t*\n\nold\t\n")
    assert.same({ "main", "feature/x", "old" }, b.branches)
    assert.equal("feature/x", b.current_branch)
    assert.same({ branches = {} }, parse.branches(""))
  end)
end)

describe("git methods", function()
  it("runs every command with GIT_TERMINAL_PROMPT=0 and the pass-through options", function()
    local git, f = new()
    git:status("/r", { envs = { A = "1" }, user = "root", cwd = "/tmp", timeout = 5,
      request_timeout = 7 })
    assert.same({ envs = { GIT_TERMINAL_PROMPT = "0", A = "1" }, user = "root", cwd = "/tmp",
      timeout = 5, request_timeout = 7 }, f.calls[1].opts)
    git:status("/r", { envs = { GIT_TERMINAL_PROMPT = "1" } })
    assert.same({ envs = { GIT_TERMINAL_PROMPT = "1" }, timeout = 0 }, f.calls[2].opts)
    git:status("/r")
    -- no timeout given: no limit (0), like the Python SDK
    assert.same({ envs = { GIT_TERMINAL_PROMPT = "0" }, timeout = 0 }, f.calls[3].opts)
  end)

  it("rejects unknown options with a suggestion, before running anything", function()
    local git, f = new()
    local e = raises(errors.InvalidArgumentError, git.clone, git, "https://h/r", { dept = 1 })
    assert.matches("unknown option 'dept'", e.message, 1, true)
    assert.matches("did you mean 'depth'", e.message, 1, true)
    e = raises(errors.InvalidArgumentError, git.status, git, "/r", { timout = 1 })
    assert.matches("did you mean 'timeout'", e.message, 1, true)
    raises(errors.InvalidArgumentError, git.status, git, "/r", "fast")
    raises(errors.InvalidArgumentError, git.status, git, "/r", { envs = "A=1" })
    raises(errors.InvalidArgumentError, git.status, git, nil)
    raises(errors.InvalidArgumentError, git.status, git, "")
    raises(errors.InvalidArgumentError, git.checkout_branch, git, "/r", "a\0b")
    raises(errors.InvalidArgumentError, git.delete_branch, git, "/r", "x", { force = "yes" })
    raises(errors.InvalidArgumentError, git.add, git, "/r", { files = { "a", 3 } })
    raises(errors.InvalidArgumentError, git.add, git, "/r", { files = { x = "a" } })
    assert.equal(0, #f.calls)
  end)

  it("init", function()
    local git, f = new()
    git:init("/home/user/r")
    git:init("/home/user/my r", { bare = true, initial_branch = "main" })
    assert.same({ "git init /home/user/r",
      "git init --initial-branch main --bare '/home/user/my r'" }, f:cmds())
  end)

  it("status and branches run the documented commands", function()
    local git, f = new({ { stdout = "## main...origin/main [ahead 2]\n M a\n" },
      { stdout = "main\t*\ndev\t \n" } })
    local st = git:status("/r")
    assert.equal("main", st.current_branch)
    assert.equal(2, st.ahead)
    assert.equal(1, st.unstaged_count)
    local b = git:branches("/r")
    assert.same({ branches = { "main", "dev" }, current_branch = "main" }, b)
    assert.same({ "git -C /r status --porcelain=1 -b",
      "git -C /r branch '--format=%(refname:short)\t%(HEAD)'" }, f:cmds())
  end)

  it("branch commands", function()
    local git, f = new()
    git:create_branch("/r", "feat/x")
    git:checkout_branch("/r", "main")
    git:delete_branch("/r", "old")
    git:delete_branch("/r", "old", { force = true })
    assert.same({ "git -C /r checkout -b feat/x", "git -C /r checkout main",
      "git -C /r branch -d old", "git -C /r branch -D old" }, f:cmds())
  end)

  it("add", function()
    local git, f = new()
    git:add("/r")
    git:add("/r", { all = false })
    git:add("/r", { files = { "a.txt", "dir/b c.txt", "-n" } })
    git:add("/r", { files = "one" })
    git:add("/r", { files = {} })
    assert.same({ "git -C /r add -A", "git -C /r add .",
      "git -C /r add -- a.txt 'dir/b c.txt' -n", "git -C /r add -- one",
      "git -C /r add -A" }, f:cmds())
  end)

  it("commit", function()
    local git, f = new()
    git:commit("/r", "it's done; $(not run)")
    git:commit("/r", "m", { author_name = "Ada L", author_email = "ada@x.org", allow_empty = true })
    assert.same({ "git -C /r commit -m 'it'\"'\"'s done; $(not run)'",
      "git -C /r -c 'user.name=Ada L' -c user.email=ada@x.org commit -m m --allow-empty" },
      f:cmds())
    raises(errors.InvalidArgumentError, git.commit, git, "/r", "")
    raises(errors.InvalidArgumentError, git.commit, git, "/r", nil)
  end)

  it("reset", function()
    local git, f = new()
    git:reset("/r")
    git:reset("/r", { mode = "hard", target = "HEAD~1" })
    git:reset("/r", { paths = { "a", "b c" } })
    git:reset("/r", { mode = "soft", target = "abc", paths = { "x" } })
    assert.same({ "git -C /r reset", "git -C /r reset --hard 'HEAD~1'",
      "git -C /r reset -- a 'b c'", "git -C /r reset --soft abc -- x" }, f:cmds())
    local e = raises(errors.InvalidArgumentError, git.reset, git, "/r", { mode = "hardest" })
    assert.matches("soft, mixed, hard, merge, keep", e.message, 1, true)
  end)

  it("restore resolves staged/worktree like git does", function()
    local git, f = new()
    git:restore("/r", { paths = { "a" } })
    git:restore("/r", { paths = { "a" }, staged = true })
    git:restore("/r", { paths = { "a" }, worktree = true })
    git:restore("/r", { paths = { "a", "b" }, staged = true, worktree = true, source = "HEAD~2" })
    git:restore("/r", { paths = { "a" }, staged = false })
    assert.same({ "git -C /r restore --worktree -- a", "git -C /r restore --staged -- a",
      "git -C /r restore --worktree -- a",
      "git -C /r restore --worktree --staged --source 'HEAD~2' -- a b",
      "git -C /r restore --worktree -- a" }, f:cmds())
    raises(errors.InvalidArgumentError, git.restore, git, "/r", { paths = {} })
    raises(errors.InvalidArgumentError, git.restore, git, "/r")
    local e = raises(errors.InvalidArgumentError, git.restore, git, "/r",
      { paths = { "a" }, staged = false, worktree = false })
    assert.matches("staged or worktree", e.message, 1, true)
    assert.equal(5, #f.calls)
  end)

  it("remote_add, with fetch and overwrite", function()
    local git, f = new()
    git:remote_add("/r", "origin", "https://h/o/r.git")
    git:remote_add("/r", "origin", "https://h/o/r.git", { fetch = true })
    git:remote_add("/r", "up", "/srv/a b.git", { overwrite = true })
    git:remote_add("/r", "up", "/srv/x.git", { overwrite = true, fetch = true })
    assert.same({ "git -C /r remote add origin https://h/o/r.git",
      "git -C /r remote add -f origin https://h/o/r.git",
      "git -C /r remote add up '/srv/a b.git' || git -C /r remote set-url up '/srv/a b.git'",
      "(git -C /r remote add -f up /srv/x.git || git -C /r remote set-url up /srv/x.git) && "
        .. "git -C /r fetch up" }, f:cmds())
    raises(errors.InvalidArgumentError, git.remote_add, git, "/r", "", "x")
    raises(errors.InvalidArgumentError, git.remote_add, git, "/r", "o", "")
  end)

  it("remote_get returns the URL or nil", function()
    local git, f = new({ { stdout = "https://h/r.git\n" }, { stdout = "" } })
    assert.equal("https://h/r.git", git:remote_get("/r", "origin"))
    assert.is_nil(git:remote_get("/r", "nope"))
    assert.same({ "git -C /r remote get-url origin || true",
      "git -C /r remote get-url nope || true" }, f:cmds())
  end)

  it("set_config, get_config and configure_user with scopes", function()
    local git, f = new({ {}, {}, {}, { stdout = "true\n" }, { stdout = "\n" }, {}, {} })
    git:set_config("pull.rebase", "false")
    git:set_config("core.x", true, { scope = "local", path = "/r" })
    git:set_config("core.y", "a b", { scope = "system", path = "/ignored" })
    assert.equal("true", git:get_config("pull.rebase"))
    assert.is_nil(git:get_config("nope.key", { scope = "local", path = "/r" }))
    git:configure_user("Ada L", "ada@x.org")
    assert.same({ "git config --global pull.rebase false",
      "git -C /r config --local core.x true",
      "git config --system core.y 'a b'",
      "git config --global --get pull.rebase || true",
      "git -C /r config --local --get nope.key || true",
      "git config --global user.name 'Ada L'",
      "git config --global user.email ada@x.org" }, f:cmds())
    raises(errors.InvalidArgumentError, git.set_config, git, "k", "v", { scope = "local" })
    raises(errors.InvalidArgumentError, git.set_config, git, "k", "v", { scope = "repo" })
    raises(errors.InvalidArgumentError, git.get_config, git, "")
    raises(errors.InvalidArgumentError, git.configure_user, git, "n", nil)
    raises(errors.InvalidArgumentError, git.set_config, git, "k", {})
  end)

  it("passes any other command failure through as CommandExitError", function()
    local git = new({ fail("fatal: not a git repository", 128) })
    local e = raises(errors.CommandExitError, git.status, git, "/nope")
    assert.equal(128, e.exit_code)
    assert.matches("not a git repository", e.stderr, 1, true)
  end)
end)

describe("git clone", function()
  it("clones with branch, depth and path", function()
    local git, f = new()
    git:clone("https://h/o/r.git")
    git:clone("https://h/o/r.git", { path = "/home/user/r", branch = "dev", depth = 1 })
    assert.same({ "git clone https://h/o/r.git",
      "git clone https://h/o/r.git --branch dev --single-branch --depth 1 /home/user/r" }, f:cmds())
    raises(errors.InvalidArgumentError, git.clone, git, "https://h/r", { depth = 0 })
    raises(errors.InvalidArgumentError, git.clone, git, "https://h/r", { depth = 1.5 })
    raises(errors.InvalidArgumentError, git.clone, git, "https://h/r", { depth = "1" })
    raises(errors.InvalidArgumentError, git.clone, git, "")
  end)

  -- the prefix every credentialed git command has: secrets come from stdin, never argv
  local AUTH = "IFS= read -r E2B_GIT_USER && IFS= read -r E2B_GIT_PASS && "
  local HELPER = " -c credential.helper= -c " .. shell.quote(require("e2b.git.auth").HELPER)

  it("sends credentials over stdin, never in the command or its envs", function()
    local git, f = new()
    git:clone("https://h/o/repo.git", { username = "bot", password = "s3cret/tok" })
    assert.same({ AUTH .. "export E2B_GIT_USER E2B_GIT_PASS && git" .. HELPER
      .. " clone https://h/o/repo.git repo" }, f:cmds())
    assert.equal("bot\ns3cret/tok\n", f.calls[1].stdin)
    assert.is_true(f.calls[1].opts.stdin)
    assert.same({ GIT_TERMINAL_PROMPT = "0" }, f.calls[1].opts.envs)
    assert.is_nil(f.calls[1].cmd:find("s3cret", 1, true))
    assert.equal("***", errors.redact("s3cret/tok"))
    assert.equal("***", errors.redact("s3cret%2Ftok"))
  end)

  it("keeps credentials in the URL only when asked to, written by shell builtins", function()
    local git, f = new()
    git:clone("https://h/o/repo.git", { path = "/w", username = "bot", password = "pw-1234",
      dangerously_store_credentials = true })
    assert.equal(1, #f.calls)
    assert.is_nil(f.calls[1].cmd:find("pw-1234", 1, true))
    assert.matches("IFS= read -r E2B_GIT_URL", f.calls[1].cmd, 1, true)
    assert.equal("bot\npw-1234\nhttps://bot:pw-1234@h/o/repo.git\n", f.calls[1].stdin)
  end)

  it("takes credentials the caller wrote into the URL out of argv", function()
    local git, f = new()
    git:clone("https://bot:inline%40tok@h/o/repo", { path = "/w" })
    assert.same({ AUTH .. "export E2B_GIT_USER E2B_GIT_PASS && git" .. HELPER
      .. " clone https://h/o/repo /w" }, f:cmds())
    assert.equal("bot\ninline@tok\n", f.calls[1].stdin)
    assert.equal("***", errors.redact("inline%40tok"))
  end)

  it("refuses line breaks in credentials", function()
    local git, f = new()
    raises(errors.InvalidArgumentError, git.clone, git, "https://h/o/r.git",
      { username = "bot", password = "a\nb" })
    assert.equal(0, #f.calls)
  end)

  it("kills the git process when the wait fails (a timeout)", function()
    local git, f = new({ function() errors.TimeoutError:raise("request timed out") end })
    raises(errors.TimeoutError, git.clone, git, "https://h/o/r.git",
      { path = "/w", username = "bot", password = "pw-tmo" })
    assert.is_true(f.calls[1].killed)
  end)

  it("rejects unusable credential combinations before running", function()
    local git, f = new()
    raises(errors.InvalidArgumentError, git.clone, git, "https://h/r", { password = "pw-x" })
    local e = raises(errors.InvalidArgumentError, git.clone, git, "git@h:o/r.git",
      { username = "u", password = "pw-ssh-secret" })
    assert.matches("http(s)", e.message, 1, true)
    e = raises(errors.InvalidArgumentError, git.clone, git, "https://h/",
      { username = "u", password = "pw-x" })
    assert.matches("destination path", e.message, 1, true)
    assert.equal(0, #f.calls)
  end)

  it("raises GitAuthError without the credentials when the server refuses them", function()
    local git = new({ fail("remote: Invalid username or password.\n"
      .. "fatal: Authentication failed for 'https://h/o/r.git/'\n") })
    local e = raises(errors.GitAuthError, git.clone, git, "https://h/o/r.git",
      { path = "/w", username = "bot", password = "wrong-pass-9" })
    assert.equal("Git clone requires credentials for private repositories.", e.message)
    assert.is_true(e:is(errors.AuthenticationError))
    assert.equal(128, e.exit_code)
    assert.is_nil(tostring(e):find("wrong-pass-9", 1, true))
  end)

  it("asks for a password when only a username was given", function()
    local git, f = new({ fail("fatal: could not read Password for 'https://bot@h': "
      .. "terminal prompts disabled") })
    local e = raises(errors.GitAuthError, git.clone, git, "https://h/o/r.git", { username = "bot" })
    assert.equal("Git clone requires a password/token for private repositories.", e.message)
    assert.same({ "git clone https://h/o/r.git" }, f:cmds())
  end)

  it("runs nothing after a failed clone: there is nothing to strip", function()
    local git, f = new({ fail("fatal: repository not found") })
    raises(errors.CommandExitError, git.clone, git, "https://h/o/r.git",
      { username = "bot", password = "pw-zzzz" })
    assert.equal(1, #f.calls)
    assert.is_nil(f.calls[1].killed)
  end)
end)

describe("git push", function()
  it("builds push commands", function()
    local git, f = new()
    git:push("/r")
    git:push("/r", { remote = "origin" })
    git:push("/r", { remote = "origin", branch = "main" })
    git:push("/r", { remote = "origin", branch = "main", set_upstream = false })
    git:push("/r", { branch = "main" })
    assert.same({ "git -C /r push", "git -C /r push --set-upstream origin",
      "git -C /r push --set-upstream origin main", "git -C /r push origin main",
      "git -C /r push main" }, f:cmds())
  end)

  it("maps auth and upstream failures", function()
    local git = new({
      fail("fatal: could not read Username for 'https://h': terminal prompts disabled"),
      fail("fatal: The current branch dev has no upstream branch.\nTo push the current branch "
        .. "and set the remote as upstream, use\n\n    git push --set-upstream origin dev\n"),
      fail("error: failed to push some refs to '/srv/r.git'", 1),
    })
    raises(errors.GitAuthError, git.push, git, "/r")
    local e = raises(errors.GitUpstreamError, git.push, git, "/r")
    assert.is_true(e:is(errors.SandboxError))
    assert.matches("set_upstream", e.message, 1, true)
    e = raises(errors.CommandExitError, git.push, git, "/r")
    assert.equal(1, e.exit_code)
  end)

  local AUTH = "IFS= read -r E2B_GIT_USER && IFS= read -r E2B_GIT_PASS && "
    .. "export E2B_GIT_USER E2B_GIT_PASS && git -C /r -c credential.helper= -c "
    .. shell.quote(require("e2b.git.auth").HELPER)

  it("gives credentials to one push over stdin and never rewrites the remote URL", function()
    local git, f = new({ { stdout = "origin\n" }, { stdout = "https://h/o/r.git\n" } })
    git:push("/r", { username = "bot", password = "tok-123456" })
    assert.same({ "git -C /r remote",
      "git -C /r remote get-url origin",
      AUTH .. " push --set-upstream origin" }, f:cmds())
    assert.equal("bot\ntok-123456\n", f.calls[3].stdin)
  end)

  it("raises GitAuthError without the credentials when the push is refused", function()
    local git, f = new({ { stdout = "https://h/o/r.git\n" },
      fail("remote: Invalid username or password.\nfatal: Authentication failed") })
    local e = raises(errors.GitAuthError, git.push, git, "/r",
      { remote = "origin", branch = "main", username = "bot", password = "bad-tok-77" })
    assert.is_nil(tostring(e):find("bad-tok-77", 1, true))
    assert.same({ "git -C /r remote get-url origin",
      AUTH .. " push --set-upstream origin main" }, f:cmds())
  end)

  it("keeps git's output when the push fails for another reason", function()
    local git = new({ { stdout = "https://h/o/r.git\n" },
      fail("! [rejected] main -> main (fetch first)", 1) })
    local e = raises(errors.CommandExitError, git.push, git, "/r",
      { remote = "origin", username = "bot", password = "tok-abcdef" })
    assert.matches("rejected", e.stderr, 1, true)
  end)

  it("needs one unambiguous http(s) remote for credentials", function()
    local git, f = new({ { stdout = "origin\nupstream\n" } })
    local e = raises(errors.InvalidArgumentError, git.push, git, "/r",
      { username = "bot", password = "tok-xyzw" })
    assert.matches("several remotes", e.message, 1, true)
    assert.equal(1, #f.calls)
    git, f = new({ { stdout = "git@h:o/r.git\n" } })
    raises(errors.InvalidArgumentError, git.push, git, "/r",
      { remote = "origin", username = "bot", password = "tok-xyzw" })
    assert.equal(1, #f.calls)  -- URL never changed, so nothing to restore
    git = new()
    raises(errors.InvalidArgumentError, git.push, git, "/r", { password = "tok-xyzw" })
  end)
end)

describe("git pull", function()
  it("checks for an upstream when no remote or branch is given", function()
    local git, f = new({ { stdout = "origin/main\n" }, {} })
    git:pull("/r")
    assert.same({ "git -C /r rev-parse --abbrev-ref --symbolic-full-name '@{u}'",
      "git -C /r pull" }, f:cmds())
  end)

  it("raises GitUpstreamError and does not pull without an upstream", function()
    local git, f = new({ fail("fatal: no upstream configured for branch 'dev'") })
    local e = raises(errors.GitUpstreamError, git.pull, git, "/r")
    assert.matches("Git pull failed", e.message, 1, true)
    assert.equal(1, #f.calls)
  end)

  it("lets a transport failure of the upstream check through", function()
    local git = new({ function() errors.TimeoutError:raise("request timed out") end })
    raises(errors.TimeoutError, git.pull, git, "/r")
  end)

  it("pulls an explicit remote and branch and maps failures", function()
    local git, f = new({ {}, fail("fatal: Authentication failed for 'https://h/r'"),
      fail("There is no tracking information for the current branch.\nPlease specify which "
        .. "branch you want to merge with."), })
    git:pull("/r", { remote = "origin", branch = "main" })
    assert.same({ "git -C /r pull origin main" }, f:cmds())
    raises(errors.GitAuthError, git.pull, git, "/r", { remote = "origin" })
    raises(errors.GitUpstreamError, git.pull, git, "/r", { branch = "main" })
  end)

  it("uses credentials over stdin and leaves the URL alone", function()
    local git, f = new({ { stdout = "origin\n" }, { stdout = "http://127.0.0.1:9/r.git\n" },
      fail("fatal: Authentication failed") })
    raises(errors.GitAuthError, git.pull, git, "/r", { branch = "main", username = "u",
      password = "p@ss-word" })
    assert.same({ "git -C /r remote", "git -C /r remote get-url origin",
      "IFS= read -r E2B_GIT_USER && IFS= read -r E2B_GIT_PASS && export E2B_GIT_USER E2B_GIT_PASS"
      .. " && git -C /r -c credential.helper= -c " .. shell.quote(require("e2b.git.auth").HELPER)
      .. " pull origin main" }, f:cmds())
    assert.equal("u\np@ss-word\n", f.calls[3].stdin)
  end)
end)

describe("git dangerously_authenticate", function()
  it("stores the credentials through git credential approve", function()
    local git, f = new()
    local mine = { A = "1" }
    git:dangerously_authenticate({ username = "bot", password = "tok 'q'", host = " git.example.com ",
      protocol = "http", envs = mine })
    assert.same({ "git config --global credential.helper store",
      "git credential approve" }, f:cmds())
    -- the credential travels over stdin, never on a command line or in the envs
    assert.same({ GIT_TERMINAL_PROMPT = "0", A = "1" }, f.calls[2].opts.envs)
    assert.equal("protocol=http\nhost=git.example.com\nusername=bot\npassword=tok 'q'\n\n",
      f.calls[2].stdin)
    assert.same({ A = "1" }, mine)
    assert.equal("***", errors.redact("tok 'q'"))
    git, f = new()
    git:dangerously_authenticate({ username = "bot", password = "tok-gh" })
    assert.matches("protocol=https\nhost=github.com\n", f.calls[2].stdin, 1, true)
  end)

  it("rejects missing fields and line breaks", function()
    local git, f = new()
    raises(errors.InvalidArgumentError, git.dangerously_authenticate, git, { username = "bot" })
    raises(errors.InvalidArgumentError, git.dangerously_authenticate, git, nil)
    local e = raises(errors.InvalidArgumentError, git.dangerously_authenticate, git,
      { username = "bot", password = "tok\nhost=evil" })
    assert.matches("line break", e.message, 1, true)
    raises(errors.InvalidArgumentError, git.dangerously_authenticate, git,
      { username = "bot", password = "tok-x", host = "a\nb" })
    assert.equal(0, #f.calls)
  end)
end)
