-- Run by spec/secrets_spec.lua in a child process: requests through e2b.core with the trace on
-- (`verbose`, which libcurl's debug callback writes to this process's stderr) over HTTP/1.1 and
-- HTTP/2, direct and through an authenticating proxy, each carrying every kind of secret: API key,
-- envd token, traffic token, Basic credentials, a git password in URL userinfo (with a raw '@'),
-- a signed URL's query and a proxy password. Prints "DONE <n> <versions>" on stdout.
local core = require("e2b.core")
local drive = require("spec.support.drive")

local env = os.getenv
local S = {
  api_key = env("T_API_KEY"), token = env("T_TOKEN"), traffic = env("T_TRAFFIC"),
  basic = env("T_BASIC"), git_password = env("T_GIT_PASSWORD"), signature = env("T_SIGNATURE"),
}
local client = core.client()
local n, versions = 0, {}

local function go(base, extra)
  local host = base:match("^https?://(.*)$")
  local scheme = base:match("^(https?)://")
  local o = {
    method = "GET", verbose = true,
    url = ("%s://git:%s@%s/echo?path=%%2Fa&signature=%s"):format(scheme, S.git_password, host, S.signature),
    headers = { "X-API-KEY: " .. S.api_key, "X-Access-Token: " .. S.token,
                "E2B-Traffic-Access-Token: " .. S.traffic, "Authorization: Basic " .. S.basic },
  }
  for k, v in pairs(extra or {}) do o[k] = v end
  local req = client:request(o)
  drive.run(client, req, 15000)
  n = n + 1
  versions[#versions + 1] = (req:http_version() or "none") .. ":" .. req:state() .. ":" .. tostring(req:status())
end

go(env("T_H1"))
go(env("T_H1"), { proxy = env("T_PROXY") })
go(env("T_H2"), { ca_file = env("T_CA") })
go(env("T_H2"), { ca_file = env("T_CA"), proxy = env("T_PROXY") })
client:close()
print("DONE " .. n .. " " .. table.concat(versions, ","))
