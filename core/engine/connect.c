#include "connect.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "b64.h"

void e2b_connect_init(e2b_connect_dec *d) {
  memset(d, 0, sizeof *d);
  e2b_buf_init(&d->payload);
}

static void free_list(e2b_msg *m) {
  while (m) {
    e2b_msg *next = m->next;
    free(m);
    m = next;
  }
}

void e2b_connect_free(e2b_connect_dec *d) {
  free_list(d->head);
  e2b_buf_free(&d->payload);
  e2b_connect_init(d);
}

static int fail(e2b_connect_dec *d, const char *why) {
  d->failed = 1;
  snprintf(d->error, sizeof d->error, "%s", why);
  return -1;
}

static void link_msg(e2b_connect_dec *d, e2b_msg *m) {
  m->next = NULL;
  if (d->tail) d->tail->next = m; else d->head = m;
  d->tail = m;
  d->queued++;
}

/* A queued message with room for `cap` bytes of data, every field but data[] set (len 0). */
static e2b_msg *new_msg(size_t cap, unsigned flags, int kind) {
  e2b_msg *m = malloc(sizeof *m + cap);
  if (!m) return NULL;
  m->next = NULL;
  m->flags = flags;
  m->kind = kind;
  m->len = 0;
  m->cap = cap;
  m->num = 0;
  m->split = 0;
  m->exited = m->has_error = 0;
  return m;
}

/* A process output message: its bytes go into a run of their own (one per message, so callers
 * see envd's writes as the official SDKs do: one callback each). Returns 1 when taken, 0 when
 * the base64 does not decode (the general path reports it), -1 out of memory. */
static int enqueue_data(e2b_connect_dec *d, int kind, const char *b64, size_t n) {
  e2b_msg *t = new_msg(e2b_b64_decoded_max(n), 0, kind);
  if (!t) return fail(d, "out of memory decoding process output");
  const char *why;
  if (e2b_b64_decode(b64, n, (unsigned char *)t->data, &t->len, &why) < 0) {
    free(t);
    return 0;
  }
  link_msg(d, t);
  d->queued_bytes += t->len;
  return 1;
}

/* A start/end event or the end-of-stream `{}` as a record (procdata.h); -1 out of memory. */
static int enqueue_event(e2b_connect_dec *d, int kind, const e2b_procevent *ev) {
  size_t n = ev->status_len + ev->error_len;
  e2b_msg *t = new_msg(n + 1, d->flags, kind);
  if (!t) return fail(d, "out of memory decoding a Connect message");
  t->len = n;
  t->num = ev->num;
  t->split = ev->status_len;
  t->exited = (unsigned char)ev->exited;
  t->has_error = ev->error != NULL;
  if (ev->status_len) memcpy(t->data, ev->status, ev->status_len);
  if (ev->error_len) memcpy(t->data + ev->status_len, ev->error, ev->error_len);
  t->data[n] = '\0';
  link_msg(d, t);
  d->queued_bytes += n;
  if (kind == E2B_EVENT_EOS) d->ended = 1;
  return 0;
}

static int enqueue(e2b_connect_dec *d, const char *p, size_t n) {
  d->hdr_len = 0;
  d->decoded++;
  if (d->process_data && (d->flags == 0 || d->flags == E2B_CONNECT_FLAG_END)) {
    const char *b64;
    size_t bn;
    int kind = d->flags == 0 ? e2b_procdata_match(p, n, &b64, &bn) : E2B_DATA_NONE;
    if (kind != E2B_DATA_NONE) {
      int rc = enqueue_data(d, kind, b64, bn);
      if (rc != 0) return rc < 0 ? -1 : 0;
    } else {
      e2b_procevent ev;
      kind = e2b_procevent_match(p, n, d->flags == E2B_CONNECT_FLAG_END, &ev);
      if (kind != E2B_DATA_NONE) return enqueue_event(d, kind, &ev);
    }
  }
  e2b_msg *m = new_msg(n + 1, d->flags, E2B_DATA_NONE);
  if (!m) return fail(d, "out of memory decoding a Connect message");
  m->len = n;
  if (n) memcpy(m->data, p, n);
  m->data[n] = '\0';
  link_msg(d, m);
  d->queued_bytes += n;
  if (d->flags & E2B_CONNECT_FLAG_END) d->ended = 1;
  return 0;
}

int e2b_connect_feed(e2b_connect_dec *d, const char *p, size_t n) {
  if (d->failed) return -1;
  while (n > 0) {
    if (d->ended) return fail(d, "data after the Connect end-of-stream message");
    if (d->hdr_len < 5) { /* collect the 5-byte header */
      size_t k = 5 - d->hdr_len;
      if (k > n) k = n;
      memcpy(d->hdr + d->hdr_len, p, k);
      d->hdr_len += k;
      p += k;
      n -= k;
      if (d->hdr_len < 5) return 0;
      d->flags = d->hdr[0];
      d->need = ((size_t)d->hdr[1] << 24) | ((size_t)d->hdr[2] << 16) |
                ((size_t)d->hdr[3] << 8) | (size_t)d->hdr[4];
      if (d->flags & E2B_CONNECT_FLAG_COMPRESSED)
        return fail(d, "compressed Connect message (flag 0x01) but no compression was negotiated");
      if (d->need > E2B_CONNECT_MAX_PAYLOAD)
        return fail(d, "Connect message longer than 64 MiB");
      if (d->need == 0 && enqueue(d, "", 0) < 0) return -1;
      continue;
    }
    /* payload: take it straight from the input when it is all there */
    size_t have = e2b_buf_size(&d->payload);
    size_t k = d->need - have;
    if (k > n) k = n;
    if (have == 0 && k == d->need) {
      if (enqueue(d, p, k) < 0) return -1;
    } else {
      if (e2b_buf_append(&d->payload, p, k) < 0)
        return fail(d, "out of memory decoding a Connect message");
      if (e2b_buf_size(&d->payload) == d->need) {
        int rc = enqueue(d, e2b_buf_peek(&d->payload), d->need);
        e2b_buf_reset(&d->payload);
        if (rc < 0) return -1;
      }
    }
    p += k;
    n -= k;
  }
  return 0;
}

int e2b_connect_partial(const e2b_connect_dec *d) {
  return d->hdr_len > 0;
}

e2b_msg *e2b_connect_take(e2b_connect_dec *d) {
  e2b_msg *m = d->head;
  d->head = d->tail = NULL;
  d->queued = 0;
  d->queued_bytes = 0;
  return m;
}
