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
  long long timer_deadline; /* monotonic ms, -1 = no timer */
  int active;
  e2b_request *all;                    /* every live request (doubly linked) */
  e2b_request *news_head, *news_tail;  /* requests with news (FIFO) */
};

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
void e2b_news(e2b_request *x);
/* Called by the client when curl reports the request finished. */
void e2b_request_finish(e2b_request *x, CURLcode rc);
#endif
