-- Watch a directory in a sandbox while a command changes files in it.
--
-- Runs against E2B when E2B_API_KEY is set, against E2B_API_URL when set, otherwise against a local
-- emulator started for this run.   lua5.4 examples/watch_files.lua

local target = require("e2b.emulator").target()
target:run({ timeout = 120 }, function(sbx)
  sbx.files:make_dir("/home/user/inbox")

  -- The callback runs as events arrive, whenever the SDK waits (here already during the
  -- commands:run below); the loop then pulls the same events, once each.
  local watcher = sbx.files:watch_dir("/home/user/inbox", function(ev)
    print(("event: %-6s %s"):format(ev.type, ev.name))
  end, { recursive = true, timeout = 30 })

  sbx.commands:run("cd /home/user/inbox && echo one > a.txt && mkdir sub && echo two > sub/b.txt && rm a.txt")

  for ev in watcher:events() do
    if ev.type == "remove" and ev.name == "a.txt" then watcher:stop() end
  end
  print("watcher stopped")
end)
