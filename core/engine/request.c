#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "internal.h"
#include "redact.h"

static void set_error(e2b_request *x, const char *kind, int code, const char *msg) {
  if (x->err_kind) return; /* the first cause wins */
  x->err_kind = kind;
  x->curl_code = code;
  e2b_redact_text(msg, x->err_msg, sizeof x->err_msg);
}

/* ---- header callback: status line, fields, end of the header block ---- */

static void clear_headers(e2b_request *x) {
  for (size_t i = 0; i < x->nhdrs; i++) free(x->hdrs[i].name);
  x->nhdrs = 0;
}

static int add_header(e2b_request *x, const char *p, size_t n) {
  const char *colon = memchr(p, ':', n);
  if (!colon) return 0;
  size_t nl = (size_t)(colon - p);
  const char *v = colon + 1;
  size_t vl = n - nl - 1;
  while (vl && (*v == ' ' || *v == '\t')) { v++; vl--; }
  while (vl && isspace((unsigned char)v[vl - 1])) vl--;
  char *name = malloc(nl + vl + 2); /* name\0value\0 in one block */
  if (!name) return -1;
  for (size_t i = 0; i < nl; i++) name[i] = (char)tolower((unsigned char)p[i]);
  name[nl] = '\0';
  memcpy(name + nl + 1, v, vl);
  name[nl + 1 + vl] = '\0';
  for (size_t i = 0; i < x->nhdrs; i++) { /* last value wins */
    if (strcmp(x->hdrs[i].name, name) == 0) {
      free(x->hdrs[i].name);
      x->hdrs[i].name = name;
      x->hdrs[i].value = name + nl + 1;
      return 0;
    }
  }
  if (x->nhdrs == x->caphdrs) {
    size_t cap = x->caphdrs ? x->caphdrs * 2 : 16;
    e2b_hdr *h = realloc(x->hdrs, cap * sizeof *h);
    if (!h) { free(name); return -1; }
    x->hdrs = h;
    x->caphdrs = cap;
  }
  x->hdrs[x->nhdrs].name = name;
  x->hdrs[x->nhdrs].value = name + nl + 1;
  x->nhdrs++;
  return 0;
}

/* The header block is complete: decide where the body goes. */
static int headers_done(e2b_request *x) {
  int ok = x->status >= 200 && x->status < 300;
  if (x->mode == E2B_RESP_BUFFER) x->raw = 1;
  else if (x->mode == E2B_RESP_CONNECT) x->raw = x->status != 200;
  else if (x->mode == E2B_RESP_LINES) x->raw = !ok;
  else if (!ok) x->raw = 1; /* an error answer is kept in memory, the file is left alone */
  else {
    x->out_fp = fopen(x->out_path, "wb");
    if (!x->out_fp) {
      char msg[512];
      snprintf(msg, sizeof msg, "cannot open response_file '%s': %s", x->out_path, strerror(errno));
      set_error(x, "io", 0, msg);
      return -1;
    }
  }
  curl_easy_getinfo(x->easy, CURLINFO_HTTP_VERSION, &x->http_version);
  x->state = E2B_HEADERS;
  e2b_news(x);
  return 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
  e2b_request *x = ud;
  size_t len = size * n;
  if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) { /* status line: a new header block */
    const char *sp = memchr(p, ' ', len);
    x->status = sp ? strtol(sp + 1, NULL, 10) : 0;
    clear_headers(x);
    return len;
  }
  if (len <= 2 && (len == 0 || p[0] == '\r' || p[0] == '\n')) { /* blank line */
    if (x->status >= 200 && x->state == E2B_PENDING && headers_done(x) < 0) return 0;
    return len;
  }
  if (add_header(x, p, len) < 0) {
    set_error(x, "io", 0, "out of memory storing response headers");
    return 0;
  }
  return len;
}

/* ---- write callback: append, decode, or write to file; pause when the reader falls behind ---- */

static size_t buffered(const e2b_request *x) {
  if (x->raw) return e2b_buf_size(&x->bytes);
  if (x->mode == E2B_RESP_LINES) return x->lines.queued_bytes;
  return x->dec.queued_bytes; /* a partial message never counts, or a big one could deadlock */
}

static size_t on_write(char *p, size_t size, size_t n, void *ud) {
  e2b_request *x = ud;
  size_t len = size * n;
  if (x->state == E2B_PENDING && headers_done(x) < 0) return 0; /* no header block (HTTP/0.9) */
  if (x->out_fp && !x->raw) {
    if (fwrite(p, 1, len, x->out_fp) != len) {
      char msg[512];
      snprintf(msg, sizeof msg, "cannot write response_file '%s': %s", x->out_path, strerror(errno));
      set_error(x, "io", 0, msg);
      return 0;
    }
    return len;
  }
  if (x->max_buffered && buffered(x) >= x->max_buffered) {
    x->paused = 1; /* curl keeps this chunk and hands it over again after the unpause */
    e2b_news(x);
    return CURL_WRITEFUNC_PAUSE;
  }
  if (x->raw) {
    if (e2b_buf_append(&x->bytes, p, len) < 0) {
      set_error(x, "io", 0, "out of memory buffering the response");
      return 0;
    }
  } else if (x->mode == E2B_RESP_LINES) {
    size_t before = x->lines.queued;
    int rc = e2b_lines_feed(&x->lines, p, len);
    if (rc != E2B_LINES_OK) {
      set_error(x, rc == E2B_LINES_NOMEM ? "io" : "malformed", 0, x->lines.error);
      if (x->lines.queued != before) e2b_news(x);
      return 0;
    }
    if (x->lines.queued == before) return len; /* only part of a line so far */
  } else {
    size_t before = x->dec.decoded;
    if (e2b_connect_feed(&x->dec, p, len) < 0) {
      set_error(x, "malformed", 0, x->dec.error);
      if (x->dec.decoded != before) e2b_news(x);
      return 0;
    }
    if (x->dec.decoded == before) return len; /* only a partial message so far */
  }
  e2b_news(x);
  return len;
}

static size_t on_read(char *p, size_t size, size_t n, void *ud) {
  e2b_request *x = ud;
  size_t got = fread(p, 1, size * n, x->body_fp);
  if (got == 0 && ferror(x->body_fp)) {
    set_error(x, "io", 0, "cannot read body_file");
    return CURL_READFUNC_ABORT;
  }
  return got;
}

/* Verbose trace with secrets removed; C only, straight to stderr. */
static int on_debug(CURL *easy, curl_infotype type, char *p, size_t n, void *ud) {
  (void)easy;
  (void)ud;
  const char *tag = type == CURLINFO_TEXT ? "*" : type == CURLINFO_HEADER_IN ? "<"
                  : type == CURLINFO_HEADER_OUT ? ">" : NULL;
  if (!tag) return 0; /* bodies are never traced */
  while (n > 0) {
    size_t ll = 0;
    while (ll < n && p[ll] != '\n') ll++;
    size_t take = ll < n ? ll + 1 : ll;
    while (ll > 0 && (p[ll - 1] == '\r')) ll--;
    if (ll > 0) {
      char out[1024];
      e2b_redact_line(p, ll, out, sizeof out);
      fprintf(stderr, "[e2b.core] %s %s\n", tag, out);
    }
    p += take;
    n -= take;
  }
  return 0;
}

/* ---- lifecycle ---- */

static void link_client(e2b_request *x) {
  e2b_client *c = x->client;
  x->next = c->all;
  if (c->all) c->all->prev = x;
  c->all = x;
}

static int fail_now(e2b_request *x, const char *kind, int code, const char *msg) {
  set_error(x, kind, code, msg);
  x->state = E2B_FAILED;
  e2b_news(x);
  return -1;
}

static int setup_body(e2b_request *x, const e2b_request_spec *s) {
  CURL *e = x->easy;
  char msg[512];
  if (s->has_body) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->body_len);
    if (curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, s->body) != CURLE_OK)
      return fail_now(x, "io", 0, "out of memory copying the request body");
  } else if (s->body_file) {
    struct stat st;
    x->body_fp = fopen(s->body_file, "rb");
    if (!x->body_fp || fstat(fileno(x->body_fp), &st) != 0 || !S_ISREG(st.st_mode)) {
      snprintf(msg, sizeof msg, "cannot read body_file '%s': %s", s->body_file,
               x->body_fp ? "not a regular file" : strerror(errno));
      return fail_now(x, "io", 0, msg);
    }
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(e, CURLOPT_READDATA, x);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)st.st_size);
  } else if (s->has_multipart) {
    x->mime = curl_mime_init(e);
    if (!x->mime) return fail_now(x, "io", 0, "out of memory building the multipart body");
    for (size_t i = 0; i < s->nparts; i++) {
      const e2b_part *pt = &s->parts[i];
      curl_mimepart *mp = curl_mime_addpart(x->mime);
      if (!mp) return fail_now(x, "io", 0, "out of memory building the multipart body");
      curl_mime_name(mp, pt->name);
      if (pt->file) {
        if (curl_mime_filedata(mp, pt->file) != CURLE_OK) {
          snprintf(msg, sizeof msg, "cannot read multipart file '%s' (part %zu)", pt->file, i + 1);
          return fail_now(x, "io", 0, msg);
        }
        curl_mime_filename(mp, pt->filename); /* NULL: no filename, not the local one */
      } else {
        curl_mime_data(mp, pt->data, pt->data_len);
        if (pt->filename) curl_mime_filename(mp, pt->filename);
      }
      curl_mime_type(mp, pt->content_type ? pt->content_type : "application/octet-stream");
    }
    curl_easy_setopt(e, CURLOPT_MIMEPOST, x->mime);
  } else if (strcmp(s->method, "GET") != 0 && strcmp(s->method, "HEAD") != 0 &&
             strcmp(s->method, "DELETE") != 0) {
    /* POST/PUT/PATCH without a body: send "Content-Length: 0" rather than no length at all */
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, "");
  }
  return 0;
}

/* Line i of the request's headers: the caller's, then "Content-Type:" when no_ct, then
 * "Expect:" when no_expect (100-continue costs a round trip, or a 1 s stall, on big bodies;
 * servers do not need it). */
static const char *header_line(const e2b_request_spec *s, const char *no_ct, size_t i) {
  if (i < s->nheaders) return s->headers[i];
  return i == s->nheaders && no_ct ? no_ct : "Expect:";
}

/* Would curl add "Expect: 100-continue"? Only for bodies of unknown or large size (1 MiB since
 * 7.x, 1 KiB in old versions: the lower bound is used). Otherwise the "Expect:" line is one more
 * header for curl to look through on every check it makes. */
static int may_expect(const e2b_request_spec *s) {
  return s->body_file || s->has_multipart || (s->has_body && s->body_len >= 1024);
}

/* The request's header lines as one curl_slist in a single block (nodes, then the strings):
 * one malloc instead of two per line. The list is ours, so it is freed with free(). */
static int build_headers(e2b_request *x, const e2b_request_spec *s) {
  /* curl would label a body without Content-Type as a urlencoded form: send none instead */
  int has_ct = 0;
  for (size_t i = 0; i < s->nheaders; i++) has_ct |= strncasecmp(s->headers[i], "content-type:", 13) == 0;
  const char *no_ct = !has_ct && (s->has_body || s->body_file) ? "Content-Type:" : NULL;
  size_t n = s->nheaders + (no_ct ? 1 : 0) + (may_expect(s) ? 1 : 0), bytes = 0;
  if (n == 0) return 0; /* no list at all */
  for (size_t i = 0; i < n; i++) bytes += strlen(header_line(s, no_ct, i)) + 1;
  struct curl_slist *nodes = malloc(n * sizeof *nodes + bytes);
  if (!nodes) return -1;
  char *p = (char *)(nodes + n);
  for (size_t i = 0; i < n; i++) {
    const char *line = header_line(s, no_ct, i);
    size_t len = strlen(line);
    memcpy(p, line, len + 1);
    nodes[i].data = p;
    nodes[i].next = i + 1 < n ? &nodes[i + 1] : NULL;
    p += len + 1;
  }
  x->headers = nodes;
  return 0;
}

static int setup(e2b_request *x, const e2b_request_spec *s) {
  CURL *e = x->easy;
  char msg[320];
  curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->curl_err);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, s->timeout_ms);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
  /* Streams read 128 KiB per recv(2) instead of 16 KiB: an eighth of the system calls (and
   * of the poll rounds around them) when output arrives fast. curl still hands the write
   * callback at most 16 KiB at a time. Refused by some curl versions on a reused handle that
   * already has a buffer: then the default stays, which only costs speed. */
  if (s->mode == E2B_RESP_CONNECT || s->mode == E2B_RESP_LINES) curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 131072L);
  if (s->accept_encoding) curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  if (s->proxy) curl_easy_setopt(e, CURLOPT_PROXY, s->proxy);
  if (s->ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, s->ca_file);
  /* TLS requests started together wait for the first connection's ALPN answer and then share it
   * (HTTP/2) instead of each opening its own; plain http:// is HTTP/1.1 and must not wait. */
  if (strncasecmp(s->url, "https://", 8) == 0) curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
  if (s->verbose) {
    curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
  }
  if (curl_easy_setopt(e, CURLOPT_URL, s->url) != CURLE_OK) {
    snprintf(msg, sizeof msg, "invalid URL '%s'", x->display);
    return fail_now(x, "protocol", CURLE_URL_MALFORMAT, msg);
  }
  if (build_headers(x, s) < 0) return fail_now(x, "io", 0, "out of memory copying request headers");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
  if (setup_body(x, s) < 0) return -1;
  int bodyless = !s->has_body && !s->body_file && !s->has_multipart;
  if (strcmp(s->method, "GET") == 0 && bodyless)
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  else if (strcmp(s->method, "HEAD") == 0 && bodyless)
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  else if (strcmp(s->method, "POST") != 0)
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, s->method);
  return 0;
}

e2b_request *e2b_request_new(e2b_client *c, const e2b_request_spec *s) {
  e2b_request *x = calloc(1, sizeof *x);
  if (!x) return NULL;
  x->client = c;
  x->user = s->user;
  x->mode = s->mode;
  x->state = E2B_PENDING;
  x->max_buffered = s->max_buffered;
  x->verbose = s->verbose;
  e2b_buf_init(&x->bytes);
  e2b_connect_init(&x->dec);
  x->dec.process_data = s->mode == E2B_RESP_CONNECT && s->process_data;
  e2b_lines_init(&x->lines);
  snprintf(x->method, sizeof x->method, "%s", s->method);
  e2b_url_display(s->url, x->display, sizeof x->display);
  if (s->mode == E2B_RESP_FILE) {
    x->out_path = strdup(s->response_file);
    if (!x->out_path) { free(x); return NULL; }
  }
  x->easy = e2b_client_take_easy(c);
  if (!x->easy) { free(x->out_path); free(x); return NULL; }
  link_client(x);
  if (setup(x, s) < 0) return x; /* already failed and queued as news */
  CURLMcode mc = curl_multi_add_handle(c->multi, x->easy);
  if (mc != CURLM_OK) {
    fail_now(x, "io", 0, curl_multi_strerror(mc));
    return x;
  }
  x->attached = 1;
  c->active++;
  return x;
}

static void detach(e2b_request *x) {
  if (!x->attached) return;
  curl_multi_remove_handle(x->client->multi, x->easy);
  x->attached = 0;
  x->client->active--;
}

static const char *kind_of(CURLcode rc) {
  switch (rc) {
  case CURLE_OPERATION_TIMEDOUT: return "timeout";
  case CURLE_COULDNT_RESOLVE_PROXY: case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_CONNECT:
  case CURLE_SSL_CONNECT_ERROR: case CURLE_PEER_FAILED_VERIFICATION: case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_CERTPROBLEM: case CURLE_SSL_CIPHER: case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH: case CURLE_SSL_INVALIDCERTSTATUS:
    return "connect";
  case CURLE_PARTIAL_FILE: case CURLE_RECV_ERROR: case CURLE_SEND_ERROR: case CURLE_GOT_NOTHING:
  case CURLE_HTTP2_STREAM: case CURLE_HTTP2: case CURLE_HTTP3:
    return "dropped";
  case CURLE_READ_ERROR: case CURLE_WRITE_ERROR: case CURLE_OUT_OF_MEMORY:
    return "io";
  default:
    return "protocol";
  }
}

/* Bytes moved so far, from curl's own counters (no progress callback: it would run on every
 * pass of curl's loop for every request, and the figures are only read now and then). */
static void read_progress(e2b_request *x) {
  curl_off_t v;
  if (curl_easy_getinfo(x->easy, CURLINFO_SIZE_UPLOAD_T, &v) == CURLE_OK) x->progress[0] = (double)v;
  if (curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_UPLOAD_T, &v) == CURLE_OK && v >= 0)
    x->progress[1] = (double)v;
  if (curl_easy_getinfo(x->easy, CURLINFO_SIZE_DOWNLOAD_T, &v) == CURLE_OK) x->progress[2] = (double)v;
  if (curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &v) == CURLE_OK && v >= 0)
    x->progress[3] = (double)v;
}

void e2b_request_finish(e2b_request *x, CURLcode rc) {
  read_progress(x); /* the final totals (what progress reports from now on) */
  detach(x);
  if (x->out_fp) {
    if (fclose(x->out_fp) != 0 && rc == CURLE_OK) {
      char msg[512];
      snprintf(msg, sizeof msg, "cannot write response_file '%s': %s", x->out_path, strerror(errno));
      set_error(x, "io", 0, msg);
    }
    x->out_fp = NULL;
  }
  if (rc == CURLE_OK && !x->err_kind) {
    if (x->state == E2B_PENDING) headers_done(x);
    if (!x->raw && x->mode == E2B_RESP_CONNECT && e2b_connect_partial(&x->dec))
      set_error(x, "malformed", 0, "response ended inside a Connect message");
    if (!x->raw && x->mode == E2B_RESP_LINES && e2b_lines_finish(&x->lines) != E2B_LINES_OK)
      set_error(x, "io", 0, x->lines.error);
  } else if (rc != CURLE_OK) {
    char msg[CURL_ERROR_SIZE + 64];
    const char *detail = x->curl_err[0] ? x->curl_err : curl_easy_strerror(rc);
    snprintf(msg, sizeof msg, "%s", detail);
    set_error(x, kind_of(rc), (int)rc, msg); /* no-op when a callback already said why */
    if (x->curl_code == 0) x->curl_code = (int)rc;
  }
  x->state = x->err_kind ? E2B_FAILED : E2B_DONE;
  e2b_news(x);
}

void e2b_request_free(e2b_request *x) {
  if (!x) return;
  e2b_client *c = x->client;
  detach(x);
  if (x->in_news) { /* unlink from the news queue */
    e2b_request **pp = &c->news_head, *prev = NULL;
    while (*pp && *pp != x) { prev = *pp; pp = &(*pp)->news_next; }
    if (*pp) {
      *pp = x->news_next;
      if (c->news_tail == x) c->news_tail = prev;
    }
  }
  if (x->prev) x->prev->next = x->next; else c->all = x->next;
  if (x->next) x->next->prev = x->prev;
  e2b_client_give_easy(c, x->easy); /* reset first: curl keeps pointers into x and x->mime */
  if (x->mime) curl_mime_free(x->mime);
  free(x->headers); /* build_headers' single block */
  if (x->body_fp) fclose(x->body_fp);
  if (x->out_fp) fclose(x->out_fp);
  free(x->out_path);
  clear_headers(x);
  free(x->hdrs);
  e2b_buf_free(&x->bytes);
  e2b_connect_free(&x->dec);
  e2b_lines_free(&x->lines);
  free(x);
}

/* ---- accessors ---- */

void *e2b_request_user(const e2b_request *x) { return x->user; }
e2b_request *e2b_request_next(const e2b_request *x) { return x->next; }
e2b_state e2b_request_state(const e2b_request *x) { return x->state; }
e2b_resp_mode e2b_request_mode(const e2b_request *x) { return x->mode; }
long e2b_request_status(const e2b_request *x) { return x->state == E2B_PENDING ? 0 : x->status; }
size_t e2b_request_nheaders(const e2b_request *x) { return x->state == E2B_PENDING ? 0 : x->nhdrs; }
const char *e2b_request_header(const e2b_request *x, size_t i, const char **value) {
  *value = x->hdrs[i].value;
  return x->hdrs[i].name;
}
const char *e2b_request_method(const e2b_request *x) { return x->method; }
const char *e2b_request_display_url(const e2b_request *x) { return x->display; }
int e2b_request_raw_body(const e2b_request *x) { return x->raw; }
const char *e2b_request_bytes(const e2b_request *x, size_t *len) {
  *len = e2b_buf_size(&x->bytes);
  return e2b_buf_peek(&x->bytes);
}
const e2b_msg *e2b_request_msgs(const e2b_request *x) { return x->dec.head; }
const e2b_line *e2b_request_lines(const e2b_request *x) { return x->lines.head; }
int e2b_request_paused(const e2b_request *x) { return x->paused; }

void e2b_request_taken(e2b_request *x) {
  e2b_buf_reset(&x->bytes);
  e2b_msg *m = e2b_connect_take(&x->dec);
  while (m) {
    e2b_msg *next = m->next;
    free(m);
    m = next;
  }
  e2b_line *l = e2b_lines_take(&x->lines);
  while (l) {
    e2b_line *next = l->next;
    free(l);
    l = next;
  }
  if (x->paused && x->attached) {
    x->paused = 0;
    /* May deliver the held chunk right away. If our write callback refuses it (a malformed
     * envelope, a full disk) curl only returns the error here and keeps the request: finish
     * it now, or it would sit in "headers" until the server happens to send or close. */
    CURLcode rc = curl_easy_pause(x->easy, CURLPAUSE_CONT);
    if (rc != CURLE_OK || x->err_kind) e2b_request_finish(x, rc != CURLE_OK ? rc : CURLE_WRITE_ERROR);
  }
}

const char *e2b_request_error(const e2b_request *x, int *curl_code, const char **message) {
  if (x->state != E2B_FAILED) return NULL;
  *curl_code = x->curl_code;
  *message = x->err_msg;
  return x->err_kind;
}

const char *e2b_request_http_version(const e2b_request *x) {
  switch (x->http_version) {
  case CURL_HTTP_VERSION_1_0: return "1.0";
  case CURL_HTTP_VERSION_1_1: return "1.1";
  case CURL_HTTP_VERSION_2_0: return "2";
  case CURL_HTTP_VERSION_3: return "3";
  default: return NULL;
  }
}

void e2b_request_progress(e2b_request *x, double out[4]) {
  if (x->attached) read_progress(x); /* in flight: live; afterwards the totals finish kept */
  memcpy(out, x->progress, sizeof x->progress);
}
