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
  free(d->run);
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

/* ---- a data message in pieces ----
 * Its head (`{"event":{"data":{"stdout":"`) must be in the first piece. Then the base64 text is
 * decoded as it arrives in whole groups of the standard alphabet; the few characters of a group
 * not complete yet wait in pend[]. At the closing quote pend[] (the string's last characters,
 * padding and all) goes through the full decoder; what follows the quote (s_tail[]) is checked when
 * the message is complete. Anything else — a non-standard character, too much in pend[] or
 * s_tail[], a string that does not decode, a wrong tail — and unstream() puts the text consumed so
 * far back together exactly (whole standard groups re-encode to themselves) into the payload
 * buffer, where the message continues as any other and enqueue() decides about it whole. */

static void stream_reset(e2b_connect_dec *d) {
  d->run = NULL;
  d->got = d->head_len = d->npend = d->last = d->ntail = 0;
  d->quoted = 0;
}

/* Back to the general route: the message's text so far into the payload buffer. -1 out of memory. */
static int unstream(e2b_connect_dec *d) {
  e2b_msg *t = d->run;
  size_t groups = t->len - (d->quoted ? d->last : 0); /* bytes of whole standard groups */
  int rc = e2b_buf_append(&d->payload, d->s_head, d->head_len);
  for (size_t off = 0; rc == 0 && off < groups; off += 768) {
    char text[1024];
    size_t k = groups - off < 768 ? groups - off : 768; /* a multiple of 3 but at the end */
    rc = e2b_buf_append(&d->payload, text, e2b_b64_encode((const unsigned char *)t->data + off, k, text));
  }
  if (rc == 0) rc = e2b_buf_append(&d->payload, d->pend, d->npend);
  if (rc == 0 && d->quoted) rc = e2b_buf_append(&d->payload, "\"", 1);
  if (rc == 0) rc = e2b_buf_append(&d->payload, d->s_tail, d->ntail);
  free(t);
  stream_reset(d);
  return rc < 0 ? fail(d, "out of memory decoding a Connect message") : 0;
}

/* The next piece p[0..k) of the message. Sets *used to the bytes it took: all k, or, when it
 * went back to the general route, those before the byte that made it (the caller buffers the
 * rest). -1 out of memory. */
static int stream_piece(e2b_connect_dec *d, const char *p, size_t k, size_t *used) {
  e2b_msg *t = d->run;
  size_t i = 0;
  *used = k;
  if (!d->quoted) {
    while (d->npend && d->npend < 4 && i < k && p[i] != '"') d->pend[d->npend++] = p[i++]; /* a group begun earlier */
    if (d->npend == 4 && e2b_b64_decode_groups(d->pend, 4, (unsigned char *)t->data + t->len) == 4) {
      t->len += 3;
      d->npend = 0;
    }
    if (d->npend == 0) { /* the bulk; a '"' is not base64, so the decoder stops before the quote */
      size_t c = e2b_b64_decode_groups(p + i, k - i, (unsigned char *)t->data + t->len);
      t->len += c / 4 * 3;
      i += c;
    }
    const char *q = memchr(p + i, '"', k - i); /* so only what is left is searched */
    size_t m = q ? (size_t)(q - p) : k;
    if (d->npend + (m - i) > sizeof d->pend) { *used = i; return unstream(d); }
    memcpy(d->pend + d->npend, p + i, m - i);
    d->npend += m - i;
    i = m;
    if (!q) return 0;
    size_t n;
    const char *why;
    if (e2b_b64_decode(d->pend, d->npend, (unsigned char *)t->data + t->len, &n, &why) < 0) {
      *used = i;
      return unstream(d);
    }
    t->len += n;
    d->last = n;
    d->quoted = 1;
    i++;
  }
  if (d->ntail + (k - i) > sizeof d->s_tail) { *used = i; return unstream(d); }
  memcpy(d->s_tail + d->ntail, p + i, k - i);
  d->ntail += k - i;
  return 0;
}

/* The first piece p[0..k) of a message that has not all arrived: decoded as it comes when it is
 * a data message whose head is all there (*used as in stream_piece), else left to the caller
 * (*used 0). -1 out of memory. */
static int stream_start(e2b_connect_dec *d, const char *p, size_t k, size_t *used) {
  *used = 0;
  size_t hl;
  int kind = e2b_procdata_head(p, k < sizeof d->s_head ? k : sizeof d->s_head, &hl);
  if (kind == E2B_DATA_NONE) return 0;
  /* room for every byte the string can decode to, and for the vector decoder's wide stores */
  e2b_msg *t = new_msg(e2b_b64_decoded_max(d->need) + 32, 0, kind);
  if (!t) return 0; /* the general route then, which may fare better or says so */
  d->run = t;
  memcpy(d->s_head, p, hl);
  d->head_len = hl;
  int rc = stream_piece(d, p + hl, k - hl, used);
  *used += hl;
  return rc;
}

/* The message is complete: its run queued, or, after all, the general route. */
static int stream_end(e2b_connect_dec *d) {
  if (d->quoted && e2b_procdata_tail(d->s_tail, d->ntail)) {
    e2b_msg *t = d->run;
    stream_reset(d);
    d->hdr_len = 0;
    d->decoded++;
    link_msg(d, t);
    d->queued_bytes += t->len;
    return 0;
  }
  if (unstream(d) < 0) return -1;
  int rc = enqueue(d, e2b_buf_peek(&d->payload), d->need);
  e2b_buf_reset(&d->payload);
  return rc;
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
    size_t have = d->run ? d->got : e2b_buf_size(&d->payload);
    size_t k = d->need - have;
    if (k > n) k = n;
    if (have == 0 && k == d->need) {
      if (enqueue(d, p, k) < 0) return -1;
    } else {
      size_t used = 0; /* bytes of p[0..k) the piecewise decoder took */
      if (d->run) {
        if (stream_piece(d, p, k, &used) < 0) return -1;
      } else if (have == 0 && d->process_data && d->flags == 0) {
        if (stream_start(d, p, k, &used) < 0) return -1;
      }
      if (d->run) d->got += k;
      else if (used < k && e2b_buf_append(&d->payload, p + used, k - used) < 0)
        return fail(d, "out of memory decoding a Connect message");
      if (have + k == d->need) {
        int rc;
        if (d->run) {
          rc = stream_end(d);
        } else {
          rc = enqueue(d, e2b_buf_peek(&d->payload), d->need);
          e2b_buf_reset(&d->payload);
        }
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
