/* e2b.core.request: an engine request (one HTTP exchange) seen from Lua. */
#include <string.h>
#include "binding.h"
#include "../engine/connect.h"
#include "../engine/lines.h"

le2b_request *le2b_checkrequest(lua_State *L, int idx) {
  le2b_request *r = le2b_testudata(L, idx, LE2B_REQUEST_MT);
  if (!r) le2b_argerror(L, "self", LE2B_REQUEST_MT, idx);
  return r;
}

void le2b_request_unpin(lua_State *L, le2b_request *r) {
  if (r->ref != LUA_NOREF) {
    luaL_unref(L, LUA_REGISTRYINDEX, r->ref);
    r->ref = LUA_NOREF;
  }
}

static int req_close(lua_State *L) {
  le2b_request *r = le2b_checkrequest(L, 1);
  if (r->x) {
    e2b_request *x = r->x;
    r->x = NULL;
    e2b_request_free(x);
  }
  le2b_request_unpin(L, r);
  return 0;
}

static const char *state_name(le2b_request *r) {
  if (!r->x) return "closed";
  switch (e2b_request_state(r->x)) {
  case E2B_PENDING: return "pending";
  case E2B_HEADERS: return "headers";
  case E2B_DONE: return "done";
  default: return "failed";
  }
}

static int req_state(lua_State *L) {
  lua_pushstring(L, state_name(le2b_checkrequest(L, 1)));
  return 1;
}

static int req_status(lua_State *L) {
  le2b_request *r = le2b_checkrequest(L, 1);
  long st = r->x ? e2b_request_status(r->x) : 0;
  if (st) lua_pushinteger(L, st); else lua_pushnil(L);
  return 1;
}

static int req_headers(lua_State *L) {
  le2b_request *r = le2b_checkrequest(L, 1);
  if (!r->x || e2b_request_status(r->x) == 0) { lua_pushnil(L); return 1; }
  size_t n = e2b_request_nheaders(r->x);
  lua_createtable(L, 0, (int)n);
  for (size_t i = 0; i < n; i++) {
    const char *v, *k = e2b_request_header(r->x, i, &v);
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
  }
  return 1;
}

/* req:header(name): one response header's value (name in lower case; the last one wins, as in
 * headers()), or nil — without building the whole table (a stream only asks for one). */
static int req_header(lua_State *L) {
  le2b_request *r = le2b_checkrequest(L, 1);
  const char *name = luaL_checkstring(L, 2);
  const char *found = NULL;
  if (r->x && e2b_request_status(r->x) != 0) {
    size_t n = e2b_request_nheaders(r->x);
    for (size_t i = 0; i < n; i++) {
      const char *v, *k = e2b_request_header(r->x, i, &v);
      if (strcmp(k, name) == 0) found = v;
    }
  }
  if (found) lua_pushstring(L, found); else lua_pushnil(L);
  return 1;
}

/* An end event's fields into the table on top: exit_code, exited, status, error (if sent). */
static void set_end_fields(lua_State *L, const e2b_msg *end) {
  lua_pushinteger(L, (lua_Integer)end->num);
  lua_setfield(L, -2, "exit_code");
  lua_pushboolean(L, end->exited);
  lua_setfield(L, -2, "exited");
  lua_pushlstring(L, end->data, end->split);
  lua_setfield(L, -2, "status");
  if (end->has_error) {
    lua_pushlstring(L, end->data + end->split, end->len - end->split);
    lua_setfield(L, -2, "error");
  }
}

/* Push the decoded bytes of the `count` data messages of `kind` from `m` on as one string
 * (`total` bytes). */
static void push_joined(lua_State *L, const e2b_msg *m, int kind, size_t total, int count) {
  for (; m->kind != kind; m = m->next) {}
  if (count == 1) { lua_pushlstring(L, m->data, m->len); return; }
  luaL_Buffer b;
#if LUA_VERSION_NUM >= 502
  char *p = luaL_buffinitsize(L, &b, total);
  for (; m; m = m->next)
    if (m->kind == kind) { memcpy(p, m->data, m->len); p += m->len; }
  luaL_pushresultsize(&b, total);
#else
  (void)total;
  luaL_buffinit(L, &b);
  for (; m; m = m->next)
    if (m->kind == kind) luaL_addlstring(&b, m->data, m->len);
  luaL_pushresult(&b);
#endif
}

/* take(true) on a process stream: when the queued messages are only the usual ones in their
 * usual order — [start] (stdout|stderr)* [end] [eos] — push them as at most two records
 * instead of one per message (a command's whole answer is often one take; issue 12):
 *   { kind = "folded", pid = n?, stdout = s?, stderr = s?,
 *     ended = true?, exit_code, exited, status, error? }   (the end record's fields)
 * followed by { kind = "eos" } when the end-of-stream message was there. Each stream's bytes
 * are in order; how stdout and stderr interleaved is not kept (a reader of callbacks must not
 * ask for this). Returns 0, pushing nothing, for anything else. */
static int push_folded(lua_State *L, const e2b_msg *first) {
  const e2b_msg *start = NULL, *end = NULL, *eos = NULL;
  size_t nout = 0, nerr = 0;
  int cout = 0, cerr = 0, stage = 0; /* 0 nothing yet, 1 start or output, 2 end, 3 eos */
  for (const e2b_msg *m = first; m; m = m->next) {
    switch (m->kind) {
    case E2B_EVENT_START:
      if (stage > 0) return 0;
      start = m, stage = 1;
      break;
    case E2B_DATA_STDOUT: case E2B_DATA_STDERR:
      if (stage > 1) return 0;
      if (m->kind == E2B_DATA_STDOUT) nout += m->len, cout++; else nerr += m->len, cerr++;
      stage = 1;
      break;
    case E2B_EVENT_END:
      if (stage > 1) return 0;
      end = m, stage = 2;
      break;
    case E2B_EVENT_EOS:
      if (stage > 2) return 0;
      eos = m, stage = 3;
      break;
    default: return 0; /* a JSON message, pty output */
    }
  }
  if (!start && !end && cout + cerr == 0) return 0; /* nothing, or only the end of the stream */
  lua_createtable(L, eos ? 2 : 1, 0);
  /* sized exactly: a hash part of 16 slots for 7 fields would be twice the memory */
  lua_createtable(L, 0, 1 + (start != NULL) + (cout > 0) + (cerr > 0) + (end ? 4 + end->has_error : 0));
  lua_pushliteral(L, "folded");
  lua_setfield(L, -2, "kind");
  if (start) {
    lua_pushinteger(L, (lua_Integer)start->num);
    lua_setfield(L, -2, "pid");
  }
  if (cout) {
    push_joined(L, first, E2B_DATA_STDOUT, nout, cout);
    lua_setfield(L, -2, "stdout");
  }
  if (cerr) {
    push_joined(L, first, E2B_DATA_STDERR, nerr, cerr);
    lua_setfield(L, -2, "stderr");
  }
  if (end) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "ended");
    set_end_fields(L, end);
  }
  lua_rawseti(L, -2, 1);
  if (eos) {
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "eos");
    lua_setfield(L, -2, "kind");
    lua_rawseti(L, -2, 2);
  }
  return 1;
}

/* Build the Lua value first (may raise on memory), then tell the engine it was taken.
 * take(true): on a process stream, the usual messages folded (push_folded). */
static int req_take(lua_State *L) {
  le2b_request *r = le2b_checkrequest(L, 1);
  if (!r->x) { lua_pushnil(L); return 1; }
  if (e2b_request_raw_body(r->x)) {
    size_t len;
    const char *p = e2b_request_bytes(r->x, &len);
    lua_pushlstring(L, p, len);
  } else if (e2b_request_mode(r->x) == E2B_RESP_CONNECT && lua_toboolean(L, 2) &&
             push_folded(L, e2b_request_msgs(r->x))) {
    /* folded */
  } else if (e2b_request_mode(r->x) == E2B_RESP_CONNECT) {
    int n = 0; /* sized up front: filling an empty table rehashes it at 1, 2, 4, ... */
    for (const e2b_msg *m = e2b_request_msgs(r->x); m; m = m->next) n++;
    lua_createtable(L, n, 0);
    int i = 0;
    for (const e2b_msg *m = e2b_request_msgs(r->x); m; m = m->next) {
      if (m->kind != E2B_DATA_NONE) { /* "process": decoded output or an event record */
        lua_createtable(L, 0, m->kind == E2B_EVENT_END ? 5 : 2);
        lua_pushstring(L, e2b_procdata_kind_name(m->kind));
        lua_setfield(L, -2, "kind");
        if (E2B_KIND_IS_DATA(m->kind)) {
          lua_pushlstring(L, m->data, m->len);
          lua_setfield(L, -2, "bytes");
        } else if (m->kind == E2B_EVENT_START) { /* { kind = "start", pid = n } */
          lua_pushinteger(L, (lua_Integer)m->num);
          lua_setfield(L, -2, "pid");
        } else if (m->kind == E2B_EVENT_END) {
          set_end_fields(L, m);
        } /* E2B_EVENT_EOS: { kind = "eos" }, the end-of-stream message `{}` */
        lua_rawseti(L, -2, ++i);
        continue;
      }
      lua_createtable(L, 0, 2);
      lua_pushinteger(L, (lua_Integer)m->flags);
      lua_setfield(L, -2, "flags");
      lua_pushlstring(L, m->data, m->len);
      lua_setfield(L, -2, "data");
      lua_rawseti(L, -2, ++i);
    }
  } else if (e2b_request_mode(r->x) == E2B_RESP_LINES) {
    int n = 0;
    for (const e2b_line *l = e2b_request_lines(r->x); l; l = l->next) n++;
    lua_createtable(L, n, 0);
    int i = 0;
    for (const e2b_line *l = e2b_request_lines(r->x); l; l = l->next) {
      lua_pushlstring(L, l->data, l->len);
      lua_rawseti(L, -2, ++i);
    }
  } else if (e2b_request_mode(r->x) == E2B_RESP_BUFFER) {
    lua_pushliteral(L, ""); /* before the headers: nothing yet */
  } else {
    lua_pushnil(L); /* "file": the body is on disk */
  }
  e2b_request_taken(r->x);
  return 1;
}

static int req_error(lua_State *L) {
  le2b_request *r = le2b_checkrequest(L, 1);
  int code = 0;
  const char *msg = NULL;
  const char *kind = r->x ? e2b_request_error(r->x, &code, &msg) : NULL;
  if (!kind) { lua_pushnil(L); return 1; }
  lua_createtable(L, 0, 3);
  lua_pushstring(L, kind);
  lua_setfield(L, -2, "kind");
  lua_pushinteger(L, code);
  lua_setfield(L, -2, "curl_code");
  lua_pushstring(L, msg);
  lua_setfield(L, -2, "message");
  return 1;
}

static int req_progress(lua_State *L) {
  le2b_request *r = le2b_checkrequest(L, 1);
  double p[4] = {0, 0, 0, 0};
  if (r->x) e2b_request_progress(r->x, p);
  static const char *const names[4] = {"up_now", "up_total", "down_now", "down_total"};
  lua_createtable(L, 0, 4);
  for (int i = 0; i < 4; i++) {
    lua_pushnumber(L, p[i]);
    lua_setfield(L, -2, names[i]);
  }
  return 1;
}

static int req_paused(lua_State *L) {
  le2b_request *r = le2b_checkrequest(L, 1);
  lua_pushboolean(L, r->x && e2b_request_paused(r->x));
  return 1;
}

static int req_http_version(lua_State *L) {
  le2b_request *r = le2b_checkrequest(L, 1);
  const char *v = r->x ? e2b_request_http_version(r->x) : NULL;
  if (v) lua_pushstring(L, v); else lua_pushnil(L);
  return 1;
}

/* Method and URL host+path only: query strings carry signatures, headers carry tokens. */
static int req_tostring(lua_State *L) {
  le2b_request *r = le2b_checkrequest(L, 1);
  if (!r->x) lua_pushfstring(L, LE2B_REQUEST_MT " (closed)");
  else lua_pushfstring(L, LE2B_REQUEST_MT " (%s %s, %s)", e2b_request_method(r->x),
                       e2b_request_display_url(r->x), state_name(r));
  return 1;
}

static const luaL_Reg methods[] = {
  {"close", req_close},   {"state", req_state}, {"status", req_status},
  {"headers", req_headers}, {"header", req_header}, {"take", req_take}, {"error", req_error},
  {"progress", req_progress}, {"paused", req_paused}, {"http_version", req_http_version},
  {NULL, NULL}};

void le2b_open_request(lua_State *L) {
  le2b_define_type(L, LE2B_REQUEST_MT, methods, req_close, req_tostring);
}
