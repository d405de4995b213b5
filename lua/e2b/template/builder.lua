--- The template definition: an immutable builder chain (each method returns a new template, the
--- receiver is unchanged), serialised exactly as the official SDKs send it (`to_json`, the build
--- request's steps) or as a Dockerfile (`to_dockerfile`). Part of `e2b.Template`.
---
--- ```lua
--- local t = e2b.Template():from_base_image():copy("app", "/home/user/app"):run_cmd("make -C /home/user/app")
---   :set_envs({ MODE = "prod" }):set_start_cmd("./serve", e2b.Template.wait_for_port(8080))
--- print(t:to_dockerfile())
--- ```
---@class e2b.TemplateBuilder
local B = {}
B.__index = B
B.__name = "e2b.TemplateBuilder"

local errors = require("e2b.errors")
local options = require("e2b.options")
local json = require("e2b.json")

B.DEFAULT_BASE_IMAGE = "e2bdev/base"

function B.__tostring(self)
  local from = self._base_template and ("template " .. self._base_template) or ("image " .. tostring(self._base_image))
  return ("e2b.Template(%s, %d steps)"):format(from, #self._steps)
end

---------------------------------------------------------------------------------------------------
-- ready commands

---@class e2b.ReadyCmd
---@field cmd string  the shell command run until it exits 0
local ReadyCmd = {}
ReadyCmd.__index = ReadyCmd
ReadyCmd.__name = "e2b.ReadyCmd"
function ReadyCmd.__tostring(self) return self.cmd end
B.ReadyCmd = ReadyCmd

local function ready(cmd) return setmetatable({ cmd = cmd }, ReadyCmd) end

--- Shell-quote `s` as the official SDKs do: unchanged when it only has safe characters.
---@param s string
---@return string
function B.shell_quote(s)
  s = tostring(s)
  if s == "" then return "''" end
  if not s:find("[^%w_@%%%+=:,%./%-]") then return s end
  return "'" .. s:gsub("'", "'\"'\"'") .. "'"
end
local q = B.shell_quote

--- Ready when TCP `port` listens (`ss`).
---@param port integer
---@return e2b.ReadyCmd
function B.wait_for_port(port)
  options.arg("Template.wait_for_port", "port", port, "integer")
  if port < 1 or port > 65535 then errors.InvalidArgumentError:raise("Template.wait_for_port: argument 'port' must be from 1 to 65535") end
  return ready(('[ -n "$(ss -Htuln sport = :%d)" ]'):format(port))
end

--- Ready when `url` answers `status_code` (default 200).
---@param url string
---@param status_code integer?
---@return e2b.ReadyCmd
function B.wait_for_url(url, status_code)
  options.arg("Template.wait_for_url", "url", url, "string")
  options.arg("Template.wait_for_url", "status_code", status_code, { "integer", "nil" })
  return ready(('curl -s -o /dev/null -w "%%{http_code}" %s | grep -q "%d"'):format(q(url), status_code or 200))
end

--- Ready when a process named `name` runs (`pgrep`).
---@param name string
---@return e2b.ReadyCmd
function B.wait_for_process(name)
  options.arg("Template.wait_for_process", "name", name, "string")
  return ready(("pgrep %s > /dev/null"):format(q(name)))
end

--- Ready when file `path` exists.
---@param path string
---@return e2b.ReadyCmd
function B.wait_for_file(path)
  options.arg("Template.wait_for_file", "path", path, "string")
  return ready(("[ -f %s ]"):format(q(path)))
end

--- Ready after `seconds` (whole seconds, at least 1). The official SDKs take milliseconds here;
--- this SDK's durations are seconds everywhere.
---@param seconds number
---@return e2b.ReadyCmd
function B.wait_for_timeout(seconds)
  options.arg("Template.wait_for_timeout", "seconds", seconds, "number")
  options.seconds("Template.wait_for_timeout", "seconds", seconds)
  return ready(("sleep %d"):format(math.max(1, math.floor(seconds))))
end

---------------------------------------------------------------------------------------------------
-- the chain

-- The first stack frame of the user's code (outside e2b/template*.lua and C).
local function caller()
  for level = 3, 16 do
    local info = debug.getinfo(level, "Sl")
    if not info then return nil end
    if info.what ~= "C" and not (info.short_src or ""):find("e2b/template", 1, true) then return info end
  end
  return nil
end

-- Where the user's code called the builder (for BuildError): "file:line".
local function origin()
  local info = caller()
  return info and (info.short_src .. ":" .. tostring(info.currentline)) or nil
end

--- A new, empty template (base image e2bdev/base). `file_context_path` is where `copy` sources
--- are resolved (default: the directory of the calling script); `file_ignore_patterns` are
--- excluded from every copy (dockerignore syntax, `!` re-includes; a `.dockerignore` in the
--- context adds its patterns).
---@param opts {file_context_path: string?, file_ignore_patterns: string[]?}?
---@return e2b.TemplateBuilder
function B.new(opts)
  local o = options.check("e2b.Template", opts, { file_context_path = "string", file_ignore_patterns = "table" })
  for i, p in ipairs(o.file_ignore_patterns or {}) do
    if type(p) ~= "string" then
      errors.InvalidArgumentError:raise(("e2b.Template: option 'file_ignore_patterns'[%d] must be a string"):format(i))
    end
  end
  local ctx = o.file_context_path
  if not ctx then
    local info = caller()
    local src = info and info.source or ""
    ctx = src:sub(1, 1) == "@" and (src:sub(2):match("^(.*)/[^/]*$") or ".") or "."
  end
  return setmetatable({ _base_image = B.DEFAULT_BASE_IMAGE, _steps = {}, _force = false, _force_next = false,
    _context = ctx, _ignore = o.file_ignore_patterns or {}, _origins = { base = origin() } }, B)
end

local function clone(self)
  local t = {}
  for k, v in pairs(self) do t[k] = v end
  local steps = {}
  for i, s in ipairs(self._steps) do steps[i] = s end
  t._steps = steps
  local o = {}
  for k, v in pairs(self._origins) do o[k] = v end
  t._origins = o
  return setmetatable(t, B)
end

local function is_builder(v) return getmetatable(v) == B end

local function self_check(self, name)
  if not is_builder(self) then
    errors.InvalidArgumentError:raise("Template:" .. name .. ": call it as a method, template:" .. name .. "(…)")
  end
end

local function push(self, step, where)
  local t = clone(self)
  step.force = t._force_next
  step.origin = where
  t._steps[#t._steps + 1] = step
  return t
end

local function list_of(fname, argname, v)
  if type(v) == "string" then return { v } end
  options.arg(fname, argname, v, { "string", "table" })
  local out = {}
  for i, s in ipairs(v) do
    if type(s) ~= "string" then
      errors.InvalidArgumentError:raise(("%s: argument '%s'[%d] must be a string, got %s"):format(fname, argname, i, type(s)))
    end
    out[i] = s
  end
  if #out == 0 then errors.InvalidArgumentError:raise(fname .. ": argument '" .. argname .. "' must not be empty") end
  return out
end

local function from(self, where, image, tpl)
  local t = clone(self)
  t._base_image, t._base_template, t._registry = image, tpl, nil
  if t._force_next then t._force = true end
  t._origins.base = where
  return t
end

--- Start from E2B's base image (e2bdev/base; the default).
---@return e2b.TemplateBuilder
function B:from_base_image()
  self_check(self, "from_base_image")
  return from(self, origin(), B.DEFAULT_BASE_IMAGE)
end

local FROM_IMAGE = options.declare("Template:from_image", { { "username", "string" }, { "password", "string" } })

--- Start from a container image; `credentials = { username, password }` for a private registry.
---@param image string
---@param credentials {username: string, password: string}?
---@return e2b.TemplateBuilder
function B:from_image(image, credentials)
  self_check(self, "from_image")
  FROM_IMAGE:arg("image", image, "nonempty")
  local c = credentials ~= nil and FROM_IMAGE:check(credentials) or nil
  if c and (not c.username or not c.password) then
    FROM_IMAGE:fail("both username and password are required when providing registry credentials")
  end
  local t = from(self, origin(), image)
  if c then
    errors.add_secret(c.password)
    t._registry = { type = "registry", username = c.username, password = c.password }
  end
  return t
end

--- `from_image("debian:" .. variant)` (default "stable"); likewise ubuntu ("latest"),
--- python ("3") and node ("lts").
---@param variant string?
---@return e2b.TemplateBuilder
function B:from_debian_image(variant) self_check(self, "from_debian_image") return from(self, origin(), "debian:" .. (variant or "stable")) end
--- `from_image("ubuntu:" .. variant)` (default "latest").
---@param variant string?
---@return e2b.TemplateBuilder
function B:from_ubuntu_image(variant) self_check(self, "from_ubuntu_image") return from(self, origin(), "ubuntu:" .. (variant or "latest")) end
--- `from_image("python:" .. version)` (default "3").
---@param version string?
---@return e2b.TemplateBuilder
function B:from_python_image(version) self_check(self, "from_python_image") return from(self, origin(), "python:" .. (version or "3")) end
--- `from_image("node:" .. variant)` (default "lts").
---@param variant string?
---@return e2b.TemplateBuilder
function B:from_node_image(variant) self_check(self, "from_node_image") return from(self, origin(), "node:" .. (variant or "lts")) end

--- Start from another template (a name, `name:tag`, or id); its files, envs and start command
--- come along.
---@param template string
---@return e2b.TemplateBuilder
function B:from_template(template)
  self_check(self, "from_template")
  options.arg("Template:from_template", "template", template, "nonempty")
  return from(self, origin(), nil, template)
end

---------------------------------------------------------------------------------------------------
-- Dockerfile input

-- Logical lines: continuations joined, comments and blanks dropped.
local function dockerfile_lines(text)
  local out, cur = {}, nil
  for raw in (text .. "\n"):gmatch("([^\n]*)\n") do
    local line = raw:gsub("\r$", "")
    if cur == nil and (line:match("^%s*#") or line:match("^%s*$")) then
      -- skip
    else
      local body, cont = line:match("^(.-)\\%s*$")
      if body then cur = (cur or "") .. body else out[#out + 1] = (cur or "") .. line; cur = nil end
    end
  end
  if cur then out[#out + 1] = cur end
  return out
end

local function json_array(s)
  if not s:match("^%s*%[") then return nil end
  local ok, v = pcall(json.decode, s)
  if ok and type(v) == "table" then
    for _, x in ipairs(v) do if type(x) ~= "string" then return nil end end
    return v
  end
  return nil
end

local function words(s)
  local out = {}
  for w in s:gmatch("%S+") do out[#out + 1] = w end
  return out
end

--- Take the base image and the steps of a Dockerfile (its text, or a path to one): RUN, COPY/ADD
--- (with --chown), WORKDIR, USER, ENV/ARG, CMD/ENTRYPOINT (→ start command, ready after 20 s).
--- As in the official SDKs the steps run as root in / unless the file sets USER/WORKDIR, then the
--- defaults (user, /home/user) follow. Multi-stage files are refused.
---@param content_or_path string
---@return e2b.TemplateBuilder
function B:from_dockerfile(content_or_path)
  self_check(self, "from_dockerfile")
  local fname = "Template:from_dockerfile"
  options.arg(fname, "content_or_path", content_or_path, "string")
  local where = origin()
  local text = content_or_path
  if not text:find("\n") then
    local f = io.open(text, "rb")
    if f then
      local s = f:read("*a")
      f:close()
      if s then text = s end
    end
  end
  local lines = dockerfile_lines(text)
  local froms = {}
  for _, l in ipairs(lines) do
    if l:match("^%s*[Ff][Rr][Oo][Mm]%s") then froms[#froms + 1] = l end
  end
  if #froms > 1 then errors.InvalidArgumentError:raise(fname .. ": multi-stage Dockerfiles are not supported") end
  if #froms == 0 then errors.InvalidArgumentError:raise(fname .. ": the Dockerfile must contain a FROM instruction") end
  local image = froms[1]:match("^%s*%S+%s+(%S+)") or B.DEFAULT_BASE_IMAGE
  local t = from(self, where, image)
  local function step(kind, args) t = push(t, { type = kind, args = args }, where) end
  step("USER", { "root" })
  step("WORKDIR", { "/" })
  local user_set, workdir_set = false, false
  for _, l in ipairs(lines) do
    local kw, rest = l:match("^%s*(%a+)%s*(.-)%s*$")
    kw = (kw or ""):upper()
    if kw == "RUN" then
      local arr = json_array(rest)
      step("RUN", { arr and table.concat(arr, " ") or rest })
    elseif kw == "COPY" or kw == "ADD" then
      local owner
      local args = {}
      for _, w in ipairs(json_array(rest) or words(rest)) do
        local chown = w:match("^%-%-chown=(.*)$")
        if chown then owner = chown elseif not w:match("^%-%-") then args[#args + 1] = w end
      end
      if #args >= 2 then
        local dest = args[#args]
        for i = 1, #args - 1 do
          t = t:_copy_one(args[i], dest, owner or "", "", {}, where)
        end
      end
    elseif kw == "WORKDIR" then
      step("WORKDIR", { rest })
      workdir_set = true
    elseif kw == "USER" then
      step("USER", { rest })
      user_set = true
    elseif kw == "ENV" or kw == "ARG" then
      local ws = words(rest)
      local envs = {}
      if #ws == 2 and not ws[1]:find("=", 1, true) then
        envs[#envs + 1] = { ws[1], ws[2] }
      elseif kw == "ENV" and #ws > 2 and not ws[1]:find("=", 1, true) then
        envs[#envs + 1] = { ws[1], rest:match("^%S+%s+(.*)$") }   -- ENV KEY value with spaces
      else
        for _, w in ipairs(ws) do
          local k, v = w:match("^([^=]+)=(.*)$")
          if k then envs[#envs + 1] = { k, (v:gsub('^"(.*)"$', "%1")) }
          elseif kw == "ARG" then envs[#envs + 1] = { w, "" } end
        end
      end
      if #envs > 0 then
        local args = {}
        for _, kv in ipairs(envs) do args[#args + 1] = kv[1]; args[#args + 1] = kv[2] end
        step("ENV", args)
      end
    elseif kw == "CMD" or kw == "ENTRYPOINT" then
      local arr = json_array(rest)
      t = clone(t)
      t._start_cmd = arr and table.concat(arr, " ") or rest
      t._ready_cmd = B.wait_for_timeout(20).cmd
      t._origins.finalize = where
    end
  end
  if not user_set then step("USER", { "user" }) end
  if not workdir_set then step("WORKDIR", { "/home/user" }) end
  return t
end

---------------------------------------------------------------------------------------------------
-- steps

local COPY = options.declare("Template:copy", { { "user", "string" }, { "mode", "integer" },
  { "force_upload", "boolean" }, { "resolve_symlinks", "boolean" } })

-- One COPY step (internal: copy, copy_items and from_dockerfile build through it).
function B:_copy_one(src, dest, user, mode, o, where)
  if src:sub(1, 1) == "/" then
    COPY:fail(("argument 'src' must be relative to the file context (%s), got the absolute path %q"):format(self._context, src))
  end
  local depth = 0
  for part in src:gmatch("[^/]+") do
    if part == ".." then depth = depth - 1 elseif part ~= "." then depth = depth + 1 end
    if depth < 0 then COPY:fail(("argument 'src' must stay inside the file context, %q leaves it"):format(src)) end
  end
  return push(self, { type = "COPY", args = { src, dest, user, mode }, force_upload = o.force_upload,
    resolve_symlinks = o.resolve_symlinks }, where)
end

--- Copy files from the file context into the template: `src` (a path or glob relative to the
--- context, or a list of them) to `dest`. Docker semantics: a directory's contents go into
--- `dest`; `dest` ending in "/" is a directory. Options: `user` (owner), `mode` (e.g.
--- `tonumber("755", 8)`), `force_upload` (upload even when the server has these files),
--- `resolve_symlinks` (copy what links point to instead of the links). The files are hashed
--- when the template is built and uploaded only when the server does not have them yet.
---@param src string|string[]
---@param dest string
---@param opts {user: string?, mode: integer?, force_upload: boolean?, resolve_symlinks: boolean?}?
---@return e2b.TemplateBuilder
function B:copy(src, dest, opts)
  self_check(self, "copy")
  local srcs = list_of("Template:copy", "src", src)
  COPY:arg("dest", dest, "nonempty")
  local o = COPY:check(opts)
  if o.mode and (o.mode < 0 or o.mode > 4095) then COPY:fail("'mode' must be a permission from 0 to 07777") end
  local where = origin()
  local t = self
  for _, s in ipairs(srcs) do
    t = t:_copy_one(s, dest, o.user or "", o.mode and ("%04o"):format(o.mode) or "", o, where)
  end
  return t
end

--- Several copies: `items = { { src = …, dest = …, user?, mode?, force_upload?, resolve_symlinks? }, … }`.
---@param items table[]
---@return e2b.TemplateBuilder
function B:copy_items(items)
  self_check(self, "copy_items")
  options.arg("Template:copy_items", "items", items, "table")
  local t = self
  for i, it in ipairs(items) do
    if type(it) ~= "table" then
      errors.InvalidArgumentError:raise(("Template:copy_items: argument 'items'[%d] must be a table"):format(i))
    end
    local o = {}
    for k, v in pairs(it) do if k ~= "src" and k ~= "dest" then o[k] = v end end
    t = t:copy(it.src, it.dest, o)
  end
  return t
end

local RUN = options.declare("Template:run_cmd", { { "user", "string" } })

local function run(self, cmds, user, where)
  return push(self, { type = "RUN", args = user and { table.concat(cmds, " && "), user } or { table.concat(cmds, " && ") } }, where)
end

--- Run a shell command (or a list, joined with " && ") while building; `user` runs it as that
--- user (default: the current one, see set_user). A non-zero exit fails the build (BuildError).
---@param cmd string|string[]
---@param opts {user: string?}?
---@return e2b.TemplateBuilder
function B:run_cmd(cmd, opts)
  self_check(self, "run_cmd")
  local cmds = list_of("Template:run_cmd", "cmd", cmd)
  local o = RUN:check(opts)
  return run(self, cmds, o.user, origin())
end

--- Environment variables for the later steps and for sandboxes from this template. Values are
--- expanded by the shell while building (`$HOME`, `$PATH` work). Keys are sent sorted.
---@param envs table<string,string>
---@return e2b.TemplateBuilder
function B:set_envs(envs)
  self_check(self, "set_envs")
  options.arg("Template:set_envs", "envs", envs, "table")
  options.string_map("Template:set_envs", "envs", envs)
  local keys = {}
  for k in pairs(envs) do keys[#keys + 1] = k end
  if #keys == 0 then return self end
  table.sort(keys)
  local args = {}
  for _, k in ipairs(keys) do args[#args + 1] = k; args[#args + 1] = envs[k] end
  return push(self, { type = "ENV", args = args }, origin())
end

--- The working directory of the later steps (created if missing) and of the sandboxes.
---@param path string
---@return e2b.TemplateBuilder
function B:set_workdir(path)
  self_check(self, "set_workdir")
  options.arg("Template:set_workdir", "path", path, "string")
  return push(self, { type = "WORKDIR", args = { path } }, origin())
end

--- The user of the later steps (created if missing) and the sandboxes' default user.
---@param user string
---@return e2b.TemplateBuilder
function B:set_user(user)
  self_check(self, "set_user")
  options.arg("Template:set_user", "user", user, "nonempty")
  return push(self, { type = "USER", args = { user } }, origin())
end

local USER_ONLY = { { "user", "string" } }
local MAKE_DIR = options.declare("Template:make_dir", { { "mode", "integer" } }, USER_ONLY)
local REMOVE = options.declare("Template:remove", { { "recursive", "boolean" }, { "force", "boolean" } }, USER_ONLY)
local RENAME = options.declare("Template:rename", { { "force", "boolean" } }, USER_ONLY)
local SYMLINK = options.declare("Template:make_symlink", { { "force", "boolean" } }, USER_ONLY)

--- `mkdir -p` the path(s); `mode` (e.g. `tonumber("700", 8)`), `user`.
---@param path string|string[]
---@param opts {mode: integer?, user: string?}?
---@return e2b.TemplateBuilder
function B:make_dir(path, opts)
  self_check(self, "make_dir")
  local paths = list_of("Template:make_dir", "path", path)
  local o = MAKE_DIR:check(opts)
  local parts = { "mkdir", "-p" }
  if o.mode then parts[#parts + 1] = ("-m %04o"):format(o.mode) end
  for _, p in ipairs(paths) do parts[#parts + 1] = q(p) end
  return run(self, { table.concat(parts, " ") }, o.user, origin())
end

--- `rm` the path(s); `recursive`, `force`, `user`.
---@param path string|string[]
---@param opts {recursive: boolean?, force: boolean?, user: string?}?
---@return e2b.TemplateBuilder
function B:remove(path, opts)
  self_check(self, "remove")
  local paths = list_of("Template:remove", "path", path)
  local o = REMOVE:check(opts)
  local parts = { "rm" }
  if o.recursive then parts[#parts + 1] = "-r" end
  if o.force then parts[#parts + 1] = "-f" end
  for _, p in ipairs(paths) do parts[#parts + 1] = q(p) end
  return run(self, { table.concat(parts, " ") }, o.user, origin())
end

--- `mv src dest`; `force`, `user`.
---@param src string
---@param dest string
---@param opts {force: boolean?, user: string?}?
---@return e2b.TemplateBuilder
function B:rename(src, dest, opts)
  self_check(self, "rename")
  RENAME:arg("src", src, "string")
  RENAME:arg("dest", dest, "string")
  local o = RENAME:check(opts)
  local cmd = "mv " .. q(src) .. " " .. q(dest) .. (o.force and " -f" or "")
  return run(self, { cmd }, o.user, origin())
end

--- `ln -s src dest`; `force`, `user`.
---@param src string
---@param dest string
---@param opts {force: boolean?, user: string?}?
---@return e2b.TemplateBuilder
function B:make_symlink(src, dest, opts)
  self_check(self, "make_symlink")
  SYMLINK:arg("src", src, "string")
  SYMLINK:arg("dest", dest, "string")
  local o = SYMLINK:check(opts)
  return run(self, { "ln -s" .. (o.force and " -f" or "") .. " " .. q(src) .. " " .. q(dest) }, o.user, origin())
end

local GIT_CLONE = options.declare("Template:git_clone", { { "branch", "string" }, { "depth", "integer" } }, USER_ONLY)

--- `git clone url [path]`; `branch` (single-branch), `depth`, `user`.
---@param url string
---@param path string?
---@param opts {branch: string?, depth: integer?, user: string?}?
---@return e2b.TemplateBuilder
function B:git_clone(url, path, opts)
  self_check(self, "git_clone")
  GIT_CLONE:arg("url", url, "string")
  GIT_CLONE:arg("path", path, { "string", "nil" })
  local o = GIT_CLONE:check(opts)
  local parts = { "git", "clone", q(url) }
  if o.branch then parts[#parts + 1] = "--branch " .. q(o.branch); parts[#parts + 1] = "--single-branch" end
  if o.depth then parts[#parts + 1] = ("--depth %d"):format(o.depth) end
  if path then parts[#parts + 1] = q(path) end
  return run(self, { table.concat(parts, " ") }, o.user, origin())
end

local function packages(fname, pkgs)
  if pkgs == nil then return nil end
  return list_of(fname, "packages", pkgs)
end

local PIP = options.declare("Template:pip_install", { { "g", "boolean" } })

--- `pip install` the packages (none: `pip install .`); as root unless `g = false` (`--user`).
---@param pkgs string|string[]|nil
---@param opts {g: boolean?}?
---@return e2b.TemplateBuilder
function B:pip_install(pkgs, opts)
  self_check(self, "pip_install")
  local list = packages("Template:pip_install", pkgs)
  local o = PIP:check(opts)
  local g = o.g ~= false
  local parts = { "pip", "install" }
  if not g then parts[#parts + 1] = "--user" end
  for _, p in ipairs(list or { "." }) do parts[#parts + 1] = p end
  return run(self, { table.concat(parts, " ") }, g and "root" or nil, origin())
end

local NPM = options.declare("Template:npm_install", { { "g", "boolean" }, { "dev", "boolean" } })

--- `npm install` the packages (none: the package.json's); `g` globally as root, `dev`.
---@param pkgs string|string[]|nil
---@param opts {g: boolean?, dev: boolean?}?
---@return e2b.TemplateBuilder
function B:npm_install(pkgs, opts)
  self_check(self, "npm_install")
  local list = packages("Template:npm_install", pkgs)
  local o = NPM:check(opts)
  local parts = { "npm", "install" }
  if o.g then parts[#parts + 1] = "-g" end
  if o.dev then parts[#parts + 1] = "--save-dev" end
  for _, p in ipairs(list or {}) do parts[#parts + 1] = p end
  return run(self, { table.concat(parts, " ") }, o.g and "root" or nil, origin())
end

local APT = options.declare("Template:apt_install", { { "no_install_recommends", "boolean" }, { "fix_missing", "boolean" } })

--- `apt-get update && apt-get install -y` the packages, as root.
---@param pkgs string|string[]
---@param opts {no_install_recommends: boolean?, fix_missing: boolean?}?
---@return e2b.TemplateBuilder
function B:apt_install(pkgs, opts)
  self_check(self, "apt_install")
  local list = list_of("Template:apt_install", "packages", pkgs)
  local o = APT:check(opts)
  return run(self, { "apt-get update", "DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get install -y " ..
    (o.no_install_recommends and "--no-install-recommends " or "") .. (o.fix_missing and "--fix-missing " or "") ..
    table.concat(list, " ") }, "root", origin())
end

--- Build every later step (and a later from_*) without the layer cache.
---@return e2b.TemplateBuilder
function B:skip_cache()
  self_check(self, "skip_cache")
  local t = clone(self)
  t._force_next = true
  return t
end

local function ready_cmd(fname, r)
  if getmetatable(r) == ReadyCmd then return r.cmd end
  options.arg(fname, "ready", r, "string")
  return r
end

--- The command sandboxes from this template start with (running in the background), and
--- optionally how to tell it is ready (a string, or Template.wait_for_port / _url / _process /
--- _file / _timeout).
---@param cmd string
---@param ready_check string|e2b.ReadyCmd|nil
---@return e2b.TemplateBuilder
function B:set_start_cmd(cmd, ready_check)
  self_check(self, "set_start_cmd")
  options.arg("Template:set_start_cmd", "cmd", cmd, "string")
  local t = clone(self)
  t._start_cmd = cmd
  if ready_check ~= nil then t._ready_cmd = ready_cmd("Template:set_start_cmd", ready_check) end
  t._origins.finalize = origin()
  return t
end

--- How to tell a sandbox from this template is ready (see set_start_cmd).
---@param ready_check string|e2b.ReadyCmd
---@return e2b.TemplateBuilder
function B:set_ready_cmd(ready_check)
  self_check(self, "set_ready_cmd")
  local t = clone(self)
  t._ready_cmd = ready_cmd("Template:set_ready_cmd", ready_check)
  t._origins.finalize = origin()
  return t
end

---------------------------------------------------------------------------------------------------
-- output

-- JSON.stringify(value, null, 2) of an ordered value: objects are { {key, value}, … } marked
-- with `ordered = true`; arrays are plain lists.
local function str(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    local named = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
    return named[c] or ("\\u%04x"):format(c:byte())
  end) .. '"'
end

local function pretty(v, indent)
  local t = type(v)
  if t == "string" then return str(v) end
  if t == "boolean" then return tostring(v) end
  if t == "number" then return v == math.floor(v) and ("%d"):format(v) or tostring(v) end
  local inner = indent .. "  "
  local parts = {}
  if v.ordered then
    for _, kv in ipairs(v) do
      if kv[2] ~= nil then parts[#parts + 1] = inner .. str(kv[1]) .. ": " .. pretty(kv[2], inner) end
    end
    if #parts == 0 then return "{}" end
    return "{\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "}"
  end
  for _, x in ipairs(v) do parts[#parts + 1] = inner .. pretty(x, inner) end
  if #parts == 0 then return "[]" end
  return "[\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "]"
end

local function obj(...) return { ordered = true, ... } end

-- The build request body (TemplateBuildStartV2) as an ordered value; `hashes[i]` is step i's
-- filesHash (COPY steps), `force` the build's skip_cache.
function B:_serialize(hashes, force)
  local steps = {}
  for i, s in ipairs(self._steps) do
    steps[i] = obj({ "type", s.type }, { "args", s.args }, { "force", s.type == "COPY" and (s.force_upload or s.force) or s.force },
      { "forceUpload", s.force_upload }, { "resolveSymlinks", s.resolve_symlinks }, { "filesHash", hashes and hashes[i] })
  end
  local reg = self._registry and obj({ "type", self._registry.type }, { "username", self._registry.username },
    { "password", self._registry.password })
  return obj({ "startCmd", self._start_cmd }, { "readyCmd", self._ready_cmd }, { "steps", steps },
    { "force", self._force or force or false }, { "fromImage", self._base_image }, { "fromTemplate", self._base_template },
    { "fromImageRegistry", reg })
end

-- Plain Lua table of an ordered value (for e2b.json.encode in the build request).
function B._plain(v)
  if type(v) ~= "table" then return v end
  local out = {}
  if v.ordered then
    for _, kv in ipairs(v) do out[kv[1]] = B._plain(kv[2]) end
    return out
  end
  for i, x in ipairs(v) do out[i] = B._plain(x) end
  if #out == 0 then return json.empty_array end
  return out
end

-- The pretty JSON text of an ordered value (to_json).
function B._pretty(v) return pretty(v, "") end

--- Everything but the files' hashes as the JSON the official SDKs' `toJSON(template, false)`
--- makes (2-space indented, same key order). Template.to_json(tpl) adds the COPY hashes.
---@return string
function B:to_json_without_hashes()
  self_check(self, "to_json_without_hashes")
  return pretty(self:_serialize(nil), "")
end

--- The template as a Dockerfile (FROM, RUN, COPY, ENV, WORKDIR, USER, ENTRYPOINT for the start
--- command). A template built from another template cannot be one (TemplateError).
---@return string
function B:to_dockerfile()
  self_check(self, "to_dockerfile")
  if self._base_template then
    errors.TemplateError:raise("Cannot convert template built from another template to Dockerfile. " ..
      "Templates based on other templates can only be built using the E2B API.")
  end
  local out = { "FROM " .. self._base_image }
  for _, s in ipairs(self._steps) do
    if s.type == "RUN" then out[#out + 1] = "RUN " .. s.args[1]
    elseif s.type == "COPY" then out[#out + 1] = "COPY " .. s.args[1] .. " " .. s.args[2]
    elseif s.type == "ENV" then
      local kv = {}
      for i = 1, #s.args, 2 do kv[#kv + 1] = s.args[i] .. "=" .. s.args[i + 1] end
      out[#out + 1] = "ENV " .. table.concat(kv, " ")
    else
      out[#out + 1] = s.type .. " " .. table.concat(s.args, " ")
    end
  end
  if self._start_cmd then out[#out + 1] = "ENTRYPOINT " .. self._start_cmd end
  return table.concat(out, "\n") .. "\n"
end

B.is_builder = is_builder
return B
