--- `sbx.git`: git inside the sandbox, as shell commands run through `sbx.commands:run`.
---
--- Nothing git-specific goes over the wire; every method builds one `git …` command (quoted
--- token by token) and runs it with `GIT_TERMINAL_PROMPT=0`, so a missing credential fails at
--- once instead of hanging on a prompt. Failures raise `CommandExitError`, or `GitAuthError` /
--- `GitUpstreamError` when git's output shows a refused login or a missing upstream.
---
--- Every method also takes the options `envs`, `user`, `cwd`, `timeout` and `request_timeout`,
--- passed on to `commands:run`. As in the official Python SDK, git commands have no time limit
--- unless `timeout` (seconds) is given: a clone of a big repository may take long.
---
--- ```lua
--- sbx.git:clone("https://example.com/org/repo.git",
---               { path = "/home/user/repo", username = "me", password = token })
--- sbx.git:add("/home/user/repo")
--- sbx.git:commit("/home/user/repo", "fix", { author_name = "Me", author_email = "me@x.org" })
--- sbx.git:push("/home/user/repo", { username = "me", password = token })
--- ```
---
--- Credentials given to clone/push/pull never appear in argv, the process's envs or a file:
--- they are sent over the git command's stdin and handed to git by an inline credential
--- helper (e2b.git.auth), so no remote URL is ever rewritten and a failed or timed-out command
--- leaves nothing behind. They are registered with `errors.add_secret`, so no error shows them.
local errors = require("e2b.errors")
local shell = require("e2b.git.shell")
local url = require("e2b.git.url")
local parse = require("e2b.git.parse")
local failure = require("e2b.git.failure")
local check = require("e2b.git.check")
local auth = require("e2b.git.auth")

local M = {}

--- Options every method takes, passed on to `commands:run`.
---@class e2b.GitRunOptions
---@field envs table<string,string>?  merged over GIT_TERMINAL_PROMPT=0
---@field user string?                sandbox user to run git as
---@field cwd string?                 working directory (relative paths start here)
---@field timeout number?             seconds the git command may run (default: no limit)
---@field request_timeout number?     seconds for each request to the sandbox

---@class e2b.Git
---@field commands table  the `commands` module commands are run with
local Git = {}
Git.__index = Git
Git.__name = "e2b.Git"
Git.__tostring = function() return "e2b.Git" end

--- Make the git module over a commands object (`commands:run(cmd, opts)`).
---@param commands table
---@return e2b.Git
function M.new(commands)
  if type(commands) ~= "table" and type(commands) ~= "userdata" then
    errors.InvalidArgumentError:raise("git.new: commands must be the commands module")
  end
  return setmetatable({ commands = commands }, Git)
end

-- Run a shell command with GIT_TERMINAL_PROMPT=0 merged under the caller's envs.
function Git:_shell(cmd, run)
  local envs = { GIT_TERMINAL_PROMPT = "0" }
  if run.envs then
    for k, v in pairs(run.envs) do envs[k] = v end
  end
  return self.commands:run(cmd, {
    envs = envs, user = run.user, cwd = run.cwd,
    timeout = run.timeout or 0, request_timeout = run.request_timeout,
  })
end

-- Run `cmd` as Git:_shell does, with `input` sent to its stdin (then closed): the way secrets
-- reach the sandbox, since argv and the configured envs are visible to `commands:list()`
-- and `ps`. A failed send or wait (a timeout) kills the process.
function Git:_with_stdin(cmd, run, input)
  local envs = { GIT_TERMINAL_PROMPT = "0" }
  if run.envs then
    for k, v in pairs(run.envs) do envs[k] = v end
  end
  local h = self.commands:run(cmd, {
    envs = envs, user = run.user, cwd = run.cwd, background = true, stdin = true,
    timeout = run.timeout or 0, request_timeout = run.request_timeout,
  })
  local ok, result = pcall(function()
    h:send_stdin(input)
    h:close_stdin()
    return h:wait()
  end)
  if not ok then
    if not errors.is(result, errors.CommandExitError) then pcall(h.kill, h) end
    error(result, 0)
  end
  return result
end

function Git:_git(args, repo_path, run)
  return self:_shell(shell.git(args, repo_path), run)
end

-- Never let a credential reach a message: the raw form and the one embedded in URLs.
local function hide(secret)
  if secret and secret ~= "" then
    errors.add_secret(secret)
    errors.add_secret(url.encode(secret))
  end
end

-- Hide whatever userinfo a URL already carries (a token someone put there by hand).
local function hide_userinfo(u)
  local info = url.userinfo(u)
  if info then
    errors.add_secret(info)
    hide(info:match(":(.*)$"))
  end
end

local function credentials(method, o)
  local username = check.optional_string(method, "username", o.username)
  local password = check.optional_string(method, "password", o.password)
  hide(password)
  if password and not username then
    check.bad(method, "username is required when a password or token is given")
  end
  return username, password
end

local function embed(method, u, username, password)
  local with = url.with_credentials(u, username, password)
  if not with then
    check.bad(method, "username/password work only with http(s) remote URLs, not '"
      .. url.strip_credentials(u) .. "'")
  end
  return with
end

--- Clone a repository. Returns the command result.
--- Credentials (given, or already in `url`) reach git over stdin, never argv or a file; the
--- cloned repository's `origin` URL has none unless `dangerously_store_credentials` is set.
---@param repo_url string
---@param opts { path: string?, branch: string?, depth: integer?, username: string?, password: string?, dangerously_store_credentials: boolean? }?
function Git:clone(repo_url, opts)
  local o, run = check.check("clone", opts, { path = "path", branch = "string",
    depth = "integer", username = "string", password = "string",
    dangerously_store_credentials = "boolean" })
  check.string("clone", "url", repo_url)
  hide_userinfo(repo_url)
  local username, password = credentials("clone", o)
  local path = check.optional_string("clone", "path", o.path)
  local branch = check.optional_string("clone", "branch", o.branch)
  local store = o.dangerously_store_credentials
  local depth = o.depth
  if depth ~= nil and (type(depth) ~= "number" or depth < 1 or depth % 1 ~= 0) then
    check.bad("clone", "depth must be a positive integer, got " .. tostring(depth))
  end

  -- Credentials written into the URL by hand travel like given ones: out of argv.
  local inline = url.userinfo(repo_url)
  if inline and not password and inline:find(":", 1, true) then
    username = url.decode(inline:match("^(.-):"))
    password = url.decode(inline:match(":(.*)$"))
    hide(password)
  end
  local clone_url = repo_url
  if username and password then
    embed("clone", repo_url, username, password)   -- refuses non-http(s) URLs
    auth.check("clone", username, password)
    clone_url = url.strip_credentials(repo_url)
  end
  local dest = path
  if password and not dest then
    dest = url.repo_dir(repo_url)
    if not dest then
      check.bad("clone", "a destination path is required when cloning with credentials")
    end
  end

  local args = { "clone", clone_url }
  if branch then
    args[#args + 1] = "--branch"; args[#args + 1] = branch; args[#args + 1] = "--single-branch"
  end
  if depth then args[#args + 1] = "--depth"; args[#args + 1] = string.format("%d", depth) end
  if dest then args[#args + 1] = dest end

  local ok, result
  if password then
    local after, extra, input = nil, nil, nil
    if store then
      extra = "E2B_GIT_URL"
      input = embed("clone", repo_url, username, password)
      after = auth.store_url(dest, clone_url, extra)
    end
    ok, result = pcall(self._with_stdin, self, auth.script(args, nil, after, extra), run,
      auth.input(username, password, input))
  else
    ok, result = pcall(self._git, self, args, nil, run)
  end
  if not ok then failure.remap("clone", result, username ~= nil and not password) end
  return result
end

--- `git init [--initial-branch <b>] [--bare] <path>`.
---@param path string
---@param opts { bare: boolean?, initial_branch: string? }?
function Git:init(path, opts)
  local o, run = check.check("init", opts, { bare = "boolean", initial_branch = "string" })
  check.string("init", "path", path)
  local args = { "init" }
  local initial = check.optional_string("init", "initial_branch", o.initial_branch)
  if initial then args[#args + 1] = "--initial-branch"; args[#args + 1] = initial end
  if o.bare then args[#args + 1] = "--bare" end
  args[#args + 1] = path
  return self:_git(args, nil, run)
end

--- Add a remote (`fetch`: fetch it too; `overwrite`: set the URL if the remote exists).
---@param path string
---@param name string
---@param remote_url string
---@param opts { fetch: boolean?, overwrite: boolean? }?
function Git:remote_add(path, name, remote_url, opts)
  local o, run = check.check("remote_add", opts, { fetch = "boolean", overwrite = "boolean" })
  check.string("remote_add", "path", path)
  check.string("remote_add", "name", name)
  check.string("remote_add", "url", remote_url)
  hide_userinfo(remote_url)
  local fetch = o.fetch
  local overwrite = o.overwrite
  local add = { "remote", "add" }
  if fetch then add[#add + 1] = "-f" end
  add[#add + 1] = name
  add[#add + 1] = remote_url
  if not overwrite then return self:_git(add, path, run) end
  local cmd = shell.git(add, path) .. " || "
    .. shell.git({ "remote", "set-url", name, remote_url }, path)
  if fetch then cmd = "(" .. cmd .. ") && " .. shell.git({ "fetch", name }, path) end
  return self:_shell(cmd, run)
end

--- URL of a remote, or nil when there is no such remote.
---@param path string
---@param name string
---@param opts e2b.GitRunOptions?
---@return string?
function Git:remote_get(path, name, opts)
  local _, run = check.check("remote_get", opts, {})
  check.string("remote_get", "path", path)
  check.string("remote_get", "name", name)
  local out = self:_shell(shell.git({ "remote", "get-url", name }, path) .. " || true", run)
  local u = (out.stdout or ""):match("^%s*(.-)%s*$")
  if u == "" then return nil end
  hide_userinfo(u)
  return u
end

--- Parsed `git status` (branch, upstream, ahead/behind, every changed file, counts).
---@param path string
---@param opts e2b.GitRunOptions?
---@return e2b.GitStatus
function Git:status(path, opts)
  local _, run = check.check("status", opts, {})
  check.string("status", "path", path)
  local r = self:_git({ "status", "--porcelain=1", "-b" }, path, run)
  return parse.status(r.stdout or "")
end

--- Local branches: `{ branches = {…}, current_branch = "main" }`.
---@param path string
---@param opts e2b.GitRunOptions?
---@return { branches: string[], current_branch: string? }
function Git:branches(path, opts)
  local _, run = check.check("branches", opts, {})
  check.string("branches", "path", path)
  local r = self:_git({ "branch", "--format=%(refname:short)\t%(HEAD)" }, path, run)
  return parse.branches(r.stdout or "")
end

--- Create a branch and check it out (`git checkout -b`).
---@param path string
---@param branch string
---@param opts e2b.GitRunOptions?
function Git:create_branch(path, branch, opts)
  local _, run = check.check("create_branch", opts, {})
  check.string("create_branch", "path", path)
  check.string("create_branch", "branch", branch)
  return self:_git({ "checkout", "-b", branch }, path, run)
end

--- Check out an existing branch.
---@param path string
---@param branch string
---@param opts e2b.GitRunOptions?
function Git:checkout_branch(path, branch, opts)
  local _, run = check.check("checkout_branch", opts, {})
  check.string("checkout_branch", "path", path)
  check.string("checkout_branch", "branch", branch)
  return self:_git({ "checkout", branch }, path, run)
end

--- Delete a branch (`force`: also when it is not merged).
---@param path string
---@param branch string
---@param opts { force: boolean? }?
function Git:delete_branch(path, branch, opts)
  local o, run = check.check("delete_branch", opts, { force = "boolean" })
  check.string("delete_branch", "path", path)
  check.string("delete_branch", "branch", branch)
  local force = o.force
  return self:_git({ "branch", force and "-D" or "-d", branch }, path, run)
end

--- Stage files: the given `files`, else everything (`all`, default true) or the current tree.
---@param path string
---@param opts { files: string[]?, all: boolean? }?
function Git:add(path, opts)
  local o, run = check.check("add", opts, { files = { "table", "string" }, all = "boolean" })
  check.string("add", "path", path)
  local files = check.string_list("add", "files", o.files)
  local all = o.all
  local args = { "add" }
  if not files or #files == 0 then
    args[2] = (all == false) and "." or "-A"
  else
    args[2] = "--"
    for i = 1, #files do args[#args + 1] = files[i] end
  end
  return self:_git(args, path, run)
end

--- Commit what is staged.
---@param path string
---@param message string
---@param opts { author_name: string?, author_email: string?, allow_empty: boolean? }?
function Git:commit(path, message, opts)
  local o, run = check.check("commit", opts, { author_name = "string", author_email = "string",
    allow_empty = "boolean" })
  check.string("commit", "path", path)
  check.string("commit", "message", message)
  local name = check.optional_string("commit", "author_name", o.author_name)
  local email = check.optional_string("commit", "author_email", o.author_email)
  local args = {}
  if name then args[#args + 1] = "-c"; args[#args + 1] = "user.name=" .. name end
  if email then args[#args + 1] = "-c"; args[#args + 1] = "user.email=" .. email end
  args[#args + 1] = "commit"; args[#args + 1] = "-m"; args[#args + 1] = message
  if o.allow_empty then
    args[#args + 1] = "--allow-empty"
  end
  return self:_git(args, path, run)
end

--- `git reset [--<mode>] [<target>] [-- <paths…>]`.
---@param path string
---@param opts { mode: "soft"|"mixed"|"hard"|"merge"|"keep"|nil, target: string?, paths: string[]? }?
function Git:reset(path, opts)
  local o, run = check.check("reset", opts, { mode = "string", target = "string",
    paths = { "table", "string" } })
  check.string("reset", "path", path)
  local mode = check.choice("reset", "mode", o.mode, { "soft", "mixed", "hard", "merge", "keep" })
  local target = check.optional_string("reset", "target", o.target)
  local paths = check.string_list("reset", "paths", o.paths)
  local args = { "reset" }
  if mode then args[#args + 1] = "--" .. mode end
  if target then args[#args + 1] = target end
  if paths and #paths > 0 then
    args[#args + 1] = "--"
    for i = 1, #paths do args[#args + 1] = paths[i] end
  end
  return self:_git(args, path, run)
end

--- Restore files in the worktree (default) and/or the index (`staged`), from `source`.
---@param path string
---@param opts { paths: string[], staged: boolean?, worktree: boolean?, source: string? }
function Git:restore(path, opts)
  local o, run = check.check("restore", opts, { paths = { "table", "string" }, staged = "boolean",
    worktree = "boolean", source = "string" })
  check.string("restore", "path", path)
  local paths = check.string_list("restore", "paths", o.paths)
  if not paths or #paths == 0 then check.bad("restore", "at least one path is required") end
  local staged = o.staged
  local worktree = o.worktree
  local source = check.optional_string("restore", "source", o.source)
  -- Like `git restore`: the worktree unless only the index was asked for.
  if worktree == nil then worktree = not staged end
  if staged == nil then staged = false end
  if not staged and not worktree then
    check.bad("restore", "at least one of staged or worktree must be true")
  end
  local args = { "restore" }
  if worktree then args[#args + 1] = "--worktree" end
  if staged then args[#args + 1] = "--staged" end
  if source then args[#args + 1] = "--source"; args[#args + 1] = source end
  args[#args + 1] = "--"
  for i = 1, #paths do args[#args + 1] = paths[i] end
  return self:_git(args, path, run)
end

-- The remote a credentialed push/pull goes to: the given one, else the only one there is.
function Git:_resolve_remote(method, path, remote, run)
  if remote then return remote end
  local out = self:_git({ "remote" }, path, run).stdout or ""
  local names = {}
  for line in out:gmatch("[^\n]+") do
    local name = line:match("^%s*(.-)%s*$")
    if name ~= "" then names[#names + 1] = name end
  end
  if #names ~= 1 then
    check.bad(method, "remote is required when using username/password and the repository has "
      .. (#names == 0 and "no remotes" or "several remotes"))
  end
  return names[1]
end

-- Run push/pull against `remote` (args(target) builds the command line): with credentials
-- given to git over stdin (the remote's URL is only read, never changed), else as is,
-- mapping git's failures.
function Git:_exchange(method, path, remote, username, password, run, args)
  if username and password then
    auth.check(method, username, password)
    local target = self:_resolve_remote(method, path, remote, run)
    local remote_url = (self:_git({ "remote", "get-url", target }, path, run).stdout or "")
      :match("^%s*(.-)%s*$")
    if remote_url == "" then check.bad(method, "remote '" .. target .. "' has no URL") end
    hide_userinfo(remote_url)
    embed(method, remote_url, username, password)   -- refuses non-http(s) remotes
    local ok, result = pcall(self._with_stdin, self, auth.script(args(target), path), run,
      auth.input(username, password))
    if not ok then failure.remap(method, result, false) end
    return result
  end
  local ok, result = pcall(self._git, self, args(remote), path, run)
  if not ok then failure.remap(method, result, username ~= nil) end
  return result
end

--- Push (`set_upstream` defaults to true and applies when a remote is known).
---@param path string
---@param opts { remote: string?, branch: string?, set_upstream: boolean?, username: string?, password: string? }?
function Git:push(path, opts)
  local o, run = check.check("push", opts, { remote = "string", branch = "string",
    set_upstream = "boolean", username = "string", password = "string" })
  check.string("push", "path", path)
  local username, password = credentials("push", o)
  local remote = check.optional_string("push", "remote", o.remote)
  local branch = check.optional_string("push", "branch", o.branch)
  local set_upstream = o.set_upstream
  if set_upstream == nil then set_upstream = true end

  local function push_args(target)
    local args = { "push" }
    if set_upstream and target then args[#args + 1] = "--set-upstream" end
    if target then args[#args + 1] = target end
    if branch then args[#args + 1] = branch end
    return args
  end

  return self:_exchange("push", path, remote, username, password, run, push_args)
end

-- True when the checked-out branch tracks an upstream. Only a failed `git rev-parse` means
-- "no"; a transport failure is raised as it is.
function Git:_has_upstream(path, run)
  local ok, r = pcall(self._git, self,
    { "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}" }, path, run)
  if not ok then
    if errors.is(r, errors.CommandExitError) then return false end
    error(r, 0)
  end
  return ((r.stdout or ""):match("%S")) ~= nil
end

--- Pull. Without remote and branch, the current branch must track an upstream
--- (else GitUpstreamError, and nothing is run).
---@param path string
---@param opts { remote: string?, branch: string?, username: string?, password: string? }?
function Git:pull(path, opts)
  local o, run = check.check("pull", opts, { remote = "string", branch = "string",
    username = "string", password = "string" })
  check.string("pull", "path", path)
  local username, password = credentials("pull", o)
  local remote = check.optional_string("pull", "remote", o.remote)
  local branch = check.optional_string("pull", "branch", o.branch)
  if not remote and not branch and not self:_has_upstream(path, run) then
    error(failure.upstream_error("pull"), 0)
  end

  local function pull_args(target)
    local args = { "pull" }
    if target then args[#args + 1] = target end
    if branch then args[#args + 1] = branch end
    return args
  end

  return self:_exchange("pull", path, remote, username, password, run, pull_args)
end

-- `--<scope>` and the `-C` path it needs: only "local" reads a repository's config.
local function scope_of(method, o)
  local scope = check.choice(method, "scope", o.scope, { "global", "local", "system" }) or "global"
  local path = check.optional_string(method, "path", o.path)
  if scope ~= "local" then return "--" .. scope, nil end
  if not path then check.bad(method, "path is required with scope 'local'") end
  return "--local", path
end

local function config_value(method, value)
  if type(value) == "number" or type(value) == "boolean" then value = tostring(value) end
  return check.string(method, "value", value, true)
end

--- Set a git config value (`scope`: "global" (default), "local" with `path`, or "system").
---@param key string
---@param value string|number|boolean
---@param opts { scope: "global"|"local"|"system"|nil, path: string? }?
function Git:set_config(key, value, opts)
  local o, run = check.check("set_config", opts, { scope = "string", path = "path" })
  check.string("set_config", "key", key)
  value = config_value("set_config", value)
  local flag, repo = scope_of("set_config", o)
  return self:_git({ "config", flag, key, value }, repo, run)
end

--- A git config value, or nil when it is not set in that scope.
---@param key string
---@param opts { scope: "global"|"local"|"system"|nil, path: string? }?
---@return string?
function Git:get_config(key, opts)
  local o, run = check.check("get_config", opts, { scope = "string", path = "path" })
  check.string("get_config", "key", key)
  local flag, repo = scope_of("get_config", o)
  local r = self:_shell(shell.git({ "config", flag, "--get", key }, repo) .. " || true", run)
  local v = (r.stdout or ""):match("^%s*(.-)%s*$")
  if v == "" then return nil end
  return v
end

--- Set user.name and user.email (same scope rules as set_config).
---@param name string
---@param email string
---@param opts { scope: "global"|"local"|"system"|nil, path: string? }?
function Git:configure_user(name, email, opts)
  check.check("configure_user", opts, { scope = "string", path = "path" })
  check.string("configure_user", "name", name)
  check.string("configure_user", "email", email)
  self:set_config("user.name", name, opts)
  return self:set_config("user.email", email, opts)
end

--- Store credentials for a host in git's plaintext credential store (`~/.git-credentials`)
--- and make it the global credential helper. Every later git command of that user can use them.
---@param opts { username: string, password: string, host: string?, protocol: string? }
function Git:dangerously_authenticate(opts)
  local o, run = check.check("dangerously_authenticate", opts, { username = "string",
    password = "string", host = "string", protocol = "string" })
  local m = "dangerously_authenticate"
  hide(type(o.password) == "string" and o.password or nil)
  check.string(m, "username", o.username)
  check.string(m, "password", o.password)
  local host = check.string(m, "host", o.host or "github.com"):match("^%s*(.-)%s*$")
  local protocol = check.string(m, "protocol", o.protocol or "https"):match("^%s*(.-)%s*$")
  -- The credential protocol is line based: a newline would forge another attribute.
  for _, field in ipairs({ { "username", o.username }, { "password", o.password },
                           { "host", host }, { "protocol", protocol } }) do
    if field[2]:find("[\r\n]") then check.bad(m, field[1] .. " must not contain a line break") end
  end
  if host == "" or protocol == "" then check.bad(m, "host and protocol must not be blank") end
  local input = "protocol=" .. protocol .. "\nhost=" .. host .. "\nusername=" .. o.username
    .. "\npassword=" .. o.password .. "\n\n"
  self:_git({ "config", "--global", "credential.helper", "store" }, nil, run)
  -- Over stdin: argv and the configured envs are readable through commands:list() and ps.
  return self:_with_stdin(shell.git({ "credential", "approve" }), run, input)
end

M.Git = Git
return M
