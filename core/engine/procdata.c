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

/* `{"event":{"data":{"stdout"|"stderr"|"pty":"` at p: the kind, *s past the quote. */
static int head(const char *p, const char *e, const char **s) {
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
  *s = q;
  return kind;
}

int e2b_procdata_head(const char *p, size_t n, size_t *head_len) {
  const char *s;
  int kind = head(p, p + n, &s);
  if (kind != E2B_DATA_NONE) *head_len = (size_t)(s - p);
  return kind;
}

int e2b_procdata_tail(const char *p, size_t n) {
  const char *e = p + n, *q;
  if (!(q = TOK(p, e, "}")) || !(q = TOK(q, e, "}")) || !(q = TOK(q, e, "}"))) return 0;
  return ws(q, e) == e;
}

int e2b_procdata_match(const char *p, size_t n, const char **b64, size_t *b64len) {
  const char *e = p + n, *q;
  int kind = head(p, e, &q);
  if (kind == E2B_DATA_NONE) return E2B_DATA_NONE;
  /* The string ends at the first '"': an escaped one (\") leaves a '\\' inside, which, like any
   * other byte outside the base64 alphabets, the decoder rejects, sending the message back to
   * the general path. Scanning with memchr keeps this cheap; the decoder checks every byte. */
  const char *s = q;
  q = memchr(s, '"', (size_t)(e - s));
  if (!q) return E2B_DATA_NONE;
  const char *s_end = q++;
  if (!e2b_procdata_tail(q, (size_t)(e - q))) return E2B_DATA_NONE;
  *b64 = s;
  *b64len = (size_t)(s_end - s);
  return kind;
}

/* An integer as JSON writes it (-?(0|[1-9][0-9]*)) within [lo, hi]; NULL otherwise (a fraction
 * or exponent then fails at the caller's next token). "-0" is refused: an unusual spelling. */
static const char *integer(const char *p, const char *e, long long lo, long long hi, long long *v) {
  p = ws(p, e);
  int neg = p < e && *p == '-';
  if (neg) p++;
  if (p == e || *p < '0' || *p > '9' || (*p == '0' && neg)) return NULL;
  long long x = 0;
  if (*p == '0') p++;
  else
    while (p < e && *p >= '0' && *p <= '9') {
      x = x * 10 + (*p++ - '0');
      if (x > 4294967296LL) return NULL; /* past every range asked for; no overflow */
    }
  if (neg) x = -x;
  if (x < lo || x > hi) return NULL;
  *v = x;
  return p;
}

/* A string with no escapes and no control characters: its text is its value. */
static const char *plain_string(const char *p, const char *e, const char **s, size_t *n) {
  if (!(p = TOK(p, e, "\""))) return NULL;
  const char *q = p;
  while (q < e && *q != '"') {
    unsigned char c = (unsigned char)*q;
    if (c < 0x20 || c == '\\') return NULL;
    q++;
  }
  if (q == e) return NULL;
  *s = p;
  *n = (size_t)(q - p);
  return q + 1;
}

/* The fields of an EndEvent, each at most once, in any order; p is past its '{'. */
static const char *end_fields(const char *p, const char *e, e2b_procevent *ev) {
  const char *q;
  if ((q = TOK(p, e, "}"))) return q;
  unsigned seen = 0;
  for (;;) {
    unsigned bit;
    if ((q = TOK(p, e, "\"exitCode\""))) {
      bit = 1;
      if (!(q = TOK(q, e, ":")) || !(q = integer(q, e, -2147483648LL, 2147483647LL, &ev->num))) return NULL;
    } else if ((q = TOK(p, e, "\"exited\""))) {
      bit = 2;
      if (!(q = TOK(q, e, ":"))) return NULL;
      const char *t;
      if ((t = TOK(q, e, "true"))) ev->exited = 1;
      else if ((t = TOK(q, e, "false"))) ev->exited = 0;
      else return NULL;
      q = t;
    } else if ((q = TOK(p, e, "\"status\""))) {
      bit = 4;
      if (!(q = TOK(q, e, ":")) || !(q = plain_string(q, e, &ev->status, &ev->status_len))) return NULL;
    } else if ((q = TOK(p, e, "\"error\""))) {
      bit = 8;
      if (!(q = TOK(q, e, ":")) || !(q = plain_string(q, e, &ev->error, &ev->error_len))) return NULL;
    } else {
      return NULL;
    }
    if (seen & bit) return NULL; /* a repeated field: the general path says what it means */
    seen |= bit;
    if ((p = TOK(q, e, "}"))) return p;
    if (!(p = TOK(q, e, ","))) return NULL;
  }
}

int e2b_procevent_match(const char *p, size_t n, int eos, e2b_procevent *ev) {
  const char *e = p + n;
  ev->num = 0;
  ev->exited = 0;
  ev->status = "";
  ev->status_len = 0;
  ev->error = NULL;
  ev->error_len = 0;
  if (eos) {
    if (!(p = TOK(p, e, "{")) || !(p = TOK(p, e, "}")) || ws(p, e) != e) return E2B_DATA_NONE;
    return E2B_EVENT_EOS;
  }
  if (!(p = TOK(p, e, "{")) || !(p = TOK(p, e, "\"event\"")) || !(p = TOK(p, e, ":")) ||
      !(p = TOK(p, e, "{")))
    return E2B_DATA_NONE;
  int kind;
  const char *q;
  if ((q = TOK(p, e, "\"start\""))) {
    kind = E2B_EVENT_START;
    if (!(q = TOK(q, e, ":")) || !(q = TOK(q, e, "{"))) return E2B_DATA_NONE;
    const char *r;
    if ((r = TOK(q, e, "\"pid\""))) {
      if (!(r = TOK(r, e, ":")) || !(r = integer(r, e, 0, 4294967295LL, &ev->num))) return E2B_DATA_NONE;
      q = r;
    }
    if (!(q = TOK(q, e, "}"))) return E2B_DATA_NONE;
  } else if ((q = TOK(p, e, "\"end\""))) {
    kind = E2B_EVENT_END;
    if (!(q = TOK(q, e, ":")) || !(q = TOK(q, e, "{")) || !(q = end_fields(q, e, ev))) return E2B_DATA_NONE;
  } else {
    return E2B_DATA_NONE;
  }
  if (!(q = TOK(q, e, "}")) || !(q = TOK(q, e, "}")) || ws(q, e) != e) return E2B_DATA_NONE;
  return kind;
}

const char *e2b_procdata_kind_name(int kind) {
  switch (kind) {
  case E2B_DATA_STDOUT: return "stdout";
  case E2B_DATA_STDERR: return "stderr";
  case E2B_DATA_PTY: return "pty";
  case E2B_EVENT_START: return "start";
  case E2B_EVENT_END: return "end";
  case E2B_EVENT_EOS: return "eos";
  default: return NULL;
  }
}
