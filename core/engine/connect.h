/* Incremental decoder for Connect streaming envelopes:
 *   1 byte flags | 4 bytes big-endian payload length | payload
 * Bytes may arrive split anywhere; partial headers and payloads are carried to the next feed.
 * Complete messages are queued until taken. With process_data set, envd's process messages of
 * the exact shapes in procdata.h are decoded here instead: an output message
 * ({"event":{"data":{"stdout":"<b64>"}}}) becomes a queued run of its bytes, a start or end
 * event and the end-of-stream `{}` a queued event record; anything else queues as a message.
 * A data message split across feeds is decoded piece by piece rather than collected first;
 * anything unusual in it puts its exact text back together and it takes the general route. */
#ifndef E2B_CONNECT_H
#define E2B_CONNECT_H
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "procdata.h"

#define E2B_CONNECT_FLAG_COMPRESSED 0x01
#define E2B_CONNECT_FLAG_END 0x02
#define E2B_CONNECT_MAX_PAYLOAD (64u * 1024u * 1024u)

typedef struct e2b_msg {
  struct e2b_msg *next;
  unsigned flags;
  int kind;   /* E2B_DATA_NONE: a message, data = its payload (NUL-terminated for convenience);
               * E2B_DATA_* (process_data): the decoded output bytes of one data message;
               * E2B_EVENT_* (process_data): an event record (num, exited, data as below) */
  size_t len;
  size_t cap; /* bytes data[] can hold */
  long long num;          /* START: pid; END: exit code */
  size_t split;           /* END: data[0..split) is the status, data[split..len) the error */
  unsigned char exited;   /* END */
  unsigned char has_error; /* END: the error field was there (it may be "") */
  char data[];
} e2b_msg;

typedef struct e2b_connect_dec {
  unsigned char hdr[5];
  size_t hdr_len;       /* header bytes collected so far */
  unsigned flags;       /* of the message being collected */
  size_t need;          /* payload length of that message */
  e2b_buf payload;      /* partial payload */
  e2b_msg *head, *tail; /* decoded, not yet taken */
  size_t queued;        /* number of queued messages */
  size_t queued_bytes;  /* payload bytes in the queue (what backpressure counts) */
  size_t decoded;       /* envelopes completed so far (news: a run may grow without a new entry) */
  int process_data;     /* decode envd process output messages in C (procdata.h) */
  /* process_data: a data message arriving in pieces, decoded as they come (not buffered) */
  e2b_msg *run;         /* its bytes so far (not queued yet); NULL when none is */
  size_t got;           /* payload bytes of it consumed */
  char s_head[64];        /* its text up to the string's opening quote */
  size_t head_len;
  char pend[8];         /* base64 text not decoded yet; after the quote, the string's last */
  size_t npend;         /* characters (decoded into the run's last `last` bytes) */
  size_t last;
  int quoted;           /* the closing quote was seen; tail[] is what followed it */
  char s_tail[16];
  size_t ntail;
  int ended;            /* saw the end-of-stream envelope */
  int failed;           /* malformed input or out of memory; nothing more is decoded */
  char error[128];
} e2b_connect_dec;

void e2b_connect_init(e2b_connect_dec *d);
void e2b_connect_free(e2b_connect_dec *d);
/* Feed n bytes. Returns 0, or -1 when the stream is malformed (d->error says why); messages
 * decoded before the bad envelope stay queued. */
int e2b_connect_feed(e2b_connect_dec *d, const char *p, size_t n);
/* True when bytes of an unfinished envelope are pending (the body ended too early). */
int e2b_connect_partial(const e2b_connect_dec *d);
/* Detach the queue (caller frees each message with free()). */
e2b_msg *e2b_connect_take(e2b_connect_dec *d);
#endif
