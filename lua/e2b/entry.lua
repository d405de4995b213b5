--- Entry info: envd's EntryInfo message (proto3 JSON) → the SDK's snake_case table. Used by the
--- filesystem calls and by directory-watch events (include_entry); depends on nothing.
---
--- ```lua
--- local entry = require("e2b.entry")
--- entry.from_proto({ name = "a", type = "FILE_TYPE_FILE", size = "3" })   --> { name = "a", type = "file", size = 3, … }
--- entry.type_name(2)                                                        --> "dir"
--- ```
---@class e2b.entry
local entry = {}

local TYPES = {
  FILE_TYPE_FILE = "file", FILE_TYPE_DIRECTORY = "dir", FILE_TYPE_SYMLINK = "symlink",
  [1] = "file", [2] = "dir", [3] = "symlink",
}

---@class e2b.EntryInfo
---@field name string
---@field type "file"|"dir"|"symlink"|nil
---@field path string
---@field size number
---@field mode integer
---@field permissions string
---@field owner string
---@field group string
---@field modified_time string?
---@field symlink_target string?
---@field metadata table<string,string>

--- Map an EntryInfo message (proto3 JSON) to the SDK's snake_case table.
---@param e table
---@return e2b.EntryInfo
function entry.from_proto(e)
  return {
    name = e.name, type = TYPES[e.type], path = e.path,
    size = tonumber(e.size) or 0, mode = tonumber(e.mode) or 0,
    permissions = e.permissions, owner = e.owner, group = e.group,
    modified_time = e.modifiedTime or e.modified_time,
    symlink_target = e.symlinkTarget or e.symlink_target,
    metadata = type(e.metadata) == "table" and e.metadata or {},
  }
end

--- The SDK's name of an envd file type (enum name or number): "file", "dir", "symlink", or nil.
---@param t any
---@return string?
function entry.type_name(t)
  return TYPES[t]
end

return entry
