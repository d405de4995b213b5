/* client:request(opts): strict option parsing. Everything is checked before the engine allocates
 * anything; temporary arrays are on the C stack or userdata on the Lua stack, so a raised error
 * leaks nothing.
 * Fields are read raw: the C strings kept are only alive because the table holds them, and a
 * value made by an __index metamethod would be collected while the engine still used it. */
#include <string.h>
#include "binding.h"

/* The options, in the order parse() checks them; F_* index both arrays. */
enum { F_METHOD, F_URL, F_HEADERS, F_BODY, F_BODY_FILE, F_MULTIPART, F_RESPONSE, F_RESPONSE_FILE,
       F_MAX_BUFFERED, F_TIMEOUT_MS, F_CONNECT_TIMEOUT_MS, F_ACCEPT_ENCODING, F_PROXY, F_CA_FILE,
       F_VERBOSE, NFIELDS };
static const char *const known[] = {"method", "url", "headers", "body", "body_file", "multipart",
                                    "response", "response_file", "max_buffered", "timeout_ms",
                                    "connect_timeout_ms", "accept_encoding", "proxy", "ca_file",
                                    "verbose", NULL};
typedef char known_matches_the_enum[sizeof known / sizeof *known == NFIELDS + 1 ? 1 : -1];
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

static int has_crlf(const char *s) { return strpbrk(s, "\r\n") != NULL; }

/* headers: an array of "Name: value" lines. Pointers go to hbuf (the caller's stack) when they
 * fit, else to a userdata left on the stack; the strings are held by the table. */
static void check_headers(lua_State *L, int t, e2b_request_spec *s, const char **hbuf, size_t nhbuf) {
  raw_field(L, t, "headers");
  if (!lua_istable(L, -1)) le2b_argerror(L, "headers", "table", -1);
  int h = lua_gettop(L);
  size_t n = le2b_rawlen(L, h);
  const char **arr = hbuf;
  if (n > nhbuf) {
    arr = lua_newuserdata(L, n * sizeof *arr); /* stays on the stack */
    lua_insert(L, h);                          /* below the headers table */
    h++;
  }
  for (size_t i = 1; i <= n; i++) {
    lua_rawgeti(L, h, (int)i);
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "bad argument 'headers[%d]' (string \"Name: value\" expected, got %s)", (int)i,
                 luaL_typename(L, -1));
    size_t len;
    const char *line = lua_tolstring(L, -1, &len);
    const char *colon = strchr(line, ':');
    if (!colon || colon == line || has_crlf(line) || strlen(line) != len)
      luaL_error(L, "bad argument 'headers[%d]' (\"Name: value\" without CR, LF or NUL expected)",
                 (int)i);
    arr[i - 1] = line;
    lua_pop(L, 1);
  }
  s->headers = arr;
  s->nheaders = n;
  lua_pop(L, 1); /* the headers table (the options table still holds it) */
}

static void check_multipart(lua_State *L, int t, e2b_request_spec *s) {
  raw_field(L, t, "multipart");
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

/* One option's value as the single pass over the table found it (strings stay alive: the table
 * holds them, and it stays on the stack until the engine has copied what it keeps). */
typedef struct opt_val {
  int type; /* LUA_TNIL when absent */
  const char *str;
  size_t len;
  lua_Number num;
  int boolean;
} opt_val;

static int field_of(const char *k, size_t len) {
  if (strlen(k) != len) return -1; /* an embedded NUL: no option has one */
  for (int i = 0; i < NFIELDS; i++)
    if (known[i][0] == k[0] && strcmp(known[i], k) == 0) return i;
  return -1;
}

/* One lua_next pass: each key is checked and its value recorded (instead of a rawget per known
 * option after a pass that only checks the keys). The errors are the same, in the same order:
 * key problems first. */
static void read_options(lua_State *L, int t, opt_val *v) {
  for (int i = 0; i < NFIELDS; i++) v[i].type = LUA_TNIL;
  lua_pushnil(L);
  while (lua_next(L, t)) {
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "bad request options: keys must be strings (got %s)", luaL_typename(L, -2));
    size_t kl;
    const char *k = lua_tolstring(L, -2, &kl);
    int f = field_of(k, kl);
    if (f < 0) luaL_error(L, "bad request options: unknown option '%s'", k);
    opt_val *o = &v[f];
    o->type = lua_type(L, -1);
    if (o->type == LUA_TSTRING) o->str = lua_tolstring(L, -1, &o->len);
    else if (o->type == LUA_TNUMBER) o->num = lua_tonumber(L, -1);
    else if (o->type == LUA_TBOOLEAN) o->boolean = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
}

static int type_error(lua_State *L, int f, const char *expected, int type) {
  return luaL_error(L, "bad argument '%s' (%s expected, got %s)", known[f], expected, lua_typename(L, type));
}

/* Optional string option: NULL when absent. No embedded NULs unless allow_nul. */
static const char *val_string(lua_State *L, const opt_val *v, int f, size_t *len, int allow_nul) {
  const opt_val *o = &v[f];
  if (o->type == LUA_TNIL) return NULL;
  if (o->type != LUA_TSTRING) type_error(L, f, "string", o->type);
  if (!allow_nul && strlen(o->str) != o->len) luaL_error(L, "bad argument '%s' (contains a NUL byte)", known[f]);
  if (len) *len = o->len;
  return o->str;
}

static long val_count(lua_State *L, const opt_val *v, int f, long dflt, long min) {
  const opt_val *o = &v[f];
  if (o->type == LUA_TNIL) return dflt;
  if (o->type != LUA_TNUMBER) type_error(L, f, "number", o->type);
  lua_Number n = o->num;
  if (n != n || n < (lua_Number)min || n > 2147483647.0 || n != (lua_Number)(long)n)
    luaL_error(L, "bad argument '%s' (integer >= %d expected, got %f)", known[f], (int)min, (double)n);
  return (long)n;
}

static int val_bool(lua_State *L, const opt_val *v, int f, int dflt) {
  const opt_val *o = &v[f];
  if (o->type == LUA_TNIL) return dflt;
  if (o->type != LUA_TBOOLEAN) type_error(L, f, "boolean", o->type);
  return o->boolean;
}

static void parse(lua_State *L, int t, e2b_request_spec *s, const char **hbuf, size_t nhbuf) {
  opt_val v[NFIELDS];
  read_options(L, t, v);
  s->method = val_string(L, v, F_METHOD, NULL, 0);
  if (!s->method) le2b_argerror(L, "method", "string", 0);
  check_method(L, s->method);
  s->url = val_string(L, v, F_URL, NULL, 0);
  if (!s->url) le2b_argerror(L, "url", "string", 0);
  if (has_crlf(s->url) || strchr(s->url, ' '))
    luaL_error(L, "bad argument 'url' (must not contain spaces, CR or LF)");
  if (v[F_HEADERS].type != LUA_TNIL) check_headers(L, t, s, hbuf, nhbuf);
  s->body = val_string(L, v, F_BODY, &s->body_len, 1);
  s->has_body = s->body != NULL;
  s->body_file = val_string(L, v, F_BODY_FILE, NULL, 0);
  if (v[F_MULTIPART].type != LUA_TNIL) check_multipart(L, t, s);
  if (s->has_body + (s->body_file != NULL) + s->has_multipart > 1)
    luaL_error(L, "bad argument (at most one of 'body', 'body_file', 'multipart' expected)");
  const char *mode = val_string(L, v, F_RESPONSE, NULL, 0);
  if (!mode || strcmp(mode, "buffer") == 0) s->mode = E2B_RESP_BUFFER;
  else if (strcmp(mode, "connect") == 0) s->mode = E2B_RESP_CONNECT;
  else if (strcmp(mode, "process") == 0) { s->mode = E2B_RESP_CONNECT; s->process_data = 1; }
  else if (strcmp(mode, "file") == 0) s->mode = E2B_RESP_FILE;
  else if (strcmp(mode, "lines") == 0) s->mode = E2B_RESP_LINES;
  else luaL_error(L, "bad argument 'response' (\"buffer\", \"connect\", \"process\", \"lines\" or \"file\" expected, got \"%s\")", mode);
  s->response_file = val_string(L, v, F_RESPONSE_FILE, NULL, 0);
  if ((s->mode == E2B_RESP_FILE) != (s->response_file != NULL))
    luaL_error(L, s->response_file ? "bad argument 'response_file' (only with response = \"file\")"
                                   : "bad argument 'response_file' (string expected with response = \"file\", got nil)");
  s->max_buffered = (size_t)val_count(L, v, F_MAX_BUFFERED, 1048576, 1);
  s->timeout_ms = val_count(L, v, F_TIMEOUT_MS, 60000, 0);
  s->connect_timeout_ms = val_count(L, v, F_CONNECT_TIMEOUT_MS, 10000, 0);
  /* Connect streams never use HTTP compression (envelopes carry their own flag, which the core
   * refuses): asking for it there only costs curl a header it formats byte by byte (~3 µs). */
  s->accept_encoding = val_bool(L, v, F_ACCEPT_ENCODING, s->mode != E2B_RESP_CONNECT);
  s->proxy = val_string(L, v, F_PROXY, NULL, 0);
  s->ca_file = val_string(L, v, F_CA_FILE, NULL, 0);
  s->verbose = val_bool(L, v, F_VERBOSE, 0);
}

int le2b_request_new(lua_State *L, le2b_client *owner, int idx) {
  e2b_request_spec s;
  memset(&s, 0, sizeof s);
  if (!lua_istable(L, idx)) le2b_argerror(L, "options", "table", idx);
  const char *hbuf[32]; /* the header line pointers, for up to 32 lines */
  parse(L, idx, &s, hbuf, sizeof hbuf / sizeof *hbuf);
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
