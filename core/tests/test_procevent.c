/* envd's start/end events and the end-of-stream `{}` recognised in C (e2b_procevent_match, and
 * the connect decoder's process_data records): every exact shape (each subset of EndEvent's
 * fields in every order, edge values, whitespace between any two tokens), every malformed or
 * unusual shape falling back to the general path, and a stream of events, output and fallbacks
 * split at every byte boundary (and pairs of them) across feeds. */
#include "check.h"
#include "../engine/connect.h"
#include "../engine/procdata.h"

typedef struct {
  int kind;
  long long num;
  int exited;
  const char *status; /* NULL: absent (reads as "") */
  const char *error;  /* NULL: absent */
} expect;

static int same(const e2b_procevent *ev, const expect *x) {
  const char *st = x->status ? x->status : "";
  if (ev->num != x->num || ev->exited != x->exited) return 0;
  if (ev->status_len != strlen(st) || memcmp(ev->status, st, ev->status_len) != 0) return 0;
  if (!x->error) return ev->error == NULL && ev->error_len == 0;
  return ev->error && ev->error_len == strlen(x->error) && memcmp(ev->error, x->error, ev->error_len) == 0;
}

static int match_is(const char *s, size_t n, int eos, const expect *x) {
  e2b_procevent ev;
  int k = e2b_procevent_match(s, n, eos, &ev);
  if (k != x->kind || (k != E2B_DATA_NONE && !same(&ev, x))) {
    fprintf(stderr, "%s %s: got kind %d\n", eos ? "eos" : "msg", s, k);
    return 0;
  }
  return 1;
}

static int none(const char *s, size_t n, int eos) {
  e2b_procevent ev;
  int k = e2b_procevent_match(s, n, eos, &ev);
  if (k != E2B_DATA_NONE) fprintf(stderr, "%s matched (%d): %.*s\n", eos ? "eos" : "msg", k, (int)n, s);
  return k == E2B_DATA_NONE;
}

/* Whitespace between two tokens changes nothing; anywhere else (inside a key, a literal, a
 * number or a string) the message is not one of the shapes any more (strings: the control
 * characters in it). Every proper prefix is not a match either. */
static void spellings(const char *s, int eos, const expect *x) {
  size_t n = strlen(s);
  CHECK(match_is(s, n, eos, x));
  for (size_t k = 0; k < n; k++) CHECK(none(s, k, eos));
  int in_str = 0;
  for (size_t i = 0; i <= n; i++) {
    /* position i is between tokens unless inside a string or between two characters of one
     * number or literal */
    int boundary = !in_str && !(i > 0 && i < n && strchr("-0123456789aeflnrstu", s[i - 1]) &&
                                strchr("-0123456789aeflnrstu", s[i]));
    char buf[512];
    snprintf(buf, sizeof buf, "%.*s \n\t\r%s", (int)i, s, s + i);
    if (boundary) CHECK(match_is(buf, strlen(buf), eos, x));
    else CHECK(none(buf, strlen(buf), eos));
    if (i < n && s[i] == '"') in_str = !in_str;
  }
  /* a NUL or other byte after it */
  char buf[512];
  memcpy(buf, s, n);
  buf[n] = '\0';
  CHECK(none(buf, n + 1, eos));
  buf[n] = 'x';
  CHECK(none(buf, n + 1, eos));
  /* and the other envelope kind never matches it */
  CHECK(none(s, n, !eos));
}

static void exact_shapes(void) {
  static const struct { const char *json; expect x; } starts[] = {
    {"{\"event\":{\"start\":{\"pid\":412}}}", {E2B_EVENT_START, 412, 0, NULL, NULL}},
    {"{\"event\":{\"start\":{\"pid\":0}}}", {E2B_EVENT_START, 0, 0, NULL, NULL}},
    {"{\"event\":{\"start\":{\"pid\":1}}}", {E2B_EVENT_START, 1, 0, NULL, NULL}},
    {"{\"event\":{\"start\":{\"pid\":4294967295}}}", {E2B_EVENT_START, 4294967295LL, 0, NULL, NULL}},
    {"{\"event\":{\"start\":{}}}", {E2B_EVENT_START, 0, 0, NULL, NULL}}, /* pid 0: omitted */
  };
  for (size_t i = 0; i < sizeof starts / sizeof *starts; i++) spellings(starts[i].json, 0, &starts[i].x);
  expect eos = {E2B_EVENT_EOS, 0, 0, NULL, NULL};
  spellings("{}", 1, &eos);

  /* EndEvent: every subset of its four fields, in every order, with a few values each */
  static const char *const codes[] = {"0", "1", "-1", "137", "2147483647", "-2147483648"};
  static const long long codev[] = {0, 1, -1, 137, 2147483647LL, -2147483648LL};
  static const char *const texts[] = {"exit status 0", "", "signal: killed", "caf\xc3\xa9 \x7f /x'<>&"};
  int perms = 0;
  for (int a = 0; a < 5; a++)
    for (int b = 0; b < 5; b++)
      for (int c = 0; c < 5; c++)
        for (int d = 0; d < 5; d++) {
          int seq[4] = {a, b, c, d}, used = 0, len = 0, ok = 1;
          /* seq: field numbers 1..4 then 0s (the end); each field at most once */
          for (int i = 0; i < 4; i++) {
            if (seq[i] == 0) { for (int j = i; j < 4; j++) ok &= seq[j] == 0; break; }
            if (used & (1 << seq[i])) ok = 0;
            used |= 1 << seq[i];
            len++;
          }
          if (!ok) continue;
          perms++;
          int v = perms; /* vary the values with the order */
          expect x = {E2B_EVENT_END, 0, 0, NULL, NULL};
          char body[256] = "";
          for (int i = 0; i < len; i++) {
            char f[96];
            switch (seq[i]) {
            case 1: snprintf(f, sizeof f, "\"exitCode\":%s", codes[v % 6]); x.num = codev[v % 6]; break;
            case 2: snprintf(f, sizeof f, "\"exited\":%s", v & 1 ? "true" : "false"); x.exited = v & 1; break;
            case 3: snprintf(f, sizeof f, "\"status\":\"%s\"", texts[v % 4]); x.status = texts[v % 4]; break;
            default: snprintf(f, sizeof f, "\"error\":\"%s\"", texts[(v + 1) % 4]); x.error = texts[(v + 1) % 4];
            }
            if (i) strcat(body, ",");
            strcat(body, f);
          }
          char json[320];
          snprintf(json, sizeof json, "{\"event\":{\"end\":{%s}}}", body);
          spellings(json, 0, &x);
        }
  CHECK(perms == 1 + 4 + 12 + 24 + 24);
  /* what envd sends (e2b-protocol.md §5, Go's os.ProcessState) */
  expect x0 = {E2B_EVENT_END, 0, 1, "exit status 0", NULL};
  const char *m0 = "{\"event\":{\"end\":{\"exited\":true,\"status\":\"exit status 0\"}}}";
  CHECK(match_is(m0, strlen(m0), 0, &x0));
  expect x3 = {E2B_EVENT_END, 3, 1, "exit status 3", "exit status 3"};
  const char *m3 = "{\"event\":{\"end\":{\"exitCode\":3,\"exited\":true,\"status\":\"exit status 3\",\"error\":\"exit status 3\"}}}";
  CHECK(match_is(m3, strlen(m3), 0, &x3));
  expect xk = {E2B_EVENT_END, -1, 0, "signal: killed", "signal: killed"};
  const char *mk = "{\"event\": {\"end\": {\"exitCode\": -1, \"status\": \"signal: killed\", \"error\": \"signal: killed\"}}}";
  CHECK(match_is(mk, strlen(mk), 0, &xk));
}

static void fallbacks(void) {
  static const char *const msgs[] = {
    /* not start/end */
    "{\"event\":{\"keepalive\":{}}}", "{\"event\":{\"data\":{\"stdout\":\"aGkK\"}}}", "{\"event\":{}}",
    "{}", "", "[]", "null", "{\"event\":null}", "{\"event\":{\"start\":null}}", "{\"event\":{\"end\":[]}}",
    /* other fields anywhere */
    "{\"event\":{\"start\":{\"pid\":1,\"x\":2}}}", "{\"event\":{\"start\":{\"x\":2}}}",
    "{\"event\":{\"start\":{\"pid\":1},\"x\":2}}", "{\"x\":2,\"event\":{\"start\":{\"pid\":1}}}",
    "{\"event\":{\"start\":{\"pid\":1}},\"x\":2}", "{\"event\":{\"start\":{},\"end\":{}}}",
    "{\"event\":{\"end\":{},\"start\":{}}}", "{\"event\":{\"end\":{\"exit_code\":1}}}",
    "{\"event\":{\"end\":{\"exitcode\":1}}}", "{\"event\":{\"end\":{\"code\":1}}}",
    "{\"event\":{\"end\":{\"exited\":true,\"signal\":9}}}", "{\"event\":{\"end\":{\"x\":{}}}}",
    /* repeated fields (the general path says which one wins) */
    "{\"event\":{\"start\":{\"pid\":1,\"pid\":2}}}", "{\"event\":{\"end\":{\"exitCode\":1,\"exitCode\":2}}}",
    "{\"event\":{\"end\":{\"exited\":true,\"exited\":false}}}", "{\"event\":{\"end\":{\"status\":\"a\",\"status\":\"b\"}}}",
    "{\"event\":{\"end\":{\"error\":\"a\",\"exited\":true,\"error\":\"a\"}}}",
    "{\"event\":{\"start\":{\"pid\":1}},\"event\":{\"start\":{\"pid\":1}}}",
    /* escapes or control characters in a string */
    "{\"event\":{\"end\":{\"status\":\"exit\\u0020status 0\"}}}", "{\"event\":{\"end\":{\"status\":\"a\\\"b\"}}}",
    "{\"event\":{\"end\":{\"error\":\"a\\nb\"}}}", "{\"event\":{\"end\":{\"error\":\"a\\\\\"}}}",
    "{\"event\":{\"end\":{\"error\":\"a\nb\"}}}", "{\"event\":{\"end\":{\"status\":\"\t\"}}}",
    "{\"event\":{\"end\":{\"status\":\"\x1f\"}}}", "{\"event\":{\"end\":{\"status\":\"abc}}}",
    "{\"ev\\u0065nt\":{\"start\":{\"pid\":1}}}", "{\"event\":{\"st\\u0061rt\":{\"pid\":1}}}",
    "{\"event\":{\"start\":{\"p\\u0069d\":1}}}", "{\"event\":{\"end\":{\"exit\\u0043ode\":1}}}",
    /* numbers that are not plain in-range integers */
    "{\"event\":{\"start\":{\"pid\":1.0}}}", "{\"event\":{\"start\":{\"pid\":1e3}}}",
    "{\"event\":{\"start\":{\"pid\":1E3}}}", "{\"event\":{\"start\":{\"pid\":-1}}}",
    "{\"event\":{\"start\":{\"pid\":-0}}}", "{\"event\":{\"start\":{\"pid\":01}}}",
    "{\"event\":{\"start\":{\"pid\":00}}}", "{\"event\":{\"start\":{\"pid\":4294967296}}}",
    "{\"event\":{\"start\":{\"pid\":99999999999999999999999}}}", "{\"event\":{\"start\":{\"pid\":+1}}}",
    "{\"event\":{\"start\":{\"pid\":\"412\"}}}", "{\"event\":{\"start\":{\"pid\":null}}}",
    "{\"event\":{\"start\":{\"pid\":true}}}", "{\"event\":{\"start\":{\"pid\":}}}", "{\"event\":{\"start\":{\"pid\":-}}}",
    "{\"event\":{\"end\":{\"exitCode\":2147483648}}}", "{\"event\":{\"end\":{\"exitCode\":-2147483649}}}",
    "{\"event\":{\"end\":{\"exitCode\":-0}}}", "{\"event\":{\"end\":{\"exitCode\":1.5}}}",
    "{\"event\":{\"end\":{\"exitCode\":0.0}}}", "{\"event\":{\"end\":{\"exitCode\":1e0}}}",
    "{\"event\":{\"end\":{\"exitCode\":\"3\"}}}", "{\"event\":{\"end\":{\"exitCode\":--1}}}",
    "{\"event\":{\"end\":{\"exitCode\":NaN}}}", "{\"event\":{\"end\":{\"exitCode\":Infinity}}}",
    /* other types */
    "{\"event\":{\"end\":{\"exited\":1}}}", "{\"event\":{\"end\":{\"exited\":\"true\"}}}",
    "{\"event\":{\"end\":{\"exited\":null}}}", "{\"event\":{\"end\":{\"exited\":True}}}",
    "{\"event\":{\"end\":{\"exited\":truee}}}", "{\"event\":{\"end\":{\"status\":0}}}",
    "{\"event\":{\"end\":{\"status\":null}}}", "{\"event\":{\"end\":{\"error\":null}}}",
    "{\"event\":{\"end\":{\"error\":{}}}}", "{\"event\":{\"end\":{\"error\":[\"x\"]}}}",
    /* broken syntax */
    "{\"event\":{\"end\":{\"exited\":true,}}}", "{\"event\":{\"end\":{,\"exited\":true}}}",
    "{\"event\":{\"end\":{\"exited\":true,,\"status\":\"\"}}}", "{\"event\":{\"end\":{\"exited\" true}}}",
    "{\"event\":{\"end\":{\"exited\"::true}}}", "{\"event\":{\"end\":{\"exited\":true \"status\":\"\"}}}",
    "{\"event\":{\"end\":{\"exited\":true}}", "{\"event\":{\"end\":{\"exited\":true}}}}",
    "{\"event\":{\"end\":{\"exited\":true}}},", "{\"event\":{\"start\":{\"pid\":1}}}{}",
    "{\"event\":{\"start\":{\"pid\":1}}} x", "{\"event\":{\"start\":{\"pid\":1}}", "{\"event\":{\"start\":{\"pid\":1}",
    "{\"event\":{\"start\":{\"pid\" 1}}}", "{\"event\" {\"start\":{\"pid\":1}}}", "{event:{start:{pid:1}}}",
    "{'event':{'start':{'pid':1}}}", "{\"event\":{\"start\":{\"pid\":1]}}", "{\"event\":{\"start\":[\"pid\",1]}}",
    "\xef\xbb\xbf{\"event\":{\"start\":{\"pid\":1}}}", "{\"event\":{\"start\":{\"pid\":1}}}\v",
    "{\"event\":{\"start\":{\"pid\":1}}}\f", "\v{\"event\":{\"start\":{\"pid\":1}}}",
    "{\"event\":{\"start\":{\"pid\":1\xc2\xa0}}}",
  };
  for (size_t i = 0; i < sizeof msgs / sizeof *msgs; i++) CHECK(none(msgs[i], strlen(msgs[i]), 0));
  static const char *const eos[] = {
    "{\"error\":{\"code\":\"internal\",\"message\":\"x\"}}", "{\"metadata\":{}}", "{\"error\":null}",
    "{} x", "{}{}", "{ }}", "{", "}", "", "[]", "null", "\"{}\"", "{\"\":1}", "{,}",
    "{\"event\":{\"start\":{\"pid\":1}}}", "{\"event\":{\"end\":{}}}", "\v{}", "{}\f",
  };
  for (size_t i = 0; i < sizeof eos / sizeof *eos; i++) CHECK(none(eos[i], strlen(eos[i]), 1));
  /* a NUL inside */
  CHECK(none("{\"event\":{\"end\":{\"status\":\"a\0b\"}}}", 33, 0));
  CHECK(none("{\0}", 3, 1));
}

/* ---- a stream split at every byte boundary ---- */

typedef struct { unsigned flags; const char *json; } wire;
typedef struct { int kind; unsigned flags; const char *data; expect x; } item;

static const wire stream[] = {
  {0, "{\"event\":{\"start\":{\"pid\":412}}}"},
  {0, "{\"event\":{\"data\":{\"stdout\":\"aGkK\"}}}"},
  {0, "{\"event\":{\"keepalive\":{}}}"},
  {0, "{\"event\":{\"start\":{\"pid\":-1}}}"},
  {0, " { \"event\" : { \"end\" : { \"status\" : \"\" , \"exitCode\" : -2147483648 } } }\n"},
  {0, "{\"event\":{\"end\":{\"exitCode\":1,\"exitCode\":2}}}"},
  {0, "{\"event\":{\"end\":{\"error\":\"exit status 3\",\"exited\":true,\"exitCode\":3}}}"},
  {0, "{\"event\":{\"end\":{\"status\":\"a\\u0041\"}}}"},
  {0, "{\"event\":{\"end\":{}}}"},
  {0, "{}"},
  {0, "{\"event\":{\"end\":{\"exited\":true,\"status\":\"exit status 0\"}}}"},
};
#define NWIRE (sizeof stream / sizeof stream[0])
static const item want[] = {
  {E2B_EVENT_START, 0, NULL, {E2B_EVENT_START, 412, 0, NULL, NULL}},
  {E2B_DATA_STDOUT, 0, "hi\n", {0, 0, 0, NULL, NULL}},
  {0, 0, "{\"event\":{\"keepalive\":{}}}", {0, 0, 0, NULL, NULL}},
  {0, 0, "{\"event\":{\"start\":{\"pid\":-1}}}", {0, 0, 0, NULL, NULL}},
  {E2B_EVENT_END, 0, NULL, {E2B_EVENT_END, -2147483648LL, 0, "", NULL}},
  {0, 0, "{\"event\":{\"end\":{\"exitCode\":1,\"exitCode\":2}}}", {0, 0, 0, NULL, NULL}},
  {E2B_EVENT_END, 0, NULL, {E2B_EVENT_END, 3, 1, NULL, "exit status 3"}},
  {0, 0, "{\"event\":{\"end\":{\"status\":\"a\\u0041\"}}}", {0, 0, 0, NULL, NULL}},
  {E2B_EVENT_END, 0, NULL, {E2B_EVENT_END, 0, 0, NULL, NULL}},
  {0, 0, "{}", {0, 0, 0, NULL, NULL}},   /* not the end-of-stream envelope: a message */
  {E2B_EVENT_END, 0, NULL, {E2B_EVENT_END, 0, 1, "exit status 0", NULL}},
};
/* the three endings: the end-of-stream `{}` (a record), and two that keep the general path */
static const wire endings[] = {
  {2, " {\n} "},
  {2, "{\"error\":{\"code\":\"deadline_exceeded\",\"message\":\"context deadline exceeded\"}}"},
  {2, "{\"event\":{\"end\":{\"exited\":true,\"status\":\"exit status 0\"}}}"},
};
static const item end_want[] = {
  {E2B_EVENT_EOS, 2, NULL, {E2B_EVENT_EOS, 0, 0, NULL, NULL}},
  {0, 2, "{\"error\":{\"code\":\"deadline_exceeded\",\"message\":\"context deadline exceeded\"}}", {0, 0, 0, NULL, NULL}},
  {0, 2, "{\"event\":{\"end\":{\"exited\":true,\"status\":\"exit status 0\"}}}", {0, 0, 0, NULL, NULL}},
};

static size_t put(unsigned char *out, const wire *w) {
  size_t n = strlen(w->json);
  out[0] = (unsigned char)w->flags;
  out[1] = 0; out[2] = 0; out[3] = (unsigned char)(n >> 8); out[4] = (unsigned char)n;
  memcpy(out + 5, w->json, n);
  return 5 + n;
}

/* Does taken entry m stand for item w? Every message is one entry of its own. */
static int is(const e2b_msg *m, const item *w) {
  if (m->kind != w->kind || m->flags != w->flags) return 0;
  if (m->kind == E2B_DATA_NONE || E2B_KIND_IS_DATA(m->kind))
    return m->len == strlen(w->data) && memcmp(m->data, w->data, m->len) == 0 &&
           (m->kind != E2B_DATA_NONE || m->data[m->len] == '\0');
  const char *st = w->x.status ? w->x.status : "", *er = w->x.error ? w->x.error : "";
  return m->num == w->x.num && m->exited == w->x.exited && m->has_error == (w->x.error != NULL) &&
         m->split == strlen(st) && m->len == m->split + strlen(er) &&
         memcmp(m->data, st, m->split) == 0 && memcmp(m->data + m->split, er, strlen(er)) == 0 &&
         m->data[m->len] == '\0';
}

typedef struct { size_t wi; int ok; const item *last; } seen;

static void take_into(e2b_connect_dec *d, seen *s) {
  for (e2b_msg *m = e2b_connect_take(d), *nx; m; m = nx) {
    nx = m->next;
    const item *w = s->wi < NWIRE ? &want[s->wi] : s->wi == NWIRE ? s->last : NULL;
    if (!w || !is(m, w)) s->ok = 0;
    s->wi++;
    free(m);
  }
  if (d->queued || d->queued_bytes) s->ok = 0;
}

static void feed_split(const unsigned char *b, size_t n, size_t x, size_t y, int take_between, const item *last) {
  e2b_connect_dec d;
  e2b_connect_init(&d);
  d.process_data = 1;
  seen s = {0, 1, last};
  size_t cut[4] = {0, x, y, n};
  for (int i = 0; i < 3; i++) {
    if (e2b_connect_feed(&d, (const char *)b + cut[i], cut[i + 1] - cut[i]) != 0) s.ok = 0;
    if (take_between) take_into(&d, &s);
  }
  take_into(&d, &s);
  if (!d.ended || d.failed || e2b_connect_partial(&d) || s.wi != NWIRE + 1 || d.decoded != NWIRE + 1) s.ok = 0;
  if (!s.ok) fprintf(stderr, "event stream mismatch: split at %zu,%zu%s\n", x, y, take_between ? ", taking between" : "");
  CHECK(s.ok);
  e2b_connect_free(&d);
}

static void streams(void) {
  unsigned char b[2048];
  size_t base = 0;
  for (size_t i = 0; i < NWIRE; i++) base += put(b + base, &stream[i]);
  for (size_t e = 0; e < sizeof endings / sizeof *endings; e++) {
    size_t n = base + put(b + base, &endings[e]);
    int before = check_failures;
    /* one cut anywhere, and pairs of cuts (every pair near each other or near the end) */
    for (size_t x = 0; x <= n && check_failures == before; x++)
      for (size_t y = x; y <= n; y += (y < x + 48 || n - y < 48) ? 1 : 13) {
        feed_split(b, n, x, y, 0, &end_want[e]);
        feed_split(b, n, x, y, 1, &end_want[e]);
      }
    /* byte by byte, taking after each */
    e2b_connect_dec d;
    e2b_connect_init(&d);
    d.process_data = 1;
    seen s = {0, 1, &end_want[e]};
    for (size_t i = 0; i < n; i++) {
      CHECK(e2b_connect_feed(&d, (const char *)b + i, 1) == 0);
      take_into(&d, &s);
    }
    CHECK(s.ok && s.wi == NWIRE + 1 && d.ended);
    /* anything after the end-of-stream record fails the stream, as after any end message */
    CHECK(e2b_connect_feed(&d, (const char *)b, 5) == -1 && d.failed);
    e2b_connect_free(&d);
  }
  /* without process_data nothing is a record */
  e2b_connect_dec d;
  e2b_connect_init(&d);
  size_t n = base + put(b + base, &endings[0]);
  CHECK(e2b_connect_feed(&d, (const char *)b, n) == 0 && d.ended);
  size_t count = 0;
  for (e2b_msg *m = e2b_connect_take(&d), *nx; m; m = nx, count++) {
    nx = m->next;
    CHECK(m->kind == E2B_DATA_NONE && m->len == strlen(count < NWIRE ? stream[count].json : endings[0].json));
    free(m);
  }
  CHECK(count == NWIRE + 1);
  e2b_connect_free(&d);
}

int main(void) {
  exact_shapes();
  fallbacks();
  streams();
  CHECK_STR(e2b_procdata_kind_name(E2B_EVENT_START), "start");
  CHECK_STR(e2b_procdata_kind_name(E2B_EVENT_END), "end");
  CHECK_STR(e2b_procdata_kind_name(E2B_EVENT_EOS), "eos");
  CHECK(e2b_procdata_kind_name(E2B_DATA_NONE) == NULL);
  CHECK_DONE();
}
