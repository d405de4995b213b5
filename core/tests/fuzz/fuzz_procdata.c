/* libFuzzer: envd process streams decoded in C (procdata.c + connect.c with process_data),
 * against the general path as reference. Streams of Connect envelopes mixing well-formed data
 * messages ({"event":{"data":{"stdout"|"stderr"|"pty":"<base64>"}}} with fuzzed whitespace and
 * base64 spellings), well-formed start/end events (fuzzed whitespace, EndEvent's fields in
 * fuzzed subsets and orders, fuzzed values), damaged ones, fuzz bytes, keepalives and an end
 * message (the end-of-stream `{}`, an error, or fuzz bytes) are fed in fuzzed pieces with takes
 * in between. Checked:
 *  - soundness: a message the fast path takes is, read by a reference JSON reader (escapes,
 *    numbers, duplicate keys and all) and the base64 decoder, a data message of that kind with
 *    exactly those bytes, or that event with exactly those field values and nothing else;
 *  - completeness: every well-formed data message and event is taken by the fast path;
 *  - the queue: what is taken equals the messages in order, one entry each (a data message as
 *    a run of its decoded bytes, an event as its record, the rest byte for byte); queued_bytes
 *    counts the queue. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../engine/b64.h"
#include "../../engine/connect.h"
#include "../../engine/procdata.h"

/* ---- the reference: a small JSON reader for exactly {"event":{"data":{K:S}}} ---- */

typedef struct { const uint8_t *p, *e; } rd;

static void ws(rd *r) {
  while (r->p < r->e && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}
static int lit(rd *r, char c) {
  ws(r);
  if (r->p < r->e && *r->p == c) { r->p++; return 1; }
  return 0;
}
static int hexv(uint8_t c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}
/* A JSON string into out (UTF-8; \u escapes of ASCII only matter for base64). Returns its length
 * or -1. */
static long str(rd *r, uint8_t *out, size_t cap) {
  ws(r);
  if (r->p >= r->e || *r->p != '"') return -1;
  r->p++;
  size_t o = 0;
  while (r->p < r->e && *r->p != '"') {
    uint8_t c = *r->p++;
    if (c < 0x20) return -1;
    if (c == '\\') {
      if (r->p >= r->e) return -1;
      uint8_t x = *r->p++;
      switch (x) {
      case '"': case '\\': case '/': c = x; break;
      case 'b': c = '\b'; break;
      case 'f': c = '\f'; break;
      case 'n': c = '\n'; break;
      case 'r': c = '\r'; break;
      case 't': c = '\t'; break;
      case 'u': {
        if (r->e - r->p < 4) return -1;
        int v = 0;
        for (int i = 0; i < 4; i++) {
          int h = hexv(r->p[i]);
          if (h < 0) return -1;
          v = v * 16 + h;
        }
        r->p += 4;
        c = v < 0x80 ? (uint8_t)v : 0xff; /* non-ASCII: not base64 anyway */
        break;
      }
      default: return -1;
      }
    }
    if (o == cap) return -1;
    out[o++] = c;
  }
  if (r->p >= r->e) return -1;
  r->p++;
  return (long)o;
}
static int key(rd *r, const char *want) {
  uint8_t k[16];
  long n = str(r, k, sizeof k);
  return n == (long)strlen(want) && memcmp(k, want, (size_t)n) == 0;
}

/* The general path's reading: kind and decoded bytes of a data message, or E2B_DATA_NONE. */
static int reference(const uint8_t *p, size_t n, uint8_t *out, size_t *outlen) {
  rd r = {p, p + n};
  if (!lit(&r, '{') || !key(&r, "event") || !lit(&r, ':') || !lit(&r, '{') || !key(&r, "data") ||
      !lit(&r, ':') || !lit(&r, '{'))
    return E2B_DATA_NONE;
  uint8_t k[16];
  long kl = str(&r, k, sizeof k);
  int kind = kl == 6 && !memcmp(k, "stdout", 6) ? E2B_DATA_STDOUT
           : kl == 6 && !memcmp(k, "stderr", 6) ? E2B_DATA_STDERR
           : kl == 3 && !memcmp(k, "pty", 3)    ? E2B_DATA_PTY : E2B_DATA_NONE;
  if (!kind || !lit(&r, ':')) return E2B_DATA_NONE;
  uint8_t *s = malloc(n + 1);
  long sl = str(&r, s, n + 1);
  int ok = sl >= 0 && lit(&r, '}') && lit(&r, '}') && lit(&r, '}');
  ws(&r);
  ok = ok && r.p == r.e;
  const char *why;
  ok = ok && e2b_b64_decode((const char *)s, (size_t)sl, out, outlen, &why) == 0;
  free(s);
  return ok ? kind : E2B_DATA_NONE;
}

/* ---- the reference for events: a general JSON reader (a small tree), then the shape ---- */

enum { J_OBJ, J_ARR, J_STR, J_NUM, J_TRUE, J_FALSE, J_NULL };
typedef struct jv {
  int type;
  uint8_t *s;        /* J_STR: decoded bytes (J_OBJ members: key) */
  size_t n;
  double num;        /* J_NUM */
  int dup;           /* J_OBJ: a key appears twice */
  struct jv *kids;   /* J_OBJ/J_ARR members (an object's keys in .s/.n of each member's key) */
  uint8_t **keys;
  size_t *keyn;
  size_t nk;
} jv;

static void jfree(jv *v) {
  for (size_t i = 0; i < v->nk; i++) { jfree(&v->kids[i]); if (v->keys) free(v->keys[i]); }
  free(v->kids); free(v->keys); free(v->keyn); free(v->s);
}

static int jvalue(rd *r, jv *v, int depth);

static int jnumber(rd *r, jv *v) {
  const uint8_t *st = r->p;
  if (r->p < r->e && *r->p == '-') r->p++;
  if (r->p >= r->e || *r->p < '0' || *r->p > '9') return 0;
  if (*r->p == '0') r->p++;
  else while (r->p < r->e && *r->p >= '0' && *r->p <= '9') r->p++;
  if (r->p < r->e && *r->p == '.') {
    r->p++;
    if (r->p >= r->e || *r->p < '0' || *r->p > '9') return 0;
    while (r->p < r->e && *r->p >= '0' && *r->p <= '9') r->p++;
  }
  if (r->p < r->e && (*r->p == 'e' || *r->p == 'E')) {
    r->p++;
    if (r->p < r->e && (*r->p == '+' || *r->p == '-')) r->p++;
    if (r->p >= r->e || *r->p < '0' || *r->p > '9') return 0;
    while (r->p < r->e && *r->p >= '0' && *r->p <= '9') r->p++;
  }
  char buf[64];
  size_t n = (size_t)(r->p - st);
  if (n >= sizeof buf) { v->num = 1e300; } /* long: out of every range that matters */
  else { memcpy(buf, st, n); buf[n] = 0; v->num = strtod(buf, NULL); }
  v->type = J_NUM;
  return 1;
}

static int jvalue(rd *r, jv *v, int depth) {
  memset(v, 0, sizeof *v);
  if (depth > 32) return 0;
  ws(r);
  if (r->p >= r->e) return 0;
  uint8_t c = *r->p;
  if (c == '"') {
    size_t cap = (size_t)(r->e - r->p) + 1;
    v->s = malloc(cap);
    long n = str(r, v->s, cap);
    if (n < 0) return 0;
    v->type = J_STR;
    v->n = (size_t)n;
    return 1;
  }
  if (c == '{' || c == '[') {
    r->p++;
    v->type = c == '{' ? J_OBJ : J_ARR;
    size_t cap = 0;
    ws(r);
    if (r->p < r->e && *r->p == (c == '{' ? '}' : ']')) { r->p++; return 1; }
    for (;;) {
      if (v->nk == cap) {
        cap = cap ? cap * 2 : 4;
        v->kids = realloc(v->kids, cap * sizeof *v->kids);
        if (c == '{') { v->keys = realloc(v->keys, cap * sizeof *v->keys); v->keyn = realloc(v->keyn, cap * sizeof *v->keyn); }
      }
      if (c == '{') {
        ws(r);
        size_t kc = (size_t)(r->e - r->p) + 1;
        uint8_t *k = malloc(kc);
        long kn = str(r, k, kc);
        v->keys[v->nk] = k;
        memset(&v->kids[v->nk], 0, sizeof *v->kids);
        v->nk++;
        if (kn < 0 || !lit(r, ':')) return 0;
        v->keyn[v->nk - 1] = (size_t)kn;
        for (size_t i = 0; i + 1 < v->nk; i++)
          if (v->keyn[i] == (size_t)kn && memcmp(v->keys[i], k, (size_t)kn) == 0) v->dup = 1;
      } else {
        memset(&v->kids[v->nk], 0, sizeof *v->kids);
        v->nk++;
      }
      if (!jvalue(r, &v->kids[v->nk - 1], depth + 1)) return 0;
      if (lit(r, c == '{' ? '}' : ']')) return 1;
      if (!lit(r, ',')) return 0;
    }
  }
  static const char *const lits[] = {"true", "false", "null"};
  for (int i = 0; i < 3; i++) {
    size_t n = strlen(lits[i]);
    if ((size_t)(r->e - r->p) >= n && memcmp(r->p, lits[i], n) == 0) {
      r->p += n;
      v->type = J_TRUE + i;
      return 1;
    }
  }
  return jnumber(r, v);
}

/* The member `k` of object v (the last one, as cjson keeps), or NULL. */
static const jv *member(const jv *v, const char *k, size_t *count) {
  const jv *m = NULL;
  size_t n = strlen(k);
  for (size_t i = 0; i < v->nk; i++)
    if (v->keyn[i] == n && memcmp(v->keys[i], k, n) == 0) { m = &v->kids[i]; ++*count; }
  return m;
}

/* What the general path reads: E2B_EVENT_START/END/EOS with its fields in *ev (strings point
 * into the tree *root, to free after use), or E2B_DATA_NONE when the message is anything but
 * exactly such an event (unknown or repeated fields, other types, fractions, out of range). */
static int reference_event(const uint8_t *p, size_t n, int eos, jv *root, e2b_procevent *ev) {
  rd r = {p, p + n};
  memset(ev, 0, sizeof *ev);
  ev->status = "";
  int ok = jvalue(&r, root, 0);
  ws(&r);
  if (!ok || r.p != r.e || root->type != J_OBJ || root->dup) return E2B_DATA_NONE;
  if (eos) return root->nk == 0 ? E2B_EVENT_EOS : E2B_DATA_NONE;
  size_t c = 0;
  const jv *e = member(root, "event", &c);
  if (!e || root->nk != 1 || e->type != J_OBJ || e->dup || e->nk != 1) return E2B_DATA_NONE;
  c = 0;
  const jv *body = member(e, "start", &c);
  int kind = E2B_EVENT_START;
  if (!body) { body = member(e, "end", &c); kind = E2B_EVENT_END; }
  if (!body || body->type != J_OBJ || body->dup) return E2B_DATA_NONE;
  size_t known = 0;
  if (kind == E2B_EVENT_START) {
    const jv *pid = member(body, "pid", &known);
    if (pid) {
      if (pid->type != J_NUM || pid->num < 0 || pid->num > 4294967295.0 || pid->num != (double)(long long)pid->num)
        return E2B_DATA_NONE;
      ev->num = (long long)pid->num;
    }
  } else {
    const jv *x = member(body, "exitCode", &known), *ex = member(body, "exited", &known),
             *st = member(body, "status", &known), *er = member(body, "error", &known);
    if (x) {
      if (x->type != J_NUM || x->num < -2147483648.0 || x->num > 2147483647.0 || x->num != (double)(long long)x->num)
        return E2B_DATA_NONE;
      ev->num = (long long)x->num;
    }
    if (ex) {
      if (ex->type != J_TRUE && ex->type != J_FALSE) return E2B_DATA_NONE;
      ev->exited = ex->type == J_TRUE;
    }
    if (st) {
      if (st->type != J_STR) return E2B_DATA_NONE;
      ev->status = (const char *)st->s;
      ev->status_len = st->n;
    }
    if (er) {
      if (er->type != J_STR) return E2B_DATA_NONE;
      ev->error = er->s ? (const char *)er->s : "";
      ev->error_len = er->n;
    }
  }
  return known == body->nk ? kind : E2B_DATA_NONE;
}

static int same_event(const e2b_procevent *a, const e2b_procevent *b) {
  return a->num == b->num && a->exited == b->exited && a->status_len == b->status_len &&
         memcmp(a->status, b->status, a->status_len) == 0 && (a->error == NULL) == (b->error == NULL) &&
         a->error_len == b->error_len && (!a->error_len || memcmp(a->error, b->error, a->error_len) == 0);
}

/* ---- building the stream ---- */

/* a queue entry: kind, flags, bytes (an event's: status then error) and an event's fields */
typedef struct { int kind; unsigned flags; uint8_t *bytes; size_t len; long long num; size_t split; int exited, has_error; } item;
enum { MAXMSG = 64 };

static uint32_t rng;
static uint32_t next(void) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return rng; }

static size_t put_ws(uint8_t *o) { /* 0..2 bytes of JSON whitespace */
  static const char w[] = " \t\n\r";
  uint32_t r = next();
  size_t n = r % 3;
  for (size_t i = 0; i < n; i++) o[i] = (uint8_t)w[(r >> (4 + 2 * i)) & 3];
  return n;
}

static size_t put_tok(uint8_t *o, const char *t) { /* whitespace, then t */
  size_t n = put_ws(o), l = strlen(t);
  memcpy(o + n, t, l);
  return n + l;
}

/* A well-formed data message of kind for bytes b[0..n): returns its length in out. */
static size_t data_msg(uint8_t *out, int kind, const uint8_t *b, size_t n) {
  static const char *const keys[] = {"", "\"stdout\"", "\"stderr\"", "\"pty\""};
  const char *parts[] = {"{", "\"event\"", ":", "{", "\"data\"", ":", "{", keys[kind], ":"};
  size_t o = 0;
  for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
    o += put_ws(out + o);
    memcpy(out + o, parts[i], strlen(parts[i]));
    o += strlen(parts[i]);
  }
  o += put_ws(out + o);
  out[o++] = '"';
  size_t el = e2b_b64_encode(b, n, (char *)out + o);
  uint32_t r = next();
  if (r & 1) while (el && out[o + el - 1] == '=') el--; /* unpadded */
  if (r & 2) for (size_t i = 0; i < el; i++) { /* URL-safe */
    if (out[o + i] == '+') out[o + i] = '-';
    else if (out[o + i] == '/') out[o + i] = '_';
  }
  o += el;
  out[o++] = '"';
  for (int i = 0; i < 3; i++) {
    o += put_ws(out + o);
    out[o++] = '}';
  }
  o += put_ws(out + o);
  return o;
}

/* A string with fuzzed content that needs no escapes: bytes >= 0x20 but '"' and '\\'. */
static size_t put_plain(uint8_t *o, const uint8_t *b, size_t n, const uint8_t **s, size_t *sl) {
  size_t k = put_tok(o, "\"");
  *s = o + k;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = b[i];
    if (c < 0x20) c = (uint8_t)(c + 0x20);
    if (c == '"' || c == '\\') c = '\'';
    o[k++] = c;
  }
  *sl = n;
  o[k++] = '"';
  return k;
}

static long long fuzz_int(const uint8_t *b, size_t n, long long lo, long long hi) {
  uint32_t r = next();
  if ((r & 7) == 0) return lo;
  if ((r & 7) == 1) return hi;
  if ((r & 7) == 2) return 0;
  uint64_t x = 0;
  for (size_t i = 0; i < n && i < 4; i++) x = x << 8 | b[i];
  x ^= r >> 3;
  return lo + (long long)(x % (uint64_t)(hi - lo + 1));
}

/* A well-formed start or end event from fuzz bytes b[0..n) into out; *ev says what it carries
 * (its strings point into out). Returns its length. */
static size_t event_msg(uint8_t *out, int end, const uint8_t *b, size_t n, e2b_procevent *ev) {
  memset(ev, 0, sizeof *ev);
  ev->status = "";
  size_t o = 0;
  o += put_tok(out + o, "{");
  o += put_tok(out + o, "\"event\"");
  o += put_tok(out + o, ":");
  o += put_tok(out + o, "{");
  o += put_tok(out + o, end ? "\"end\"" : "\"start\"");
  o += put_tok(out + o, ":");
  o += put_tok(out + o, "{");
  char num[32];
  if (!end) {
    if (next() & 3) {
      ev->num = fuzz_int(b, n, 0, 4294967295LL);
      snprintf(num, sizeof num, "%lld", ev->num);
      o += put_tok(out + o, "\"pid\"");
      o += put_tok(out + o, ":");
      o += put_tok(out + o, num);
    }
  } else {
    int order[4] = {0, 1, 2, 3};
    for (int i = 3; i > 0; i--) { int j = (int)(next() % (uint32_t)(i + 1)), t = order[i]; order[i] = order[j]; order[j] = t; }
    int fields = (int)(next() % 5);
    size_t half = n / 2;
    for (int i = 0; i < fields; i++) {
      if (i) o += put_tok(out + o, ",");
      const uint8_t *sp;
      size_t sl;
      switch (order[i]) {
      case 0:
        ev->num = fuzz_int(b, n, -2147483648LL, 2147483647LL);
        snprintf(num, sizeof num, "%lld", ev->num);
        o += put_tok(out + o, "\"exitCode\"");
        o += put_tok(out + o, ":");
        o += put_tok(out + o, num);
        break;
      case 1:
        ev->exited = (int)(next() & 1);
        o += put_tok(out + o, "\"exited\"");
        o += put_tok(out + o, ":");
        o += put_tok(out + o, ev->exited ? "true" : "false");
        break;
      case 2:
        o += put_tok(out + o, "\"status\"");
        o += put_tok(out + o, ":");
        o += put_plain(out + o, b, half, &sp, &sl);
        ev->status = (const char *)sp;
        ev->status_len = sl;
        break;
      default:
        o += put_tok(out + o, "\"error\"");
        o += put_tok(out + o, ":");
        o += put_plain(out + o, b + half, n - half, &sp, &sl);
        ev->error = (const char *)sp;
        ev->error_len = sl;
      }
    }
  }
  for (int i = 0; i < 3; i++) o += put_tok(out + o, "}");
  o += put_ws(out + o);
  return o;
}

static size_t envelope(uint8_t *out, unsigned flags, const uint8_t *p, size_t n) {
  out[0] = (uint8_t)flags;
  out[1] = (uint8_t)(n >> 24); out[2] = (uint8_t)(n >> 16); out[3] = (uint8_t)(n >> 8); out[4] = (uint8_t)n;
  memcpy(out + 5, p, n);
  return n + 5;
}

/* Append a taken or expected entry. */
static item *add(item *list, size_t *nl, int kind, unsigned flags, const uint8_t *b, size_t len) {
  item *t = &list[(*nl)++];
  memset(t, 0, sizeof *t);
  t->kind = kind;
  t->flags = flags;
  t->len = len;
  t->bytes = malloc(len ? len : 1);
  memcpy(t->bytes, b, len);
  return t;
}

static void add_event(item *list, size_t *nl, int kind, unsigned flags, const e2b_procevent *ev) {
  size_t n = ev->status_len + ev->error_len;
  uint8_t *b = malloc(n + 1);
  memcpy(b, ev->status, ev->status_len);
  if (ev->error_len) memcpy(b + ev->status_len, ev->error, ev->error_len);
  item *t = add(list, nl, kind, flags, b, n);
  free(b);
  t->num = ev->num;
  t->split = ev->status_len;
  t->exited = ev->exited;
  t->has_error = ev->error != NULL;
}

static void take_all(e2b_connect_dec *d, item *got, size_t *ng) {
  for (e2b_msg *m = e2b_connect_take(d), *nx; m; m = nx) {
    nx = m->next;
    if (m->kind == E2B_DATA_NONE && m->data[m->len] != '\0') abort();
    if (E2B_KIND_IS_DATA(m->kind) && m->flags != 0) abort();
    if (m->kind >= E2B_EVENT_START && (m->data[m->len] != '\0' || m->split > m->len ||
                                       m->flags != (m->kind == E2B_EVENT_EOS ? E2B_CONNECT_FLAG_END : 0u)))
      abort();
    if (*ng > MAXMSG) abort(); /* more entries than messages */
    item *t = add(got, ng, m->kind, m->flags, (const uint8_t *)m->data, m->len);
    t->num = m->num;
    t->split = m->split;
    t->exited = m->exited;
    t->has_error = m->has_error;
    free(m);
  }
  if (d->queued || d->queued_bytes || d->head) abort();
}

/* What the decoder must make of message msg[0..ml) with flags: appended to want. Aborts when
 * the fast path takes what the general path reads otherwise. */
static void expect_msg(item *want, size_t *nw, unsigned flags, const uint8_t *msg, size_t ml, uint8_t *dec, size_t size) {
  if (flags == 0) {
    const char *b64;
    size_t bn, dl = 0;
    int fk = e2b_procdata_match((const char *)msg, ml, &b64, &bn);
    const char *why;
    if (fk != E2B_DATA_NONE && e2b_b64_decode(b64, bn, dec, &dl, &why) == 0) {
      size_t rl = 0;
      int rk = reference(msg, ml, dec + 2 * size + 256, &rl);
      if (rk != fk || rl != dl || memcmp(dec, dec + 2 * size + 256, dl) != 0) abort();
      add(want, nw, fk, 0, dec, dl);
      return;
    }
  }
  if (flags == 0 || flags == E2B_CONNECT_FLAG_END) {
    e2b_procevent ev, rev;
    jv root;
    int eos = flags == E2B_CONNECT_FLAG_END;
    int k = e2b_procevent_match((const char *)msg, ml, eos, &ev);
    int rk = reference_event(msg, ml, eos, &root, &rev);
    if (k != E2B_DATA_NONE) {
      if (rk != k || !same_event(&ev, &rev)) abort(); /* taken, but the general path reads otherwise */
      add_event(want, nw, k, flags, &ev);
      jfree(&root);
      return;
    }
    jfree(&root);
  }
  add(want, nw, E2B_DATA_NONE, flags, msg, ml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  rng = (uint32_t)data[0] << 8 | data[1] | 1u;
  data += 2;
  size -= 2;
  size_t cap = 16 + size * 8 + MAXMSG * 512;
  uint8_t *stream = malloc(cap), *msg = malloc(4 * size + 512), *dec = malloc(4 * size + 512);
  item *want = calloc(MAXMSG + 1, sizeof *want), *got = calloc(MAXMSG + 1, sizeof *got);
  size_t sl = 0, nw = 0, ng = 0, i = 0;
  int ended = 0;
  for (int k = 0; k < MAXMSG && i + 2 <= size && !ended; k++) {
    uint8_t t = data[i], len = data[i + 1];
    i += 2;
    if (len > size - i) len = (uint8_t)(size - i);
    const uint8_t *body = data + i;
    i += len;
    size_t ml;
    unsigned flags = 0;
    int generated = 0, gen_kind = 0;
    e2b_procevent gen;
    switch (t % 7) {
    case 0: case 1: /* well-formed output */
      ml = data_msg(msg, 1 + (t >> 3) % 3, body, len);
      generated = 1;
      break;
    case 2: /* well-formed output, then one byte changed */
      ml = data_msg(msg, 1 + (t >> 3) % 3, body, len);
      if (ml) msg[(t * 7u + len) % ml] ^= (uint8_t)(1u << (t >> 5));
      break;
    case 3: /* fuzz bytes as they are */
      memcpy(msg, body, len);
      ml = len;
      break;
    case 4: /* a well-formed start or end event */
      gen_kind = (t >> 3) & 1 ? E2B_EVENT_END : E2B_EVENT_START;
      ml = event_msg(msg, gen_kind == E2B_EVENT_END, body, len, &gen);
      break;
    case 5: /* one of those, then one byte changed or a snippet put in anywhere */
      ml = event_msg(msg, (t >> 3) & 1, body, len, &gen);
      if ((t >> 4) & 1) {
        static const char *const snip[] = {
          ",\"exitCode\":1", ",\"exited\":true", ",\"status\":\"s\"", ",\"error\":\"e\"", ",\"pid\":1",
          ",\"x\":1", "\"exitCode\":2,", "\\u0041", "\\\"", "\\", "\"", ".5", "e1", "E+1", "-", "0", "00",
          "9999999999", "4294967296", "2147483648", ",", ":", "{", "}", "[]", "null", "true", " ", "\x01",
          "\xc3\xa9", "{\"start\":{}}", ",\"end\":{}"};
        const char *sn = snip[next() % (sizeof snip / sizeof *snip)];
        size_t at = ml ? next() % (ml + 1) : 0, sn_l = strlen(sn);
        memmove(msg + at + sn_l, msg + at, ml - at);
        memcpy(msg + at, sn, sn_l);
        ml += sn_l;
      } else if (ml) {
        msg[(t * 7u + len) % ml] ^= (uint8_t)(1u << (t >> 5));
      }
      break;
    default: /* a keepalive, or the end */
      if (t & 0x80) {
        flags = E2B_CONNECT_FLAG_END;
        ended = 1;
        if ((t & 0x18) == 0) { memcpy(msg, body, len); ml = len; }   /* fuzz bytes */
        else if ((t & 0x18) == 0x08) {                                 /* an error */
          static const char err[] = "{\"error\":{\"code\":\"unknown\",\"message\":\"x\"}}";
          memcpy(msg, err, sizeof err - 1);
          ml = sizeof err - 1;
        } else {                                                       /* {} */
          ml = put_tok(msg, "{");
          ml += put_tok(msg + ml, "}");
          ml += put_ws(msg + ml);
          gen_kind = E2B_EVENT_EOS;
          memset(&gen, 0, sizeof gen);
          gen.status = "";
        }
      } else { memcpy(msg, "{\"event\":{\"keepalive\":{}}}", 27); ml = 27; }
    }
    sl += envelope(stream + sl, flags, msg, ml);
    size_t before = nw;
    expect_msg(want, &nw, flags, msg, ml, dec, size);
    const item *w = &want[before];
    if (generated && (w->kind != 1 + (t >> 3) % 3 || w->len != len || memcmp(w->bytes, body, len) != 0))
      abort(); /* a well-formed data message went the slow way, or came out wrong */
    if (gen_kind) { /* a well-formed event must be taken, with exactly its fields */
      size_t n = gen.status_len + gen.error_len;
      if (w->kind != gen_kind || w->num != gen.num || w->exited != gen.exited || w->split != gen.status_len ||
          w->has_error != (gen.error != NULL) || w->len != n || memcmp(w->bytes, gen.status, gen.status_len) != 0 ||
          (gen.error_len && memcmp(w->bytes + gen.status_len, gen.error, gen.error_len) != 0))
        abort();
    }
  }

  e2b_connect_dec d;
  e2b_connect_init(&d);
  d.process_data = 1;
  size_t off = 0, decoded = 0;
  while (off < sl) {
    uint32_t r = next();
    size_t k = (r & 3) == 0 ? sl - off : 1 + (r >> 8) % 64;
    if (k > sl - off) k = sl - off;
    if (e2b_connect_feed(&d, (const char *)stream + off, k) != 0) abort(); /* the stream is well framed */
    off += k;
    size_t q = 0, qb = 0;
    for (const e2b_msg *m = d.head; m; m = m->next) { q++; qb += m->len; }
    if (q != d.queued || qb != d.queued_bytes || d.decoded < decoded) abort();
    decoded = d.decoded;
    if ((r & 0x300) == 0) take_all(&d, got, &ng);
  }
  take_all(&d, got, &ng);
  if (e2b_connect_partial(&d) || d.ended != ended) abort();
  if (ng != nw) abort();
  for (size_t j = 0; j < nw; j++)
    if (got[j].kind != want[j].kind || got[j].flags != want[j].flags || got[j].len != want[j].len ||
        memcmp(got[j].bytes, want[j].bytes, want[j].len) != 0 || got[j].num != want[j].num ||
        got[j].split != want[j].split || got[j].exited != want[j].exited || got[j].has_error != want[j].has_error)
      abort();
  for (size_t j = 0; j < nw; j++) free(want[j].bytes);
  for (size_t j = 0; j < ng; j++) free(got[j].bytes);
  e2b_connect_free(&d);
  free(want); free(got); free(stream); free(msg); free(dec);
  return 0;
}
