--- The SDK's JSON codec: a private lua-cjson instance (the global one's settings are never
--- touched). Every module that reads or writes JSON requires this one directly.
---
--- ```lua
--- local json = require("e2b.json")
--- json.encode({ a = 1, list = json.empty_array })   --> {"a":1,"list":[]}
--- json.decode('{"a":null}').a == json.null          --> true
--- json.try_decode("not json")                       --> nil
--- ```
---@class e2b.json
local json = {}

local cjson = require("cjson").new()
cjson.encode_sparse_array(false, 2, 10)

json.null = cjson.null
--- Encodes as `[]` (lua-cjson 2.1.0 writes every empty table as `{}`).
json.empty_array = setmetatable({}, { __newindex = function() error("json.empty_array is read-only", 2) end,
                                      __tostring = function() return "json.empty_array" end })
local EMPTY = "\"e2b.json.empty_array\\u0000\""   -- what the sentinel's placeholder encodes to
local EMPTY_PLACEHOLDER = "e2b.json.empty_array\0"

-- Copy-on-write walk replacing the sentinel; returns v itself when it holds no sentinel.
local function mark(v, depth)
  if v == json.empty_array then return EMPTY_PLACEHOLDER, true end
  if type(v) ~= "table" or depth > 100 then return v, false end
  local copy
  for k, x in pairs(v) do
    local y, changed = mark(x, depth + 1)
    if changed then
      if not copy then copy = {} for k2, x2 in pairs(v) do copy[k2] = x2 end end
      copy[k] = y
    end
  end
  return copy or v, copy ~= nil
end

--- Encode a Lua value as JSON.
---@param v any
---@return string
function json.encode(v)
  if type(v) ~= "table" then return cjson.encode(v) end   -- (a command line: nothing to mark)
  local marked, changed = mark(v, 0)
  local s = cjson.encode(marked)
  if changed then s = s:gsub(EMPTY:gsub("%p", "%%%0"), "[]") end
  return s
end

--- Decode JSON text (raises on invalid JSON, like cjson.decode).
---@param s string
---@return any
function json.decode(s)
  return cjson.decode(s)
end

--- Decode an answer's JSON body: the value, or nil when the body is empty or not JSON.
---@param s string?
---@return any
function json.try_decode(s)
  if s == nil or s == "" then return nil end
  local ok, v = pcall(cjson.decode, s)
  if ok then return v end
  return nil
end

return json
