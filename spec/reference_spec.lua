-- docs/reference.md is generated from the LuaLS annotations (scripts/gen_reference.lua) and must
-- match the code: a changed annotation, a new public function or error class without a
-- regenerated page fails here.
local host = require("spec.support.host")
local interpreter, read = host.interpreter, host.read
describe("docs/reference.md", function()
  it("is what scripts/gen_reference.lua makes from the annotations now", function()
    local p = assert(io.popen(interpreter() .. " scripts/gen_reference.lua 2>&1"))
    local made = p:read("*a")
    p:close()
    assert(made == read("docs/reference.md"),
      "docs/reference.md drifted from the code: run lua5.4 scripts/gen_reference.lua > docs/reference.md")
  end)

  it("lists every public function, option class and error class", function()
    local ref = read("docs/reference.md")
    for _, name in ipairs({ "Sandbox.create(opts)", "Sandbox:get_url(port, opts)", "Filesystem:upload_dir(local_dir, remote_dir, opts)",
      "Commands:run(cmd, opts)", "class `e2b.RunOpts`", "class `e2b.ConnectionOpts`", "`TemplateError`", "`SandboxNotFoundError`" }) do
      assert(ref:find(name, 1, true), name .. " is missing from docs/reference.md")
    end
    -- every error class defined in errors.lua is listed
    for line in io.lines("lua/e2b/errors.lua") do
      local cls = line:match('^define%("([%w_]+)"')
      if cls then assert(ref:find("| `" .. cls .. "` |", 1, true), cls .. " is missing") end
    end
    -- nothing internal leaks in
    assert.is_nil(ref:find("transport.new", 1, true))
  end)

  it("names every option a call declares (options.declare / config.declare / :sub lists)", function()
    local ref = read("docs/reference.md")
    local missing = {}
    local p = assert(io.popen("find lua/e2b -name '*.lua' | LC_ALL=C sort"))
    for file in p:lines() do
      local src = read(file)
      local lists = {}
      for decl, body in src:gmatch('declare%(%s*"([^"]+)"%s*,%s*(%b{})') do lists[#lists + 1] = { decl, body } end
      -- option lists kept in a local and handed to declare / :sub / :extend
      for name, body in src:gmatch("local ([%w_]+) = (%b{})") do
        if body:match('^{%s*{%s*"') and (src:find("declare%([^\n]*%f[%w_]" .. name .. "%f[^%w_]")
            or src:find(":sub%([^\n]*%f[%w_]" .. name .. "%f[^%w_]") or src:find(":extend%([^\n]*%f[%w_]" .. name .. "%f[^%w_]")) then
          lists[#lists + 1] = { name, body }
        end
      end
      for _, l in ipairs(lists) do
        for opt in l[2]:gmatch('{%s*"([%w_]+)"%s*,') do
          if opt:sub(1, 1) ~= "_" and not ref:find("%f[%w_]" .. opt .. "%f[^%w_]") then
            missing[#missing + 1] = file .. " " .. l[1] .. ": " .. opt
          end
        end
      end
    end
    p:close()
    assert(#missing == 0, "options missing from the annotations (docs/reference.md):\n" .. table.concat(missing, "\n"))
  end)
end)
