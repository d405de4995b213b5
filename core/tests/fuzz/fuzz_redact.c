/* libFuzzer: redaction secrecy (redact.c). A secret made only of bytes >= 0x80 (plus, now and
 * then, URL punctuation such as '@', ':', '/', '?', ']') is planted in fuzzed surroundings made
 * only of bytes < 0x80, as a secret header's value in a trace line ("Name: v", "h2h3 [name: v]")
 * or as a URL password in a trace line or an error text. Whatever the surroundings and however
 * small the output buffer, no byte >= 0x80 may come out: no part of the secret survives. Also
 * e2b_url_display never shows the userinfo. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../engine/redact.h"

static const char *const names[] = {"authorization", "Proxy-Authorization", "X-API-KEY",
                                    "x-access-token", "E2B-Traffic-Access-Token", "cookie",
                                    "Set-Cookie"};
static const char punct[] = "@:/?][%=&+!$,;~.-_";

static int clean(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s >= 0x80) return 0;
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4) return 0;
  unsigned mode = data[0] % 4, pick = data[1], cap = 1 + data[2] % 200;
  size_t plen = data[3] % 64;
  data += 4;
  size -= 4;
  if (plen > size) plen = size;
  size_t rest = size - plen, slen = rest / 2, xlen = rest - slen;
  const uint8_t *pre = data, *sec = data + plen, *suf = data + plen + slen;
  if (slen == 0) return 0;

  char *line = malloc(plen + slen + xlen + 128), out[256], *url = NULL;
  size_t n = 0;
  for (size_t i = 0; i < plen; i++) /* surroundings: < 0x80, no NUL (error texts are C strings) */
    line[n++] = (char)(pre[i] & 0x7f ? pre[i] & 0x7f : ' ');
  if (mode == 0) { /* a secret header somewhere in a trace line */
    line[n++] = (pick & 0x80) ? '[' : ' '; /* a name glued to a token character is not the header */
    const char *nm = names[pick % 7];
    memcpy(line + n, nm, strlen(nm));
    n += strlen(nm);
    if (pick & 0x08) line[n++] = ' ';
    line[n++] = ':';
    if (pick & 0x10) line[n++] = ' ';
  } else { /* a URL with the secret as its password */
    url = line + n + 1;
    memcpy(line + n, " http://user:", 13);
    n += 13;
  }
  for (size_t i = 0; i < slen; i++) { /* the secret: high bytes, some URL punctuation */
    uint8_t c = sec[i];
    char ch = (mode != 0 && (c & 0x70) == 0x70 && c < 0x80) ? punct[c % (sizeof punct - 1)]
                                                            : (char)(c | 0x80);
    if (mode == 3 && (ch == '/' || ch == '?')) ch = (char)0x80; /* they end a URL's authority */
    line[n++] = ch;
  }
  if (mode == 0 && !(pick & 0x20)) line[n++] = ']';
  if (mode != 0) {
    if ((unsigned char)line[n - 1] < 0x80 && line[n - 1] != '@') line[n++] = (char)0x80; /* ends in secret */
    memcpy(line + n, "@127.0.0.1:8080/p", 17);
    n += 17;
  }
  for (size_t i = 0; i < xlen; i++) { /* after it: anything but a blank-free run into the URL */
    char c = (char)(suf[i] & 0x7f);
    line[n++] = c ? c : ' ';
  }
  line[n] = '\0';

  memset(out, 0, sizeof out);
  if (mode == 0 || mode == 1) {
    e2b_redact_line(line, n, out, cap);
  } else if (mode == 2) {
    e2b_redact_text(line, out, cap);
  } else {
    /* the URL alone, as a request's display URL */
    e2b_url_display(url, out, cap);
    /* what it shows is only scheme, host and path */
    if (strncmp(out, "http://127.0.0.1:8080/p", cap - 1 < 23 ? cap - 1 : 23) != 0) abort();
  }
  if (strlen(out) >= cap) abort(); /* terminated within cap */
  if (!clean(out)) abort();
  free(line);
  return 0;
}
