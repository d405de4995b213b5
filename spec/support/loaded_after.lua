-- Run by spec/lazy_require_spec.lua in a fresh interpreter. For each step named on the command
-- line, in order, it runs the step and prints "<step> <module> <module> ...": the modules
-- package.loaded holds then that it did not hold when this script started (sorted).
-- A check step prints "<step> ok" or "<step> FAIL: <why>".
local before = {}
for k in pairs(package.loaded) do before[k] = true end

local KEY = "e2b_0123456789abcdef0123456789abcdef01234567"   -- a well-formed, fake key
local UNREACHABLE = "http://127.0.0.1:9"                      -- loopback only; never reached below

-- A bad-input error made by the SDK (the option check runs before anything needs the C core).
local function bad_input()
  local ok, err = pcall(require("e2b").Sandbox.create, { timeout = "soon" })
  assert(not ok, "Sandbox.create accepted timeout = 'soon'")
  return err
end

local function check(cond, why) if not cond then error(why, 0) end end

local steps = {
  e2b = function() require("e2b") end,
  safe = function() require("e2b.safe") end,
  Sandbox = function() local _ = require("e2b").Sandbox end,
  errors = function() local _ = require("e2b").errors end,
  version = function() local _ = require("e2b").version end,
  bad_input = function() bad_input() end,
  -- error classes reached before the Sandbox side loads are the ones its errors are made of
  errors_early = function()
    local e2b = require("e2b")
    local early = e2b.errors.InvalidArgumentError
    local root = e2b.errors.SandboxError
    check(package.loaded["e2b.sandbox"] == nil, "e2b.sandbox loaded with e2b.errors")
    local err = bad_input()
    check(getmetatable(err) == early, "the error's class is not the early e2b.errors.InvalidArgumentError")
    check(err:is(early) and err:is(root), "err:is() fails against the early classes")
    check(e2b.errors.is(err, early), "errors.is fails against the early class")
    check(require("e2b").errors.InvalidArgumentError == early, "e2b.errors.InvalidArgumentError changed")
    check(require("e2b.errors") == e2b.errors, "e2b.errors is not require('e2b.errors')")
  end,
  -- and reached late (after the SDK made its error), they are the same tables
  errors_late = function()
    local err = bad_input()
    local e2b = require("e2b")
    check(getmetatable(err) == e2b.errors.InvalidArgumentError, "the error's class is not e2b.errors.InvalidArgumentError")
    check(err:is(e2b.errors.SandboxError), "err:is(SandboxError) fails")
    check(require("e2b.safe").errors == e2b.errors, "e2b.safe.errors is not e2b.errors")
  end,
  -- with no loadable C core: the first call that needs it raises, naming e2b.core and the loader
  no_core = function()
    local e2b = require("e2b")
    local ok, err = pcall(e2b.Sandbox.create, { api_key = KEY, api_url = UNREACHABLE })
    check(not ok, "Sandbox.create worked without the C core")
    check(e2b.errors.is(err, e2b.errors.SandboxError), "not a SandboxError: " .. tostring(err))
    check(err.kind == "core", "kind " .. tostring(err.kind))
    io.write("no_core message ", (err.message:gsub("\n", "\\n")), "\n")
    -- the same again (it is not a one-off), and through e2b.safe as nil, err
    local r, err2 = require("e2b.safe").Sandbox.create({ api_key = KEY, api_url = UNREACHABLE })
    check(r == nil and e2b.errors.is(err2) and err2.kind == "core", "e2b.safe did not return nil, err")
    check(err2.message == err.message, "second message differs: " .. tostring(err2.message))
  end,
}

for i = 1, #arg do
  local name = arg[i]
  local step = steps[name]
  if not step and name:match("^req:") then step = function() require(name:sub(5)) end end
  assert(step, "unknown step " .. name)
  local ok, why = pcall(step)
  if not ok then
    io.write(name, " FAIL: ", (tostring(why):gsub("\n", "\\n")), "\n")
  elseif name == "errors_early" or name == "errors_late" or name == "no_core" then
    io.write(name, " ok\n")
  else
    local l = {}
    for k in pairs(package.loaded) do
      if not before[k] then l[#l + 1] = k end
    end
    table.sort(l)
    io.write(name, " ", table.concat(l, " "), "\n")
  end
end
