local e2e = require("spec.support.e2e")
local e2b = require("e2b")
local async = e2b.async
describe("stress", function()
  it("100 concurrent commands, every byte", function()
    e2e.require_emulator()
    local creators = {}
    for i = 1, 5 do creators[i] = async.spawn(function() return e2e.sandbox(finally) end) end
    local boxes = async.all(creators)
    for round = 1, 3 do
      local list = {}
      for i = 1, 100 do
        local sbx = boxes[(i - 1) % 5 + 1]
        list[i] = async.spawn(function()
          return sbx.commands:run("sleep 0.$((RANDOM % 9)); echo " .. i .. "; printf x%.0s $(seq " .. i .. "); echo; echo e" .. i .. " >&2")
        end)
      end
      local out = async.all(list)
      for i = 1, 100 do
        if out[i].stdout == "" then print("LOST", round, i, "stderr=" .. string.format("%q", out[i].stderr), "exit=" .. tostring(out[i].exit_code)) end
        assert.are.equal(i .. "\n" .. string.rep("x", i) .. "\n", out[i].stdout, "round " .. round .. " cmd " .. i)
        assert.are.equal("e" .. i .. "\n", out[i].stderr)
      end
    end
  end)
end)
