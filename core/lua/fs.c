/* Local filesystem facts Lua has no portable way to get: what a path is without following a
 * symlink (lstat), a directory's names, a link's target, a canonical path, mkdir. files:upload_dir
 * and download_dir walk local trees with them and refuse to write through symlinks.
 * Failures are values (nil, message, errno); only bad arguments raise. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "binding.h"
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LE2B_DIR_MT "e2b.core.dir"

static int fail(lua_State *L, int err) {
  lua_pushnil(L);
  lua_pushstring(L, strerror(err));
  lua_pushinteger(L, err);
  return 3;
}

static const char *type_name(mode_t m) {
  if (S_ISREG(m)) return "file";
  if (S_ISDIR(m)) return "dir";
  if (S_ISLNK(m)) return "symlink";
  return "other";
}

/* fs_lstat(path) -> { type = "file"|"dir"|"symlink"|"other", size = n, mode = n } | nil, err, errno.
 * fs_stat(path) is the same through symlinks. */
static int push_stat(lua_State *L, int follow) {
  const char *path = luaL_checkstring(L, 1);
  struct stat st;
  if ((follow ? stat(path, &st) : lstat(path, &st)) != 0) return fail(L, errno);
  lua_createtable(L, 0, 3);
  lua_pushstring(L, type_name(st.st_mode));
  lua_setfield(L, -2, "type");
  lua_pushnumber(L, (lua_Number)st.st_size);
  lua_setfield(L, -2, "size");
  lua_pushinteger(L, (lua_Integer)(st.st_mode & 07777));
  lua_setfield(L, -2, "mode");
  return 1;
}
static int l_lstat(lua_State *L) { return push_stat(L, 0); }
static int l_stat(lua_State *L) { return push_stat(L, 1); }

/* The DIR* lives in a userdata so that a memory error while pushing names cannot leak it. */
static int dir_gc(lua_State *L) {
  DIR **d = (DIR **)luaL_checkudata(L, 1, LE2B_DIR_MT);
  if (*d) { closedir(*d); *d = NULL; }
  return 0;
}

/* fs_dir(path) -> array of entry names (no "." / ".."), sorted by the caller if it cares. */
static int l_dir(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  DIR **d = (DIR **)lua_newuserdata(L, sizeof(DIR *));
  *d = NULL;
  luaL_getmetatable(L, LE2B_DIR_MT);
  lua_setmetatable(L, -2);
  *d = opendir(path);
  if (!*d) return fail(L, errno);
  lua_newtable(L);
  int n = 0;
  struct dirent *e;
  errno = 0;
  while ((e = readdir(*d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    lua_pushstring(L, e->d_name);
    lua_rawseti(L, -2, ++n);
  }
  int err = errno;
  closedir(*d);
  *d = NULL;
  if (err) return fail(L, err);
  return 1;
}

/* fs_readlink(path) -> target */
static int l_readlink(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  char buf[PATH_MAX];
  ssize_t n = readlink(path, buf, sizeof buf);
  if (n < 0) return fail(L, errno);
  if ((size_t)n == sizeof buf) return fail(L, ENAMETOOLONG);
  lua_pushlstring(L, buf, (size_t)n);
  return 1;
}

/* fs_realpath(path) -> the canonical absolute path (every symlink resolved) */
static int l_realpath(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  char buf[PATH_MAX];
  if (!realpath(path, buf)) return fail(L, errno);
  lua_pushstring(L, buf);
  return 1;
}

/* fs_mkdir(path [, mode = 0777]) -> true | nil, err, errno (EEXIST when it exists) */
static int l_mkdir(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  lua_Integer mode = luaL_optinteger(L, 2, 0777);
  if (mode < 0 || mode > 07777) return luaL_error(L, "bad argument 'mode' (0..07777 expected)");
  if (mkdir(path, (mode_t)mode) != 0) return fail(L, errno);
  lua_pushboolean(L, 1);
  return 1;
}

/* fs_unlink(path) -> true | nil, err, errno (removes a file or a symlink, never follows it) */
static int l_unlink(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  if (unlink(path) != 0) return fail(L, errno);
  lua_pushboolean(L, 1);
  return 1;
}

static const luaL_Reg fs_funcs[] = {{"fs_lstat", l_lstat},       {"fs_stat", l_stat},
                                    {"fs_dir", l_dir},           {"fs_readlink", l_readlink},
                                    {"fs_realpath", l_realpath}, {"fs_mkdir", l_mkdir},
                                    {"fs_unlink", l_unlink},     {NULL, NULL}};

/* Adds the fs_* functions to the module table on top of the stack. */
void le2b_open_fs(lua_State *L) {
  if (luaL_newmetatable(L, LE2B_DIR_MT)) {
    lua_pushcfunction(L, dir_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  le2b_setfuncs(L, fs_funcs);
}
