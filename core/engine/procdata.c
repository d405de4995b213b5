#include "procdata.h"
#include <string.h>

static const char *ws(const char *p, const char *e) {
  while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  return p;
}

/* Expect the literal `lit` (after whitespace); NULL when it is not there. */
static const char *tok(const char *p, const char *e, const char *lit, size_t n) {
  p = ws(p, e);
  if ((size_t)(e - p) < n || memcmp(p, lit, n) != 0) return NULL;
  return p + n;
}
#define TOK(p, e, lit) tok(p, e, lit, sizeof lit - 1)

int e2b_procdata_match(const char *p, size_t n, const char **b64, size_t *b64len) {
  const char *e = p + n;
  if (!(p = TOK(p, e, "{")) || !(p = TOK(p, e, "\"event\"")) || !(p = TOK(p, e, ":")) ||
      !(p = TOK(p, e, "{")) || !(p = TOK(p, e, "\"data\"")) || !(p = TOK(p, e, ":")) ||
      !(p = TOK(p, e, "{")))
    return E2B_DATA_NONE;
  int kind;
  const char *q;
  if ((q = TOK(p, e, "\"stdout\""))) kind = E2B_DATA_STDOUT;
  else if ((q = TOK(p, e, "\"stderr\""))) kind = E2B_DATA_STDERR;
  else if ((q = TOK(p, e, "\"pty\""))) kind = E2B_DATA_PTY;
  else return E2B_DATA_NONE;
  if (!(q = TOK(q, e, ":")) || !(q = TOK(q, e, "\""))) return E2B_DATA_NONE;
  /* The string ends at the first '"': an escaped one (\") leaves a '\\' inside, which, like any
   * other byte outside the base64 alphabets, the decoder rejects, sending the message back to
   * the general path. Scanning with memchr keeps this cheap; the decoder checks every byte. */
  const char *s = q;
  q = memchr(s, '"', (size_t)(e - s));
  if (!q) return E2B_DATA_NONE;
  const char *s_end = q++;
  if (!(q = TOK(q, e, "}")) || !(q = TOK(q, e, "}")) || !(q = TOK(q, e, "}"))) return E2B_DATA_NONE;
  if (ws(q, e) != e) return E2B_DATA_NONE;
  *b64 = s;
  *b64len = (size_t)(s_end - s);
  return kind;
}

const char *e2b_procdata_kind_name(int kind) {
  switch (kind) {
  case E2B_DATA_STDOUT: return "stdout";
  case E2B_DATA_STDERR: return "stderr";
  case E2B_DATA_PTY: return "pty";
  default: return NULL;
  }
}
