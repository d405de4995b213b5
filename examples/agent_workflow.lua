-- The demo: an agent-style session in an E2B sandbox, driven from Lua.
--
--   create a sandbox → init a git repo → write a program and its test → run the test with streamed
--   output (it fails; the agent reads the structured error) → fix the code → test passes → commit
--   on a branch → start a server in the background and fetch its report through get_host → pause
--   → resume → check that the files, the commit and the running server survived → kill
--
-- Runs against E2B when E2B_API_KEY is set and E2B_API_URL does not point elsewhere, against the
-- API in E2B_API_URL when set; otherwise it starts the local emulator (emulator/) and stops it.
--   bash scripts/demo.sh       (or: lua5.4 examples/agent_workflow.lua with LUA_PATH/LUA_CPATH set)
local e2b = require("e2b")

local function log(fmt, ...) io.write(("[agent] " .. fmt .. "\n"):format(...)) end
local function stream(prefix) return function(data) io.write((data:gsub("[^\n]+", prefix .. "%0"))) end end

-- Where to run: E2B, the API in E2B_API_URL, or a local emulator started for this run.
local target = require("e2b.emulator").target()
log("running on %s", target.description)

-- GET http://<host>/<path> of a server inside the sandbox, as any HTTP client would. On E2B the
-- host resolves publicly (https://<port>-<id>.e2b.app); a local emulator serves every sandbox port
-- on its sandbox URL and routes by the Host header.
local function fetch(sbx, port, path)
  local host = sbx:get_host(port)
  local url, header = "https://" .. host .. path, ""
  local local_url = target.emulator and target.emulator.sandbox_url or os.getenv("E2B_SANDBOX_URL")
  if local_url then url, header = local_url .. path, "-H 'Host: " .. host .. "' " end
  for _ = 1, 50 do                                   -- the server may need a moment to listen
    local p = assert(io.popen("curl -sS --max-time 5 -w '\\n%{http_code}' " .. header .. "'" .. url .. "' 2>&1"))
    local body, status = p:read("*a"):match("^(.*)\n(%d+)$")
    p:close()
    if status == "200" then return body end
    os.execute("sleep 0.1")
  end
  error("the server in the sandbox did not answer on port " .. port)
end

target:run({ timeout = 180, metadata = { demo = "agent_workflow" },
            envs = { AGENT = "lua-e2b" } }, function(sbx)
  log("sandbox %s is up", sbx.sandbox_id)

  -- 1. A repository to work in.
  local dir = "/home/user/project"
  sbx.git:init(dir, { initial_branch = "main" })
  sbx.git:configure_user("Lua Agent", "agent@example.com", { scope = "local", path = dir })
  sbx.files:write(dir .. "/README.md", "# stats\n")
  sbx.git:add(dir)
  sbx.git:commit(dir, "Start the project")

  -- 2. The agent writes a first, buggy version of its program and a test for it.
  sbx.files:write_files({
    { path = dir .. "/stats.py", data = "def mean(xs):\n    return sum(xs) / len(xs) + 1   # off by one\n" },
    { path = dir .. "/test_stats.py", data = table.concat({
      "from stats import mean",
      "print('checking mean([1, 2, 3, 4])')",
      "assert mean([1, 2, 3, 4]) == 2.5, f'mean was {mean([1, 2, 3, 4])}'",
      "print('tests passed')",
      "",
    }, "\n") },
  })

  -- 3. Run the test with streamed output; it fails, and the structured error tells the agent why.
  local run_ok, failure = pcall(sbx.commands.run, sbx.commands, "python3 test_stats.py",
                                { cwd = dir, on_stdout = stream("  | "), on_stderr = stream("  ! ") })
  assert(not run_ok and e2b.errors.is(failure, e2b.errors.CommandExitError),
         "the buggy code was expected to fail its test")
  log("test failed with exit code %d: %s", failure.exit_code,
      failure.stderr:match("AssertionError[^\n]*") or failure.stderr)

  -- 4. The agent fixes the code on a branch, tests again, and commits.
  sbx.git:create_branch(dir, "agent/fix-mean")
  sbx.files:write(dir .. "/stats.py", "def mean(xs):\n    return sum(xs) / len(xs)\n")
  local result = sbx.commands:run("python3 test_stats.py", { cwd = dir, on_stdout = stream("  | ") })
  log("test exit code %d", result.exit_code)
  sbx.git:add(dir)
  sbx.git:commit(dir, "Fix mean: no off-by-one")
  local status = sbx.git:status(dir)
  log("on branch %s, clean: %s", status.current_branch, tostring(status.is_clean))

  -- 5. Run the program for real, then serve its report from a background server.
  sbx.files:write(dir .. "/main.py", table.concat({
    "import json, os, sys",
    "from stats import mean",
    "data = [float(x) for x in sys.stdin.read().split()]",
    "report = {'agent': os.environ['AGENT'], 'n': len(data), 'mean': mean(data)}",
    "json.dump(report, open('report.json', 'w'))",
    "print('report written for', len(data), 'values')",
    "",
  }, "\n"))
  sbx.commands:run("seq 1 100 | python3 main.py", { cwd = dir, on_stdout = stream("  | ") })
  local port = 8000                                 -- every sandbox has its own ports
  local server = sbx.commands:run(("python3 -m http.server %d --bind 127.0.0.1"):format(port),
                                  { cwd = dir, background = true, timeout = 0 })
  server:disconnect()                               -- keeps running; we only stop listening to it
  local report = fetch(sbx, port, "/report.json")
  log("GET https://%s/report.json -> %s", sbx:get_host(port), report)
  assert(report:find('"mean": 50.5', 1, true), "unexpected report")

  -- 6. Pause: processes and files are frozen; connect resumes them where they were.
  assert(sbx:pause(), "pause")
  log("paused: state %s", e2b.Sandbox.get_info(sbx.sandbox_id, target:options()).state)
  sbx = e2b.Sandbox.connect(sbx.sandbox_id, target:options({ timeout = 180 }))
  log("resumed: state %s", sbx:get_info().state)
  assert(fetch(sbx, port, "/report.json") == report, "the server did not survive pause and resume")
  local head = sbx.commands:run("git log --oneline", { cwd = dir }).stdout
  assert(head:find("Fix mean", 1, true), "the commit did not survive")
  log("after resume the server still answers, and git log says:\n%s",
      (head:gsub("\n$", ""):gsub("[^\n]+", "  | %0")))
  for _, entry in ipairs(sbx.files:list(dir)) do
    log("  %-16s %6d bytes  %s", entry.name, entry.size, entry.type)
  end
end)

log("done")
