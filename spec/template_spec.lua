-- e2b.Template: the builder chain, to_json / to_dockerfile (checked against the official JS SDK
-- on the same template and files), files selection / ignore / hash / tar (pure), and build,
-- status, exists, list, update, tags, delete end to end against the emulator.
local F = require("spec.support.fake_transport")
local u = require("spec.support.unit")
local e2e = require("spec.support.e2e")
local e2b = require("e2b")
local T = e2b.Template
local files = require("e2b.template.files")
local host = require("spec.support.host")
local sh, write, read = host.sh, host.write, host.read

-- A file context: app/ (a.txt, sub/run.sh 0755, link -> a.txt, x.log), notes.txt, .dockerignore.
local function context()
  local dir = os.tmpname()
  os.remove(dir)
  sh("mkdir -p " .. dir .. "/app/sub")
  write(dir .. "/app/a.txt", "alpha\n")
  write(dir .. "/app/sub/run.sh", "#!/bin/sh\necho run\n")
  sh("chmod 755 " .. dir .. "/app/sub/run.sh")
  sh("ln -s a.txt " .. dir .. "/app/link")
  write(dir .. "/app/x.log", "noise")
  write(dir .. "/notes.txt", "notes")
  write(dir .. "/.dockerignore", "# comment\napp/*.log\n")
  return dir
end

local function node_sdk()
  for _, p in ipairs({ "emulator/node_modules/e2b" }) do
    local f = io.open(p .. "/package.json", "rb")
    if f then f:close() return p end
  end
end

local function run_node(script)
  local path = os.tmpname() .. ".js"
  write(path, script)
  local p = assert(io.popen("node " .. path .. " 2>&1"))
  local out = p:read("*a")
  p:close()
  os.remove(path)
  return out
end

describe("Template builder (unit)", function()
  it("is an immutable chain: every method returns a new template", function()
    local base = T():from_base_image():run_cmd("echo 1")
    local a = base:run_cmd("echo a")
    local b = base:set_envs({ X = "1" })
    assert.are.equal(1, #base._steps)
    assert.are.equal("RUN", a._steps[2].type)
    assert.are.equal("ENV", b._steps[2].type)
    assert.are_not.equal(a, base)
    assert.matches("^e2b.Template%(image e2bdev/base, 1 steps%)$", tostring(base))
  end)

  it("to_json and to_dockerfile equal the official JS SDK's for the same template and files", function()
    local sdk = node_sdk()
    assert(sdk, "the e2b npm package is not installed in emulator/node_modules")
    local ctx = context()
    local tpl = T({ file_context_path = ctx }):from_base_image()
      :copy("app", "/home/user/app", { mode = tonumber("755", 8) })
      :copy({ "notes.txt", "app/sub/*.sh" }, "/opt/", { user = "root" })
      :run_cmd({ "echo one", "echo 'two'" }, { user = "root" })
      :set_envs({ A = "1", B = "two words" })
      :set_workdir("/srv"):set_user("worker")
      :make_dir({ "/x y", "/z" }, { mode = tonumber("700", 8) })
      :remove("/tmp/a", { recursive = true, force = true })
      :rename("a", "b c", { force = true })
      :make_symlink("/s", "/d")
      :git_clone("https://example.invalid/r.git", "/dst", { branch = "main", depth = 1 })
      :pip_install({ "p1", "p2" }):pip_install(nil, { g = false })
      :npm_install({ "n" }, { g = true }):npm_install(nil, { dev = true })
      :apt_install({ "curl", "jq" }, { no_install_recommends = true })
      :skip_cache():run_cmd("echo forced")
      :set_start_cmd("python3 -m http.server 8000", T.wait_for_port(8000))
    local js = ([[
const { Template, waitForPort } = require(%q);
const t = Template({ fileContextPath: %q }).fromBaseImage()
  .copy('app', '/home/user/app', { mode: 0o755 })
  .copy(['notes.txt', 'app/sub/*.sh'], '/opt/', { user: 'root' })
  .runCmd(['echo one', "echo 'two'"], { user: 'root' })
  .setEnvs({ A: '1', B: 'two words' })
  .setWorkdir('/srv').setUser('worker')
  .makeDir(['/x y', '/z'], { mode: 0o700 })
  .remove('/tmp/a', { recursive: true, force: true })
  .rename('a', 'b c', { force: true })
  .makeSymlink('/s', '/d')
  .gitClone('https://example.invalid/r.git', '/dst', { branch: 'main', depth: 1 })
  .pipInstall(['p1', 'p2']).pipInstall(undefined, { g: false })
  .npmInstall(['n'], { g: true }).npmInstall(undefined, { dev: true })
  .aptInstall(['curl', 'jq'], { noInstallRecommends: true })
  .skipCache().runCmd('echo forced')
  .setStartCmd('python3 -m http.server 8000', waitForPort(8000));
(async () => {
  process.stdout.write(await Template.toJSON(t) + '\n@@\n' + await Template.toJSON(t, false) + '\n@@\n' + Template.toDockerfile(t));
})().catch((e) => { console.error(e); process.exit(1); });
]]):format(require("e2b.config").getenv("PWD") and (os.getenv("PWD") .. "/" .. sdk) or sdk, ctx)
    local out = run_node(js)
    local with_hashes, without, dockerfile = out:match("^(.-)\n@@\n(.-)\n@@\n(.*)$")
    assert(with_hashes, "node said: " .. out)
    assert.are.equal(with_hashes, T.to_json(tpl))
    assert.are.equal(with_hashes, tpl:to_json())
    assert.are.equal(without, tpl:to_json({ compute_hashes = false }))
    assert.are.equal(dockerfile, tpl:to_dockerfile())
    sh("rm -rf " .. ctx)
  end)

  it("from_dockerfile takes the base image and the steps, like the official SDK", function()
    local t = T():from_dockerfile([[
# a comment
FROM python:3.12
ENV A=1 B="two"
ARG BUILD_ONLY
RUN apt-get update && \
    apt-get install -y jq
COPY --chown=app:app src/ /app/
WORKDIR /app
CMD ["python3", "main.py"]
]])
    assert.are.equal("python:3.12", t._base_image)
    local kinds = {}
    for i, s in ipairs(t._steps) do kinds[i] = s.type .. " " .. table.concat(s.args, "|") end
    assert.are.same({ "USER root", "WORKDIR /", "ENV A|1|B|two", "ENV BUILD_ONLY|", "RUN apt-get update &&     apt-get install -y jq",
      "COPY src/|/app/|app:app|", "WORKDIR /app", "USER user" }, kinds)
    assert.are.equal("python3 main.py", t._start_cmd)
    assert.are.equal("sleep 20", t._ready_cmd)
    assert.matches("multi%-stage", u.raised(T().from_dockerfile, T(), "FROM a\nFROM b\n").message)
    assert.matches("FROM instruction", u.raised(T().from_dockerfile, T(), "RUN x\n").message)
  end)

  it("ready commands are the official SDKs' shell checks", function()
    assert.are.equal('[ -n "$(ss -Htuln sport = :8000)" ]', T.wait_for_port(8000).cmd)
    assert.are.equal('curl -s -o /dev/null -w "%{http_code}" \'http://localhost:3000/health?x=1\' | grep -q "204"',
      T.wait_for_url("http://localhost:3000/health?x=1", 204).cmd)
    assert.are.equal("pgrep my-daemon > /dev/null", T.wait_for_process("my-daemon").cmd)
    assert.are.equal("[ -f '/tmp/ready now' ]", T.wait_for_file("/tmp/ready now").cmd)
    assert.are.equal("sleep 1", T.wait_for_timeout(0.2).cmd)
    assert.are.equal("sleep 20", T.wait_for_timeout(20).cmd)
  end)

  it("refuses bad input with InvalidArgumentError naming the argument", function()
    local t = T()
    for _, c in ipairs({
      { function() return t:copy("/etc/passwd", "/x") end, "Template:copy: argument 'src'" },
      { function() return t:copy("a/../../x", "/x") end, "Template:copy: argument 'src' must stay inside" },
      { function() return t:copy("a", "/x", { mod = 1 }) end, "did you mean 'mode'" },
      { function() return t:run_cmd({}) end, "Template:run_cmd: argument 'cmd' must not be empty" },
      { function() return t:run_cmd("x", { user = 1 }) end, "Template:run_cmd: option 'user'" },
      { function() return t:set_envs({ A = 1 }) end, "Template:set_envs: option 'envs'" },
      { function() return t:from_image("") end, "Template:from_image: argument 'image'" },
      { function() return t:from_image("x", { username = "u" }) end, "both username and password" },
      { function() return t:set_start_cmd("x", 5) end, "Template:set_start_cmd: argument 'ready'" },
      { function() return T.wait_for_port(0) end, "Template.wait_for_port: argument 'port'" },
      { function() return T.Builder.run_cmd(nil, "x") end, "call it as a method" },
      { function() return T({ file_context_pat = "." }) end, "did you mean 'file_context_path'" },
      { function() return T.build({}, "x") end, "Template.build: argument 'template'" },
      { function() return T.build(t, "") end, "Template.build: argument 'name'" },
      { function() return T.build(t, "x", { cpu_count = 0 }) end, "'cpu_count' must be at least 1" },
      { function() return T.build(t, "x", { on_build_logs = "no" }) end, "option 'on_build_logs'" },
      { function() return T.exists(nil) end, "Template.exists: argument 'name'" },
      { function() return T.assign_tags("x", {}) end, "Template.assign_tags: argument 'tags' must list" },
      { function() return T.update("x", {}) end, "Template.update: 'public' is required" },
      { function() return T.get_build_status({}) end, "Template.get_build_status: argument 'info'" },
    }) do
      local err = u.raised(c[1])
      assert.are.equal("InvalidArgumentError", err.name, c[2])
      assert.matches(c[2], err.message)
    end
    assert.are.equal("TemplateError", u.raised(T():from_template("base").to_dockerfile, T():from_template("base")).name)
  end)
end)

describe("Template files (unit)", function()
  it("selects a directory's tree minus ignored paths, '!' re-includes, globs match", function()
    local ctx = context()
    write(ctx .. "/app/keep.log", "keep")
    local function rels(list) local o = {} for i, e in ipairs(list) do o[i] = e.rel end return o end
    assert.are.same({ "app", "app/a.txt", "app/link", "app/sub", "app/sub/run.sh" },
      rels(files.select(ctx, "app", { "app/*.log" })))
    assert.are.same({ "app", "app/a.txt", "app/keep.log", "app/link", "app/sub", "app/sub/run.sh" },
      rels(files.select(ctx, "app", { "app/*.log", "!app/keep.log" })))
    assert.are.same({ "app/keep.log" }, rels(files.select(ctx, "app", { "app", "!app/keep.log" })))
    assert.are.same({ "app/sub/run.sh" }, rels(files.select(ctx, "app/**/*.sh", {})))
    assert.are.same({ "app/a.txt", "notes.txt" }, rels(files.select(ctx, "**/*.txt", {})))
    assert.are.same({ "app", "app/link", "app/sub", "app/sub/run.sh" }, rels(files.select(ctx, "app", { "**/*.txt", "*.log", "app/*.log" })))
    local err = u.raised(files.select, ctx, "nothing*", {})
    assert.are.equal("BuildError", err.name)
    assert.matches("No files found", err.message)
    assert.are.same({ "app/*.log" }, files.dockerignore(ctx))
    -- the hash changes with the content, the mode, the destination
    local h1 = files.hash(ctx, "app", "/d", files.select(ctx, "app", {}))
    assert.matches("^%x+$", h1)
    assert.are.equal(64, #h1)
    assert.are.equal(h1, files.hash(ctx, "app", "/d", files.select(ctx, "app", {})))
    assert.are_not.equal(h1, files.hash(ctx, "app", "/e", files.select(ctx, "app", {})))
    write(ctx .. "/app/a.txt", "alpha!\n")
    local h2 = files.hash(ctx, "app", "/d", files.select(ctx, "app", {}))
    assert.are_not.equal(h1, h2)
    sh("chmod 600 " .. ctx .. "/app/a.txt")
    assert.are_not.equal(h2, files.hash(ctx, "app", "/d", files.select(ctx, "app", {})))
    sh("rm -rf " .. ctx)
  end)

  it("writes a tar that tar(1) extracts: files, modes, links, dirs, long names", function()
    local ctx = context()
    local long = ("d"):rep(60) .. "/" .. ("e"):rep(60) .. "/" .. ("f"):rep(90)
    sh("mkdir -p " .. ctx .. "/app/" .. long:match("^(.*)/"))
    write(ctx .. "/app/" .. long, "deep")
    local onelong = ("g"):rep(180)
    write(ctx .. "/app/" .. onelong, "wide")
    local path, size = files.tar(files.select(ctx, "app", {}))
    assert.are.equal(0, size % 512)
    local out = os.tmpname()
    os.remove(out)
    sh("mkdir -p " .. out .. " && tar -xf " .. path .. " -C " .. out)
    os.remove(path)
    assert.are.equal("alpha\n", read(out .. "/app/a.txt"))
    assert.are.equal("deep", read(out .. "/app/" .. long))
    assert.are.equal("wide", read(out .. "/app/" .. onelong))
    local p = io.popen("stat -c %a " .. out .. "/app/sub/run.sh; readlink " .. out .. "/app/link")
    assert.are.equal("755\na.txt\n", p:read("*a"))
    p:close()
    sh("rm -rf " .. ctx .. " " .. out)
  end)

  it("build sends the SDKs' requests: v3 create, files link, upload only when missing, v2 start, status paging", function()
    local ctx = context()
    local fake = F.new()
    local uploads, polls = 0, 0
    fake:on("POST /v3/templates", function() return F.json(202, { templateID = "tpl1", buildID = "b1", tags = { "default" } }) end)
    local present = false
    fake:on("GET /templates/tpl1/files/" .. ("%x"):rep(64), function() end)
    fake.routes_fallback = nil
    local orig = fake._dispatch
    fake._dispatch = function(self, spec)
      if spec.url:match("/templates/tpl1/files/%x+$") then
        return F.json(201, present and { present = true } or { present = false, url = "https://upload.test/put" })
      end
      if spec.method == "PUT" and spec.url == "https://upload.test/put" then
        uploads = uploads + 1
        assert.is_string(spec.body_file)
        assert.is_nil(spec.headers["X-API-KEY"])
        return { status = 200, headers = {}, body = "" }
      end
      if spec.url:match("/templates/tpl1/builds/b1/status") then
        polls = polls + 1
        local off = tonumber(spec.url:match("logsOffset=(%d+)"))
        local all = { { timestamp = "t", level = "info", message = "one", step = "1" }, { timestamp = "t", level = "info", message = "two" } }
        local page = {}
        for i = off + 1, math.min(off + 1, #all) do page[#page + 1] = all[i] end
        return F.json(200, { templateID = "tpl1", buildID = "b1", status = polls >= 2 and "ready" or "building", logEntries = page, logs = {} })
      end
      return orig(self, spec)
    end
    fake:on("POST /v2/templates/tpl1/builds/b1", function() return { status = 202, headers = {}, body = "" } end)
    local logs = {}
    local tpl = T({ file_context_path = ctx }):copy("app", "/app"):run_cmd("make")
    local info = T.build(tpl, "mine:v1", u.opts(fake, { tags = { "x" }, on_build_logs = function(e) logs[#logs + 1] = e.message end }))
    assert.are.same({ template_id = "tpl1", build_id = "b1", name = "mine:v1", tags = { "default" } }, info)
    assert.are.equal(1, uploads)
    local bodies = {}
    for _, r in ipairs(fake.requests) do bodies[r.method .. " " .. r.url:gsub("%?.*", "")] = r end
    assert.are.same({ name = "mine:v1", tags = { "x" }, cpuCount = 2, memoryMB = 1024 }, F.body(bodies["POST https://api.test/v3/templates"]))
    local start = F.body(bodies["POST https://api.test/v2/templates/tpl1/builds/b1"])
    assert.are.equal("e2bdev/base", start.fromImage)
    assert.are.equal("COPY", start.steps[1].type)
    assert.matches("^%x+$", start.steps[1].filesHash)
    assert.are.same({ "make" }, start.steps[2].args)
    assert.is_false(start.force)
    assert.are.same({ "Build started", "Requesting build for template: mine:v1 with tags x" }, { logs[1], logs[2] })
    local seen = table.concat(logs, "\n")
    assert.matches("one\ntwo\n", seen)          -- every page, read until an empty one
    assert.are.equal("Build finished", logs[#logs])
    -- a second build of the same files: present, no upload
    present, polls = true, 0
    T.build(tpl, "mine:v1", u.opts(fake, { on_build_logs = function(e) logs[#logs + 1] = e.message end }))
    assert.are.equal(1, uploads)
    assert.matches("Skipping upload of 'app', already cached", table.concat(logs, "\n"))
    sh("rm -rf " .. ctx)
  end)
end)

describe("Template (end to end)", function()
  before_each(function() e2e.require_emulator() end)

  it("builds with copy, run_cmd, set_envs, set_workdir and a start command; a sandbox starts from it", function()
    local ctx = context()
    local name = "lua-spec-site-" .. os.time()
    local logs = {}
    local tpl = T({ file_context_path = ctx }):from_base_image()
      :copy("app", "/home/user/site")
      :copy("notes.txt", "/home/user/notes/")
      :run_cmd("echo built > /home/user/built.txt")
      :set_envs({ GREETING = "hello" }):set_envs({ SITE = "${GREETING}-site" })   -- expanded while building
      :set_workdir("/home/user/site")
      :set_start_cmd("python3 -m http.server 8000", T.wait_for_port(8000))
    local info = T.build(tpl, name, { on_build_logs = function(e) logs[#logs + 1] = e end, timeout = 120 })
    e2e.defer(finally, function() T.delete(info.template_id) end)
    assert.are.equal(name, info.name)
    assert.is_string(info.template_id)
    local steps = {}
    for _, e in ipairs(logs) do if e.step then steps[e.step] = true end end
    assert.is_true(steps["1"] and steps.finalize, "log entries carry their step")
    assert.is_true(T.exists(name))
    assert.is_false(T.exists(name .. "-nope"))
    local sbx = e2e.sandbox(finally, { template = name })
    assert.are.equal("alpha\n", sbx.files:read("/home/user/site/a.txt"))
    assert.are.equal("built\n", sbx.files:read("/home/user/built.txt"))
    assert.are.equal("notes", sbx.files:read("/home/user/notes/notes.txt"))
    assert.is_nil(pcall(sbx.files.read, sbx.files, "/home/user/site/x.log") and true or nil)   -- .dockerignore
    local r = sbx.commands:run("echo $GREETING $SITE; pwd; curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8000/a.txt")
    assert.are.equal("hello hello-site\n/home/user/site\n200", r.stdout)
    -- the same files again: present on the server, not uploaded
    local again = {}
    T.build(tpl, name .. ":v2", { on_build_logs = function(e) again[#again + 1] = e.message end, timeout = 120 })
    assert.matches("Skipping upload of 'app', already cached", table.concat(again, "\n"))
    sh("rm -rf " .. ctx)
  end)

  it("a failing step is a BuildError naming that step; status pages end empty", function()
    local tpl = T():from_base_image():run_cmd("echo fine"):run_cmd("echo about to fail; exit 3"):run_cmd("echo never")
    local err = u.raised(T.build, tpl, "lua-spec-fail-" .. os.time(), { timeout = 120 })
    assert.are.equal("BuildError", err.name)
    assert.are.equal("2", err.step)
    assert.are.equal("RUN echo about to fail; exit 3", err.instruction)
    assert.matches("spec/template_spec.lua:%d+", err.origin)
    assert.matches("step 2 of 3: RUN echo about to fail; exit 3, added at spec/template_spec.lua:%d+", err.message)
    local bad = u.raised(T.build, T():from_image("ubuntu:22.04"):run_cmd("true"), "lua-spec-img-" .. os.time(), { timeout = 60 })
    assert.are.equal("BuildError", bad.name)
    assert.are.equal("base", bad.step)
    assert.matches("FROM ubuntu:22.04", bad.message)
    -- in the background: the status, then its logs from an offset, then an empty page
    local info = T.build_in_background(T():from_base_image():run_cmd("echo bg-step"), "lua-spec-bg-" .. os.time())
    e2e.defer(finally, function() T.delete(info.template_id) end)
    local st
    for _ = 1, 600 do
      st = T.get_build_status(info)
      if st.status == "ready" or st.status == "error" then break end
      os.execute("sleep 0.1")
    end
    assert.are.equal("ready", st.status)
    local n = #st.log_entries
    assert.is_true(n > 0)
    assert.are.equal(n - 1, #T.get_build_status(info, { logs_offset = 1 }).log_entries)
    assert.are.equal(0, #T.get_build_status(info, { logs_offset = n }).log_entries)
  end)

  it("from_template, tags, list, update, delete (refused while in use)", function()
    local base = "lua-spec-layer-" .. os.time()
    local one = T.build(T():from_base_image():run_cmd("echo layer1 > /home/user/layer1.txt"):set_envs({ LAYER = "1" }), base, { timeout = 120 })
    e2e.defer(finally, function() T.delete(one.template_id) end)
    local two = T.build(T():from_template(base):set_user("worker"):run_cmd("echo $LAYER $(whoami) > /home/worker/who.txt"),
      base .. "-two", { timeout = 120 })
    e2e.defer(finally, function() T.delete(two.template_id) end)
    local sbx = e2e.sandbox(finally, { template = base .. "-two" })
    assert.are.equal("1 worker\n", sbx.files:read("/home/worker/who.txt"))
    assert.are.equal("layer1\n", sbx.files:read("/home/user/layer1.txt"))
    -- tags
    local tagged = T.assign_tags(base, { "prod", "stable" })
    assert.are.equal(one.build_id, tagged.build_id)
    local tags = {}
    for _, t in ipairs(T.get_tags(one.template_id)) do tags[t.tag] = t.build_id end
    assert.are.equal(one.build_id, tags.prod)
    T.remove_tags(base, "stable")
    tags = {}
    for _, t in ipairs(T.get_tags(one.template_id)) do tags[t.tag] = true end
    assert.is_nil(tags.stable)
    assert.is_true(tags.prod)
    -- list pages
    local found, pages = {}, 0
    local p = T.list({ limit = 1 })
    while p.has_next and pages < 200 do
      pages = pages + 1
      for _, t in ipairs(p:next_items()) do found[t.template_id] = t end
    end
    assert.is_true(pages >= 2)
    assert.is_table(found[one.template_id])
    assert.is_false(found[one.template_id].public)
    -- update
    local names = T.update(one.template_id, { public = true }).names
    assert.is_true(#names >= 1)
    local again
    for t in T.list():iter() do if t.template_id == one.template_id then again = t end end
    assert.is_true(again.public)
    -- delete: refused while a sandbox runs from it, then gone
    local err = u.raised(T.delete, two.template_id)
    assert.are.equal("TemplateError", err.name)
    assert.are.equal(400, err.status)
    sbx:kill()
    assert.is_true(T.delete(two.template_id))
    assert.is_false(T.delete(two.template_id))
  end)
end)

describe("Template through require('e2b.safe')", function()
  it("makes builders and returns nil, err instead of raising", function()
    local safe = require("e2b.safe")
    local t = safe.Template():from_base_image():run_cmd("echo 1")
    assert.matches("RUN echo 1", t:to_dockerfile())
    local r, err = t:copy("/abs", "/x")
    assert.is_nil(r)
    assert.are.equal("InvalidArgumentError", err.name)
    local ok, berr = safe.Template.build(t, "")
    assert.is_nil(ok)
    assert.matches("argument 'name'", berr.message)
  end)
end)
