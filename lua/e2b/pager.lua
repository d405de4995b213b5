--- A paginator over a token-paged REST list (`X-Next-Token`): the same shape as `Sandbox.list`'s
--- (`has_next`, `next_token`, `next_items()`, `iter()`), for snapshots and templates.
---
--- ```lua
--- local p = e2b.Sandbox.list_snapshots({ limit = 10 })
--- while p.has_next do for _, s in ipairs(p:next_items()) do print(s.snapshot_id) end end
--- for t in e2b.Template.list():iter() do print(t.template_id) end
--- ```
---@class e2b.Paginator
---@field has_next boolean
---@field next_token string?
local Pager = {}
Pager.__index = Pager

local errors = require("e2b.errors")

function Pager.__tostring(self)
  return self._name .. "(has_next=" .. tostring(self.has_next) .. ")"
end

--- A paginator named `name` (tostring) whose pages come from `fetch(token)` → items, next token
--- (nil at the end). No request is made until the first page is asked for.
---@param name string
---@param fetch fun(token: string?): table[], string?
---@param token string?  the first page's token
---@return e2b.Paginator
function Pager.new(name, fetch, token)
  return setmetatable({ has_next = true, next_token = token, _name = name, _fetch = fetch }, Pager)
end

--- The next page. Raises SandboxError when there is none.
---@return table[]
function Pager:next_items()
  if not self.has_next then errors.SandboxError:raise("No more items to fetch") end
  local items, token = self._fetch(self.next_token)
  if token == "" then token = nil end
  self.next_token = token
  self.has_next = token ~= nil
  return items
end

--- Iterator over every remaining item, fetching pages as needed: `for x in p:iter() do … end`.
---@return fun(): table?
function Pager:iter()
  local page, i = {}, 0
  return function()
    while true do
      i = i + 1
      if page[i] then return page[i] end
      if not self.has_next then return nil end
      page, i = self:next_items(), 0
    end
  end
end

return Pager
