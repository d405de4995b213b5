/* The HTTP engine: one client (CURLM + CURLSH) drives many requests (CURL easy handles).
 * Plain C, no Lua. libcurl callbacks only append to C buffers and flip flags; whoever drives the
 * client reads the results after curl_multi_* returned (see the "news" queue). */
#ifndef E2B_REQUEST_H
#define E2B_REQUEST_H
#include <stddef.h>

typedef struct e2b_client e2b_client;
typedef struct e2b_request e2b_request;

typedef enum { E2B_PENDING, E2B_HEADERS, E2B_DONE, E2B_FAILED } e2b_state;
typedef enum { E2B_RESP_BUFFER, E2B_RESP_CONNECT, E2B_RESP_FILE, E2B_RESP_LINES } e2b_resp_mode;

typedef struct e2b_part {
  const char *name;         /* form field name (required) */
  const char *filename;     /* filename in Content-Disposition, may be NULL */
  const char *data;         /* in-memory part ... */
  size_t data_len;
  const char *file;         /* ... or a file streamed from disk */
  const char *content_type; /* may be NULL */
} e2b_part;

typedef struct e2b_request_spec {
  const char *method;
  const char *url;
  const char *const *headers; /* "Name: value" lines */
  size_t nheaders;
  const char *body; /* body string (may contain NULs) when has_body */
  size_t body_len;
  int has_body;
  const char *body_file; /* or a file streamed from disk */
  const e2b_part *parts; /* or a multipart form */
  size_t nparts;
  int has_multipart;
  e2b_resp_mode mode;
  int process_data; /* E2B_RESP_CONNECT: decode envd process output in C (connect.h) */
  const char *response_file; /* with E2B_RESP_FILE */
  size_t max_buffered;
  long timeout_ms, connect_timeout_ms;
  int accept_encoding;
  const char *proxy;
  const char *ca_file; /* PEM bundle to trust instead of the system's (CURLOPT_CAINFO), or NULL */
  int verbose; /* redacted trace on stderr */
  void *user;  /* owner's back pointer */
} e2b_request_spec;

/* ---- client ---- */
e2b_client *e2b_client_new(long max_connections); /* NULL when out of memory */
/* Frees every request still attached (the owner must have dropped its pointers), then the
 * multi and share handles. */
void e2b_client_free(e2b_client *c);
/* Wait at most timeout_ms for socket activity or curl's timer, let curl work, and record
 * completed requests. Returns 0, or -1 when poll(2) itself failed. */
int e2b_client_step(e2b_client *c, int timeout_ms);
/* For host loops: socket fd is ready (read/write/error), or curl's timer fired. */
void e2b_client_socket_action(e2b_client *c, int fd, int readable, int writable, int error);
void e2b_client_timer_action(e2b_client *c);
long e2b_client_timeout(e2b_client *c); /* ms until curl's timer, -1 = none */
size_t e2b_client_nsockets(const e2b_client *c);
void e2b_client_socket(const e2b_client *c, size_t i, int *fd, int *want_read, int *want_write);
int e2b_client_active(const e2b_client *c); /* requests in flight */
/* Idle easy handles kept for reuse (curl_easy_reset keeps connections, DNS and TLS caches). */
size_t e2b_client_idle(const e2b_client *c);
/* Next request whose state changed or that has new data, or NULL. Each appears once per batch. */
e2b_request *e2b_client_next_news(e2b_client *c);
e2b_request *e2b_client_first(e2b_client *c); /* every live request, to close them */

/* ---- request ---- */
/* Creates and starts a request. NULL only when out of memory. Problems with the description
 * that only show at run time (unreadable body_file, bad URL) make a request that is already
 * E2B_FAILED and queued as news. */
e2b_request *e2b_request_new(e2b_client *c, const e2b_request_spec *s);
void e2b_request_free(e2b_request *x); /* cancels when in flight */
void *e2b_request_user(const e2b_request *x);
e2b_request *e2b_request_next(const e2b_request *x); /* sibling in e2b_client_first's list */
e2b_state e2b_request_state(const e2b_request *x);
e2b_resp_mode e2b_request_mode(const e2b_request *x);
long e2b_request_status(const e2b_request *x); /* 0 before headers */
size_t e2b_request_nheaders(const e2b_request *x);
const char *e2b_request_header(const e2b_request *x, size_t i, const char **value); /* lower-case name */
const char *e2b_request_method(const e2b_request *x);
const char *e2b_request_display_url(const e2b_request *x); /* no userinfo/query */
/* Raw bytes to take: the body in "buffer" mode, and in "connect"/"file"/"lines" modes the body
 * of an answer that was not a success (not decoded, not written to the file). */
int e2b_request_raw_body(const e2b_request *x); /* 1 when take yields bytes */
const char *e2b_request_bytes(const e2b_request *x, size_t *len);
/* Decoded Connect messages (walk with ->next; do not free). */
const struct e2b_msg *e2b_request_msgs(const e2b_request *x);
/* Complete lines of a "lines" answer (walk with ->next; do not free). */
const struct e2b_line *e2b_request_lines(const e2b_request *x);
/* Drop what was taken (bytes, messages, lines) and resume a paused request. */
void e2b_request_taken(e2b_request *x);
int e2b_request_paused(const e2b_request *x);
/* After E2B_FAILED: kind ("timeout", "connect", "dropped", "protocol", "malformed", "io"). */
const char *e2b_request_error(const e2b_request *x, int *curl_code, const char **message);
void e2b_request_progress(e2b_request *x, double out[4]); /* up_now, up_total, down_now, down_total */
/* HTTP version of the answer once headers arrived: "1.0", "1.1", "2", "3", or NULL before. */
const char *e2b_request_http_version(const e2b_request *x);
#endif
