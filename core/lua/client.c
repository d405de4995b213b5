/* e2b.core.client: one CURLM + CURLSH, the requests it drives, and the ways to drive it. */
#include <string.h>
#include "binding.h"

static le2b_client *check_client(lua_State *L, int idx) {
  le2b_client *c = le2b_testudata(L, idx, LE2B_CLIENT_MT);
  if (!c) le2b_argerror(L, "self", LE2B_CLIENT_MT, idx);
  return c;
}

static le2b_client *check_open(lua_State *L, int idx) {
  le2b_client *c = check_client(L, idx);
  if (!c->c) luaL_error(L, "e2b.core.client is closed");
  return c;
}

/* Close every request, then the engine client. */
static void close_now(lua_State *L, le2b_client *c) {
  if (!c->c) return;
  for (e2b_request *x = e2b_client_first(c->c); x; x = e2b_request_next(x)) {
    le2b_request *r = e2b_request_user(x);
    r->x = NULL;
    r->owner = NULL;
    le2b_request_unpin(L, r);
  }
  e2b_client_free(c->c); /* frees the requests too */
  c->c = NULL;
}

static int cl_close(lua_State *L) {
  le2b_client *c = check_client(L, 1);
  if (c->in_step) c->close_pending = 1; /* a finalizer ran during delivery: finish first */
  else close_now(L, c);
  return 0;
}

static void check_reentry(lua_State *L, le2b_client *c, const char *what) {
  if (c->in_step) luaL_error(L, "e2b.core.client:%s called while the client is already stepping", what);
}

/* Push the array of requests with news. Terminal requests are unpinned once reported. */
static int push_news(lua_State *L, le2b_client *c) {
  lua_newtable(L);
  int i = 0;
  e2b_request *x;
  c->in_step = 1;
  while (c->c && (x = e2b_client_next_news(c->c))) {
    le2b_request *r = e2b_request_user(x);
    if (r->ref == LUA_NOREF) continue; /* only reachable while pinned */
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->ref);
    e2b_state st = e2b_request_state(x);
    if (st == E2B_DONE || st == E2B_FAILED) le2b_request_unpin(L, r);
    lua_rawseti(L, -2, ++i);
  }
  c->in_step = 0;
  if (c->close_pending) close_now(L, c);
  return 1;
}

static int cl_step(lua_State *L) {
  le2b_client *c = check_open(L, 1);
  lua_Number t = luaL_optnumber(L, 2, 0);
  if (!(t >= 0 && t <= 86400000)) luaL_error(L, "bad argument 'timeout_ms' (number >= 0 expected)");
  check_reentry(L, c, "step");
  c->in_step = 1;
  int rc = e2b_client_step(c->c, (int)t);
  c->in_step = 0;
  if (rc < 0) luaL_error(L, "e2b.core.client:step: poll failed");
  return push_news(L, c);
}

static int cl_request(lua_State *L) {
  le2b_client *c = check_open(L, 1);
  lua_settop(L, 2);
  return le2b_request_new(L, c, 2);
}

static int cl_timeout(lua_State *L) {
  le2b_client *c = check_open(L, 1);
  lua_pushinteger(L, e2b_client_timeout(c->c));
  return 1;
}

static int cl_fds(lua_State *L) {
  le2b_client *c = check_open(L, 1);
  size_t n = e2b_client_nsockets(c->c);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    int fd, rd, wr;
    e2b_client_socket(c->c, i, &fd, &rd, &wr);
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, fd);
    lua_setfield(L, -2, "fd");
    lua_pushboolean(L, rd);
    lua_setfield(L, -2, "read");
    lua_pushboolean(L, wr);
    lua_setfield(L, -2, "write");
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

static int cl_action(lua_State *L) {
  le2b_client *c = check_open(L, 1);
  if (lua_type(L, 2) != LUA_TNUMBER) le2b_argerror(L, "fd", "number", 2);
  int fd = (int)lua_tointeger(L, 2);
  int rd = lua_toboolean(L, 3), wr = lua_toboolean(L, 4), er = lua_toboolean(L, 5);
  check_reentry(L, c, "action");
  c->in_step = 1;
  e2b_client_socket_action(c->c, fd, rd, wr, er);
  c->in_step = 0;
  return push_news(L, c);
}

static int cl_action_timeout(lua_State *L) {
  le2b_client *c = check_open(L, 1);
  check_reentry(L, c, "action_timeout");
  c->in_step = 1;
  e2b_client_timer_action(c->c);
  c->in_step = 0;
  return push_news(L, c);
}

static int cl_active(lua_State *L) {
  le2b_client *c = check_client(L, 1);
  lua_pushinteger(L, c->c ? e2b_client_active(c->c) : 0);
  return 1;
}

static int cl_tostring(lua_State *L) {
  le2b_client *c = check_client(L, 1);
  if (!c->c) lua_pushliteral(L, LE2B_CLIENT_MT " (closed)");
  else lua_pushfstring(L, LE2B_CLIENT_MT " (active=%d)", e2b_client_active(c->c));
  return 1;
}

static int new_client(lua_State *L) {
  long maxc = 0;
  if (!lua_isnoneornil(L, 1)) {
    if (!lua_istable(L, 1)) le2b_argerror(L, "options", "table", 1);
    lua_pushnil(L);
    while (lua_next(L, 1)) {
      lua_pop(L, 1);
      if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "bad client options: keys must be strings (got %s)", luaL_typename(L, -1));
      if (strcmp(lua_tostring(L, -1), "max_connections") != 0)
        luaL_error(L, "bad client options: unknown option '%s'", lua_tostring(L, -1));
    }
    lua_getfield(L, 1, "max_connections");
    if (!lua_isnil(L, -1)) {
      if (lua_type(L, -1) != LUA_TNUMBER) le2b_argerror(L, "max_connections", "number", -1);
      lua_Number v = lua_tonumber(L, -1);
      if (!(v >= 0 && v <= 100000)) luaL_error(L, "bad argument 'max_connections' (0..100000 expected)");
      maxc = (long)v;
    }
    lua_pop(L, 1);
  }
  le2b_client *c = lua_newuserdata(L, sizeof *c);
  memset(c, 0, sizeof *c);
  luaL_getmetatable(L, LE2B_CLIENT_MT);
  lua_setmetatable(L, -2);
  c->c = e2b_client_new(maxc);
  if (!c->c) return luaL_error(L, "out of memory creating an e2b.core.client");
  return 1;
}

static const luaL_Reg methods[] = {
  {"request", cl_request}, {"step", cl_step}, {"timeout", cl_timeout}, {"fds", cl_fds},
  {"action", cl_action}, {"action_timeout", cl_action_timeout}, {"active", cl_active},
  {"close", cl_close}, {NULL, NULL}};

void le2b_define_type(lua_State *L, const char *name, const luaL_Reg *methods, lua_CFunction close,
                     lua_CFunction tostring) {
  le2b_newmetatable(L, name);
  lua_newtable(L);
  le2b_setfuncs(L, methods);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, close);
  lua_setfield(L, -2, "__gc");
#if LUA_VERSION_NUM >= 504
  lua_pushcfunction(L, close);
  lua_setfield(L, -2, "__close");
#endif
  lua_pushcfunction(L, tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
}

void le2b_open_client(lua_State *L) {
  le2b_define_type(L, LE2B_CLIENT_MT, methods, cl_close, cl_tostring);
  lua_pushcfunction(L, new_client);
  lua_setfield(L, -2, "client");
}
