/* envd process output decoded in C (procdata.h + the connect decoder's process_data): the shape
 * matcher on every prefix and with whitespace anywhere insignificant, and a message stream
 * mixing output, other events and every fallback shape, split at every pair of byte positions. */
#include "check.h"
#include "../engine/connect.h"
#include "../engine/procdata.h"
#include "../engine/b64.h"

static int match(const char *s, const char **b64, size_t *n) {
  return e2b_procdata_match(s, strlen(s), b64, n);
}

static void matcher(void) {
  const char *b64;
  size_t n;
  const char *ok = "{\"event\":{\"data\":{\"stdout\":\"aGkK\"}}}";
  CHECK(match(ok, &b64, &n) == E2B_DATA_STDOUT && n == 4 && memcmp(b64, "aGkK", 4) == 0);
  CHECK(match("{\"event\":{\"data\":{\"stderr\":\"\"}}}", &b64, &n) == E2B_DATA_STDERR && n == 0);
  CHECK(match("{\"event\":{\"data\":{\"pty\":\"-_8=\"}}}", &b64, &n) == E2B_DATA_PTY && n == 4);
  /* every proper prefix is not a data message */
  for (size_t k = 0; k < strlen(ok); k++) CHECK(e2b_procdata_match(ok, k, &b64, &n) == E2B_DATA_NONE);
  /* protojson's insignificant whitespace between any two tokens (and around the whole) */
  static const size_t cuts[] = {0, 1, 8, 9, 10, 16, 17, 18, 26, 27, 33, 34, 35, 36};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    char buf[128];
    size_t c = cuts[i];
    snprintf(buf, sizeof buf, "%.*s \n\t\r%s", (int)c, ok, ok + c);
    if (match(buf, &b64, &n) != E2B_DATA_STDOUT || n != 4) fprintf(stderr, "whitespace at %zu: %s\n", c, buf);
    CHECK(match(buf, &b64, &n) == E2B_DATA_STDOUT && n == 4 && memcmp(b64, "aGkK", 4) == 0);
  }
  /* everything else takes the general path */
  static const char *const other[] = {
    "{\"event\":{\"data\":{\"stdout\":\"aGkK\",\"x\":1}}}",    /* another field */
    "{\"event\":{\"data\":{\"x\":1,\"stdout\":\"aGkK\"}}}",
    "{\"event\":{\"data\":{\"stdout\":\"aGkK\"},\"x\":1}}",
    "{\"x\":1,\"event\":{\"data\":{\"stdout\":\"aGkK\"}}}",
    "{\"event\":{\"data\":{\"stdout\":\"aGkK\"}}}x",           /* trailing bytes */
    "{\"event\":{\"data\":{\"stdout\":\"aGkK\"}}}}",
    "{\"event\":{\"data\":{\"stdout\":aGkK}}}",                /* not a string */
    "{\"event\":{\"data\":{\"stdout\":null}}}",
    "{\"event\":{\"data\":{\"stdin\":\"aGkK\"}}}",             /* unknown kind */
    "{\"event\":{\"data\":{\"Stdout\":\"aGkK\"}}}",
    "{\"event\":{\"data\":{}}}",
    "{\"event\":{\"start\":{\"pid\":1}}}",
    "{\"event\":{\"end\":{\"exitCode\":0}}}",
    "{\"event\":{\"keepalive\":{}}}",
    "{}", "", "[]", "\"aGkK\"",
    "{\"event\":{\"data\":{\"stdout\":\"aGkK}}}",               /* unterminated string */
    "{\"event\":{\"data\":{\"stdout\":\"aGkK\"}}",              /* a brace short */
    "{\"event\":{\"data\":{\"stdout\" \"aGkK\"}}}",             /* no colon */
  };
  for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
    if (match(other[i], &b64, &n) != E2B_DATA_NONE) fprintf(stderr, "matched: %s\n", other[i]);
    CHECK(match(other[i], &b64, &n) == E2B_DATA_NONE);
  }
  /* a string the matcher hands over that the base64 decoder then refuses (the general path) */
  static const char *const undecodable[] = {
    "{\"event\":{\"data\":{\"stdout\":\"a\\u0047kK\"}}}",      /* an escape in the string */
    "{\"event\":{\"data\":{\"stdout\":\"aG\\\"kK\"}}}",         /* an escaped quote */
    "{\"event\":{\"data\":{\"stdout\":\"aG kK\"}}}",           /* whitespace inside base64 */
    "{\"event\":{\"data\":{\"stdout\":\"aG=kK\"}}}",
    "{\"event\":{\"data\":{\"stdout\":\"aGk\"}}}x",
  };
  for (size_t i = 0; i < sizeof undecodable / sizeof undecodable[0]; i++) {
    unsigned char out[64];
    size_t got;
    const char *why;
    int kind = match(undecodable[i], &b64, &n);
    if (kind == E2B_DATA_NONE) continue; /* refused already: fine too */
    if (e2b_b64_decode(b64, n, out, &got, &why) == 0) fprintf(stderr, "decoded: %s\n", undecodable[i]);
    CHECK(e2b_b64_decode(b64, n, out, &got, &why) == -1);
  }
  /* a NUL byte inside is not whitespace */
  CHECK(e2b_procdata_match("{\"event\":{\"data\":{\"stdout\":\"aGkK\"}}}\0", strlen(ok) + 1, &b64, &n) == E2B_DATA_NONE);
  CHECK_STR(e2b_procdata_kind_name(E2B_DATA_STDERR), "stderr");
}

/* A stream and what the decoder must make of it: runs (kind, bytes) and messages (flags, JSON). */
typedef struct { unsigned flags; const char *json; } wire;
static const wire stream[] = {
  {0, "{\"event\":{\"start\":{\"pid\":1}}}"},
  {0, "{\"event\":{\"data\":{\"stdout\":\"aGkK\"}}}"},
  {0, " { \"event\" : { \"data\" : { \"stdout\" : \"YQ==\" } } }\n"},
  {0, "{\"event\":{\"data\":{\"stderr\":\"Yg\"}}}"},
  {0, "{\"event\":{\"data\":{\"stdout\":\"Y\\u0051==\"}}}"},
  {0, "{\"event\":{\"data\":{\"stdout\":\"YQ==\",\"x\":1}}}"},
  {0, "{\"event\":{\"data\":{\"stdout\":\"Y\\\"Q==\"}}}"},
  {0, "{\"event\":{\"data\":{\"pty\":\"AAEC\"}}}"},
  {0, "{\"event\":{\"data\":{\"stdout\":\"Y=Q=\"}}}"},       /* not base64: the general path says so */
  {0, "{\"event\":{\"data\":{\"stdout\":\"\"}}}"},
  {0, "{\"event\":{\"data\":{\"stdout\":\"aGkK\"}}}"},
  {0, "{\"event\":{\"data\":{\"stdout\":\"/w\"}}}"},
  {0, "{\"event\":{\"end\":{\"exitCode\":0}}}"},
  {2, "{\"event\":{\"data\":{\"stdout\":\"aGkK\"}}}"},       /* end-of-stream frame: never output */
};
#define NWIRE (sizeof stream / sizeof stream[0])
typedef struct { int kind; unsigned flags; const char *data; size_t len; } item;
static const item want[] = {
  {E2B_EVENT_START, 0, "", 0},                             /* event records: test_procevent.c */
  {E2B_DATA_STDOUT, 0, "hi\na", 4},
  {E2B_DATA_STDERR, 0, "b", 1},
  {0, 0, "{\"event\":{\"data\":{\"stdout\":\"Y\\u0051==\"}}}", 0},
  {0, 0, "{\"event\":{\"data\":{\"stdout\":\"YQ==\",\"x\":1}}}", 0},
  {0, 0, "{\"event\":{\"data\":{\"stdout\":\"Y\\\"Q==\"}}}", 0},
  {E2B_DATA_PTY, 0, "\0\1\2", 3},
  {0, 0, "{\"event\":{\"data\":{\"stdout\":\"Y=Q=\"}}}", 0},
  {E2B_DATA_STDOUT, 0, "hi\n\377", 4},
  {E2B_EVENT_END, 0, "", 0},
  {0, 2, "{\"event\":{\"data\":{\"stdout\":\"aGkK\"}}}", 0},
};
#define NWANT (sizeof want / sizeof want[0])

static size_t build(unsigned char *out) {
  size_t o = 0;
  for (size_t i = 0; i < NWIRE; i++) {
    size_t n = strlen(stream[i].json);
    out[o] = (unsigned char)stream[i].flags;
    out[o + 1] = 0; out[o + 2] = 0; out[o + 3] = (unsigned char)(n >> 8); out[o + 4] = (unsigned char)n;
    memcpy(out + o + 5, stream[i].json, n);
    o += 5 + n;
  }
  return o;
}

/* Items taken so far are compared as one concatenation per kind, since where a run ends depends
 * on when it was taken; the order of messages and runs must match want[]. */
typedef struct { char out[3][64]; size_t outn[3]; int msgs; int ok; int last_kind; size_t wi; } seen;

static void take_into(e2b_connect_dec *d, seen *s) {
  e2b_msg *m = e2b_connect_take(d);
  while (m) {
    e2b_msg *next = m->next;
    if (m->kind >= E2B_EVENT_START) {
      if (s->wi >= NWANT || want[s->wi].kind != m->kind || m->flags != 0) s->ok = 0;
      s->wi++;
      s->last_kind = 0;
    } else if (m->kind) {
      /* a run continues want[wi-1] if the same kind was last, else starts want[wi] */
      if (!(s->last_kind == m->kind)) {
        if (s->wi >= NWANT || want[s->wi].kind != m->kind) s->ok = 0;
        s->wi++;
      }
      int k = m->kind - 1;
      if (s->outn[k] + m->len > sizeof s->out[k]) s->ok = 0;
      else { memcpy(s->out[k] + s->outn[k], m->data, m->len); s->outn[k] += m->len; }
      s->last_kind = m->kind;
    } else {
      if (s->wi >= NWANT || want[s->wi].kind != 0 || want[s->wi].flags != m->flags ||
          m->len != strlen(want[s->wi].data) || memcmp(m->data, want[s->wi].data, m->len) != 0)
        s->ok = 0;
      s->wi++;
      s->last_kind = 0;
    }
    free(m);
    m = next;
  }
}

static void check_seen(const seen *s, const char *ctx) {
  char expect[3][64];
  size_t en[3] = {0, 0, 0};
  for (size_t i = 0; i < NWANT; i++)
    if (E2B_KIND_IS_DATA(want[i].kind)) { memcpy(expect[want[i].kind - 1] + en[want[i].kind - 1], want[i].data, want[i].len); en[want[i].kind - 1] += want[i].len; }
  int ok = s->ok && s->wi == NWANT;
  for (int k = 0; k < 3; k++) ok = ok && s->outn[k] == en[k] && memcmp(s->out[k], expect[k], en[k]) == 0;
  if (!ok) fprintf(stderr, "process stream mismatch (%s): %zu items\n", ctx, s->wi);
  CHECK(ok);
}

static void feed_split(const unsigned char *b, size_t n, size_t x, size_t y, int take_between) {
  e2b_connect_dec d;
  e2b_connect_init(&d);
  d.process_data = 1;
  seen s;
  memset(&s, 0, sizeof s);
  s.ok = 1;
  size_t cut[4] = {0, x, y, n};
  for (int i = 0; i < 3; i++) {
    CHECK(e2b_connect_feed(&d, (const char *)b + cut[i], cut[i + 1] - cut[i]) == 0);
    if (take_between) take_into(&d, &s);
  }
  take_into(&d, &s);
  CHECK(d.ended && !d.failed && !e2b_connect_partial(&d));
  char ctx[64];
  snprintf(ctx, sizeof ctx, "split at %zu,%zu%s", x, y, take_between ? ", taking between" : "");
  check_seen(&s, ctx);
  e2b_connect_free(&d);
}

int main(void) {
  matcher();
  unsigned char b[2048];
  size_t n = build(b);
  for (size_t x = 0; x <= n; x++)
    for (size_t y = x; y <= n; y += (y < x + 64 || n - y < 64) ? 1 : 7) {
      feed_split(b, n, x, y, 0);
      feed_split(b, n, x, y, 1);
    }
  /* byte by byte, taking after each byte: runs end anywhere */
  e2b_connect_dec d;
  e2b_connect_init(&d);
  d.process_data = 1;
  seen s;
  memset(&s, 0, sizeof s);
  s.ok = 1;
  for (size_t i = 0; i < n; i++) { CHECK(e2b_connect_feed(&d, (const char *)b + i, 1) == 0); take_into(&d, &s); }
  check_seen(&s, "byte by byte");
  CHECK(d.queued_bytes == 0);
  e2b_connect_free(&d);
  /* without process_data every message stays a message */
  e2b_connect_init(&d);
  CHECK(e2b_connect_feed(&d, (const char *)b, n) == 0);
  size_t count = 0;
  e2b_msg *m = e2b_connect_take(&d);
  while (m) { e2b_msg *nx = m->next; CHECK(m->kind == 0); count++; free(m); m = nx; }
  CHECK(count == NWIRE);
  e2b_connect_free(&d);
  /* queued_bytes counts decoded bytes; one run per message, each exactly its bytes */
  e2b_connect_init(&d);
  d.process_data = 1;
  static char big[70000];
  memcpy(big, "{\"event\":{\"data\":{\"stdout\":\"", 28);
  size_t bl = 28;
  for (int i = 0; i < 16000; i++) { memcpy(big + bl, "QUJD", 4); bl += 4; }
  memcpy(big + bl, "\"}}}", 4);
  bl += 4;
  for (int r = 0; r < 5; r++) {
    unsigned char h[5] = {0, 0, (unsigned char)(bl >> 16), (unsigned char)(bl >> 8), (unsigned char)bl};
    CHECK(e2b_connect_feed(&d, (const char *)h, 5) == 0);
    CHECK(e2b_connect_feed(&d, big, bl) == 0);
  }
  CHECK(d.queued == 5 && d.queued_bytes == 5 * 48000 && d.decoded == 5);
  m = e2b_connect_take(&d);
  int same = 1, runs = 0;
  for (e2b_msg *x = m; x; x = x->next, runs++) {
    CHECK(x->kind == E2B_DATA_STDOUT && x->len == 48000);
    for (size_t i = 0; i < x->len; i++) same &= x->data[i] == "ABC"[i % 3];
  }
  CHECK(same && runs == 5);
  while (m) { e2b_msg *nx = m->next; free(m); m = nx; }
  e2b_connect_free(&d);
  CHECK_DONE();
}
