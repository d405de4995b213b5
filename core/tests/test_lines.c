/* Newline-delimited decoder: an NDJSON stream like the code interpreter's /execute answer, split
 * at every pair of byte positions, byte by byte, with and without a final "\n"; empty lines, "\r",
 * NUL bytes; the length bound (exactly the limit passes, one more fails, lines before stay). */
#include "check.h"
#include "../engine/lines.h"

static const char *want[] = {
  "{\"type\":\"stdout\",\"text\":\"hello\\n\",\"timestamp\":1}",
  "",                                 /* an empty line is a line */
  "{\"type\":\"result\",\"text\":\"2\",\"is_main_result\":true}\r", /* "\r" is kept */
  "{\"type\":\"end_of_execution\"}",
};
#define NLINES 4

static size_t build(char *out, int final_newline) {
  size_t o = 0;
  for (int i = 0; i < NLINES; i++) {
    size_t n = strlen(want[i]);
    memcpy(out + o, want[i], n);
    o += n;
    if (i < NLINES - 1 || final_newline) out[o++] = '\n';
  }
  return o;
}

static void free_lines(e2b_line *l) {
  while (l) { e2b_line *n = l->next; free(l); l = n; }
}

/* The queue holds exactly want[0..n-1]. */
static int same(e2b_line *l, int n) {
  int i = 0, ok = 1;
  for (; l; l = l->next, i++)
    if (i >= n || l->len != strlen(want[i]) || memcmp(l->data, want[i], l->len) != 0 || l->data[l->len] != '\0')
      ok = 0;
  return ok && i == n;
}

static void split(const char *s, size_t n, size_t a, size_t b, int final_newline) {
  e2b_lines_dec d;
  e2b_lines_init(&d);
  CHECK(e2b_lines_feed(&d, s, a) == E2B_LINES_OK);
  CHECK(e2b_lines_feed(&d, s + a, b - a) == E2B_LINES_OK);
  CHECK(e2b_lines_feed(&d, s + b, n - b) == E2B_LINES_OK);
  /* before the end only terminated lines are out; the backpressure count includes each "\n" */
  size_t queued = d.queued, bytes = d.queued_bytes;
  CHECK(queued == (size_t)(final_newline ? NLINES : NLINES - 1));
  CHECK(bytes == (final_newline ? n : n - strlen(want[NLINES - 1])));
  CHECK(e2b_lines_finish(&d) == E2B_LINES_OK);
  CHECK(d.queued_bytes == n);
  e2b_line *l = e2b_lines_take(&d);
  if (!same(l, NLINES)) fprintf(stderr, "mismatch at split %zu,%zu (final newline %d)\n", a, b, final_newline);
  CHECK(same(l, NLINES));
  CHECK(d.queued == 0 && d.queued_bytes == 0 && e2b_lines_take(&d) == NULL);
  free_lines(l);
  e2b_lines_free(&d);
}

int main(void) {
  char s[512];
  for (int fnl = 0; fnl <= 1; fnl++) {
    size_t n = build(s, fnl);
    for (size_t a = 0; a <= n; a++)
      for (size_t b = a; b <= n; b++) split(s, n, a, b, fnl);
    e2b_lines_dec d; /* byte by byte, taking after every byte */
    e2b_lines_init(&d);
    int got = 0, ok = 1;
    for (size_t i = 0; i < n; i++) {
      CHECK(e2b_lines_feed(&d, s + i, 1) == E2B_LINES_OK);
      e2b_line *f = e2b_lines_take(&d);
      for (e2b_line *x = f; x; x = x->next, got++)
        ok &= got < NLINES && x->len == strlen(want[got]) && memcmp(x->data, want[got], x->len) == 0;
      free_lines(f);
    }
    CHECK(e2b_lines_finish(&d) == E2B_LINES_OK);
    e2b_line *last = e2b_lines_take(&d);
    for (e2b_line *x = last; x; x = x->next, got++)
      ok &= got < NLINES && x->len == strlen(want[got]) && memcmp(x->data, want[got], x->len) == 0;
    free_lines(last);
    CHECK(ok && got == NLINES);
    e2b_lines_free(&d);
  }

  { /* NUL bytes inside a line are data; finish with nothing pending adds nothing */
    e2b_lines_dec d;
    e2b_lines_init(&d);
    CHECK(e2b_lines_feed(&d, "a\0b\n", 4) == E2B_LINES_OK);
    CHECK(e2b_lines_finish(&d) == E2B_LINES_OK);
    e2b_line *l = e2b_lines_take(&d);
    CHECK(l && !l->next && l->len == 3 && memcmp(l->data, "a\0b", 3) == 0);
    free_lines(l);
    CHECK(e2b_lines_finish(&d) == E2B_LINES_OK && d.queued == 0);
    e2b_lines_free(&d);
  }

  /* The bound, with a small max_line (the real one is E2B_LINES_MAX = 64 MiB): a line of exactly
   * max_line bytes passes whether it comes in one piece or split; one byte more fails as
   * malformed, lines before it stay queued, and later input is refused. */
  CHECK(E2B_LINES_MAX == 64u * 1024u * 1024u);
  for (size_t cut = 0; cut <= 10; cut++) {
    const char *ok_in = "0123456789\nok\n";  /* 10 bytes: exactly the bound */
    e2b_lines_dec d;
    e2b_lines_init(&d);
    d.max_line = 10;
    CHECK(e2b_lines_feed(&d, ok_in, cut) == E2B_LINES_OK);
    CHECK(e2b_lines_feed(&d, ok_in + cut, strlen(ok_in) - cut) == E2B_LINES_OK);
    CHECK(d.queued == 2);
    /* now 11 bytes without a newline, split at cut */
    const char *bad = "abcdefghijk";
    int rc1 = e2b_lines_feed(&d, bad, cut);
    int rc2 = rc1 == E2B_LINES_OK ? e2b_lines_feed(&d, bad + cut, 11 - cut) : rc1;
    CHECK(rc1 == E2B_LINES_OK && rc2 == E2B_LINES_MALFORMED);
    CHECK(strstr(d.error, "line longer than 10 bytes") != NULL);
    CHECK(d.queued == 2); /* the two good lines are still there */
    CHECK(e2b_lines_feed(&d, "x\n", 2) == E2B_LINES_MALFORMED && d.queued == 2);
    CHECK(e2b_lines_finish(&d) == E2B_LINES_MALFORMED && d.queued == 2);
    e2b_line *l = e2b_lines_take(&d);
    CHECK(l && l->len == 10 && l->next && l->next->len == 2 && !l->next->next);
    free_lines(l);
    e2b_lines_free(&d);
  }
  { /* an unterminated last line over the bound fails at feed time, not at finish */
    e2b_lines_dec d;
    e2b_lines_init(&d);
    d.max_line = 4;
    CHECK(e2b_lines_feed(&d, "abcd", 4) == E2B_LINES_OK);
    CHECK(e2b_lines_finish(&d) == E2B_LINES_OK && d.queued == 1);
    CHECK(e2b_lines_feed(&d, "abcde\n", 6) == E2B_LINES_MALFORMED);
    e2b_lines_free(&d);
  }
  CHECK_DONE();
}
