--- Directory trees between this machine and a sandbox: `files:upload_dir` and `files:download_dir`.
---
--- envd has no archive endpoint (its `/files` route moves one file per request), so a tree moves
--- as one streamed request per file — each file goes from disk to the wire (or the wire to disk)
--- by the C core, so memory stays flat whatever the total — with a few requests in flight at once
--- (`concurrency`, default 4) on the shared connection pool. Empty directories are created too.
---
--- Safety: nothing is ever read from outside `local_dir` on upload, or written outside it on
--- download. Upload follows a symlink only when it resolves to a file inside `local_dir`; other
--- links (outside, dangling, to directories) are skipped and listed in the result's `skipped`
--- (`symlinks = "skip"`: skip every link; `"error"`: raise InvalidArgumentError instead).
--- Download never recreates symlinks (they are listed in `skipped`), refuses names that would
--- leave `local_dir` ("..", "/"), and never writes through a symlink it finds on the local side.
---
--- ```lua
--- local r = sbx.files:upload_dir("./project", "/home/user/project",
---   { ignore = { ".git", "node_modules", "*.pyc" }, on_progress = function(done, total) end })
--- print(r.files, r.dirs, r.bytes, #r.skipped)
--- sbx.files:download_dir("/home/user/project/out", "./out")
--- ```
---@class e2b.tree
local M = {}

local core = require("e2b.native")
local errors = require("e2b.errors")
local options = require("e2b.options")
local async = require("e2b.async")

local COMMON = { { "user", "string" }, { "request_timeout", "number" }, { "ignore", "table" },
  { "on_progress", "callable" }, { "concurrency", "integer", 4 } }
local UPLOAD = options.declare("files:upload_dir", { { "symlinks", "string", "inside" } }, COMMON)
local DOWNLOAD = options.declare("files:download_dir", COMMON)

---------------------------------------------------------------------------------------------------
-- ignore patterns: globs ("*" within a name, "**" across "/", "?"); a pattern without "/" matches
-- any one name in the path, one with "/" the path from the tree's root; a trailing "/" matches
-- directories only.

local function glob_to_lua(glob)
  local out, i = { "^" }, 1
  while i <= #glob do
    local c = glob:sub(i, i)
    if c == "*" and glob:sub(i + 1, i + 1) == "*" then
      out[#out + 1] = ".*"
      i = i + 2
    elseif c == "*" then
      out[#out + 1] = "[^/]*"
      i = i + 1
    elseif c == "?" then
      out[#out + 1] = "[^/]"
      i = i + 1
    else
      out[#out + 1] = c:gsub("[%^%$%(%)%%%.%[%]%+%-]", "%%%0")
      i = i + 1
    end
  end
  out[#out + 1] = "$"
  return table.concat(out)
end

local function compile_ignore(decl, list)
  local rules = {}
  for i, p in ipairs(list or {}) do
    if type(p) ~= "string" or p == "" then
      decl:fail(("option 'ignore' entry %d must be a non-empty string"):format(i))
    end
    local dir_only = p:sub(-1) == "/"
    if dir_only then p = p:sub(1, -2) end
    local anchored = p:find("/", 1, true) ~= nil
    if p:sub(1, 1) == "/" then p = p:sub(2) end
    rules[#rules + 1] = { pat = glob_to_lua(p), anchored = anchored, dir_only = dir_only }
  end
  return function(rel, is_dir)
    local name = rel:match("[^/]+$")
    for _, r in ipairs(rules) do
      if (is_dir or not r.dir_only) and (r.anchored and rel:match(r.pat) or (not r.anchored and name:match(r.pat))) then
        return true
      end
    end
    return false
  end
end

---------------------------------------------------------------------------------------------------
-- helpers

local function join(a, b)
  if a:sub(-1) == "/" then return a .. b end
  return a .. "/" .. b
end

local function inside(root, path)
  return path == root or path:sub(1, #root + 1) == root .. "/" or root == "/"
end

-- Run `job(item)` for every item with at most `n` at once (e2b.async tasks; the first failure
-- cancels the rest and is raised).
local function each_bounded(items, n, job)
  if #items == 0 then return end
  local next_i = 0
  local function worker()
    while true do
      next_i = next_i + 1
      local item = items[next_i]
      if item == nil then return end
      job(item)
    end
  end
  async.run(function()
    local tasks = {}
    for w = 1, math.min(n, #items) do tasks[w] = async.spawn(worker) end
    async.all(tasks)
  end)
end

-- Aggregate per-file progress into one on_progress(done, total, path) for the whole tree.
local function progress(on_progress, total)
  if not on_progress then return function() return nil end end
  local done = 0
  on_progress(0, total)
  return function(path)
    local mine = 0
    return function(now)
      done = done + (now - mine)
      mine = now
      on_progress(done, total, path)
    end
  end
end

local function check_common(decl, o)
  if o.concurrency < 1 or o.concurrency > 64 then decl:fail("option 'concurrency' must be 1..64") end
end

---------------------------------------------------------------------------------------------------
-- upload

---@class e2b.TreeResult
---@field files integer      files transferred
---@field dirs integer       directories created (or found)
---@field bytes number       bytes of file content transferred
---@field skipped {path: string, reason: string}[]  entries left out (symlinks, special files), relative paths

---@class e2b.UploadDirOpts
---@field ignore string[]?      glob patterns of paths to leave out ("node_modules", "*.pyc", "build/", "src/**/*.tmp")
---@field symlinks "inside"|"skip"|"error"|nil  default "inside": follow links to files inside local_dir, skip others
---@field concurrency integer?  files in flight at once (default 4, 1..64)
---@field on_progress fun(done: number, total: number, path: string?)?  bytes of the whole tree
---@field user string?          the sandbox user who owns what is written
---@field request_timeout number?

--- Upload the local directory `local_dir` into `remote_dir` in the sandbox (created with its
--- parents), keeping the tree's shape; see the module doc for symlinks.
---@param files e2b.Filesystem
---@param local_dir string
---@param remote_dir string
---@param opts e2b.UploadDirOpts?
---@return e2b.TreeResult
function M.upload_dir(files, local_dir, remote_dir, opts)
  UPLOAD:arg("local_dir", local_dir, "string")
  UPLOAD:arg("remote_dir", remote_dir, "string")
  local o = UPLOAD:check(opts)
  check_common(UPLOAD, o)
  if o.symlinks ~= "inside" and o.symlinks ~= "skip" and o.symlinks ~= "error" then
    UPLOAD:fail("option 'symlinks' must be \"inside\", \"skip\" or \"error\", got \"" .. o.symlinks .. "\"")
  end
  local ignored = compile_ignore(UPLOAD, o.ignore)
  local st = core.fs_stat(local_dir)
  if not st or st.type ~= "dir" then UPLOAD:fail("argument 'local_dir' is not a directory: " .. local_dir) end
  local root = assert(core.fs_realpath(local_dir))

  local list, dirs, skipped, total = {}, {}, {}, 0
  local has_files = {}   -- rel dir → true when a file is uploaded somewhere below it
  local function note_file(rel)
    local d = rel:match("^(.*)/[^/]*$")
    while d do
      has_files[d] = true
      d = d:match("^(.*)/[^/]*$")
    end
  end
  local function walk(dir_abs, dir_rel)
    local names, err = core.fs_dir(dir_abs)
    if not names then UPLOAD:fail("cannot read local directory " .. dir_abs .. ": " .. tostring(err)) end
    table.sort(names)
    for _, name in ipairs(names) do
      local abs, rel = join(dir_abs, name), dir_rel == "" and name or (dir_rel .. "/" .. name)
      local l = core.fs_lstat(abs)
      local kind = l and l.type or "gone"
      if kind == "symlink" then
        local target = core.fs_realpath(abs)
        local tst = target and core.fs_stat(target)
        local reason
        if o.symlinks == "skip" then reason = "symlink"
        elseif not target then reason = "dangling symlink"
        elseif not inside(root, target) then reason = "symlink pointing outside local_dir"
        elseif not tst or tst.type ~= "file" then reason = "symlink to a directory"
        end
        if reason and o.symlinks == "error" and reason ~= "symlink" then
          UPLOAD:fail(rel .. " is a " .. reason)
        end
        if reason then
          if not ignored(rel, false) then skipped[#skipped + 1] = { path = rel, reason = reason } end
        elseif not ignored(rel, false) then
          list[#list + 1] = { abs = target, rel = rel, size = tst.size }
          total = total + tst.size
          note_file(rel)
        end
      elseif kind == "dir" then
        if not ignored(rel, true) then
          dirs[#dirs + 1] = rel
          walk(abs, rel)
        end
      elseif kind == "file" then
        if not ignored(rel, false) then
          list[#list + 1] = { abs = abs, rel = rel, size = l.size }
          total = total + l.size
          note_file(rel)
        end
      elseif kind ~= "gone" and not ignored(rel, false) then
        skipped[#skipped + 1] = { path = rel, reason = "not a regular file" }
      end
    end
  end
  walk(root, "")

  -- envd creates a file's parents; only directories with no file below need a make_dir.
  local base = { user = o.user, request_timeout = o.request_timeout }
  if #list == 0 then files:make_dir(remote_dir, base) end
  for _, rel in ipairs(dirs) do
    if not has_files[rel] then files:make_dir(join(remote_dir, rel), base) end
  end
  local tracker = progress(o.on_progress, total)
  each_bounded(list, o.concurrency, function(item)
    files:write(join(remote_dir, item.rel), { from_file = item.abs },
      { user = o.user, request_timeout = o.request_timeout, on_progress = tracker(item.rel) })
  end)
  return { files = #list, dirs = #dirs, bytes = total, skipped = skipped }
end

---------------------------------------------------------------------------------------------------
-- download

-- Make `rel` (a checked relative directory path) under `root`, refusing to pass a symlink.
local function local_dirs(decl, root, rel)
  local path = root
  for part in rel:gmatch("[^/]+") do
    path = path .. "/" .. part
    local l = core.fs_lstat(path)
    if not l then
      local ok, err, code = core.fs_mkdir(path)
      if not ok and code ~= 17 then decl:fail("cannot create local directory " .. path .. ": " .. tostring(err)) end
    elseif l.type ~= "dir" then
      decl:fail("refusing to write through " .. path .. " (a " .. l.type .. ", not a directory)")
    end
  end
  return path
end

local function checked_rel(decl, rel)
  if rel == "" or rel:sub(1, 1) == "/" then decl:fail("the sandbox listed an entry outside remote_dir: " .. rel) end
  for part in (rel .. "/"):gmatch("([^/]*)/") do   -- (5.1 and 5.4 agree on this form's empty parts)
    if part == "" or part == "." or part == ".." then
      decl:fail("the sandbox listed an unsafe entry name: " .. rel)
    end
  end
  return rel
end

---@class e2b.DownloadDirOpts
---@field ignore string[]?      glob patterns of paths to leave out (as for upload_dir)
---@field concurrency integer?  files in flight at once (default 4, 1..64)
---@field on_progress fun(done: number, total: number, path: string?)?  bytes of the whole tree
---@field user string?
---@field request_timeout number?

--- Download the sandbox directory `remote_dir` into `local_dir` (created with its parents);
--- existing files are overwritten, symlinks are not recreated (see the module doc).
---@param files e2b.Filesystem
---@param remote_dir string
---@param local_dir string
---@param opts e2b.DownloadDirOpts?
---@return e2b.TreeResult
function M.download_dir(files, remote_dir, local_dir, opts)
  DOWNLOAD:arg("remote_dir", remote_dir, "string")
  DOWNLOAD:arg("local_dir", local_dir, "string")
  local o = DOWNLOAD:check(opts)
  check_common(DOWNLOAD, o)
  local ignored = compile_ignore(DOWNLOAD, o.ignore)
  local base = { user = o.user, request_timeout = o.request_timeout }
  local info = files:get_info(remote_dir, base)
  if info.type ~= "dir" then DOWNLOAD:fail("argument 'remote_dir' is not a directory in the sandbox: " .. remote_dir) end
  local rroot = info.path or remote_dir
  if rroot:sub(-1) == "/" and #rroot > 1 then rroot = rroot:sub(1, -2) end

  -- local root: create it (and parents) like mkdir -p, then work below its canonical path
  if not core.fs_lstat(local_dir) then
    local acc = local_dir:sub(1, 1) == "/" and "" or "."
    for part in local_dir:gmatch("[^/]+") do
      acc = acc .. "/" .. part
      if not core.fs_stat(acc) then
        local ok, err, code = core.fs_mkdir(acc)
        if not ok and code ~= 17 then DOWNLOAD:fail("cannot create local directory " .. acc .. ": " .. tostring(err)) end
      end
    end
  end
  local st = core.fs_stat(local_dir)
  if not st or st.type ~= "dir" then DOWNLOAD:fail("argument 'local_dir' is not a directory: " .. local_dir) end
  local root = assert(core.fs_realpath(local_dir))

  local entries = files:list(rroot, { depth = 1000, user = o.user, request_timeout = o.request_timeout })
  table.sort(entries, function(a, b) return a.path < b.path end)
  local list, dirs, skipped, total = {}, {}, {}, 0
  local dropped = {}   -- ignored directories: nothing below them
  for _, e in ipairs(entries) do
    local p = e.path or ""
    if p:sub(1, #rroot + 1) ~= rroot .. "/" then DOWNLOAD:fail("the sandbox listed an entry outside remote_dir: " .. p) end
    local rel = checked_rel(DOWNLOAD, p:sub(#rroot + 2))
    local parent_dropped = false
    for d in pairs(dropped) do
      if rel:sub(1, #d + 1) == d .. "/" then parent_dropped = true break end
    end
    if not parent_dropped then
      -- envd reports a link with its target's type and the target in symlink_target
      if e.symlink_target ~= nil or e.type == "symlink" then
        dropped[rel] = true
        if not ignored(rel, e.type == "dir") then skipped[#skipped + 1] = { path = rel, reason = "symlink" } end
      elseif e.type == "dir" then
        if ignored(rel, true) then dropped[rel] = true else dirs[#dirs + 1] = rel end
      elseif ignored(rel, false) then   -- luacheck: ignore 542
      elseif e.type == "file" then
        list[#list + 1] = { remote = p, rel = rel, size = e.size or 0 }
        total = total + (e.size or 0)
      else
        skipped[#skipped + 1] = { path = rel, reason = "not a regular file" }
      end
    end
  end

  for _, rel in ipairs(dirs) do local_dirs(DOWNLOAD, root, rel) end
  local tracker = progress(o.on_progress, total)
  each_bounded(list, o.concurrency, function(item)
    local dir_rel = item.rel:match("^(.*)/[^/]*$")
    local dir = dir_rel and local_dirs(DOWNLOAD, root, dir_rel) or root
    local target = dir .. "/" .. item.rel:match("[^/]+$")
    local l = core.fs_lstat(target)
    if l and l.type ~= "file" then
      DOWNLOAD:fail("refusing to write through " .. target .. " (a " .. l.type .. ", not a file)")
    end
    files:read(item.remote, { to_file = target, user = o.user, request_timeout = o.request_timeout,
      on_progress = tracker(item.rel) })
  end)
  return { files = #list, dirs = #dirs, bytes = total, skipped = skipped }
end

return M
