#include "buf.h"
#include <stdlib.h>
#include <string.h>

/* Storage above this is given back on reset, so one big response does not pin memory forever. */
#define E2B_BUF_KEEP (64 * 1024)

void e2b_buf_init(e2b_buf *b) { memset(b, 0, sizeof *b); }

void e2b_buf_free(e2b_buf *b) {
  free(b->data);
  e2b_buf_init(b);
}

int e2b_buf_append(e2b_buf *b, const void *p, size_t n) {
  if (n == 0) return 0;
  if (n > (size_t)-1 - (b->len - b->off)) return -1; /* unread + n would wrap around */
  if (b->off > 0 && n > b->cap - b->len) { /* compact before growing */
    memmove(b->data, b->data + b->off, b->len - b->off);
    b->len -= b->off;
    b->off = 0;
  }
  if (n > b->cap - b->len) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n) {
      if (cap > ((size_t)-1) / 2) return -1;
      cap *= 2;
    }
    char *d = realloc(b->data, cap);
    if (!d) return -1;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return 0;
}

void e2b_buf_consume(e2b_buf *b, size_t n) {
  size_t have = b->len - b->off;
  if (n >= have) {
    b->off = b->len = 0;
  } else {
    b->off += n;
  }
}

void e2b_buf_reset(e2b_buf *b) {
  b->off = b->len = 0;
  if (b->cap > E2B_BUF_KEEP) e2b_buf_free(b);
}
