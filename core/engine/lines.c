#include "lines.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void e2b_lines_init(e2b_lines_dec *d) {
  memset(d, 0, sizeof *d);
  e2b_buf_init(&d->partial);
  d->max_line = E2B_LINES_MAX;
}

void e2b_lines_free(e2b_lines_dec *d) {
  e2b_line *l = d->head;
  while (l) {
    e2b_line *next = l->next;
    free(l);
    l = next;
  }
  e2b_buf_free(&d->partial);
  e2b_lines_init(d);
}

static int fail(e2b_lines_dec *d, int rc, const char *why) {
  d->failed = rc;
  snprintf(d->error, sizeof d->error, "%s", why);
  return rc;
}

static int too_long(e2b_lines_dec *d) {
  char why[96];
  snprintf(why, sizeof why, "line longer than %zu bytes in a newline-delimited stream", d->max_line);
  return fail(d, E2B_LINES_MALFORMED, why);
}

/* Queue a+b (the partial part and the rest from the input) as one line. */
static int enqueue(e2b_lines_dec *d, const char *a, size_t na, const char *b, size_t nb, size_t wire) {
  e2b_line *l = malloc(sizeof *l + na + nb + 1);
  if (!l) return fail(d, E2B_LINES_NOMEM, "out of memory decoding a newline-delimited stream");
  l->next = NULL;
  l->len = na + nb;
  if (na) memcpy(l->data, a, na);
  if (nb) memcpy(l->data + na, b, nb);
  l->data[na + nb] = '\0';
  if (d->tail) d->tail->next = l; else d->head = l;
  d->tail = l;
  d->queued++;
  d->queued_bytes += wire;
  return E2B_LINES_OK;
}

int e2b_lines_feed(e2b_lines_dec *d, const char *p, size_t n) {
  if (d->failed) return d->failed;
  while (n > 0) {
    size_t have = e2b_buf_size(&d->partial);
    const char *nl = memchr(p, '\n', n);
    size_t k = nl ? (size_t)(nl - p) : n; /* bytes of this line in the input */
    if (k > d->max_line || have > d->max_line - k) return too_long(d);
    if (!nl) {
      if (e2b_buf_append(&d->partial, p, k) < 0)
        return fail(d, E2B_LINES_NOMEM, "out of memory decoding a newline-delimited stream");
      return E2B_LINES_OK;
    }
    int rc = enqueue(d, e2b_buf_peek(&d->partial), have, p, k, have + k + 1);
    if (rc != E2B_LINES_OK) return rc;
    e2b_buf_reset(&d->partial);
    p += k + 1;
    n -= k + 1;
  }
  return E2B_LINES_OK;
}

int e2b_lines_finish(e2b_lines_dec *d) {
  if (d->failed) return d->failed;
  size_t have = e2b_buf_size(&d->partial);
  if (have == 0) return E2B_LINES_OK;
  int rc = enqueue(d, e2b_buf_peek(&d->partial), have, NULL, 0, have);
  e2b_buf_reset(&d->partial);
  return rc;
}

e2b_line *e2b_lines_take(e2b_lines_dec *d) {
  e2b_line *l = d->head;
  d->head = d->tail = NULL;
  d->queued = 0;
  d->queued_bytes = 0;
  return l;
}
