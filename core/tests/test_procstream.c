/* envd data messages that arrive in pieces (connect.c decodes them piece by piece instead of
 * collecting them first): for every message below, fed split at every byte position, at pairs
 * of positions and in random pieces, the queue must be exactly what feeding it whole gives —
 * the same runs of the same bytes, the same general-route messages byte for byte. The messages
 * cover the vector decoder's block sizes, padded, unpadded and URL-safe strings, whitespace in
 * the head and the tail (also more than the piecewise decoder holds), and every way out of the
 * fast shape: junk, '=', escapes, a missing quote, extra fields or bytes, bad final groups. */
#include "check.h"
#include "../engine/b64.h"
#include "../engine/connect.h"

static unsigned long rng = 99;
static unsigned rnd(void) {
  rng = rng * 6364136223846793005ul + 1442695040888963407ul;
  return (unsigned)(rng >> 33);
}

#define MAXMSG 400
static char *msgs[MAXMSG];
static size_t nmsgs;

static void add(const char *head, const char *b64, size_t bn, const char *tail) {
  size_t hl = strlen(head), tl = strlen(tail);
  char *m = malloc(hl + bn + tl + 1);
  memcpy(m, head, hl);
  memcpy(m + hl, b64, bn);
  memcpy(m + hl + bn, tail, tl + 1);
  if (nmsgs < MAXMSG) msgs[nmsgs++] = m; else free(m);
}

static const char *H = "{\"event\":{\"data\":{\"stdout\":\"", *T = "\"}}}";

static void build(void) {
  static const size_t sizes[] = {0, 1, 2, 3, 4, 5, 11, 12, 23, 24, 34, 35, 36, 37, 47, 48, 60, 100, 333, 1000, 3000};
  char text[4100];
  unsigned char raw[3100];
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    size_t n = sizes[s];
    for (size_t i = 0; i < n; i++) raw[i] = (unsigned char)rnd();
    size_t tn = e2b_b64_encode(raw, n, text);
    add(H, text, tn, T);                                                   /* padded */
    size_t un = tn;
    while (un && text[un - 1] == '=') un--;
    if (un != tn) add(H, text, un, T);                                     /* unpadded */
    if (n < 40 && s % 3) continue;
    if (tn >= 8) {
      char u[4100];
      memcpy(u, text, tn);
      u[tn / 2] = '-';                                                     /* URL-safe in the middle */
      add(H, u, tn, T);
      memcpy(u, text, tn);
      u[tn - 3] = '_';                                                     /* ... in the last group */
      add(H, u, tn, T);
      memcpy(u, text, tn);
      u[tn / 3] = '!';                                                     /* junk */
      add(H, u, tn, T);
      memcpy(u, text, tn);
      u[tn / 2] = '=';                                                     /* '=' inside */
      add(H, u, tn, T);
      memcpy(u, text, tn);
      u[5] = '\\'; u[6] = '/';                                             /* an escape: JSON's "\/" */
      add(H, u, tn, T);
      memcpy(u, text, tn);
      u[tn - 5] = '\\'; u[tn - 4] = '"';                                   /* an escaped quote */
      add(H, u, tn, T);
    }
    add("{\"event\":{\"data\":{\"stderr\":\"", text, tn, T);
    add("{\"event\":{\"data\":{\"pty\":\"", text, tn, T);
    add(" {\n\"event\" :{ \"data\":\t{\"stdout\" : \"", text, tn, "\" } }\r\n}  ");
    add("{                                                                   \"event\":{\"data\":{\"stdout\":\"",
        text, tn, T);                                                      /* a head longer than kept */
    add(H, text, tn, "\"}}}                              ");               /* a tail longer than kept */
    add(H, text, tn, "\",\"x\":1}}}");                                     /* another field */
    add(H, text, tn, "\"}}}x");                                            /* trailing bytes */
    add(H, text, tn, "\"}}");                                              /* a brace short */
    add(H, text, tn, "\"}}}}");
    add(H, text, tn, "");                                                  /* no closing quote */
    add(H, text, tn, "\"");
    if (tn) add(H, text, tn - 1, T);                                       /* a character short */
    add(H, text, tn, "A\"}}}");                                            /* one too many */
    add(H, text, tn, "==\"}}}");
  }
  add(H, "Zh==", 4, T);                                                    /* non-zero trailing bits */
  add(H, "Zg=", 3, T);
  add(H, "Zg===", 5, T);
  add("{\"event\":{\"data\":{\"stdin\":\"", "aGkK", 4, T);
  add("{\"event\":{\"start\":{\"pid\":7}}}", "", 0, "");
  add("{\"event\":{\"end\":{\"exitCode\":3,\"status\":\"exit status 3\"}}}", "", 0, "");
  add("{\"event\":{\"keepalive\":{}}}", "", 0, "");
}

typedef struct { int kind; unsigned flags; size_t len; long long num; size_t split; int exited, has_error; char *data; } item;
typedef struct { item it[64]; size_t n; } queue;

static void take(e2b_connect_dec *d, queue *q) {
  e2b_msg *m = e2b_connect_take(d);
  while (m) {
    e2b_msg *next = m->next;
    if (q->n < 64) {
      item *x = &q->it[q->n++];
      x->kind = m->kind; x->flags = m->flags; x->len = m->len; x->num = m->num; x->split = m->split;
      x->exited = m->exited; x->has_error = m->has_error;
      x->data = malloc(m->len + 1);
      memcpy(x->data, m->data, m->len);
    }
    free(m);
    m = next;
  }
}

static void clear(queue *q) {
  for (size_t i = 0; i < q->n; i++) free(q->it[i].data);
  q->n = 0;
}

static int same(const queue *a, const queue *b) {
  if (a->n != b->n) return 0;
  for (size_t i = 0; i < a->n; i++) {
    const item *x = &a->it[i], *y = &b->it[i];
    if (x->kind != y->kind || x->flags != y->flags || x->len != y->len || x->num != y->num ||
        x->split != y->split || x->exited != y->exited || x->has_error != y->has_error ||
        memcmp(x->data, y->data, x->len) != 0)
      return 0;
  }
  return 1;
}

/* env[0..n) fed in the pieces cut[0..ncut) marks (ascending positions), taking after each. */
static void feed(const char *env, size_t n, const size_t *cut, size_t ncut, queue *q) {
  e2b_connect_dec d;
  e2b_connect_init(&d);
  d.process_data = 1;
  size_t at = 0;
  for (size_t i = 0; i <= ncut; i++) {
    size_t to = i < ncut ? cut[i] : n;
    CHECK(e2b_connect_feed(&d, env + at, to - at) == 0);
    take(&d, q);
    at = to;
  }
  CHECK(!d.failed && !e2b_connect_partial(&d) && d.run == NULL && e2b_buf_size(&d.payload) == 0);
  e2b_connect_free(&d);
}

static size_t envelope(char *out, const char *const *m, size_t k) {
  size_t o = 0;
  for (size_t i = 0; i < k; i++) {
    size_t n = strlen(m[i]);
    out[o] = 0;
    out[o + 1] = 0; out[o + 2] = (char)(n >> 16); out[o + 3] = (char)(n >> 8); out[o + 4] = (char)n;
    memcpy(out + o + 5, m[i], n);
    o += 5 + n;
  }
  return o;
}

static char env[40000];

/* Every message cut every way; returns the number of feeds that differ from the whole. */
static int all_splits(void) {
  int bad = 0;
  queue want = {{{0}}, 0}, got = {{{0}}, 0};
  for (size_t i = 0; i < nmsgs; i++) {
    /* the message between two others, so a piece can also end or begin inside a neighbour */
    const char *three[3] = {"{\"event\":{\"data\":{\"stdout\":\"aGkK\"}}}", msgs[i], "{\"event\":{\"data\":{\"stderr\":\"Yg==\"}}}"};
    size_t n = envelope(env, three, 3);
    clear(&want);
    feed(env, n, NULL, 0, &want);
    size_t lo = 5 + strlen(three[0]), hi = n - 5 - strlen(three[2]);
    /* one cut anywhere in the message: every byte near its ends, every 7th (all residues modulo
     * 4 and 32, the decoder's group and block) in between */
    for (size_t x = lo - 3; x <= hi + 3; x += (x > lo + 100 && x + 100 < hi) ? 7 : 1) {
      clear(&got);
      feed(env, n, &x, 1, &got);
      if (!same(&want, &got)) { if (bad++ < 5) fprintf(stderr, "message %zu, cut at %zu: differs\n", i, x); }
    }
    size_t step = hi - lo > 1000 ? 211 : hi - lo > 400 ? 53 : hi - lo > 100 ? 5 : 1; /* every pair for short messages */
    for (size_t x = lo; x <= hi; x += step) /* two cuts */
      for (size_t y = x + 1; y <= hi; y += step) {
        size_t c[2] = {x, y};
        clear(&got);
        feed(env, n, c, 2, &got);
        if (!same(&want, &got)) { if (bad++ < 5) fprintf(stderr, "message %zu, cuts at %zu,%zu: differs\n", i, x, y); }
      }
    for (int r = 0; r < 12; r++) { /* random pieces, 1 to 64 bytes long */
      size_t c[40000 / 1], nc = 0, at = 0;
      while (nc < sizeof c / sizeof c[0]) {
        at += 1 + rnd() % 64;
        if (at >= n) break;
        c[nc++] = at;
      }
      clear(&got);
      feed(env, n, c, nc, &got);
      if (!same(&want, &got)) { if (bad++ < 5) fprintf(stderr, "message %zu, random pieces: differs\n", i); }
    }
  }
  clear(&want);
  clear(&got);
  return bad;
}

int main(void) {
  build();
  int bad = all_splits();
  if (bad) fprintf(stderr, "%d split feeds differ from the whole\n", bad);
  CHECK(bad == 0);
  if (e2b_b64_vector(-1)) { /* and with the scalar decoder, as on CPUs without AVX2 */
    e2b_b64_vector(0);
    bad = all_splits();
    e2b_b64_vector(1);
    if (bad) fprintf(stderr, "%d split feeds differ from the whole (scalar)\n", bad);
    CHECK(bad == 0);
  }
  queue want = {{{0}}, 0};
  /* and what the whole gives is what the general route says: spot checks */
  {
    const char *one[1] = {msgs[0]}; /* an empty stdout string: a run of no bytes */
    size_t n = envelope(env, one, 1);
    clear(&want);
    feed(env, n, NULL, 0, &want);
    CHECK(want.n == 1 && want.it[0].kind == E2B_DATA_STDOUT && want.it[0].len == 0);
  }
  clear(&want);
  for (size_t i = 0; i < nmsgs; i++) free(msgs[i]);
  printf("%zu messages\n", nmsgs);
  CHECK_DONE();
}
