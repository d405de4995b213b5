/* The few Lua 5.2+ C API calls the binding uses, for Lua 5.1 and LuaJIT. Prefixed names so they
 * never clash with what LuaJIT's own headers may already declare. */
#ifndef LE2B_COMPAT_H
#define LE2B_COMPAT_H
#include <lua.h>
#include <lauxlib.h>

#if LUA_VERSION_NUM < 502
#define le2b_rawlen(L, i) lua_objlen((L), (i))
static inline void le2b_setfuncs(lua_State *L, const luaL_Reg *l) {
  for (; l->name; l++) {
    lua_pushcfunction(L, l->func);
    lua_setfield(L, -2, l->name);
  }
}
#else
#define le2b_rawlen(L, i) lua_rawlen((L), (i))
#define le2b_setfuncs(L, l) luaL_setfuncs((L), (l), 0)
#endif

/* luaL_newmetatable that also sets __name (5.3+ does this itself). */
static inline int le2b_newmetatable(lua_State *L, const char *name) {
  if (!luaL_newmetatable(L, name)) return 0;
  lua_pushstring(L, name);
  lua_setfield(L, -2, "__name");
  return 1;
}

/* luaL_testudata: the userdata at i when its metatable is `name`, else NULL. */
static inline void *le2b_testudata(lua_State *L, int i, const char *name) {
  void *p = lua_touserdata(L, i);
  if (!p || !lua_getmetatable(L, i)) return NULL;
  luaL_getmetatable(L, name);
  int same = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  return same ? p : NULL;
}
#endif
