/* libFuzzer: the newline-delimited decoder (lines.c), fed in pieces of fuzzed sizes with takes
 * in between and a fuzzed line limit, must agree with splitting the whole input on "\n": the same
 * lines in order (the unterminated last one at finish), failing exactly at the first line longer
 * than the limit with every line before it kept, queued_bytes counting wire bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../engine/lines.h"

static size_t seen, ref_off;
static const uint8_t *in;
static size_t in_len, limit;
static int ref_failed_at_line; /* set when the reference reaches a too-long line */

/* The next reference line: returns 1 with [*off, *len), 0 at the end, -1 when too long. */
static int ref_next(size_t *off, size_t *len) {
  if (ref_off >= in_len) return 0;
  const uint8_t *nl = memchr(in + ref_off, '\n', in_len - ref_off);
  size_t n = nl ? (size_t)(nl - (in + ref_off)) : in_len - ref_off;
  if (n > limit) return -1;
  *off = ref_off;
  *len = n;
  ref_off += n + (nl ? 1 : 0);
  return 1;
}

static void check_taken(e2b_line *l) {
  for (e2b_line *next; l; l = next) {
    next = l->next;
    size_t off, len;
    if (ref_next(&off, &len) != 1 || l->len != len || memcmp(l->data, in + off, len) != 0 ||
        l->data[len] != '\0')
      abort();
    seen++;
    free(l);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3) return 0;
  uint32_t rng = (uint32_t)data[0] << 8 | data[1] | 1u;
  limit = data[2] % 64 == 63 ? E2B_LINES_MAX : data[2] % 64; /* small limits, or the real one */
  in = data + 3;
  in_len = size - 3;
  seen = ref_off = 0;
  ref_failed_at_line = 0;
  e2b_lines_dec d;
  e2b_lines_init(&d);
  d.max_line = limit;
  size_t off = 0;
  int rc = E2B_LINES_OK;
  while (off < in_len && rc == E2B_LINES_OK) {
    rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
    size_t k = (rng & 3) == 0 ? in_len - off : 1 + (rng >> 8) % 16;
    if (k > in_len - off) k = in_len - off;
    rc = e2b_lines_feed(&d, (const char *)in + off, k);
    off += k;
    size_t q = 0, qb = 0;
    for (const e2b_line *l = d.head; l; l = l->next) { q++; qb += l->len + 1; }
    if (q != d.queued || qb != d.queued_bytes) abort(); /* every queued line had its "\n" */
    if ((rng & 0x300) == 0 || rc != E2B_LINES_OK) check_taken(e2b_lines_take(&d));
  }
  if (rc == E2B_LINES_OK) {
    size_t before = d.queued_bytes;
    rc = e2b_lines_finish(&d);
    if (rc == E2B_LINES_OK && d.queued_bytes < before) abort();
  }
  check_taken(e2b_lines_take(&d));
  size_t o2, l2;
  int next = ref_next(&o2, &l2);
  if (rc == E2B_LINES_MALFORMED) {
    if (next != -1 || !d.error[0]) abort(); /* failed exactly at the first too-long line */
  } else if (rc != E2B_LINES_OK || next != 0) {
    abort(); /* every reference line was produced */
  }
  e2b_lines_free(&d);
  return 0;
}
