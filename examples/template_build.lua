-- Build a sandbox template from Lua, then start a sandbox from it: a small tool installed into
-- ~/.local/bin, a static site, an environment variable, and a web server as the start command
-- (the sandbox is ready once the server listens).
--
--   lua5.4 examples/template_build.lua   (E2B_API_URL/E2B_API_KEY, or a local emulator)
--
-- The files come from examples/template_build/ (the builder's file context: this script's
-- directory by default; here given explicitly). A second build of the same files skips their upload.
local e2b = require("e2b")
local T = e2b.Template

local target = require("e2b.emulator").target()
local here = (debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/template_build"
local name = "lua-example-site-" .. os.time()

local tpl = T({ file_context_path = here, file_ignore_patterns = { "*.tmp" } })
  :from_base_image()
  :copy("greet.sh", "/home/user/.local/bin/greet", { mode = tonumber("755", 8) })   -- the tool
  :copy("site", "/home/user/site")
  :set_envs({ GREETING_NAME = "template", PATH = "/home/user/.local/bin:$PATH" })
  :run_cmd("greet builder > /home/user/built-by.txt")            -- the tool works while building
  :set_workdir("/home/user/site")
  :set_start_cmd("python3 -m http.server 8000", T.wait_for_port(8000))

print(tpl:to_dockerfile())
local info = T.build(tpl, name, target:options({
  timeout = 300,
  on_build_logs = function(e) print(("[%s] %s"):format(e.step or "sdk", e.message)) end,
}))
print(("built %s: template %s, build %s"):format(info.name, info.template_id, info.build_id))

local sbx
local ok, err = pcall(function()
  sbx = e2b.Sandbox.create(target:options({ template = name, timeout = 120 }))
  local r = sbx.commands:run("~/.local/bin/greet; cat /home/user/built-by.txt; curl -s http://127.0.0.1:8000/index.html")
  io.write(r.stdout)
  assert(r.stdout:find("Hello, template!", 1, true), "the tool is not installed")
  assert(r.stdout:find("Served by the start command", 1, true), "the start command's server does not answer")
end)
if sbx then pcall(sbx.kill, sbx) end
pcall(T.delete, info.template_id, target:options())
target:stop()
if not ok then error(err, 0) end
