/* client:request(opts): strict option parsing. Everything is checked before the engine allocates
 * anything; temporary arrays are userdata on the Lua stack, so a raised error leaks nothing.
 * Fields are read raw: the C strings kept are only alive because the table holds them, and a
 * value made by an __index metamethod would be collected while the engine still used it. */
#include <string.h>
#include "binding.h"

static const char *const known[] = {"method", "url", "headers", "body", "body_file", "multipart",
                                    "response", "response_file", "max_buffered", "timeout_ms",
                                    "connect_timeout_ms", "accept_encoding", "proxy", "ca_file",
                                    "verbose", NULL};
static const char *const part_known[] = {"name", "filename", "data", "file", "content_type", NULL};

/* Push t[name] without metamethods (t is an absolute index). */
static void raw_field(lua_State *L, int t, const char *name) {
  lua_pushstring(L, name);
  lua_rawget(L, t);
}

static void check_keys(lua_State *L, int t, const char *const *names, const char *what) {
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "bad %s: keys must be strings (got %s)", what, luaL_typename(L, -1));
    const char *k = lua_tostring(L, -1);
    int ok = 0;
    for (int i = 0; names[i]; i++) ok |= strcmp(names[i], k) == 0;
    if (!ok) luaL_error(L, "bad %s: unknown option '%s'", what, k);
  }
}

/* Optional string field: NULL when absent. No embedded NULs unless allow_nul. */
static const char *opt_string(lua_State *L, int t, const char *name, size_t *len, int allow_nul) {
  raw_field(L, t, name);
  int ty = lua_type(L, -1);
  if (ty == LUA_TNIL) { lua_pop(L, 1); return NULL; }
  if (ty != LUA_TSTRING) le2b_argerror(L, name, "string", -1);
  size_t n;
  const char *s = lua_tolstring(L, -1, &n);
  if (!allow_nul && strlen(s) != n) luaL_error(L, "bad argument '%s' (contains a NUL byte)", name);
  if (len) *len = n;
  lua_pop(L, 1); /* still referenced by the table, which stays on the stack */
  return s;
}

static long opt_count(lua_State *L, int t, const char *name, long dflt, long min) {
  raw_field(L, t, name);
  if (lua_isnil(L, -1)) { lua_pop(L, 1); return dflt; }
  if (lua_type(L, -1) != LUA_TNUMBER) le2b_argerror(L, name, "number", -1);
  lua_Number v = lua_tonumber(L, -1);
  if (v != v || v < (lua_Number)min || v > 2147483647.0 || v != (lua_Number)(long)v)
    luaL_error(L, "bad argument '%s' (integer >= %d expected, got %f)", name, (int)min, (double)v);
  lua_pop(L, 1);
  return (long)v;
}

static int opt_bool(lua_State *L, int t, const char *name, int dflt) {
  raw_field(L, t, name);
  int ty = lua_type(L, -1);
  int v = ty == LUA_TNIL ? dflt : lua_toboolean(L, -1);
  if (ty != LUA_TNIL && ty != LUA_TBOOLEAN) le2b_argerror(L, name, "boolean", -1);
  lua_pop(L, 1);
  return v;
}

static int has_crlf(const char *s) { return strpbrk(s, "\r\n") != NULL; }

static void check_headers(lua_State *L, int t, e2b_request_spec *s) {
  raw_field(L, t, "headers");
  if (lua_isnil(L, -1)) { lua_pop(L, 1); return; }
  if (!lua_istable(L, -1)) le2b_argerror(L, "headers", "table", -1);
  int h = lua_gettop(L);
  size_t n = le2b_rawlen(L, h);
  const char **arr = lua_newuserdata(L, (n ? n : 1) * sizeof *arr); /* stays on the stack */
  for (size_t i = 1; i <= n; i++) {
    lua_rawgeti(L, h, (int)i);
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "bad argument 'headers[%d]' (string \"Name: value\" expected, got %s)", (int)i,
                 luaL_typename(L, -1));
    const char *line = lua_tostring(L, -1);
    const char *colon = strchr(line, ':');
    if (!colon || colon == line || has_crlf(line) || strlen(line) != le2b_rawlen(L, -1))
      luaL_error(L, "bad argument 'headers[%d]' (\"Name: value\" without CR, LF or NUL expected)",
                 (int)i);
    arr[i - 1] = line;
    lua_pop(L, 1);
  }
  s->headers = arr;
  s->nheaders = n;
  lua_insert(L, h);  /* keep the array below the headers table ... */
  lua_pop(L, 1);     /* ... and drop the table (the options table still holds it) */
}

static void check_multipart(lua_State *L, int t, e2b_request_spec *s) {
  raw_field(L, t, "multipart");
  if (lua_isnil(L, -1)) { lua_pop(L, 1); return; }
  if (!lua_istable(L, -1)) le2b_argerror(L, "multipart", "table (array of parts)", -1);
  int m = lua_gettop(L);
  size_t n = le2b_rawlen(L, m);
  if (n == 0) luaL_error(L, "bad argument 'multipart' (at least one part expected)");
  e2b_part *parts = lua_newuserdata(L, n * sizeof *parts);
  memset(parts, 0, n * sizeof *parts);
  for (size_t i = 1; i <= n; i++) {
    lua_rawgeti(L, m, (int)i);
    int p = lua_gettop(L);
    if (!lua_istable(L, p))
      luaL_error(L, "bad argument 'multipart[%d]' (table expected, got %s)", (int)i, luaL_typename(L, p));
    check_keys(L, p, part_known, "multipart part");
    e2b_part *pt = &parts[i - 1];
    pt->name = opt_string(L, p, "name", NULL, 0);
    pt->filename = opt_string(L, p, "filename", NULL, 0);
    pt->data = opt_string(L, p, "data", &pt->data_len, 1);
    pt->file = opt_string(L, p, "file", NULL, 0);
    pt->content_type = opt_string(L, p, "content_type", NULL, 0);
    if (!pt->name) luaL_error(L, "bad argument 'multipart[%d].name' (string expected, got nil)", (int)i);
    if ((pt->data != NULL) == (pt->file != NULL))
      luaL_error(L, "bad argument 'multipart[%d]' (exactly one of 'data' or 'file' expected)", (int)i);
    if ((pt->filename && has_crlf(pt->filename)) || (pt->content_type && has_crlf(pt->content_type)) ||
        has_crlf(pt->name))
      luaL_error(L, "bad argument 'multipart[%d]' (name, filename and content_type must not contain CR or LF)", (int)i);
    lua_pop(L, 1); /* the part table is still held by the multipart table */
  }
  s->parts = parts;
  s->nparts = n;
  s->has_multipart = 1;
  lua_insert(L, m);
  lua_pop(L, 1);
}

static void check_method(lua_State *L, const char *m) {
  size_t n = strlen(m);
  if (n == 0 || n >= 16) luaL_error(L, "bad argument 'method' (an HTTP method such as \"GET\" expected)");
  for (size_t i = 0; i < n; i++)
    if (m[i] < 'A' || m[i] > 'Z')
      luaL_error(L, "bad argument 'method' (upper-case HTTP method expected, got \"%s\")", m);
}

static void parse(lua_State *L, int t, e2b_request_spec *s) {
  check_keys(L, t, known, "request options");
  s->method = opt_string(L, t, "method", NULL, 0);
  if (!s->method) le2b_argerror(L, "method", "string", 0);
  check_method(L, s->method);
  s->url = opt_string(L, t, "url", NULL, 0);
  if (!s->url) le2b_argerror(L, "url", "string", 0);
  if (has_crlf(s->url) || strchr(s->url, ' '))
    luaL_error(L, "bad argument 'url' (must not contain spaces, CR or LF)");
  check_headers(L, t, s);
  s->body = opt_string(L, t, "body", &s->body_len, 1);
  s->has_body = s->body != NULL;
  s->body_file = opt_string(L, t, "body_file", NULL, 0);
  check_multipart(L, t, s);
  if (s->has_body + (s->body_file != NULL) + s->has_multipart > 1)
    luaL_error(L, "bad argument (at most one of 'body', 'body_file', 'multipart' expected)");
  const char *mode = opt_string(L, t, "response", NULL, 0);
  if (!mode || strcmp(mode, "buffer") == 0) s->mode = E2B_RESP_BUFFER;
  else if (strcmp(mode, "connect") == 0) s->mode = E2B_RESP_CONNECT;
  else if (strcmp(mode, "process") == 0) { s->mode = E2B_RESP_CONNECT; s->process_data = 1; }
  else if (strcmp(mode, "file") == 0) s->mode = E2B_RESP_FILE;
  else if (strcmp(mode, "lines") == 0) s->mode = E2B_RESP_LINES;
  else luaL_error(L, "bad argument 'response' (\"buffer\", \"connect\", \"process\", \"lines\" or \"file\" expected, got \"%s\")", mode);
  s->response_file = opt_string(L, t, "response_file", NULL, 0);
  if ((s->mode == E2B_RESP_FILE) != (s->response_file != NULL))
    luaL_error(L, s->response_file ? "bad argument 'response_file' (only with response = \"file\")"
                                   : "bad argument 'response_file' (string expected with response = \"file\", got nil)");
  s->max_buffered = (size_t)opt_count(L, t, "max_buffered", 1048576, 1);
  s->timeout_ms = opt_count(L, t, "timeout_ms", 60000, 0);
  s->connect_timeout_ms = opt_count(L, t, "connect_timeout_ms", 10000, 0);
  s->accept_encoding = opt_bool(L, t, "accept_encoding", 1);
  s->proxy = opt_string(L, t, "proxy", NULL, 0);
  s->ca_file = opt_string(L, t, "ca_file", NULL, 0);
  s->verbose = opt_bool(L, t, "verbose", 0);
}

int le2b_request_new(lua_State *L, le2b_client *owner, int idx) {
  e2b_request_spec s;
  memset(&s, 0, sizeof s);
  if (!lua_istable(L, idx)) le2b_argerror(L, "options", "table", idx);
  parse(L, idx, &s);
  /* Only now allocate: first the userdata (GC-owned), then the engine request. */
  le2b_request *r = lua_newuserdata(L, sizeof *r);
  r->x = NULL;
  r->owner = owner;
  r->ref = LUA_NOREF;
  luaL_getmetatable(L, LE2B_REQUEST_MT);
  lua_setmetatable(L, -2);
  s.user = r;
  r->x = e2b_request_new(owner->c, &s);
  if (!r->x) return luaL_error(L, "out of memory starting the request");
  lua_pushvalue(L, -1);
  r->ref = luaL_ref(L, LUA_REGISTRYINDEX); /* pinned while libcurl may point into it */
  return 1;
}
