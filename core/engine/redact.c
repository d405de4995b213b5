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
  const char *host = auth; /* after the LAST '@': a password may hold a raw one */
  for (size_t i = 0; i < alen; i++)
    if (auth[i] == '@') host = auth + i + 1;
  put(out, cap, &o, host, alen - (size_t)(host - auth));
  const char *path = auth + alen;
  put(out, cap, &o, path, strcspn(path, "?#"));
}

static const char *secret_headers[] = {"authorization", "proxy-authorization", "x-api-key",
                                       "x-access-token", "e2b-traffic-access-token", "cookie",
                                       "set-cookie", NULL};

static int is_token(unsigned char c) { return isalnum(c) || c == '-' || c == '_'; }

/* A secret header name starting at line[i] (not inside a longer name) and followed by optional
 * blanks and ':'. Returns the index just past that ':', or 0. */
static size_t secret_header_at(const char *line, size_t n, size_t i) {
  if (i > 0 && is_token((unsigned char)line[i - 1])) return 0;
  for (int h = 0; secret_headers[h]; h++) {
    size_t nl = strlen(secret_headers[h]);
    if (nl > n - i || strncasecmp(line + i, secret_headers[h], nl) != 0) continue;
    size_t j = i + nl;
    while (j < n && (line[j] == ' ' || line[j] == '\t')) j++;
    if (j < n && line[j] == ':') return j + 1;
  }
  return 0;
}

/* At line[i] == "//": when a '@' follows before any blank or quote, what lies before it is a URL's
 * userinfo ("user:pass"). Returns the index of the LAST such '@' (a password may hold a raw one),
 * or 0. Looking ahead in the input, not back in the output, keeps a truncated output safe. */
static size_t userinfo_end(const char *s, size_t n, size_t i) {
  size_t at = 0;
  for (size_t j = i + 2; j < n && !isspace((unsigned char)s[j]) && s[j] != '\'' && s[j] != '"'; j++)
    if (s[j] == '@') at = j;
  return at;
}

size_t e2b_redact_line(const char *line, size_t n, char *out, size_t cap) {
  size_t o = 0, end = n, v = 0;
  if (cap) out[0] = '\0';
  /* "Name: value" (HTTP/1) or "h2h3 [name: value]" (libcurl's HTTP/2 info line): the first
   * secret header anywhere in the line ends what is shown, found before the other rules run so
   * that none of them (a query skipped to the next blank) can carry the output past it */
  for (size_t i = 0; i < n && !v; i++)
    if ((v = secret_header_at(line, n, i))) end = i;
  for (size_t i = 0; i < end; i++) {
    size_t at;
    if (line[i] == '?') { /* request line's or URL's query string */
      put(out, cap, &o, "?***", 4);
      while (i + 1 < end && !isspace((unsigned char)line[i + 1])) i++;
    } else if (line[i] == '/' && i + 1 < end && line[i + 1] == '/' && (at = userinfo_end(line, end, i))) {
      put(out, cap, &o, "//***@", 6);
      i = at;
    } else {
      put(out, cap, &o, line + i, 1);
    }
  }
  if (v) { /* the name and colon stay; a closing ']' that ends the line stays */
    put(out, cap, &o, line + end, v - end);
    put(out, cap, &o, " ***", 4);
    if (end > 0 && line[end - 1] == '[' && line[n - 1] == ']') put(out, cap, &o, "]", 1);
  }
  return o;
}

size_t e2b_redact_text(const char *text, char *out, size_t cap) {
  size_t o = 0, n = strlen(text), at;
  if (cap) out[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    if (text[i] == '?' && i > 0 && !isspace((unsigned char)text[i - 1]) && i + 1 < n &&
        !isspace((unsigned char)text[i + 1])) {
      put(out, cap, &o, "?***", 4);
      while (i + 1 < n && !isspace((unsigned char)text[i + 1]) && text[i + 1] != '\'' && text[i + 1] != '"') i++;
    } else if (text[i] == '/' && i + 1 < n && text[i + 1] == '/' && (at = userinfo_end(text, n, i))) {
      put(out, cap, &o, "//***@", 6);
      i = at;
    } else {
      put(out, cap, &o, text + i, 1);
    }
  }
  return o;
}
