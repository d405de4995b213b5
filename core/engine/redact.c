#include "redact.h"
#include <ctype.h>
#include <string.h>
#include <strings.h>

static void put(char *out, size_t cap, size_t *o, const char *p, size_t n) {
  if (cap == 0) return;
  size_t room = cap - 1 - *o;
  if (n > room) n = room;
  memcpy(out + *o, p, n);
  *o += n;
  out[*o] = '\0';
}

void e2b_url_display(const char *url, char *out, size_t cap) {
  size_t o = 0;
  if (cap) out[0] = '\0';
  const char *s = strstr(url, "://");
  const char *auth = url;
  if (s) {
    put(out, cap, &o, url, (size_t)(s + 3 - url));
    auth = s + 3;
  }
  size_t alen = strcspn(auth, "/?#");
  const char *at = memchr(auth, '@', alen);
  const char *host = at ? at + 1 : auth;
  put(out, cap, &o, host, alen - (size_t)(host - auth));
  const char *path = auth + alen;
  put(out, cap, &o, path, strcspn(path, "?#"));
}

static const char *secret_headers[] = {"authorization", "proxy-authorization", "x-api-key",
                                       "x-access-token", "e2b-traffic-access-token", "cookie",
                                       "set-cookie", NULL};

size_t e2b_redact_line(const char *line, size_t n, char *out, size_t cap) {
  size_t o = 0;
  if (cap) out[0] = '\0';
  const char *colon = memchr(line, ':', n);
  if (colon) {
    size_t nl = (size_t)(colon - line);
    for (int i = 0; secret_headers[i]; i++) {
      if (strlen(secret_headers[i]) == nl && strncasecmp(line, secret_headers[i], nl) == 0) {
        put(out, cap, &o, line, nl);
        put(out, cap, &o, ": ***", 5);
        return o;
      }
    }
  }
  /* request line ("GET /files?path=..&signature=.. HTTP/1.1") or anything else with a query */
  for (size_t i = 0; i < n; i++) {
    if (line[i] == '?') {
      put(out, cap, &o, "?***", 4);
      while (i + 1 < n && !isspace((unsigned char)line[i + 1])) i++;
    } else {
      put(out, cap, &o, line + i, 1);
    }
  }
  return o;
}

size_t e2b_redact_text(const char *text, char *out, size_t cap) {
  size_t o = 0, n = strlen(text);
  if (cap) out[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    if (text[i] == '?' && i > 0 && !isspace((unsigned char)text[i - 1]) && i + 1 < n &&
        !isspace((unsigned char)text[i + 1])) {
      put(out, cap, &o, "?***", 4);
      while (i + 1 < n && !isspace((unsigned char)text[i + 1]) && text[i + 1] != '\'' && text[i + 1] != '"') i++;
    } else if (text[i] == '@' && i > 0) {
      /* userinfo: back up over "user:pass" written since the last "//" */
      size_t start = o;
      while (start > 0 && !(start >= 2 && out[start - 1] == '/' && out[start - 2] == '/') &&
             !isspace((unsigned char)out[start - 1]))
        start--;
      if (start >= 2 && out[start - 1] == '/' && out[start - 2] == '/') {
        o = start;
        out[o] = '\0';
        put(out, cap, &o, "***@", 4);
      } else {
        put(out, cap, &o, "@", 1);
      }
    } else {
      put(out, cap, &o, text + i, 1);
    }
  }
  return o;
}
