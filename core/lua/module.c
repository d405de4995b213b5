/* luaopen_e2b_core: the module table, and the small pure helpers (base64, SHA-256, clock). */
#define _GNU_SOURCE /* dladdr, RTLD_NODELETE */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "binding.h"
#include "../engine/b64.h"
#include "../engine/sha256.h"

#define LE2B_CORE_VERSION "0.1.0"

int le2b_argerror(lua_State *L, const char *name, const char *expected, int idx) {
  const char *got = idx == 0 ? "nil" : luaL_typename(L, idx);
  return luaL_error(L, "bad argument '%s' (%s expected, got %s)", name, expected, got);
}

static const char *check_str(lua_State *L, int i, const char *name, size_t *n) {
  if (lua_type(L, i) != LUA_TSTRING) le2b_argerror(L, name, "string", lua_isnone(L, i) ? 0 : i);
  return lua_tolstring(L, i, n);
}

static int l_b64encode(lua_State *L) {
  size_t n;
  const char *s = check_str(L, 1, "s", &n);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  /* in pieces that fit luaL_Buffer's own storage; 3 input bytes -> 4 output bytes */
  for (size_t off = 0; off < n; off += 768) {
    size_t k = n - off < 768 ? n - off : 768;
    char out[1024];
    luaL_addlstring(&b, out, e2b_b64_encode((const unsigned char *)s + off, k, out));
  }
  luaL_pushresult(&b);
  return 1;
}

static int l_b64decode(lua_State *L) {
  size_t n;
  const char *s = check_str(L, 1, "s", &n);
  unsigned char *out = lua_newuserdata(L, e2b_b64_decoded_max(n)); /* GC-owned scratch */
  size_t len;
  const char *why;
  if (e2b_b64_decode(s, n, out, &len, &why) < 0) {
    lua_pushnil(L);
    lua_pushfstring(L, "invalid base64: %s", why);
    return 2;
  }
  lua_pushlstring(L, (const char *)out, len);
  return 1;
}

static int l_sha256(lua_State *L) {
  size_t n;
  const char *s = check_str(L, 1, "s", &n);
  unsigned char d[32];
  e2b_sha256(s, n, d);
  lua_pushlstring(L, (const char *)d, 32);
  return 1;
}

/* table.concat without its copy: luaL_Buffer builds the whole text in a box and then copies it
 * into the string (3x the size at the peak, with the pieces); lua_concat on 5.4 sizes the
 * string first and copies each piece into it once (2x). Output kept for a result goes here. */
static lua_Integer opt_index(lua_State *L, int idx, const char *name, lua_Integer dflt) {
  if (lua_isnoneornil(L, idx)) return dflt;
  if (lua_type(L, idx) != LUA_TNUMBER) le2b_argerror(L, name, "integer", idx);
  lua_Number v = lua_tonumber(L, idx);
  if (v != (lua_Number)(lua_Integer)v) luaL_error(L, "bad argument '%s' (integer expected)", name);
  return (lua_Integer)v;
}

static void push_part(lua_State *L, lua_Integer k) {
  lua_rawgeti(L, 1, k);
  if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "bad argument 'parts[%d]' (string expected)", (int)k);
}

/* join(parts [, i [, j]]): parts[i..j] (default 1..#parts) */
static int l_join(lua_State *L) {
  if (lua_type(L, 1) != LUA_TTABLE) le2b_argerror(L, "parts", "table", lua_isnone(L, 1) ? 0 : 1);
  lua_Integer i = opt_index(L, 2, "i", 1);
  lua_Integer j = opt_index(L, 3, "j", (lua_Integer)le2b_rawlen(L, 1));
  if (i < 1 || j > 2147483647) luaL_error(L, "bad argument 'i' (1 <= i, j < 2^31 expected)");
  if (j < i) { lua_pushliteral(L, ""); return 1; }
  lua_Integer n = j - i + 1;
  if (n <= 100000 && lua_checkstack(L, (int)n + 1)) {
    for (lua_Integer k = i; k <= j; k++) push_part(L, k);
    lua_concat(L, (int)n);
    return 1;
  }
  /* huge arrays: in batches that fit the stack, then the batches' results */
  int groups = 0;
  for (lua_Integer k = i; k <= j; k += 4096) {
    lua_Integer m = j - k + 1 < 4096 ? j - k + 1 : 4096;
    luaL_checkstack(L, (int)m + 2, "e2b.core.join");
    for (lua_Integer q = 0; q < m; q++) push_part(L, k + q);
    lua_concat(L, (int)m);
    if (++groups == 64) { lua_concat(L, 64); groups = 1; }
  }
  lua_concat(L, groups);
  return 1;
}

static int l_now_ms(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec * 1000.0 + (lua_Number)(ts.tv_nsec / 1000000));
  return 1;
}

/* The blocking scheduler (e2b.async) waits here for a deadline when no request is in flight. */
static int l_sleep_ms(lua_State *L) {
  lua_Number ms = luaL_checknumber(L, 1);
  if (!(ms >= 0 && ms <= 86400000)) return luaL_error(L, "bad argument 'ms' (0..86400000 expected)");
  struct timespec ts = {(time_t)(ms / 1000), (long)((ms - (lua_Number)((long long)(ms / 1000)) * 1000) * 1000000)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
  return 0;
}

static const luaL_Reg funcs[] = {{"b64encode", l_b64encode}, {"b64decode", l_b64decode},
                                 {"sha256", l_sha256}, {"join", l_join}, {"now_ms", l_now_ms},
                                 {"sleep_ms", l_sleep_ms}, {NULL, NULL}};

#if defined(__GNUC__)
__attribute__((visibility("default")))
#endif
int luaopen_e2b_core(lua_State *L);

/* Process-wide, once; never cleaned up (other libraries may use curl too). pthread_once: the
 * core now loads on first use (lua/e2b/native.lua), so Lua states on two threads may both get
 * here first; curl_global_init itself is not safe to race. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;
static void curl_init(void) {
  curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (curl_init_rc != CURLE_OK) return;
  /* lua_close dlcloses this module; libcurl and what its init set up (libsasl2's globals)
   * would be unmapped with it and show as "definitely lost". Stay loaded for the process's
   * life instead, as curl_global_init is meant to be: a reference that dlclose never drops. */
  Dl_info self;
  if (dladdr((void *)&luaopen_e2b_core, &self) && self.dli_fname)
    (void)dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

int luaopen_e2b_core(lua_State *L) {
  if (pthread_once(&curl_once, curl_init) != 0 || curl_init_rc != CURLE_OK)
    return luaL_error(L, "e2b.core: curl_global_init failed (%s)", curl_easy_strerror(curl_init_rc));
  lua_newtable(L);
  le2b_setfuncs(L, funcs);
  lua_pushliteral(L, LE2B_CORE_VERSION);
  lua_setfield(L, -2, "version");
  lua_pushstring(L, curl_version());
  lua_setfield(L, -2, "curl_version");
  le2b_open_request(L);
  le2b_open_client(L);
  le2b_open_fs(L);
  le2b_open_hash(L);
  return 1;
}
