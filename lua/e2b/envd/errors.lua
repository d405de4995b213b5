--- envd's failures → `e2b.errors` objects, exactly as the official SDKs map them (protocol doc
--- §4.5 for Connect RPC, §5.5 for plain HTTP). Pure functions: no I/O, no state.
---
--- ```lua
--- local map = require("e2b.envd.errors")
--- map.rpc_error("not_found", "no such file").name               --> "NotFoundError"
--- map.http_error({ status = 507, body = '{"message":"full"}' }).name   --> "NotEnoughSpaceError"
--- map.code_from_status(503)                                     --> "unavailable"
--- ```
---@class e2b.envd.errors
local M = {}

local errors = require("e2b.errors")
local json = require("e2b.json")

local SANDBOX_TIMEOUT_HINT = ": This error is likely due to sandbox timeout. You can modify the sandbox " ..
  "timeout by passing 'timeout' when creating the sandbox or calling ':set_timeout' on it."

--- Connect code a Connect client derives from a bare HTTP status (connect-es rules).
---@param status integer
---@return string
function M.code_from_status(status)
  if status == 400 then return "internal"
  elseif status == 401 then return "unauthenticated"
  elseif status == 403 then return "permission_denied"
  elseif status == 404 then return "unimplemented"
  elseif status == 429 or status == 502 or status == 503 or status == 504 then return "unavailable" end
  return "unknown"
end

local RPC = {
  invalid_argument = function(m) return errors.InvalidArgumentError, m end,
  unauthenticated = function(m) return errors.AuthenticationError, m end,
  not_found = function(m) return errors.NotFoundError, m end,
  resource_exhausted = function(m)
    return errors.RateLimitError, m .. ": Rate limit exceeded, please try again later."
  end,
  unavailable = function(m) return errors.TimeoutError, m .. SANDBOX_TIMEOUT_HINT end,
  canceled = function(m)
    return errors.TimeoutError, m .. ": This error is likely due to exceeding 'request_timeout'. " ..
      "You can pass the request timeout value as an option when making the request."
  end,
  deadline_exceeded = function(m)
    return errors.TimeoutError, m .. ": This error is likely due to exceeding 'timeout' — the total " ..
      "time a long running request (like command execution) can be active. It can be modified by " ..
      "passing 'timeout' when making the request. Use 0 to disable the timeout."
  end,
}

--- The error for a Connect error (§4.5). `overrides` maps a code to a class used instead of the
--- default one (e.g. not_found → FileNotFoundError for filesystem calls).
---@param code string
---@param message string
---@param status integer?
---@param overrides table<string, table>?
---@return e2b.Error
function M.rpc_error(code, message, status, overrides)
  message = message or ""
  local fields = { code = code, status = status }
  if overrides and overrides[code] then return overrides[code]:new(message, fields) end
  -- envd (not the proxy, whose dead-sandbox answer is a 502) refusing work for now
  if status == 503 then return errors.ServiceBusyError:new("503: " .. message .. ": envd is busy, try again shortly", fields) end
  local f = RPC[code]
  if f then
    local class, msg = f(message)
    return class:new(msg, fields)
  end
  return errors.SandboxError:new(code .. ": " .. message, fields)
end

local HTTP = {
  [400] = function(m) return errors.InvalidArgumentError, m end,
  [401] = function(m) return errors.AuthenticationError, m end,
  [404] = function(m) return errors.NotFoundError, m end,
  [429] = function(m) return errors.RateLimitError, m .. ": The requests are being rate limited." end,
  [502] = function(m) return errors.TimeoutError, m .. SANDBOX_TIMEOUT_HINT end,
  [503] = function(m) return errors.ServiceBusyError, "503: " .. m end,
  [507] = function(m) return errors.NotEnoughSpaceError, m end,
}

local decode = json.try_decode

--- The error for a non-2xx envd HTTP answer (§5.5). `overrides` maps a status to a class.
---@param res table {status, body}
---@param overrides table<integer, table>?
---@return e2b.Error
function M.http_error(res, overrides)
  local parsed = decode(res.body)
  local message = type(parsed) == "table" and type(parsed.message) == "string" and parsed.message or nil
  if not message or message == "" then
    message = (res.body ~= nil and res.body ~= "") and res.body or ("HTTP " .. res.status)
  end
  local fields = { status = res.status }
  if overrides and overrides[res.status] then return overrides[res.status]:new(message, fields) end
  local f = HTTP[res.status]
  if f then
    local class, msg = f(message)
    return class:new(msg, fields)
  end
  return errors.SandboxError:new(res.status .. ": " .. message, fields)
end

--- The error for a non-200 unary RPC answer: a string `code` in the JSON body is the Connect code,
--- otherwise the code comes from the status; the body's `message` is kept.
---@param res table
---@param overrides table?
---@return e2b.Error
function M.unary_error(res, overrides)
  local parsed = decode(res.body)
  local code, message
  if type(parsed) == "table" then
    if type(parsed.code) == "string" then code = parsed.code end
    if type(parsed.message) == "string" then message = parsed.message end
  end
  code = code or M.code_from_status(res.status)
  if not message then message = (res.body ~= nil and res.body ~= "") and res.body or ("HTTP " .. res.status) end
  return M.rpc_error(code, message, res.status, overrides)
end

--- The error a finished server stream ends with, or nil for a clean end. `info` is the
--- transport's end-of-stream info: `{ error = { code, message } }` (an end-of-stream error) or
--- `{ http_status = n, body = "…" }` (a non-200 answer: code from the status, the body's message).
---@param info table?
---@param overrides table?
---@return e2b.Error?
function M.stream_end_error(info, overrides)
  info = info or {}
  if type(info.error) == "table" then
    return M.rpc_error(tostring(info.error.code or "unknown"), info.error.message, 200, overrides)
  end
  if info.http_status then
    local parsed = decode(info.body)
    local message = type(parsed) == "table" and type(parsed.message) == "string" and parsed.message
      or (info.body ~= nil and info.body ~= "" and info.body) or ("HTTP " .. info.http_status)
    return M.rpc_error(M.code_from_status(info.http_status), message, info.http_status, overrides)
  end
  return nil
end

return M
