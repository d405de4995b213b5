-- Generates docs/reference.md from the LuaLS annotations of lua/e2b/ (the one source of the API's
-- documentation): every public module, function, option class and error class.
--
--   lua5.4 scripts/gen_reference.lua > docs/reference.md     (from the repository root)
--   lua5.4 scripts/gen_reference.lua --check                 (exit 1 when docs/reference.md drifted)
--
-- Public = every module under lua/e2b/ except the internal plumbing listed in INTERNAL (a new
-- module is public until listed there; a directory entry ends with "/"; "types" = list only the
-- module's @class blocks). In a public module, a function is public when it is defined at the
-- top level as `function X.name(` / `function X:name(` with a `---` doc block and a name not
-- starting with "_"; a `---@class` block is listed with its `---@field`s. Error classes
-- are the `define("Name", parent)` calls of lua/e2b/errors.lua. Runs on Lua 5.1–5.4 and LuaJIT.

local INTERNAL = {
  ["lua/e2b/api.lua"] = true, ["lua/e2b/compat.lua"] = true, ["lua/e2b/connect.lua"] = true,
  ["lua/e2b/entry.lua"] = true, ["lua/e2b/envd.lua"] = true, ["lua/e2b/json.lua"] = true,
  ["lua/e2b/options.lua"] = true, ["lua/e2b/signature.lua"] = true, ["lua/e2b/stream.lua"] = true,
  ["lua/e2b/transport.lua"] = true, ["lua/e2b/version.lua"] = true, ["lua/e2b/envd/"] = true,
  ["lua/e2b/git/"] = true,          -- git.lua's helpers
  ["lua/e2b/template/files.lua"] = true,   -- Template's COPY files (select, hash, tar)
  ["lua/e2b/config.lua"] = "types", -- e2b.ConnectionOpts is public, the resolver is not
  ["lua/e2b/background.lua"] = true, -- stream delivery; its public face is e2b.poll()
  ["lua/e2b/native.lua"] = true,    -- the C core, loaded on first use
}

local function internal(path)
  if INTERNAL[path] ~= nil then return INTERNAL[path] end
  for k, v in pairs(INTERNAL) do
    if k:sub(-1) == "/" and path:sub(1, #k) == k then return v end
  end
  return false
end

local function lua_files()
  local p = assert(io.popen("find lua/e2b -name '*.lua' | LC_ALL=C sort"))
  local files = {}
  for line in p:lines() do
    if internal(line) ~= true then files[#files + 1] = line end
  end
  p:close()
  return files
end

local function module_name(path)
  local m = path:gsub("^lua/", ""):gsub("%.lua$", ""):gsub("/init$", ""):gsub("/", ".")
  return m
end

local function strip(line)   -- "--- text" -> "text"
  return (line:gsub("^%-%-%-%s?", ""))
end

-- Split "name type rest" of @param / @field (the type may contain spaces inside {} () <> []).
local function name_type_rest(s)
  local name, after = s:match("^([%w_%.%?%[%]\"']+)%s+(.*)$")
  if not name then return s, "", "" end
  local depth, i = 0, 1
  while i <= #after do
    local c = after:sub(i, i)
    if c == "{" or c == "(" or c == "<" or c == "[" then depth = depth + 1
    elseif c == "}" or c == ")" or c == ">" or c == "]" then depth = depth - 1
    elseif c:match("%s") and depth <= 0 then
      -- "fun(...): T" and "A | B" continue the type
      local rest = after:sub(i):match("^%s*(.*)$")
      if not (after:sub(i - 1, i - 1) == ":" or rest:sub(1, 1) == "|" or after:sub(i - 1, i - 1) == "|"
        or after:sub(i - 1, i - 1) == ",") then
        return name, after:sub(1, i - 1), rest
      end
    end
    i = i + 1
  end
  return name, after, ""
end

local function cell(s)
  return (s or ""):gsub("|", "\\|"):gsub("\n", " ")
end

-- Parse one file into { doc = lines, items = { {kind = "function"|"class", …}, … } }.
local function parse(path)
  local lines = {}
  for line in io.lines(path) do lines[#lines + 1] = line end
  local out = { items = {}, doc = {} }
  local block = {}
  local seen_code = false
  local function flush_block_as_module_doc()
    if not seen_code and #out.doc == 0 then
      for _, l in ipairs(block) do
        if not l:match("^%-%-%-@") then out.doc[#out.doc + 1] = strip(l) end
      end
    end
  end
  for _, line in ipairs(lines) do
    if line:match("^%-%-%-") then
      block[#block + 1] = line
    else
      if #block > 0 then
        local fname, args = line:match("^function%s+([%w_%.:]+)%s*(%b())")
        local class_line
        for _, l in ipairs(block) do if l:match("^%-%-%-@class%s") then class_line = l end end
        if fname and internal(path) == "types" then   -- luacheck: ignore 542
        elseif fname and fname:match("[%.:]") and not fname:match("[%.:]_[%w_]*$") then
          local f = { kind = "function", name = fname, args = args, desc = {}, params = {}, returns = {} }
          for _, l in ipairs(block) do
            local tag, rest = l:match("^%-%-%-@(%w+)%s*(.*)$")
            if tag == "param" then
              local n, t, r = name_type_rest(rest)
              f.params[#f.params + 1] = { n, t, r }
            elseif tag == "return" then
              f.returns[#f.returns + 1] = rest
            elseif not tag then
              f.desc[#f.desc + 1] = strip(l)
            end
          end
          out.items[#out.items + 1] = f
        elseif class_line then
          -- a module doc block may end with the module's own @class: its prose is the module doc
          if not seen_code and #out.doc == 0 and not fname then flush_block_as_module_doc() end
          local cname, parent = class_line:match("^%-%-%-@class%s+([%w_%.]+)%s*:?%s*([%w_%.,%s]*)")
          local c = { kind = "class", name = cname, parent = parent ~= "" and parent or nil, fields = {} }
          local in_class = false
          for _, l in ipairs(block) do
            if l:match("^%-%-%-@class%s") then in_class = true
            elseif in_class then
              local fr = l:match("^%-%-%-@field%s+(.*)$")
              if fr then
                local n, t, r = name_type_rest(fr)
                if not n:match("^private") and not n:match("^_") then c.fields[#c.fields + 1] = { n, t, r } end
              end
            end
          end
          if #c.fields > 0 then out.items[#out.items + 1] = c end
        elseif not seen_code then
          flush_block_as_module_doc()
        end
        block = {}
      end
      if line:match("%S") and not line:match("^%-%-") then seen_code = true end
    end
  end
  return out
end

local function error_classes()
  local list = {}
  for line in io.lines("lua/e2b/errors.lua") do
    local name, parent = line:match('^define%("([%w_]+)"%s*,?%s*([%w_%.]*)%)')
    if name then list[#list + 1] = { name, (parent:gsub("^errors%.", "")) } end
  end
  return list
end

local function render()
  local o = {}
  local function w(s) o[#o + 1] = s or "" end
  w("# lua-e2b API reference")
  w()
  w("Generated by `scripts/gen_reference.lua` from the LuaLS annotations in `lua/e2b/` — do not edit;")
  w("run `lua5.4 scripts/gen_reference.lua > docs/reference.md` after changing an annotation")
  w("(`spec/reference_spec.lua` fails when this page and the code disagree). Durations are seconds;")
  w("every `opts` table is checked: an unknown option or a wrong type raises `InvalidArgumentError`.")
  w()
  local parsed = {}
  for _, path in ipairs(lua_files()) do
    local p = parse(path)
    if #p.items > 0 then parsed[#parsed + 1] = { path = path, p = p } end
  end
  w("Modules: " .. (function()
    local t = {}
    for _, m in ipairs(parsed) do
      local name = module_name(m.path)
      t[#t + 1] = ("[`%s`](#%s)"):format(name, name:gsub("%.", ""):lower())
    end
    return table.concat(t, ", ")
  end)() .. ", [error classes](#error-classes).")
  w()
  for _, m in ipairs(parsed) do
    local name = module_name(m.path)
    w(("## %s"):format(name))
    w()
    w(("`require(\"%s\")` — `%s`"):format(name, m.path))
    w()
    if #m.p.doc > 0 then
      for _, l in ipairs(m.p.doc) do w(l) end
      w()
    end
    for _, it in ipairs(m.p.items) do
      if it.kind == "function" then
        w(("### `%s%s`"):format(it.name, it.args))
        w()
        local desc = table.concat(it.desc, "\n"):gsub("^%s+", ""):gsub("%s+$", "")
        if desc ~= "" then w(desc) w() end
        if #it.params > 0 then
          w("| parameter | type | |")
          w("|---|---|---|")
          for _, pr in ipairs(it.params) do
            w(("| `%s` | `%s` | %s |"):format(cell(pr[1]), cell(pr[2]), cell(pr[3])))
          end
          w()
        end
        for _, r in ipairs(it.returns) do w("Returns `" .. cell(r):gsub("^(%S+)", "%1`", 1)) w() end
      else
        w(("### class `%s`%s"):format(it.name, it.parent and (" : `" .. it.parent .. "`") or ""))
        w()
        w("| field / option | type | |")
        w("|---|---|---|")
        for _, f in ipairs(it.fields) do
          w(("| `%s` | `%s` | %s |"):format(cell(f[1]), cell(f[2]), cell(f[3])))
        end
        w()
      end
    end
  end
  w("## Error classes")
  w()
  w("`require(\"e2b\").errors` — every error the SDK raises is one of these (`err.name`, `err.message`,")
  w("and `status` / `code` / `kind` where known); `err:is(Class)` is true for subclasses too.")
  w()
  w("| class | parent |")
  w("|---|---|")
  for _, c in ipairs(error_classes()) do
    w(("| `%s` | %s |"):format(c[1], c[2] ~= "" and ("`" .. c[2] .. "`") or "—"))
  end
  w()
  return table.concat(o, "\n")
end

local text = render()
if arg and arg[1] == "--check" then
  local f = io.open("docs/reference.md", "rb")
  local have = f and f:read("*a") or ""
  if f then f:close() end
  if have ~= text then
    io.stderr:write("docs/reference.md is out of date: run lua5.4 scripts/gen_reference.lua > docs/reference.md\n")
    os.exit(1)
  end
  print("docs/reference.md is up to date")
else
  io.write(text)
end
