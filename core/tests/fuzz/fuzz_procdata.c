/* libFuzzer: envd process output decoded in C (procdata.c + connect.c with process_data), against
 * the general path as reference. Streams of Connect envelopes mixing well-formed data messages
 * ({"event":{"data":{"stdout"|"stderr"|"pty":"<base64>"}}} with fuzzed whitespace and base64
 * spellings), damaged ones, fuzz bytes, other events and the end message are fed in fuzzed
 * pieces with takes in between. Checked:
 *  - soundness: a message the fast path takes is, read by a reference JSON reader (escapes and
 *    all) and the base64 decoder, a data message of that kind with exactly those bytes;
 *  - completeness: every well-formed data message is taken by the fast path;
 *  - the queue: what is taken equals the messages in order, one entry each (a data message as
 *    a run of its decoded bytes, the rest byte for byte); queued_bytes counts the queue. */
#include <stdint.h>
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

/* ---- building the stream ---- */

typedef struct { int kind; unsigned flags; uint8_t *bytes; size_t len; } item; /* a queue entry */
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

static size_t envelope(uint8_t *out, unsigned flags, const uint8_t *p, size_t n) {
  out[0] = (uint8_t)flags;
  out[1] = (uint8_t)(n >> 24); out[2] = (uint8_t)(n >> 16); out[3] = (uint8_t)(n >> 8); out[4] = (uint8_t)n;
  memcpy(out + 5, p, n);
  return n + 5;
}

/* Append a taken or expected entry. */
static void add(item *list, size_t *nl, int kind, unsigned flags, const uint8_t *b, size_t len) {
  item *t = &list[(*nl)++];
  t->kind = kind;
  t->flags = flags;
  t->len = len;
  t->bytes = malloc(len ? len : 1);
  memcpy(t->bytes, b, len);
}

static void take_all(e2b_connect_dec *d, item *got, size_t *ng) {
  for (e2b_msg *m = e2b_connect_take(d), *nx; m; m = nx) {
    nx = m->next;
    if (m->kind == E2B_DATA_NONE && m->data[m->len] != '\0') abort();
    if (m->kind != E2B_DATA_NONE && m->flags != 0) abort();
    if (*ng > MAXMSG) abort(); /* more entries than messages */
    add(got, ng, m->kind, m->flags, (const uint8_t *)m->data, m->len);
    free(m);
  }
  if (d->queued || d->queued_bytes || d->head) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  rng = (uint32_t)data[0] << 8 | data[1] | 1u;
  data += 2;
  size -= 2;
  size_t cap = 16 + size * 8 + MAXMSG * 256;
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
    int generated = 0;
    switch (t % 5) {
    case 0: case 1: /* well-formed output */
      ml = data_msg(msg, 1 + (t >> 3) % 3, body, len);
      generated = 1;
      break;
    case 2: /* well-formed, then one byte changed */
      ml = data_msg(msg, 1 + (t >> 3) % 3, body, len);
      if (ml) msg[(t * 7u + len) % ml] ^= (uint8_t)(1u << (t >> 5));
      break;
    case 3: /* fuzz bytes as they are */
      memcpy(msg, body, len);
      ml = len;
      break;
    default: /* another event, or the end */
      if (t & 0x80) { flags = E2B_CONNECT_FLAG_END; memcpy(msg, "{}", 2); ml = 2; ended = 1; }
      else { memcpy(msg, "{\"event\":{\"start\":{\"pid\":7}}}", 29); ml = 29; }
    }
    sl += envelope(stream + sl, flags, msg, ml);
    /* what the decoder should make of it */
    int kind = E2B_DATA_NONE;
    size_t dl = 0;
    if (flags == 0) {
      const char *b64;
      size_t bn;
      int fk = e2b_procdata_match((const char *)msg, ml, &b64, &bn);
      const char *why;
      if (fk != E2B_DATA_NONE && e2b_b64_decode(b64, bn, dec, &dl, &why) == 0) kind = fk;
      size_t rl = 0;
      int rk = reference(msg, ml, dec + 2 * size + 256, &rl);
      if (kind != E2B_DATA_NONE && (rk != kind || rl != dl || memcmp(dec, dec + 2 * size + 256, dl) != 0))
        abort(); /* the fast path took what the general path reads otherwise */
      if (generated && (kind != 1 + (t >> 3) % 3 || dl != len || memcmp(dec, body, len) != 0))
        abort(); /* a well-formed data message went the slow way, or came out wrong */
    }
    if (kind != E2B_DATA_NONE) add(want, &nw, kind, 0, dec, dl);
    else add(want, &nw, E2B_DATA_NONE, flags, msg, ml);
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
  if (e2b_connect_partial(&d)) abort();
  if (ng != nw) abort();
  for (size_t j = 0; j < nw; j++)
    if (got[j].kind != want[j].kind || got[j].flags != want[j].flags || got[j].len != want[j].len ||
        memcmp(got[j].bytes, want[j].bytes, want[j].len) != 0)
      abort();
  for (size_t j = 0; j < nw; j++) free(want[j].bytes);
  for (size_t j = 0; j < ng; j++) free(got[j].bytes);
  e2b_connect_free(&d);
  free(want); free(got); free(stream); free(msg); free(dec);
  return 0;
}
