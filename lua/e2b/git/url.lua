--- Credentials in http(s) git URLs: embed them for one command, strip them again.
---
--- Only the userinfo part of the authority is touched; the rest of the URL is kept byte for
--- byte, so a URL restored after a push is exactly the one the user configured.
local url = {}

-- scheme, "//authority", rest (path, query, fragment) of an http(s) URL; nil for anything else
-- (ssh, scp-like `git@host:x`, local paths).
local function split(u)
  local scheme, after = u:match("^([%a][%w+.-]*)://(.*)$")
  if not scheme then return nil end
  local lower = scheme:lower()
  if lower ~= "http" and lower ~= "https" then return nil end
  local authority, rest = after:match("^([^/?#]*)(.*)$")
  -- userinfo ends at the last "@" of the authority (a raw "@" may appear in a password).
  local userinfo, host = authority:match("^(.*)@([^@]*)$")
  return scheme, userinfo, host or authority, rest
end

-- Percent-encode everything but RFC 3986 unreserved characters, so ":" "@" "/" in a
-- username or token cannot change how the URL parses.
local function encode(s)
  return (s:gsub("[^A-Za-z0-9%-._~]", function(c)
    return string.format("%%%02X", c:byte())
  end))
end
url.encode = encode

--- True for http:// and https:// URLs (the only ones that take username/password).
---@param u string
---@return boolean
function url.is_http(u)
  return split(u) ~= nil
end

--- `u` with `username:password@` as its userinfo (replacing any there). nil for non-http(s).
---@param u string
---@param username string
---@param password string
---@return string?
function url.with_credentials(u, username, password)
  local scheme, _, host, rest = split(u)
  if not scheme then return nil end
  if host == "" then return nil end
  return scheme .. "://" .. encode(username) .. ":" .. encode(password) .. "@" .. host .. rest
end

--- `u` without userinfo; non-http(s) URLs come back untouched.
---@param u string
---@return string
function url.strip_credentials(u)
  local scheme, userinfo, host, rest = split(u)
  if not scheme or not userinfo then return u end
  return scheme .. "://" .. host .. rest
end

--- The userinfo already in an http(s) URL (as written, percent-encoded), or nil.
---@param u string
---@return string?
function url.userinfo(u)
  local scheme, userinfo = split(u)
  if scheme then return userinfo end
  return nil
end

--- Percent-decode a userinfo part (the inverse of the encoding with_credentials applies).
---@param s string
---@return string
function url.decode(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

--- The directory `git clone` would create: last path segment without ".git". nil if none.
---@param u string
---@return string?
function url.repo_dir(u)
  local scheme, _, _, rest = split(u)
  if not scheme then return nil end
  local path = rest:match("^[^?#]*"):gsub("/+$", "")
  local last = path:match("([^/]*)$")
  last = last:gsub("%.git$", "")
  if last == "" or last == "." or last == ".." then return nil end
  return last
end

return url
