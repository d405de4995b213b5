/* bench-only: a microsecond monotonic clock for Lua (e2b.core.now_ms has 1 ms resolution,
 * too coarse for per-command latencies of a few ms) and the process's CPU time (getrusage).
 * Built by bench/run.sh. */
#include <sys/resource.h>
#include <time.h>
#include <lua.h>
#include <lauxlib.h>

static int now_ms(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec * 1e3 + (lua_Number)ts.tv_nsec / 1e6);
  return 1;
}

/* user + system CPU seconds of this process so far */
static int cpu_s(lua_State *L) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  lua_pushnumber(L, (lua_Number)r.ru_utime.tv_sec + (lua_Number)r.ru_utime.tv_usec / 1e6 +
                    (lua_Number)r.ru_stime.tv_sec + (lua_Number)r.ru_stime.tv_usec / 1e6);
  return 1;
}

int luaopen_benchclock(lua_State *L) {
  lua_newtable(L);
  lua_pushcfunction(L, now_ms);
  lua_setfield(L, -2, "now_ms");
  lua_pushcfunction(L, cpu_s);
  lua_setfield(L, -2, "cpu_s");
  return 1;
}
