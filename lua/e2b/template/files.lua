--- The files of a template's COPY step: which files (a path or glob under the file context,
--- minus the ignore patterns), their hash (the official SDKs' `calculateFilesHash`: the server
--- keeps uploads by it, so an unchanged copy is not uploaded again), and the tar archive that is
--- uploaded, spooled to a temporary file so memory stays flat. Part of `e2b.Template`.
---
--- ```lua
--- local files = require("e2b.template.files")
--- local list = files.select("/ctx", "app", { "*.log", "!keep.log" })
--- print(files.hash("/ctx", "app", "/home/user/app", list))      --> 64 hex digits
--- local path, size = files.tar("/ctx", list)                       -- os.remove(path) when done
--- ```
---@class e2b.template.files
local M = {}

local core = require("e2b.native")
local errors = require("e2b.errors")

---------------------------------------------------------------------------------------------------
-- globs: "*" and "?" within one path segment, "[…]" classes, "**" any number of segments

local function segment_pattern(seg)
  local out, i = { "^" }, 1
  while i <= #seg do
    local c = seg:sub(i, i)
    if c == "*" then out[#out + 1] = ".*"
    elseif c == "?" then out[#out + 1] = "."
    elseif c == "[" then
      local close = seg:find("]", i + 2, true)
      if close then
        local body = seg:sub(i + 1, close - 1)
        local neg = body:match("^[!^]")
        if neg then body = body:sub(2) end
        out[#out + 1] = "[" .. (neg and "^" or "") .. body:gsub("%%", "%%%%") .. "]"
        i = close
      else
        out[#out + 1] = "%["
      end
    else
      out[#out + 1] = c:gsub("[%^%$%(%)%%%.%[%]%+%-]", "%%%0")
    end
    i = i + 1
  end
  out[#out + 1] = "$"
  return table.concat(out)
end

local function split(path)
  local out = {}
  for s in path:gmatch("[^/]+") do
    if s ~= "." then out[#out + 1] = s end
  end
  return out
end

--- A matcher for a glob: `m(rel_path)` → true when the whole path matches.
---@param glob string
---@return fun(path: string): boolean
function M.glob(glob)
  local segs = split(glob)
  local pats = {}
  for i, s in ipairs(segs) do pats[i] = s == "**" and "**" or segment_pattern(s) end
  local function match(parts, pi, si)
    if pi > #pats then return si > #parts end
    if pats[pi] == "**" then
      for k = si, #parts + 1 do
        if match(parts, pi + 1, k) then return true end
      end
      return false
    end
    if si > #parts then return false end
    if not parts[si]:match(pats[pi]) then return false end
    return match(parts, pi + 1, si + 1)
  end
  return function(path) return match(split(path), 1, 1) end
end

local function has_magic(s) return s:find("[%*%?%[]") ~= nil end

--- The ignore rule of a list of patterns (dockerignore: evaluated in order, the last pattern that
--- matches a path or one of its parent directories decides; "!pattern" re-includes).
--- `ignored(rel)` → true when excluded; `negations` → true when some pattern re-includes.
---@param patterns string[]
---@return fun(rel: string): boolean ignored, boolean negations
function M.ignore(patterns)
  local rules, negations = {}, false
  for _, p in ipairs(patterns) do
    p = p:gsub("^%s+", ""):gsub("%s+$", "")
    if p ~= "" and p:sub(1, 1) ~= "#" then
      local neg = p:sub(1, 1) == "!"
      if neg then p = p:sub(2); negations = true end
      p = p:gsub("^/+", ""):gsub("/+$", "")
      if p ~= "" then rules[#rules + 1] = { m = M.glob(p), neg = neg } end
    end
  end
  return function(rel)
    local out = false
    for _, r in ipairs(rules) do
      -- the path itself, or a directory above it
      local hit = r.m(rel)
      if not hit then
        local d = rel:match("^(.*)/[^/]*$")
        while d and not hit do
          hit = r.m(d)
          d = d:match("^(.*)/[^/]*$")
        end
      end
      if hit then out = not r.neg end
    end
    return out
  end, negations
end

--- The patterns of `<context>/.dockerignore` (none when there is no such file).
---@param context string
---@return string[]
function M.dockerignore(context)
  local f = io.open(context .. "/.dockerignore", "rb")
  if not f then return {} end
  local out = {}
  for line in f:lines() do
    line = line:gsub("\r$", ""):gsub("^%s+", ""):gsub("%s+$", "")
    if line ~= "" and line:sub(1, 1) ~= "#" then out[#out + 1] = line end
  end
  f:close()
  return out
end

---------------------------------------------------------------------------------------------------
-- selection

---@class e2b.template.Entry
---@field rel string   POSIX path relative to the context
---@field abs string
---@field type "file"|"dir"|"symlink"|"other"  from lstat
---@field size number
---@field mode integer permission bits

local function entry(context, rel)
  local abs = context .. "/" .. rel
  local st = core.fs_lstat(abs)
  if not st then return nil end
  return { rel = rel, abs = abs, type = st.type, size = st.size, mode = st.mode }
end

--- The entries `src` (a path or glob relative to `context`) selects, sorted by path: matches,
--- and everything below a matched directory (links to directories are not followed), minus the
--- ignored ones. Raises BuildError when nothing is selected.
---@param context string
---@param src string
---@param patterns string[]  ignore patterns
---@return e2b.template.Entry[]
function M.select(context, src, patterns)
  local ignored, negations = M.ignore(patterns)
  local chosen, seen = {}, {}
  local function add(e)
    if e and not seen[e.rel] and not ignored(e.rel) then
      seen[e.rel] = true
      chosen[#chosen + 1] = e
    end
  end
  -- everything below a directory entry (pruning ignored directories unless a "!" may re-include)
  local function below(dir_rel)
    local names = core.fs_dir(context .. "/" .. dir_rel)
    if not names then return end
    table.sort(names)
    for _, name in ipairs(names) do
      local e = entry(context, dir_rel .. "/" .. name)
      if e then
        add(e)
        if e.type == "dir" and (negations or not ignored(e.rel)) then below(e.rel) end
      end
    end
  end
  local norm = table.concat(split(src), "/")
  if not has_magic(norm) then
    local e = norm == "" and { rel = ".", abs = context, type = "dir" } or entry(context, norm)
    if e and e.type == "dir" then
      if norm ~= "" then add(e) end
      if norm == "" then
        local names = core.fs_dir(context) or {}
        table.sort(names)
        for _, name in ipairs(names) do
          local c = entry(context, name)
          if c then add(c); if c.type == "dir" and (negations or not ignored(c.rel)) then below(c.rel) end end
        end
      else
        below(norm)
      end
    else
      add(e)
    end
  else
    local m = M.glob(norm)
    local function walk(dir_rel)
      local names = core.fs_dir(dir_rel == "" and context or (context .. "/" .. dir_rel))
      if not names then return end
      table.sort(names)
      for _, name in ipairs(names) do
        local rel = dir_rel == "" and name or (dir_rel .. "/" .. name)
        local e = entry(context, rel)
        if e then
          if m(rel) then
            add(e)
            if e.type == "dir" then below(rel) end
          elseif e.type == "dir" then
            walk(rel)
          end
        end
      end
    end
    walk("")
  end
  table.sort(chosen, function(a, b) return a.abs < b.abs end)
  if #chosen == 0 then
    errors.BuildError:raise(("No files found in %s/%s"):format(context, src))
  end
  return chosen
end

---------------------------------------------------------------------------------------------------
-- hash

local TYPE_BITS = { file = 32768, dir = 16384, symlink = 40960, other = 0 }

local function hex(s) return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end)) end

local function dec(n) return ("%d"):format(n) end

--- The files hash of a COPY step, as the official SDKs compute it: sha256 over
--- "COPY <src> <dest>", then per entry its path, st_mode and size (decimal), and the content
--- (a file's bytes; a link's target unless `resolve_symlinks` follows it to a file or directory).
---@param context string
---@param src string
---@param dest string
---@param entries e2b.template.Entry[]
---@param resolve_symlinks boolean?
---@return string hex
function M.hash(context, src, dest, entries, resolve_symlinks)
  local h = core.sha256_new()
  h:update("COPY " .. src .. " " .. dest)
  for _, e in ipairs(entries) do
    h:update(e.rel)
    local st = { type = e.type, size = e.size, mode = e.mode }
    local link = false
    if e.type == "symlink" then
      local t = core.fs_stat(e.abs)
      if resolve_symlinks and t and (t.type == "file" or t.type == "dir") then st = t else link = true end
    end
    h:update(dec(TYPE_BITS[st.type] + st.mode))
    h:update(dec(st.size))
    if link then
      h:update(core.fs_readlink(e.abs) or "")
    elseif st.type == "file" then
      local ok, err = h:update_file(e.abs)
      if not ok then errors.BuildError:raise("cannot read " .. e.abs .. ": " .. tostring(err)) end
    end
  end
  local _ = context
  return hex(h:digest())
end

---------------------------------------------------------------------------------------------------
-- tar (POSIX ustar; GNU long-name records for paths over 100 bytes)

local BLOCK = 512
local ZEROS = ("\0"):rep(BLOCK)

local function octal(n, width) return ("%0" .. (width - 1) .. "o"):format(n) .. "\0" end

local function field(s, width)
  if #s > width then s = s:sub(1, width) end
  return s .. ("\0"):rep(width - #s)
end

local function header(name, mode, size, typeflag, linkname, prefix, mtime)
  local h = field(name, 100) .. octal(mode, 8) .. octal(0, 8) .. octal(0, 8) .. octal(size, 12) ..
    octal(mtime, 12) .. "        " .. typeflag .. field(linkname or "", 100) .. "ustar\0" .. "00" ..
    field("root", 32) .. field("root", 32) .. octal(0, 8) .. octal(0, 8) .. field(prefix or "", 155)
  h = field(h, BLOCK)
  local sum = 0
  for i = 1, #h do sum = sum + h:byte(i) end
  return h:sub(1, 148) .. ("%06o"):format(sum) .. "\0 " .. h:sub(157)
end

local function pad(out, n)
  local r = n % BLOCK
  if r ~= 0 then out:write(ZEROS:sub(1, BLOCK - r)) end
end

local function long_record(out, kind, s, mtime)
  local data = s .. "\0"
  out:write(header("././@LongLink", 0, #data, kind, nil, nil, mtime))
  out:write(data)
  pad(out, #data)
end

local function write_header(out, name, mode, size, typeflag, linkname, mtime)
  local prefix
  if #name > 100 then
    -- ustar: split at a "/" into prefix (<= 155) and name (<= 100); else a GNU long name
    for i = #name - 1, 1, -1 do
      if name:sub(i, i) == "/" and i - 1 <= 155 and #name - i <= 100 then
        prefix, name = name:sub(1, i - 1), name:sub(i + 1)
        break
      end
    end
    if not prefix then
      long_record(out, "L", name, mtime)
      name = name:sub(1, 100)
    end
  end
  if linkname and #linkname > 100 then
    long_record(out, "K", linkname, mtime)
    linkname = linkname:sub(1, 100)
  end
  out:write(header(name, mode, size, typeflag, linkname, prefix, mtime))
end

local function copy_file(out, path, size)
  local f, err = io.open(path, "rb")
  if not f then errors.BuildError:raise("cannot read " .. path .. ": " .. tostring(err)) end
  local n = 0
  while true do
    local chunk = f:read(65536)
    if not chunk then break end
    n = n + #chunk
    if n > size then chunk = chunk:sub(1, #chunk - (n - size)); n = size end
    out:write(chunk)
    if n >= size then break end
  end
  f:close()
  if n < size then errors.BuildError:raise(path .. " changed while it was archived") end
  pad(out, size)
end

--- Write the entries to a new temporary tar file; returns its path and size. Links stay links
--- unless `resolve_symlinks` (then what they point to is archived). The caller removes the file.
---@param entries e2b.template.Entry[]
---@param resolve_symlinks boolean?
---@return string path, number size
function M.tar(entries, resolve_symlinks)
  local path = os.tmpname()
  local out, err = io.open(path, "wb")
  if not out then errors.BuildError:raise("cannot create a temporary archive: " .. tostring(err)) end
  local mtime = os.time()
  local ok, failure = pcall(function()
    for _, e in ipairs(entries) do
      local st, link = e, nil
      if e.type == "symlink" then
        local t = core.fs_stat(e.abs)
        if resolve_symlinks and t and (t.type == "file" or t.type == "dir") then st = t
        else link = core.fs_readlink(e.abs) or "" end
      end
      if link then
        write_header(out, e.rel, e.mode, 0, "2", link, mtime)
      elseif st.type == "dir" then
        write_header(out, e.rel .. "/", st.mode, 0, "5", nil, mtime)
      elseif st.type == "file" then
        if st.size >= 8589934592 then errors.BuildError:raise(e.rel .. " is too large for the archive (8 GiB)") end
        write_header(out, e.rel, st.mode, st.size, "0", nil, mtime)
        copy_file(out, e.abs, st.size)
      end
    end
    out:write(ZEROS, ZEROS)
  end)
  local size = out:seek("end")
  out:close()
  if not ok then
    os.remove(path)
    error(failure, 0)
  end
  return path, size
end

return M
