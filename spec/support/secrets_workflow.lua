-- A realistic workflow run by spec/secrets_spec.lua in a child process (so its stderr, the C core's
-- included, can be captured): it provokes many failures and prints, one %q-quoted line each, every
-- text a user could see — error messages and string fields, tostring of every object.
-- Input (environment): E2B_API_URL, E2B_SANDBOX_URL, E2B_API_KEY, SECRETS_BAD_KEY, SECRETS_PROXY,
-- SECRETS_BAD_PROXY, SECRETS_GIT_USER, SECRETS_GIT_PASSWORD, SECRETS_CONTROL_URL.
local e2b = require("e2b")
local transport = require("e2b.transport")
local env = os.getenv

local failures = 0
local function show(s) io.write(("%q"):format(tostring(s)), "\n") end

-- Everything visible about a value: tostring, and for errors and plain tables (results, infos)
-- every field (one level down too). Objects' own fields are private state, not shown to users.
local function see(v)
  show(v)
  if type(v) ~= "table" or (getmetatable(v) and not e2b.errors.is(v)) then return end
  for k, f in pairs(v) do
    if type(k) == "string" and k:sub(1, 1) == "_" then   -- private fields (the config) are not shown
    elseif type(f) == "string" or type(f) == "number" then show(tostring(k) .. "=" .. tostring(f))
    elseif type(f) == "table" and not getmetatable(f) then
      for k2, f2 in pairs(f) do show(tostring(k) .. "." .. tostring(k2) .. "=" .. tostring(f2)) end
    end
  end
end

-- Call f, which must fail with an SDK error; show the error.
local function fails(label, f, ...)
  local ok, err = pcall(f, ...)
  if ok then error(label .. ": expected a failure", 0) end
  if not e2b.errors.is(err) then error(label .. ": not an SDK error: " .. tostring(err), 0) end
  failures = failures + 1
  show(label .. (os.getenv("SECRETS_TIMING") and (" @" .. os.clock() .. " " .. os.time()) or ""))
  see(err)
  return err
end

local function fault(rule)
  local t = transport.new({ request_timeout = 10 })
  local res = t:request({ method = "POST", url = env("SECRETS_CONTROL_URL") .. "/faults",
    headers = { ["Content-Type"] = "application/json" }, body = require("e2b.json").encode(rule) })
  assert(res.status == 201, res.body)
  t:close()
end

local proxy = env("SECRETS_PROXY")
local git_user, git_password = env("SECRETS_GIT_USER"), env("SECRETS_GIT_PASSWORD")

-- A wrong API key, then a wrong proxy password.
fails("create with a wrong key", e2b.Sandbox.create, { api_key = env("SECRETS_BAD_KEY"), proxy = proxy })
local pager = e2b.Sandbox.list({ api_key = env("SECRETS_BAD_KEY"), proxy = proxy })
see(pager)
fails("list with a wrong key", pager.next_items, pager)
fails("create through a proxy with a wrong password", e2b.Sandbox.create, { proxy = env("SECRETS_BAD_PROXY") })

-- A secure sandbox (envd access token) reached through the authenticating proxy.
local sbx = e2b.Sandbox.create({ secure = true, proxy = proxy, timeout = 120 })
assert(sbx._envd.access_token, "the sandbox is not secure: no envd access token")
io.write("TOKEN ", ("%q"):format(sbx._envd.access_token), "\n")   -- the spec checks it is absent elsewhere
local ok, err = pcall(function()
  see(sbx); see(sbx.commands); see(sbx.files); see(sbx.pty); see(sbx.git); see(sbx._envd)
  see(e2b.Sandbox.list({ proxy = proxy }))
  see(sbx:get_info())
  show(sbx:download_url("/home/user/a.txt")); show(sbx:upload_url("/home/user/a.txt"))

  fails("connect to an unknown sandbox", e2b.Sandbox.connect, "nosuchsandbox", { proxy = proxy })
  fails("info of an unknown sandbox", e2b.Sandbox.get_info, "nosuchsandbox", { proxy = proxy })
  fails("read a missing file", sbx.files.read, sbx.files, "/home/user/nope.txt")
  fails("list a missing dir", sbx.files.list, sbx.files, "/home/user/nope")
  fails("write a read-only path", sbx.files.write, sbx.files, "/usr/nope", "x")
  fails("run as an unknown user", sbx.commands.run, sbx.commands, "true", { user = "nosuchuser" })
  fails("a failing command", sbx.commands.run, sbx.commands, "echo out; echo err >&2; exit 3")
  fails("a command over its timeout", sbx.commands.run, sbx.commands, "echo x; sleep 10", { timeout = 0.5 })

  local h = sbx.commands:run("sleep 30", { background = true })
  see(h)
  local w = sbx.files:watch_dir("/home/user", function() end)
  see(w); w:stop()
  h:kill()
  fails("wait for a killed command", h.wait, h)

  -- git with credentials against a remote that refuses the connection
  local repo = "/home/user/repo"
  local T = { timeout = 30 }
  sbx.git:init(repo, { initial_branch = "main", timeout = 30 })
  sbx.git:configure_user("Spec", "spec@example.com", { scope = "global", timeout = 30 })
  sbx.files:write(repo .. "/a.txt", "a\n")
  sbx.git:add(repo, T); sbx.git:commit(repo, "first", T)
  sbx.git:remote_add(repo, "origin", "http://127.0.0.1:9/org/repo.git", T)
  fails("git push with credentials", sbx.git.push, sbx.git, repo,
    { username = git_user, password = git_password, remote = "origin", branch = "main", timeout = 30 })
  fails("git clone with credentials in the URL", sbx.git.clone, sbx.git,
    "http://" .. git_user .. ":" .. git_password .. "@127.0.0.1:9/org/repo.git",
    { path = "/home/user/clone", timeout = 30 })
  fails("git pull with credentials", sbx.git.pull, sbx.git, repo,
    { username = git_user, password = git_password, timeout = 30 })

  -- a build script that dumps its environment and fails (after git has had the password)
  fails("a failing command that prints its environment", sbx.commands.run, sbx.commands,
    "echo \"token=$GIT_TOKEN proxy=$HTTPS_PROXY\"; echo \"$GIT_TOKEN\" >&2; exit 1",
    { envs = { GIT_TOKEN = git_password, HTTPS_PROXY = proxy } })

  -- dropped and malformed streams (the emulator's fault injection)
  -- (straight to the emulator: the spec proxy does not pass a dropped upstream on)
  local direct = e2b.Sandbox.connect(sbx.sandbox_id)
  see(direct)
  local bg = direct.commands:run("sleep 0.5; echo first; sleep 1; echo second", { background = true })
  bg:disconnect()
  fault({ mode = "drop", surface = "envd", sandboxId = sbx.sandbox_id, match = "/process.Process/Connect",
          after_bytes = 100, count = 1 })
  local again = direct.commands:connect(bg.pid)
  fails("a dropped command stream", again.wait, again)
  fault({ mode = "malformed", surface = "envd", sandboxId = sbx.sandbox_id, match = "/process.Process/Start", count = 1 })
  fails("a malformed command stream", sbx.commands.run, sbx.commands, "echo hi")
  fault({ mode = "status", status = 503, surface = "envd", sandboxId = sbx.sandbox_id, match = "/files", count = 1 })
  fails("a files answer 503", sbx.files.read, sbx.files, "/home/user/repo/a.txt")
  fault({ mode = "status", status = 500, surface = "api", count = 1 })
  fails("an API answer 500", sbx.get_info, sbx)
end)
pcall(sbx.kill, sbx)
if not ok then error(err, 0) end
fails("run in a killed sandbox", sbx.commands.run, sbx.commands, "true", { request_timeout = 5 })
see(sbx)
io.write("FAILURES ", failures, "\n")
