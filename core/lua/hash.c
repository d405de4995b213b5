/* An incremental SHA-256 (e2b.core.sha256_new): Template.copy's files hash runs over every
 * file's path, mode, size and content in one digest, so big files are hashed from disk in
 * chunks here instead of going through Lua strings.
 *   local h = core.sha256_new(); h:update(s); h:update_file(path) --> true | nil, err, errno
 *   h:digest() --> 32 raw bytes (the state is then reset) */
#include "binding.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "../engine/sha256.h"

#define LE2B_SHA256_MT "e2b.core.sha256"

static e2b_sha256_ctx *check_ctx(lua_State *L) {
  return (e2b_sha256_ctx *)luaL_checkudata(L, 1, LE2B_SHA256_MT);
}

static int l_new(lua_State *L) {
  e2b_sha256_ctx *c = (e2b_sha256_ctx *)lua_newuserdata(L, sizeof *c);
  e2b_sha256_init(c);
  luaL_getmetatable(L, LE2B_SHA256_MT);
  lua_setmetatable(L, -2);
  return 1;
}

static int l_update(lua_State *L) {
  e2b_sha256_ctx *c = check_ctx(L);
  size_t n;
  if (lua_type(L, 2) != LUA_TSTRING) return le2b_argerror(L, "s", "string", lua_isnone(L, 2) ? 0 : 2);
  const char *s = lua_tolstring(L, 2, &n);
  e2b_sha256_update(c, s, n);
  lua_settop(L, 1);
  return 1;
}

static int l_update_file(lua_State *L) {
  e2b_sha256_ctx *c = check_ctx(L);
  if (lua_type(L, 2) != LUA_TSTRING) return le2b_argerror(L, "path", "string", lua_isnone(L, 2) ? 0 : 2);
  const char *path = lua_tostring(L, 2);
  FILE *f = fopen(path, "rb");
  if (!f) {
    int err = errno;
    lua_pushnil(L);
    lua_pushstring(L, strerror(err));
    lua_pushinteger(L, err);
    return 3;
  }
  unsigned char buf[65536];
  size_t k;
  while ((k = fread(buf, 1, sizeof buf, f)) > 0) e2b_sha256_update(c, buf, k);
  int bad = ferror(f), err = errno;
  fclose(f);
  if (bad) {
    lua_pushnil(L);
    lua_pushstring(L, strerror(err));
    lua_pushinteger(L, err);
    return 3;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int l_digest(lua_State *L) {
  e2b_sha256_ctx *c = check_ctx(L);
  unsigned char d[32];
  e2b_sha256_final(c, d);
  e2b_sha256_init(c);
  lua_pushlstring(L, (const char *)d, 32);
  return 1;
}

static const luaL_Reg methods[] = {{"update", l_update}, {"update_file", l_update_file},
                                   {"digest", l_digest}, {NULL, NULL}};
static const luaL_Reg hash_funcs[] = {{"sha256_new", l_new}, {NULL, NULL}};

/* Adds sha256_new to the module table on top of the stack. */
void le2b_open_hash(lua_State *L) {
  if (luaL_newmetatable(L, LE2B_SHA256_MT)) {
    lua_newtable(L);
    le2b_setfuncs(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, LE2B_SHA256_MT);
    lua_setfield(L, -2, "__name");
  }
  lua_pop(L, 1);
  le2b_setfuncs(L, hash_funcs);
}
