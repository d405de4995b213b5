-- The null-server benchmark (bench/run.sh --set null) still works end to end: one tiny round of
-- lua-e2b, the official JS SDK and the C libcurl floor against bench/null/server.c, every answer
-- checked by the clients and the kept stdout's SHA-256 by run.sh. --smoke writes nothing into the
-- tree; the server and clients it starts are its own (bounded: one round, 60 s per client).
-- run.sh drives lua5.4 and build/ itself whatever runs busted, so the version matrix (LuaJIT,
-- 5.1-5.3) would only repeat the same run: it runs once, under Lua 5.4.
if _VERSION ~= "Lua 5.4" or rawget(_G, "jit") then return end

describe("bench --set null --smoke", function()
  it("runs every scenario with every client and passes every check", function()
    local err = os.tmpname()
    local p = assert(io.popen("bash bench/run.sh --set null --smoke 2>" .. err))
    local report = p:read("a")
    local ok, _, code = p:close()
    local log = assert(io.open(err)):read("a")
    os.remove(err)
    assert.is_true(ok, ("run.sh exited %s:\n%s"):format(tostring(code), log:sub(-2000)))
    assert.matches("Every run of every client passed its checks", report, 1, true)
    -- a row with a number for all three clients (Lua SDK, JS SDK, C floor) in each 3-client table
    for _, title in ipairs({ "N1%.", "N2%.", "N3%.", "N4%.", "N6%.", "N7%." }) do
      local section = report:match("### " .. title .. "(.-)\n###")
      assert.is_truthy(section, "no section " .. title .. " in:\n" .. report)
      local first = section:match("\n| ([%w_]+ %b[]) | ([%d.]+) %b() | ([%d.]+) %b() | ([%d.]+) %b() |")
      assert.is_truthy(first, "section " .. title .. " lacks a figure from a client:\n" .. section)
    end
    -- lua-e2b on LuaJIT joins N3 and N4 wherever luajit is installed (as on CI): a fourth figure
    local jit = io.popen("command -v luajit"):read("a") ~= ""
    if jit then
      for _, title in ipairs({ "N3%.", "N4%." }) do
        local section = report:match("### " .. title .. "(.-)\n###")
        assert.matches("| Lua SDK on LuaJIT |", section, 1, true)
        assert.is_truthy(section:match("\n| [%w_]+ %b[] | [%d.]+ %b() | [%d.]+ %b() | [%d.]+ %b() | [%d.]+ %b() |"),
          "section " .. title .. " lacks the LuaJIT figure:\n" .. section)
      end
      assert.matches("N3 on LuaJIT: lua-e2b client CPU per call", report, 1, true)
    end
    assert.matches("| require_ms %[ms, lower is better%] | [%d.]+ %b() | [%d.]+ %b() |", report)
    assert.matches("| ready_ms %[ms, lower is better%] | [%d.]+ %b() | [%d.]+ %b() |", report)
    assert.matches("server_cpu_s_per_GB", report, 1, true)
  end)
end)
