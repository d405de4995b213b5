--- Run one git command with a username/password that never reach argv, the process's
--- configured envs or any file: they go over the process's stdin, a `read` builtin puts them
--- into shell variables of that one shell, and git asks for them through an inline credential
--- helper whose text names only the variables.
local shell = require("e2b.git.shell")
local check = require("e2b.git.check")

local auth = {}

-- `credential.helper=` first empties any helper list from the user's config (a `store` helper
-- would write the password to disk); the inline one answers only `get`.
auth.HELPER = "credential.helper=!f() { if [ \"$1\" = get ]; then "
  .. "printf 'username=%s\\npassword=%s\\n' \"$E2B_GIT_USER\" \"$E2B_GIT_PASS\"; fi; }; f"

local READ = "IFS= read -r E2B_GIT_USER && IFS= read -r E2B_GIT_PASS && "

--- Refuse line breaks: the credentials travel one per line.
function auth.check(method, username, password)
  if username:find("[\r\n]") or password:find("[\r\n]") then
    check.bad(method, "username and password must not contain a line break")
  end
end

--- The script running `git [-C repo] -c … <args…>`, then `after` (a shell snippet) if given.
--- With `extra`, a third stdin line is read into the shell variable of that name first.
---@param args string[]
---@param repo_path string?
---@param after string?
---@param extra string?
---@return string
function auth.script(args, repo_path, after, extra)
  local full = { "-c", "credential.helper=", "-c", auth.HELPER }
  for i = 1, #args do full[#full + 1] = args[i] end
  local cmd = READ .. (extra and ("IFS= read -r " .. extra .. " && ") or "")
    .. "export E2B_GIT_USER E2B_GIT_PASS && " .. shell.git(full, repo_path)
  if after then cmd = cmd .. " && " .. after end
  return cmd
end

--- Shell builtins that replace `<dest>/.git/config`'s `url = <plain>` line with the URL in
--- `$var`: the credentialed URL is never an argument of any program.
function auth.store_url(dest, plain, var)
  local c = shell.quote(dest .. "/.git/config")
  return "{ while IFS= read -r l || [ -n \"$l\" ]; do if [ \"$l\" = " .. shell.quote("\turl = " .. plain)
    .. " ]; then printf '\\turl = %s\\n' \"$" .. var .. "\"; else printf '%s\\n' \"$l\"; fi; done < "
    .. c .. "; } > " .. c .. ".e2b && mv " .. c .. ".e2b " .. c
end

--- What to send on stdin for the script.
function auth.input(username, password, extra)
  return username .. "\n" .. password .. "\n" .. (extra and (extra .. "\n") or "")
end

return auth
