--- `sbx.files`: the sandbox's filesystem (filesystem.Filesystem RPC + envd's /files HTTP route).
---
--- ```lua
--- sbx.files:write("/home/user/a.txt", "hello")
--- print(sbx.files:read("/home/user/a.txt"))                       --> hello
--- sbx.files:write("/home/user/big.bin", { from_file = "big.bin" })  -- streamed from disk
--- sbx.files:read("/home/user/big.bin", { to_file = "copy.bin" })     -- streamed to disk
--- for _, e in ipairs(sbx.files:list("/home/user")) do print(e.name, e.type, e.size) end
--- ```
---
--- Entry info tables: name, type ("file"|"dir"|"symlink"), path, size (number), mode,
--- permissions, owner, group, modified_time (RFC 3339 string), symlink_target, metadata.
---@class e2b.Filesystem
---@field private _envd e2b.EnvdClient
local Filesystem = {}
Filesystem.__index = Filesystem

local errors = require("e2b.errors")
local version = require("e2b.version")
-- Waits happen inside these pcalls: compat.pcall lets a task yield through them on PUC 5.1 too.
local pcall = require("e2b.compat").pcall
local options = require("e2b.options")
local envd = require("e2b.envd")
local config = require("e2b.config")
local json = require("e2b.json")
local entry = require("e2b.entry")
local Watch = require("e2b.watch")
local core = require("e2b.native")

function Filesystem.__tostring(self)
  return "e2b.Filesystem(sandbox=" .. self._envd.sandbox_id .. ")"
end

--- Make the filesystem module of a sandbox.
---@param client e2b.EnvdClient
---@return e2b.Filesystem
function Filesystem.new(client)
  return setmetatable({ _envd = client }, Filesystem)
end

local RPC_ERRORS = { not_found = errors.FileNotFoundError }
local HTTP_ERRORS = { [404] = errors.FileNotFoundError }

local function rpc(self, method, msg, o)
  return self._envd:unary("filesystem.Filesystem/" .. method, msg,
    { user = o.user, request_timeout = o.request_timeout, errors = RPC_ERRORS })
end

-- An RPC answering a yes/no question: true when it succeeds, false when it fails with `no_code`.
local function rpc_yes(self, method, msg, o, no_code)
  local ok, err = pcall(rpc, self, method, msg, o)
  if ok then return true end
  if errors.is(err) and err.code == no_code then return false end
  error(err, 0)
end

-- Every call's options, declared once.
local BASIC = { { "user", "string" }, { "request_timeout", "seconds" } }
local READ = options.declare("files:read", { { "format", "string" }, { "to_file", "path" },
  { "on_progress", "function" } }, BASIC)
local WRITE = options.declare("files:write", { { "metadata", "table" }, { "on_progress", "function" } }, BASIC)
local WRITE_DATA = WRITE:sub("data", { { "from_file", "path" } })
local WRITE_FILES = options.declare("files:write_files", { { "metadata", "table" } }, BASIC)
local LIST = options.declare("files:list", { { "depth", "integer", 1 } }, BASIC)
local EXISTS = options.declare("files:exists", BASIC)
local GET_INFO = options.declare("files:get_info", BASIC)
local MAKE_DIR = options.declare("files:make_dir", BASIC)
local RENAME = options.declare("files:rename", BASIC)
local REMOVE = options.declare("files:remove", BASIC)
local WATCH_DIR = options.declare("files:watch_dir", { { "recursive", "boolean" }, { "include_entry", "boolean" },
  { "timeout", "seconds", 60 } }, BASIC)

-- The /files query for `path` and the acting user.
local function files_query(self, path, user)
  local q = config.query({ { "path", path }, { "username", self._envd:user(user) } })
  return "/files?" .. q
end

---@class e2b.ReadOpts
---@field format "text"|"bytes"|"stream"|nil  default "text"; "stream" returns an iterator of chunks
---@field to_file string?    stream the file into this local path instead (returns the path)
---@field on_progress fun(bytes_done: number, total: number)?  called as bytes arrive
---@field user string?
---@field request_timeout number?

--- Read a file. `text` and `bytes` return the content as a string (Lua strings hold bytes);
--- `stream` returns an iterator over chunks; `to_file` writes it to a local file.
---@param path string
---@param opts e2b.ReadOpts?
---@return string|fun():string?
function Filesystem:read(path, opts)
  READ:arg("path", path, "path")
  local o = READ:check(opts)
  local format = o.format or "text"
  if format ~= "text" and format ~= "bytes" and format ~= "stream" then
    READ:fail("option 'format' must be \"text\", \"bytes\" or \"stream\", got \"" .. format .. "\"")
  end
  if o.to_file and o.format then
    READ:fail("give either 'format' or 'to_file', not both")
  end
  local spec = { method = "GET", path = files_query(self, path, o.user), timeout = o.request_timeout }
  if o.on_progress and format ~= "stream" then spec.on_progress = o.on_progress end
  if o.to_file then
    -- download beside the target and rename on success: a failure leaves the old file intact
    local part = ("%s.e2b-part-%d-%d"):format(o.to_file, math.floor(os.time()), math.random(1, 2 ^ 30))
    local probe, why_not = io.open(part, "wb")
    if not probe then READ:fail("option 'to_file' cannot be written: " .. tostring(why_not)) end
    probe:close()
    -- gone again before the core creates it: opening an existing file with O_TRUNC (even an empty
    -- one) makes ext4 write the whole download back on close (auto_da_alloc), a stall of ~0.2 s
    -- per 256 MiB in the caller's wall time (issue 12: files >= 0.9x the libcurl floor)
    os.remove(part)
    spec.response_file = part
    local ok, err = pcall(self._envd.http, self._envd, spec, HTTP_ERRORS)
    if ok then
      local renamed, why = os.rename(part, o.to_file)
      if renamed then return o.to_file end
      err = errors.SandboxError:new("files:read: cannot move the download into 'to_file': " .. tostring(why))
    end
    os.remove(part)
    error(err, 0)
  end
  if format == "stream" then
    local next_chunk, reader = self._envd:open(spec, HTTP_ERRORS)
    if not o.on_progress then return next_chunk end
    -- the stream is pulled by the caller: report after each chunk it takes
    local done, total = 0, tonumber(reader.headers["content-length"])
    return function()
      local chunk = next_chunk()
      if chunk then
        done = done + #chunk
        o.on_progress(done, total or done)
      end
      return chunk
    end
  end
  local res = self._envd:http(spec, HTTP_ERRORS)
  return res.body or ""
end

local METADATA_KEY = "^[%w!#%$%%&'%*%+%.%^_`|~%-]+$"

local function metadata_headers(self, fname, metadata)
  if metadata == nil then return {} end
  if version.compare(self._envd.envd_version, "0.6.2") < 0 then
    errors.TemplateError:raise("File metadata needs envd 0.6.2 or newer; rebuild the template")
  end
  local h = {}
  for k, v in pairs(metadata) do
    if type(k) ~= "string" or not k:match(METADATA_KEY) then
      errors.InvalidArgumentError:raise(fname .. ": metadata key " .. tostring(k) .. " is not an HTTP token")
    end
    if type(v) ~= "string" or v:find("[^\32-\126]") then
      errors.InvalidArgumentError:raise(fname .. ": metadata value of '" .. k .. "' must be printable ASCII")
    end
    h["X-Metadata-" .. k] = v
  end
  return h
end

local function write_infos(res)
  local data = json.try_decode(res.body)
  if type(data) ~= "table" or #data == 0 then
    errors.SandboxError:raise("Expected to receive information about written file")
  end
  local out = {}
  for i, e in ipairs(data) do
    local md = type(e.metadata) == "table" and next(e.metadata) and e.metadata or nil
    out[i] = { name = e.name, type = entry.type_name(e.type) or e.type, path = e.path, metadata = md }
  end
  return out
end

-- A local directory as `from_file` would upload nothing (the data lost): refuse it up front.
local function not_a_directory(fname, what, path)
  local st = core.fs_stat(path)
  if st and st.type == "dir" then
    errors.InvalidArgumentError:raise(("%s: %s is a directory: %s (files:upload_dir uploads a directory)")
      :format(fname, what, path))
  end
end

-- One multipart part per entry; `from_file` parts are streamed by the core from disk.
local function part(fname, i, item)
  if type(item) ~= "table" then
    errors.InvalidArgumentError:raise(("%s: entry %d must be a table {path=, data=|from_file=}"):format(fname, i))
  end
  local e = options.check(fname .. " entry " .. i, item, { path = "path", data = "string", from_file = "path" })
  if not e.path then errors.InvalidArgumentError:raise(("%s: entry %d has no 'path'"):format(fname, i)) end
  if (e.data == nil) == (e.from_file == nil) then
    errors.InvalidArgumentError:raise(("%s: entry %d needs exactly one of 'data' or 'from_file'"):format(fname, i))
  end
  if e.from_file then not_a_directory(fname, ("entry %d 'from_file'"):format(i), e.from_file) end
  local p = { name = "file", filename = e.path, content_type = "application/octet-stream" }
  if e.data then p.data = e.data else p.file = e.from_file end
  return p
end

---@class e2b.WriteInfo
---@field name string
---@field type string
---@field path string
---@field metadata table<string,string>?

--- Write one file. `data` is a string, or `{ from_file = "local/path" }` to stream a local file.
---@param path string
---@param data string|{from_file: string}
--- `on_progress(bytes_done, total)` is called as the upload proceeds (total = bytes to send).
---@param opts { user: string?, request_timeout: number?, metadata: table<string,string>?, on_progress: fun(done: number, total: number)? }?
---@return e2b.WriteInfo
function Filesystem:write(path, data, opts)
  WRITE:arg("path", path, "path")
  WRITE:arg("data", data, { "string", "table" })
  local o = WRITE:check(opts)
  local headers = metadata_headers(self, WRITE.name, o.metadata)
  local spec = { method = "POST", path = files_query(self, path, o.user), headers = headers,
                 timeout = o.request_timeout, on_progress = o.on_progress }
  if type(data) == "table" then
    local d = WRITE_DATA:check(data)
    if not d.from_file then WRITE:fail("data table needs 'from_file'") end
    not_a_directory(WRITE.name, "'from_file'", d.from_file)
    if version.compare(self._envd.envd_version, "0.5.7") >= 0 then
      headers["Content-Type"] = "application/octet-stream"
      spec.body_file = d.from_file
      spec.timeout = o.request_timeout or 0   -- streamed bodies have no client deadline by default
    else
      spec.multipart = { part(WRITE.name, 1, { path = path, from_file = d.from_file }) }
    end
  else
    spec.multipart = { part(WRITE.name, 1, { path = path, data = data }) }
  end
  return write_infos(self._envd:http(spec, HTTP_ERRORS))[1]
end

--- Write several files in one request. `list` = { {path=, data=} | {path=, from_file=}, … }.
---@param list table[]
---@param opts { user: string?, request_timeout: number?, metadata: table<string,string>? }?
---@return e2b.WriteInfo[]
function Filesystem:write_files(list, opts)
  WRITE_FILES:arg("list", list, "table")
  local o = WRITE_FILES:check(opts)
  local headers = metadata_headers(self, WRITE_FILES.name, o.metadata)
  local parts = {}
  for i, item in ipairs(list) do parts[i] = part(WRITE_FILES.name, i, item) end
  if #parts == 0 then return {} end
  local path = #parts == 1 and parts[1].filename or nil
  local q = config.query({ { "path", path }, { "username", self._envd:user(o.user) } })
  return write_infos(self._envd:http({ method = "POST", path = "/files" .. (q ~= "" and "?" .. q or ""),
    headers = headers, multipart = parts, timeout = o.request_timeout }, HTTP_ERRORS))
end

--- List a directory (`depth` levels, default 1).
---@param path string
---@param opts { depth: integer?, user: string?, request_timeout: number? }?
---@return e2b.EntryInfo[]
function Filesystem:list(path, opts)
  LIST:arg("path", path, "path")
  local o = LIST:check(opts)
  local depth = o.depth
  if depth < 1 then LIST:fail("depth should be at least one") end
  local res = rpc(self, "ListDir", { path = path, depth = depth }, o)
  local out = {}
  for _, e in ipairs(res.entries or {}) do
    local info = entry.from_proto(e)
    if info.type then out[#out + 1] = info end
  end
  return out
end

--- True when `path` exists.
---@param path string
---@param opts { user: string?, request_timeout: number? }?
---@return boolean
function Filesystem:exists(path, opts)
  EXISTS:arg("path", path, "path")
  local o = EXISTS:check(opts)
  return rpc_yes(self, "Stat", { path = path }, o, "not_found")
end

--- Information about one entry (FileNotFoundError when missing).
---@param path string
---@param opts { user: string?, request_timeout: number? }?
---@return e2b.EntryInfo
function Filesystem:get_info(path, opts)
  GET_INFO:arg("path", path, "path")
  local o = GET_INFO:check(opts)
  return entry.from_proto(rpc(self, "Stat", { path = path }, o).entry or {})
end

--- Create a directory and its parents. False when it already existed.
---@param path string
---@param opts { user: string?, request_timeout: number? }?
---@return boolean
function Filesystem:make_dir(path, opts)
  MAKE_DIR:arg("path", path, "path")
  local o = MAKE_DIR:check(opts)
  return rpc_yes(self, "MakeDir", { path = path }, o, "already_exists")
end

--- Move/rename; returns the entry at the destination.
---@param old_path string
---@param new_path string
---@param opts { user: string?, request_timeout: number? }?
---@return e2b.EntryInfo
function Filesystem:rename(old_path, new_path, opts)
  RENAME:arg("old_path", old_path, "path")
  RENAME:arg("new_path", new_path, "path")
  local o = RENAME:check(opts)
  return entry.from_proto(rpc(self, "Move", { source = old_path, destination = new_path }, o).entry or {})
end

--- Remove a file or a directory tree (no error when missing).
---@param path string
---@param opts { user: string?, request_timeout: number? }?
function Filesystem:remove(path, opts)
  REMOVE:arg("path", path, "path")
  local o = REMOVE:check(opts)
  rpc(self, "Remove", { path = path }, o)
end

--- Upload a local directory tree into the sandbox: one streamed request per file (envd has no
--- archive endpoint), `concurrency` at once, flat memory; empty directories are created; symlinks
--- are followed only to files inside `local_dir` (others are skipped and listed). Returns
--- `{ files, dirs, bytes, skipped = { {path, reason}, … } }`. See e2b.tree for every rule.
--- ```lua
--- sbx.files:upload_dir("./app", "/home/user/app", { ignore = { ".git", "*.pyc" }, on_progress = print })
--- ```
---@param local_dir string
---@param remote_dir string
---@param opts e2b.UploadDirOpts?
---@return e2b.TreeResult
function Filesystem:upload_dir(local_dir, remote_dir, opts)
  return require("e2b.tree").upload_dir(self, local_dir, remote_dir, opts)
end

--- Download a sandbox directory tree into `local_dir` (created as needed): one streamed request
--- per file, flat memory; never writes outside `local_dir` or through a local symlink; remote
--- symlinks are not recreated (listed in `skipped`). Returns `{ files, dirs, bytes, skipped }`.
--- ```lua
--- sbx.files:download_dir("/home/user/app/dist", "./dist")
--- ```
---@param remote_dir string
---@param local_dir string
---@param opts e2b.DownloadDirOpts?
---@return e2b.TreeResult
function Filesystem:download_dir(remote_dir, local_dir, opts)
  return require("e2b.tree").download_dir(self, remote_dir, local_dir, opts)
end

---@class e2b.WatchOpts
---@field recursive boolean?      watch subdirectories too (envd >= 0.1.4)
---@field include_entry boolean?  attach the entry's info to create/write/chmod events (envd >= 0.6.3)
---@field timeout number?         seconds the watch lasts (default 60, 0 = until stopped)
---@field user string?
---@field request_timeout number? seconds to wait for the watch to start

--- Watch a directory. Returns a handle (`:events()` iterator, `:wait()`, `:stop()`); every event
--- pulled from it is also passed to `on_event` (may be nil). Raises FileNotFoundError for a
--- missing directory, InvalidArgumentError for a file.
---@param path string
---@param on_event fun(ev: e2b.FilesystemEvent)?
---@param opts e2b.WatchOpts?
---@return e2b.WatchHandle
function Filesystem:watch_dir(path, on_event, opts)
  WATCH_DIR:arg("path", path, "path")
  if on_event ~= nil and type(on_event) ~= "function" then
    WATCH_DIR:fail("argument 'on_event' must be a function or nil, got " .. type(on_event))
  end
  local o = WATCH_DIR:check(opts)
  local v = self._envd.envd_version
  if o.recursive and version.compare(v, "0.1.4") < 0 then
    errors.TemplateError:raise("You need to update the template to use recursive watching.")
  end
  if o.include_entry and version.compare(v, "0.6.3") < 0 then
    errors.TemplateError:raise("You need to update the template to use include_entry in watch_dir.")
  end
  local timeout = o.timeout
  local stream = self._envd:stream("filesystem.Filesystem/WatchDir",
    { path = path, recursive = o.recursive or false, includeEntry = o.include_entry or false },
    { user = o.user, timeout = timeout, request_timeout = o.request_timeout, errors = RPC_ERRORS })
  return Watch.open(stream, path, on_event, timeout)
end

return Filesystem
