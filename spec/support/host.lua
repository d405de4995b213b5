--- The spec run's own machine: the Lua interpreter it runs under, shell commands, and local files
--- and directories (the host side of file transfers, generated docs, example scripts).
local M = {}

--- The interpreter running this spec (arg[-n] of busted's command line), so child processes
--- use the same Lua version.
---@return string
function M.interpreter()
  local i = -1
  while arg and arg[i - 1] do i = i - 1 end
  return arg and arg[i] or "lua5.4"
end

--- `s` quoted for a POSIX shell command line.
---@param s any
---@return string
function M.quote(s)
  return "'" .. (tostring(s):gsub("'", "'\\''")) .. "'"
end

--- Run a shell command; fails the spec when it does not exit 0.
---@param cmd string
function M.sh(cmd)
  local r = os.execute(cmd)
  assert(r == true or r == 0, "failed: " .. cmd)
end

--- A fresh local directory, removed with everything in it when the test ends.
---@param finally function busted's finally
---@return string
function M.tmpdir(finally)
  local p = os.tmpname()
  os.remove(p)
  M.sh("mkdir -p " .. p)
  require("spec.support.e2e").defer(finally, function() os.execute("rm -rf " .. p) end)
  return p
end

--- Write `data` to a local file (binary).
function M.write(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

--- A local file's bytes, or nil when it cannot be opened.
---@return string?
function M.read_if(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

--- A local file's bytes; fails the spec when it cannot be opened.
---@return string
function M.read(path)
  return (assert(M.read_if(path), "cannot read " .. path))
end

return M
