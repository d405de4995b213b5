/* Engine-private structures shared by client.c and request.c. */
#ifndef E2B_INTERNAL_H
#define E2B_INTERNAL_H
#include <stdio.h>
#include <curl/curl.h>
#include "buf.h"
#include "connect.h"
#include "lines.h"
#include "request.h"

typedef struct e2b_sock {
  curl_socket_t fd;
  int what; /* CURL_POLL_IN / OUT / INOUT */
} e2b_sock;

struct e2b_client {
  CURLM *multi;
  CURLSH *share;
  e2b_sock *socks;
  size_t nsocks, capsocks;
  size_t *slot_of;   /* by fd: its index in socks + 1, 0 = not watched (O(1) socket events) */
  size_t capslot;
  long long timer_deadline; /* monotonic ms, -1 = no timer */
  int active;
  e2b_request *all;                    /* every live request (doubly linked) */
  e2b_request *news_head, *news_tail;  /* requests with news (FIFO) */
  CURL **idle;                         /* reset easy handles kept for the next requests */
  size_t nidle, capidle;
};

/* At most this many idle easy handles per client (~25 KiB each): as many as ran at once, up to
 * this, so a burst of concurrent calls does not pay curl_easy_init/cleanup on the next burst. */
#define E2B_IDLE_MAX 128

typedef struct e2b_hdr {
  char *name, *value;
} e2b_hdr;

struct e2b_request {
  e2b_client *client;
  e2b_request *prev, *next;   /* in client->all */
  e2b_request *news_next;
  int in_news;
  void *user;
  CURL *easy;
  int attached;            /* added to the multi */
  struct curl_slist *headers;
  curl_mime *mime;
  FILE *body_fp;           /* body_file being uploaded */
  FILE *out_fp;            /* response_file being written */
  char *out_path;
  e2b_resp_mode mode;
  e2b_state state;
  long status;
  long http_version;       /* CURL_HTTP_VERSION_* of the answer, 0 before its headers */
  int raw;                 /* body goes to `bytes` (buffer mode, or an unsuccessful answer) */
  e2b_hdr *hdrs;
  size_t nhdrs, caphdrs;
  e2b_buf bytes;
  e2b_connect_dec dec;
  e2b_lines_dec lines;     /* E2B_RESP_LINES */
  size_t max_buffered;
  int paused;
  double progress[4];
  int verbose;
  const char *err_kind;    /* set when failed, or by a callback that aborted the request */
  int curl_code;
  char err_msg[256];
  char method[16];
  char display[256];
  char curl_err[CURL_ERROR_SIZE];
};

long long e2b_now_ms(void);
/* An easy handle for a new request: an idle one (options reset to curl's defaults, the client's
 * share still attached) or a fresh one with the share set. NULL when out of memory. */
CURL *e2b_client_take_easy(e2b_client *c);
/* The request is done with `easy` (detached from the multi): reset it and keep it, or clean it
 * up when the pool is full. Nothing of the request survives curl_easy_reset: every option,
 * callback, pointer and header list it was given goes back to curl's defaults. */
void e2b_client_give_easy(e2b_client *c, CURL *easy);
void e2b_news(e2b_request *x);
/* Called by the client when curl reports the request finished. */
void e2b_request_finish(e2b_request *x, CURLcode rc);
#endif
