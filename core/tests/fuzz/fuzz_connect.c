/* libFuzzer: the incremental Connect decoder (connect.c), fed the input in pieces of fuzzed
 * sizes with takes in between, must agree with a one-shot reference parser of the whole input:
 * the same messages (flags, bytes) in order, failing exactly when the reference fails (and
 * keeping what came before), "partial" exactly when the input ends inside an envelope, and
 * queued/queued_bytes counting what is queued. With process_data (chosen by the input), a
 * message the reference sees as envd output (procdata.h, base64 that decodes) must come as a
 * run of exactly its decoded bytes, a start/end event or the end-of-stream `{}` as the record
 * of what e2b_procevent_match reads, and every other message unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../engine/connect.h"
#include "../../engine/b64.h"

/* What a queued entry must be for reference message r: 1 when it matches. */
static int agrees(const e2b_msg *m, unsigned flags, const uint8_t *p, size_t len, int process_data) {
  const char *b64;
  size_t bn;
  int kind = process_data && flags == 0 ? e2b_procdata_match((const char *)p, len, &b64, &bn) : 0;
  if (kind) {
    unsigned char *out = malloc(e2b_b64_decoded_max(bn));
    size_t got;
    const char *why;
    int ok = e2b_b64_decode(b64, bn, out, &got, &why) == 0;
    int same = ok && m->kind == kind && m->len == got && memcmp(m->data, out, got) == 0;
    free(out);
    if (ok) return same;
  }
  e2b_procevent ev;
  kind = process_data && (flags == 0 || flags == E2B_CONNECT_FLAG_END)
           ? e2b_procevent_match((const char *)p, len, flags == E2B_CONNECT_FLAG_END, &ev) : 0;
  if (kind)
    return m->kind == kind && m->flags == flags && m->num == ev.num && m->exited == ev.exited &&
           m->has_error == (ev.error != NULL) && m->split == ev.status_len &&
           m->len == ev.status_len + ev.error_len && memcmp(m->data, ev.status, ev.status_len) == 0 &&
           (!ev.error_len || memcmp(m->data + ev.status_len, ev.error, ev.error_len) == 0);
  return m->kind == 0 && m->flags == flags && m->len == len && memcmp(m->data, p, len) == 0 &&
         m->data[m->len] == '\0';
}

typedef struct { unsigned flags; size_t off, len; } ref_msg;

static size_t reference(const uint8_t *d, size_t n, ref_msg *out, size_t max, int *failed, int *partial) {
  size_t i = 0, k = 0;
  int ended = 0;
  *failed = *partial = 0;
  while (i < n) {
    if (ended) { *failed = 1; break; }
    if (n - i < 5) { *partial = 1; break; }
    unsigned flags = d[i];
    size_t len = (size_t)d[i + 1] << 24 | (size_t)d[i + 2] << 16 | (size_t)d[i + 3] << 8 | d[i + 4];
    if (flags & E2B_CONNECT_FLAG_COMPRESSED || len > E2B_CONNECT_MAX_PAYLOAD) { *failed = 1; break; }
    if (n - i - 5 < len) { *partial = 1; break; }
    if (k == max) abort(); /* cannot happen: every message takes at least 5 input bytes */
    out[k].flags = flags;
    out[k].off = i + 5;
    out[k].len = len;
    k++;
    i += 5 + len;
    if (flags & E2B_CONNECT_FLAG_END) ended = 1;
  }
  return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  uint32_t rng = (uint32_t)data[0] << 8 | data[1] | 1u; /* chooses the piece sizes and takes */
  data += 2;
  size -= 2;
  size_t max = size / 5 + 1;
  ref_msg *ref = malloc(max * sizeof *ref);
  int rfailed, rpartial;
  size_t nref = reference(data, size, ref, max, &rfailed, &rpartial);

  e2b_connect_dec d;
  e2b_connect_init(&d);
  d.process_data = (rng & 0x8000) != 0; /* the first byte's high bit */
  size_t seen = 0, off = 0;
  int failed = 0;
  while (off < size && !failed) {
    rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
    size_t k = (rng & 3) == 0 ? size - off : 1 + (rng >> 8) % 16;
    if (k > size - off) k = size - off;
    failed = e2b_connect_feed(&d, (const char *)data + off, k) < 0;
    off += k;
    /* the counters describe the queue */
    size_t q = 0, qb = 0;
    for (const e2b_msg *m = d.head; m; m = m->next) { q++; qb += m->len; }
    if (q != d.queued || qb != d.queued_bytes) abort();
    if ((rng & 0x300) != 0 && !failed) continue; /* take only now and then */
    for (e2b_msg *m = e2b_connect_take(&d), *next; m; m = next) {
      next = m->next;
      if (seen >= nref || !agrees(m, ref[seen].flags, data + ref[seen].off, ref[seen].len, d.process_data))
        abort();
      seen++;
      free(m);
    }
    if (d.queued || d.queued_bytes || d.head) abort();
  }
  for (e2b_msg *m = e2b_connect_take(&d), *next; m; m = next) {
    next = m->next;
    if (seen >= nref || !agrees(m, ref[seen].flags, data + ref[seen].off, ref[seen].len, d.process_data))
      abort();
    seen++;
    free(m);
  }
  if (seen != nref) abort();                              /* nothing lost, nothing extra */
  if (failed != rfailed || (failed && !d.error[0])) abort();
  if (!failed && e2b_connect_partial(&d) != rpartial) abort();
  if (failed && e2b_connect_feed(&d, "x", 1) != -1) abort(); /* stays failed */
  e2b_connect_free(&d);
  free(ref);
  return 0;
}
