/* Incremental decoder for newline-delimited streams (NDJSON, e.g. the code interpreter's
 * /execute answer): bytes may arrive split anywhere; each complete line is queued without its
 * "\n" (a "\r" before it is kept: JSON reads it as whitespace) until taken. Empty lines are lines.
 * At the end of the body, e2b_lines_finish queues a final line that had no "\n". */
#ifndef E2B_LINES_H
#define E2B_LINES_H
#include <stddef.h>
#include "buf.h"

#define E2B_LINES_MAX (64u * 1024u * 1024u) /* longest line, as for Connect envelopes */

typedef struct e2b_line {
  struct e2b_line *next;
  size_t len;
  char data[]; /* len bytes, NUL-terminated for convenience */
} e2b_line;

typedef struct e2b_lines_dec {
  e2b_buf partial;        /* bytes of the line not yet terminated */
  e2b_line *head, *tail;  /* decoded, not yet taken */
  size_t queued;          /* number of queued lines */
  size_t queued_bytes;    /* bytes they took on the wire, "\n" included (what backpressure counts) */
  size_t max_line;        /* E2B_LINES_MAX unless a test sets it smaller */
  int failed;             /* a line too long, or out of memory; nothing more is decoded */
  char error[128];
} e2b_lines_dec;

enum { E2B_LINES_OK = 0, E2B_LINES_MALFORMED = -1, E2B_LINES_NOMEM = -2 };

void e2b_lines_init(e2b_lines_dec *d);
void e2b_lines_free(e2b_lines_dec *d);
/* Feed n bytes. Returns E2B_LINES_OK, or MALFORMED (a line longer than max_line) / NOMEM with
 * d->error saying why; lines completed before the failure stay queued. */
int e2b_lines_feed(e2b_lines_dec *d, const char *p, size_t n);
/* The body ended: queue the unterminated last line, if any. Same returns as feed. */
int e2b_lines_finish(e2b_lines_dec *d);
/* Detach the queue (caller frees each line with free()). */
e2b_line *e2b_lines_take(e2b_lines_dec *d);
#endif
