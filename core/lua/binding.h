/* The e2b.core binding: userdata types over the engine. Shared by the binding's .c files. */
#ifndef LE2B_BINDING_H
#define LE2B_BINDING_H
#include "compat.h"
#include "../engine/request.h"

#define LE2B_CLIENT_MT "e2b.core.client"
#define LE2B_REQUEST_MT "e2b.core.request"

typedef struct le2b_client {
  e2b_client *c;  /* NULL once closed */
  int in_step;    /* step/action running: re-entry is an error, close is deferred */
  int close_pending;
} le2b_client;

typedef struct le2b_request {
  e2b_request *x;    /* NULL once closed (by itself or by its client) */
  le2b_client *owner;
  int ref;        /* registry pin while in flight; LUA_NOREF otherwise */
} le2b_request;

/* "bad argument 'name' (expected expected, got <type>)" */
int le2b_argerror(lua_State *L, const char *name, const char *expected, int idx);
le2b_request *le2b_checkrequest(lua_State *L, int idx);
void le2b_request_unpin(lua_State *L, le2b_request *r);
/* Build the engine description from the options table at idx (raises on bad options; all memory
 * it needs is GC-owned and lives on the stack) and start the request. Pushes the request. */
int le2b_request_new(lua_State *L, le2b_client *owner, int idx);
/* Register a userdata type's metatable: `methods` as __index, `close` as __gc (and __close on
 * 5.4: the same idempotent close, never the only cleanup path), `tostring` as __tostring. */
void le2b_define_type(lua_State *L, const char *name, const luaL_Reg *methods, lua_CFunction close,
                     lua_CFunction tostring);
void le2b_open_request(lua_State *L);
void le2b_open_client(lua_State *L);
void le2b_open_fs(lua_State *L);
void le2b_open_hash(lua_State *L);
#endif
