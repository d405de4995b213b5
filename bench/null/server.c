/* bench-only: a NULL E2B server (REST API + envd on one loopback port) answering from precomputed
 * bytes, so a benchmark measures the client, not the server. One thread, epoll, HTTP/1.1 keep-alive.
 *
 *   null-server [--port N] [--parent-pid PID] [--max-seconds S]
 *   null-server --dump-stdout BYTES     the stdout a "nullbench-stream BYTES" command prints
 *   null-server --dump-file BYTES       the bytes GET /files?path=...null-BYTES... answers
 *
 * Prints {"port":N} on stdout once listening on 127.0.0.1 (never any other address). Routes:
 *   POST /sandboxes, /v2/sandboxes  201, a fixed sandbox JSON (envd 0.6.13, an envd access token)
 *   DELETE /sandboxes/<id>          204
 *   POST /process.Process/Start     200 application/connect+json, chunked, one envelope per chunk
 *                                   as envd flushes them: start, data..., end, end-of-stream {}.
 *     command containing "nullbench-stream N": N bytes of stdout in 32 KiB data messages (envd
 *     reads pipes in <= 32 KiB), the 64-byte line pattern of --dump-stdout; "echo X": "X\n".
 *   GET /files?path=..null-N..      200 octet-stream, N bytes of the --dump-file pattern
 *   POST /files?path=..null-N..     the upload is checked as it arrives, for the cost of a memcmp:
 *                                   an octet-stream body, or a multipart/form-data body of one
 *                                   part, must be exactly the N bytes of the --dump-file pattern;
 *                                   200 [{"path","name","type"}] if so, else 400 saying where it
 *                                   differs (so a client cannot post a fast time for wrong bytes)
 *   POST /files (any other path)    the body is read and dropped; 200 [{"path","name","type"}]
 *   GET /health                     204
 * Request bodies may be Content-Length or chunked; Expect: 100-continue is answered. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 32768          /* stdout bytes per data message, like envd's pipe reads */
#define FILE_BLOCK 1048576   /* the /files download pattern repeats every MiB */
#define INBUF 65536
#define MAXSEG 8

static const char LINE[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n";
static const char TOKEN[] = "0b1e5c0ffee0b1e5c0ffee0b1e5c0ffee0b1e5c0ffee0b1e5c0ffee0b1e5c0ff";
static unsigned char stdout_block[CHUNK];
static unsigned char file_block[FILE_BLOCK];
static char *data_frame; static size_t data_frame_len;   /* one full data message, as a chunk */

typedef struct { const char *p; size_t len; long reps; char *own; } seg;

typedef struct conn {
  int fd;
  char in[INBUF]; size_t inlen;
  /* request being read */
  int have_head; char method[8]; char path[1024];
  int chunked, expect100, close_after;
  long long body_left;            /* content-length bytes still to read, or current chunk */
  int ch_state;                   /* chunked: 0 size line, 1 data, 2 CRLF after data, 3 trailer */
  char body[INBUF]; size_t bodylen;   /* first INBUF bytes of the body (Start requests are small) */
  /* a POST /files?path=..null-N.. upload, checked against the file pattern as it arrives */
  int up;                         /* 0 none, 1 octet-stream, 2 multipart */
  long long up_want, up_got;      /* N, and the content bytes matched so far */
  int up_state;                   /* multipart: 0 part head, 1 content, 2 closing delimiter */
  char boundary[128];
  char up_buf[1024]; size_t up_buflen;   /* multipart part head / closing delimiter */
  char up_err[160];               /* first mismatch, reported in the 400 */
  /* response being written */
  seg segs[MAXSEG]; int nseg, cur; long rep; size_t off;
  int writing;
  uint32_t events;                /* what epoll watches now (changed only when needed) */
} conn;

static void fill_patterns(void) {
  for (size_t i = 0; i < CHUNK; i++) stdout_block[i] = (unsigned char)LINE[i % 64];
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < FILE_BLOCK; i++) {   /* xorshift64: incompressible, reproducible */
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    file_block[i] = (unsigned char)(x >> 24);
  }
}

static size_t b64enc(const unsigned char *s, size_t n, char *o) {
  static const char T[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t j = 0, i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
    o[j++] = T[v >> 18]; o[j++] = T[(v >> 12) & 63]; o[j++] = T[(v >> 6) & 63]; o[j++] = T[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)s[i] << 16;
    o[j++] = T[v >> 18]; o[j++] = T[(v >> 12) & 63]; o[j++] = '='; o[j++] = '=';
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
    o[j++] = T[v >> 18]; o[j++] = T[(v >> 12) & 63]; o[j++] = T[(v >> 6) & 63]; o[j++] = '=';
  }
  return j;
}

/* One Connect envelope (flags, 4-byte big-endian length, JSON) wrapped as one HTTP chunk. */
static char *frame(int flags, const char *json, size_t n, size_t *outlen) {
  char *o = malloc(n + 32);
  if (!o) { perror("malloc"); exit(1); }
  int h = sprintf(o, "%zx\r\n", n + 5);
  o[h] = (char)flags; o[h + 1] = (char)(n >> 24); o[h + 2] = (char)(n >> 16);
  o[h + 3] = (char)(n >> 8); o[h + 4] = (char)n;
  memcpy(o + h + 5, json, n);
  memcpy(o + h + 5 + n, "\r\n", 2);
  *outlen = h + 5 + n + 2;
  return o;
}

static char *data_msg(const unsigned char *s, size_t n, size_t *outlen) {
  char *json = malloc(n / 3 * 4 + 64);
  if (!json) { perror("malloc"); exit(1); }
  size_t j = (size_t)sprintf(json, "{\"event\":{\"data\":{\"stdout\":\"");
  j += b64enc(s, n, json + j);
  memcpy(json + j, "\"}}}", 4); j += 4;
  char *f = frame(0, json, j, outlen);
  free(json);
  return f;
}

static const char START_JSON[] = "{\"event\":{\"start\":{\"pid\":412}}}";
static const char END_JSON[] = "{\"event\":{\"end\":{\"exited\":true,\"status\":\"exit status 0\"}}}";
static char *start_frame, *end_frame, *eos_frame;
static size_t start_len, end_len, eos_len;
static const char TERM[] = "0\r\n\r\n";

static void reset_request(conn *c) {
  c->have_head = 0; c->chunked = 0; c->expect100 = 0; c->body_left = 0; c->ch_state = 0;
  c->bodylen = 0; c->method[0] = 0; c->path[0] = 0;
  c->up = 0; c->up_want = c->up_got = 0; c->up_state = 0; c->boundary[0] = 0; c->up_buflen = 0;
  c->up_err[0] = 0;
}

static void add(conn *c, const char *p, size_t len, long reps, char *own) {
  c->segs[c->nseg++] = (seg){ p, len, reps, own };
}

static void respond_simple(conn *c, int status, const char *reason, const char *ctype, const char *body) {
  size_t bl = body ? strlen(body) : 0;
  char *h = malloc(512 + bl);
  if (!h) { perror("malloc"); exit(1); }
  int n = sprintf(h, "HTTP/1.1 %d %s\r\n%s%s%sContent-Length: %zu\r\n\r\n", status, reason,
                  ctype ? "Content-Type: " : "", ctype ? ctype : "", ctype ? "\r\n" : "", bl);
  if (bl) memcpy(h + n, body, bl);
  add(c, h, n + bl, 1, h);
}

static long long number_after(const char *hay, size_t n, const char *needle) {
  const char *p = memmem(hay, n, needle, strlen(needle));
  if (!p) return -1;
  p += strlen(needle);
  long long v = 0; int any = 0;
  while (p < hay + n && *p >= '0' && *p <= '9') { v = v * 10 + (*p++ - '0'); any = 1; }
  return any ? v : -1;
}

static void respond_start(conn *c) {
  static const char H[] = "HTTP/1.1 200 OK\r\nContent-Type: application/connect+json\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n";
  add(c, H, sizeof H - 1, 1, NULL);
  add(c, start_frame, start_len, 1, NULL);
  long long n = number_after(c->body, c->bodylen, "nullbench-stream ");
  if (n >= 0) {
    if (n / CHUNK) add(c, data_frame, data_frame_len, (long)(n / CHUNK), NULL);
    if (n % CHUNK) { size_t l; char *f = data_msg(stdout_block, (size_t)(n % CHUNK), &l); add(c, f, l, 1, f); }
  } else {
    const char *e = memmem(c->body, c->bodylen, "echo ", 5);
    if (e) {
      e += 5;
      const char *q = memchr(e, '"', c->body + c->bodylen - e);
      size_t tl = q ? (size_t)(q - e) : 0;
      unsigned char txt[512];
      if (tl > sizeof txt - 1) tl = sizeof txt - 1;
      memcpy(txt, e, tl); txt[tl++] = '\n';
      size_t l; char *f = data_msg(txt, tl, &l); add(c, f, l, 1, f);
    }
  }
  add(c, end_frame, end_len, 1, NULL);
  add(c, eos_frame, eos_len, 1, NULL);
  add(c, TERM, sizeof TERM - 1, 1, NULL);
}

static void respond_file(conn *c) {
  long long n = number_after(c->path, strlen(c->path), "null-");
  if (n < 0) { respond_simple(c, 404, "Not Found", "application/json", "{\"code\":404,\"message\":\"no such file\"}"); return; }
  char *h = malloc(256);
  if (!h) { perror("malloc"); exit(1); }
  int hl = sprintf(h, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %lld\r\n\r\n", n);
  add(c, h, hl, 1, h);
  if (n / FILE_BLOCK) add(c, (const char *)file_block, FILE_BLOCK, (long)(n / FILE_BLOCK), NULL);
  if (n % FILE_BLOCK) add(c, (const char *)file_block, (size_t)(n % FILE_BLOCK), 1, NULL);
}

static void respond_upload(conn *c) {
  /* path=... from the query (percent-encoded; the name is what follows the last %2F or /) */
  char path[512] = "/home/user/upload.bin";
  const char *q = strstr(c->path, "path=");
  if (q) {
    size_t i = 0; q += 5;
    while (*q && *q != '&' && i < sizeof path - 1) {
      if (q[0] == '%' && q[1] && q[2]) { char hx[3] = { q[1], q[2], 0 }; path[i++] = (char)strtol(hx, NULL, 16); q += 3; }
      else path[i++] = *q++;
    }
    path[i] = 0;
  }
  const char *name = strrchr(path, '/'); name = name ? name + 1 : path;
  if (c->up) {
    if (!c->up_err[0] && c->up_got != c->up_want)
      snprintf(c->up_err, sizeof c->up_err, "upload has %lld content bytes, want %lld", c->up_got, c->up_want);
    if (!c->up_err[0] && c->up == 2 && c->up_state != 2)
      snprintf(c->up_err, sizeof c->up_err, "multipart body without its closing delimiter");
    if (!c->up_err[0] && c->up == 2) {
      char want[160];
      int wl = snprintf(want, sizeof want, "\r\n--%s--", c->boundary);
      if (c->up_buflen < (size_t)wl || memcmp(c->up_buf, want, (size_t)wl) ||
          strspn(c->up_buf + wl, "\r\n") != c->up_buflen - (size_t)wl)
        snprintf(c->up_err, sizeof c->up_err, "multipart body: no single part, or a bad closing delimiter");
    }
    if (c->up_err[0]) {
      char eb[300];
      snprintf(eb, sizeof eb, "{\"code\":400,\"message\":\"null server: %s\"}", c->up_err);
      respond_simple(c, 400, "Bad Request", "application/json", eb);
      return;
    }
  }
  char body[1200];
  snprintf(body, sizeof body, "[{\"path\":\"%s\",\"name\":\"%s\",\"type\":\"file\"}]", path, name);
  respond_simple(c, 200, "OK", "application/json", body);
}

static void route(conn *c) {
  c->nseg = 0; c->cur = 0; c->rep = 0; c->off = 0;
  const char *p = c->path, *m = c->method;
  if (!strncmp(p, "/v2/", 4)) p += 3;   /* the JS SDK creates with POST /v2/sandboxes */
  if (!strcmp(m, "POST") && !strncmp(p, "/sandboxes", 10) && (p[10] == 0 || p[10] == '?')) {
    static char body[512];
    snprintf(body, sizeof body, "{\"templateID\":\"rki5dems9wqfm4r03t7g\",\"alias\":\"base\","
             "\"sandboxID\":\"nullsbx0\",\"clientID\":\"6532622b\",\"envdVersion\":\"0.6.13\","
             "\"envdAccessToken\":\"%s\",\"domain\":null}", TOKEN);
    respond_simple(c, 201, "Created", "application/json", body);
  } else if (!strcmp(m, "DELETE") && !strncmp(p, "/sandboxes/", 11)) {
    respond_simple(c, 204, "No Content", NULL, NULL);
  } else if (!strcmp(m, "POST") && !strcmp(p, "/process.Process/Start")) {
    respond_start(c);
  } else if (!strcmp(m, "GET") && !strncmp(p, "/files?", 7)) {
    respond_file(c);
  } else if (!strcmp(m, "POST") && !strncmp(p, "/files", 6)) {
    respond_upload(c);
  } else if (!strcmp(m, "GET") && !strcmp(p, "/health")) {
    respond_simple(c, 204, "No Content", NULL, NULL);
  } else {
    respond_simple(c, 404, "Not Found", "application/json", "{\"code\":404,\"message\":\"not served by the null server\"}");
  }
  c->writing = 1;
}

static void free_segs(conn *c) {
  for (int i = 0; i < c->nseg; i++) free(c->segs[i].own);
  c->nseg = 0;
}

static void close_conn(int ep, conn *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free_segs(c);
  free(c);
}

/* Parse the head in c->in. 1 = parsed, 0 = need more, -1 = bad. */
static int parse_head(conn *c) {
  char *end = memmem(c->in, c->inlen, "\r\n\r\n", 4);
  if (!end) return c->inlen >= INBUF ? -1 : 0;
  size_t hl = (size_t)(end - c->in) + 4;
  char *sp1 = memchr(c->in, ' ', hl), *sp2 = sp1 ? memchr(sp1 + 1, ' ', hl - (size_t)(sp1 + 1 - c->in)) : NULL;
  if (!sp1 || !sp2 || sp1 - c->in >= (long)sizeof c->method || sp2 - sp1 - 1 >= (long)sizeof c->path) return -1;
  memcpy(c->method, c->in, sp1 - c->in); c->method[sp1 - c->in] = 0;
  memcpy(c->path, sp1 + 1, sp2 - sp1 - 1); c->path[sp2 - sp1 - 1] = 0;
  c->body_left = 0; c->chunked = 0; c->expect100 = 0; c->close_after = 0;
  for (char *l = memchr(c->in, '\n', hl) + 1; l < c->in + hl - 2;) {
    char *nl = memchr(l, '\n', c->in + hl - l);
    if (!nl) break;
    *nl = 0;
    if (!strncasecmp(l, "content-length:", 15)) c->body_left = atoll(l + 15);
    else if (!strncasecmp(l, "transfer-encoding:", 18) && strcasestr(l, "chunked")) c->chunked = 1;
    else if (!strncasecmp(l, "expect:", 7) && strcasestr(l, "100-continue")) c->expect100 = 1;
    else if (!strncasecmp(l, "connection:", 11) && strcasestr(l, "close")) c->close_after = 1;
    else if (!strncasecmp(l, "content-type:", 13) && strcasestr(l, "multipart/form-data")) {
      char *b = strcasestr(l, "boundary=");
      if (b) {
        b += 9;
        if (*b == '"') b++;
        size_t bl = strcspn(b, "\";\r\n");
        if (bl >= sizeof c->boundary) bl = sizeof c->boundary - 1;
        memcpy(c->boundary, b, bl); c->boundary[bl] = 0;
      }
    }
    l = nl + 1;
  }
  if (!strcmp(c->method, "POST") && !strncmp(c->path, "/files?", 7)) {
    long long want = number_after(c->path, strlen(c->path), "null-");
    if (want >= 0) { c->up = c->boundary[0] ? 2 : 1; c->up_want = want; }
  }
  memmove(c->in, c->in + hl, c->inlen - hl);
  c->inlen -= hl;
  c->have_head = 1; c->ch_state = 0;
  return 1;
}

/* n content bytes of an upload: they must be the file pattern from offset up_got on. */
static void up_content(conn *c, const char *p, size_t n) {
  while (n > 0 && !c->up_err[0]) {
    size_t off = (size_t)(c->up_got % FILE_BLOCK), m = FILE_BLOCK - off;
    if (m > n) m = n;
    if (c->up_got + (long long)m > c->up_want) {
      snprintf(c->up_err, sizeof c->up_err, "upload longer than %lld bytes", c->up_want);
      return;
    }
    if (memcmp(p, file_block + off, m)) {
      size_t k = 0;
      while (p[k] == (char)file_block[off + k]) k++;
      snprintf(c->up_err, sizeof c->up_err, "upload differs from the pattern at byte %lld", c->up_got + (long long)k);
      return;
    }
    c->up_got += (long long)m; p += m; n -= m;
  }
}

/* Body bytes of an upload being checked: the content itself, or a one-part multipart body. */
static void up_body(conn *c, const char *p, size_t n) {
  if (c->up == 1) { up_content(c, p, n); return; }
  while (n > 0 && !c->up_err[0]) {
    if (c->up_state == 1) {   /* content: exactly up_want bytes, then the delimiter */
      size_t m = c->up_want - c->up_got < (long long)n ? (size_t)(c->up_want - c->up_got) : n;
      up_content(c, p, m); p += m; n -= m;
      if (c->up_got == c->up_want) c->up_state = 2;
      continue;
    }
    /* part head (state 0) or closing delimiter (state 2): small, kept in up_buf */
    size_t room = sizeof c->up_buf - 1 - c->up_buflen, m = n;
    if (c->up_state == 0) {   /* take bytes up to the end of the part head only */
      char *e;
      size_t keep = c->up_buflen;
      if (m > room) m = room;
      memcpy(c->up_buf + keep, p, m); c->up_buflen += m; c->up_buf[c->up_buflen] = 0;
      e = memmem(c->up_buf, c->up_buflen, "\r\n\r\n", 4);
      if (!e) {
        if (c->up_buflen >= sizeof c->up_buf - 1) snprintf(c->up_err, sizeof c->up_err, "multipart part head too long");
        p += m; n -= m;
        continue;
      }
      size_t head = (size_t)(e - c->up_buf) + 4, used = head - keep;
      char want[160];
      int wl = snprintf(want, sizeof want, "--%s\r\n", c->boundary);
      if (c->up_buflen < (size_t)wl || memcmp(c->up_buf, want, (size_t)wl)) {
        snprintf(c->up_err, sizeof c->up_err, "multipart body does not start with its boundary");
        return;
      }
      c->up_buflen = 0; c->up_state = 1;
      p += used; n -= used;
      if (c->up_want == 0) c->up_state = 2;
    } else {
      if (m > room) { snprintf(c->up_err, sizeof c->up_err, "upload longer than %lld bytes", c->up_want); return; }
      memcpy(c->up_buf + c->up_buflen, p, m); c->up_buflen += m; c->up_buf[c->up_buflen] = 0;
      p += m; n -= m;
    }
  }
}

static void keep_body(conn *c, const char *p, size_t n) {
  if (c->up) { up_body(c, p, n); return; }
  size_t room = sizeof c->body - c->bodylen;
  if (n > room) n = room;
  memcpy(c->body + c->bodylen, p, n); c->bodylen += n;
}

/* Consume body bytes from c->in. 1 = body complete, 0 = need more, -1 = bad. */
static int eat_body(conn *c) {
  size_t i = 0;
  int done = 0;
  if (!c->chunked) {
    size_t n = c->inlen < (unsigned long long)c->body_left ? c->inlen : (size_t)c->body_left;
    keep_body(c, c->in, n); i = n; c->body_left -= (long long)n;
    done = c->body_left == 0;
  } else {
    while (i < c->inlen && !done) {
      if (c->ch_state == 0 || c->ch_state == 2 || c->ch_state == 3) {
        char *nl = memchr(c->in + i, '\n', c->inlen - i);
        if (!nl) { if (c->inlen - i > 256) return -1; break; }
        size_t ll = (size_t)(nl - (c->in + i));
        if (c->ch_state == 0) {
          c->body_left = strtoll(c->in + i, NULL, 16);
          c->ch_state = c->body_left ? 1 : 3;
        } else if (c->ch_state == 2) {
          c->ch_state = 0;
        } else if (ll <= 1) {   /* empty line ends the trailer */
          done = 1;
        }
        i = (size_t)(nl - c->in) + 1;
      } else {
        size_t n = c->inlen - i < (unsigned long long)c->body_left ? c->inlen - i : (size_t)c->body_left;
        keep_body(c, c->in + i, n); i += n; c->body_left -= (long long)n;
        if (c->body_left == 0) c->ch_state = 2;
      }
    }
  }
  memmove(c->in, c->in + i, c->inlen - i);
  c->inlen -= i;
  return done;
}

/* Write as much of the response as the socket takes. 1 = all written, 0 = blocked, -1 = error. */
static int pump(conn *c) {
  for (;;) {
    struct iovec iov[64]; int n = 0;
    int s = c->cur; long rep = c->rep; size_t off = c->off;
    while (n < 64 && s < c->nseg) {
      iov[n].iov_base = (char *)c->segs[s].p + off; iov[n].iov_len = c->segs[s].len - off; n++;
      off = 0;
      if (++rep >= c->segs[s].reps) { s++; rep = 0; }
    }
    if (n == 0) return 1;
    ssize_t w = writev(c->fd, iov, n);
    if (w < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
    size_t left = (size_t)w;
    while (left > 0) {   /* advance cur/rep/off by w bytes */
      size_t rest = c->segs[c->cur].len - c->off;
      if (left < rest) { c->off += left; left = 0; break; }
      left -= rest; c->off = 0;
      if (++c->rep >= c->segs[c->cur].reps) { c->cur++; c->rep = 0; }
    }
  }
}

static void set_events(int ep, conn *c, uint32_t ev) {
  if (c->events == ev) return;   /* a syscall per request saved: the server must stay cheap */
  c->events = ev;
  struct epoll_event e = { .events = ev, .data.ptr = c };
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
}

/* Drive one connection as far as it goes. Returns -1 if it should be closed. */
static int step(int ep, conn *c) {
  for (;;) {
    if (c->writing) {
      int r = pump(c);
      if (r < 0) return -1;
      if (r == 0) { set_events(ep, c, EPOLLOUT); return 0; }
      c->writing = 0; free_segs(c);
      if (c->close_after) return -1;
      reset_request(c);
      set_events(ep, c, EPOLLIN);
    }
    if (!c->have_head) {
      int r = parse_head(c);
      if (r < 0) return -1;
      if (r == 0) return 0;
      if (c->expect100 && (c->chunked || c->body_left > 0)) {
        static const char C100[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (write(c->fd, C100, sizeof C100 - 1) != (ssize_t)(sizeof C100 - 1)) return -1;
      }
    }
    int r = eat_body(c);
    if (r < 0) return -1;
    if (r == 0) return 0;
    route(c);
  }
}

/* An upload's Content-Length body is read in up to 1 MiB at a time straight into one buffer and
 * checked there (no copy into c->in): fewer wake-ups and syscalls per GB, so the server stays a
 * small part of what an upload costs. */
static char upload_buf[1 << 20];

/* One read per readiness event (epoll is level-triggered: more data wakes us again). */
static void on_read(int ep, conn *c) {
  if (c->have_head && c->up && !c->chunked && !c->writing && c->inlen == 0 && c->body_left > 0) {
    size_t want = c->body_left < (long long)sizeof upload_buf ? (size_t)c->body_left : sizeof upload_buf;
    ssize_t n = read(c->fd, upload_buf, want);
    if (n == 0) { close_conn(ep, c); return; }
    if (n < 0) { if (errno != EAGAIN && errno != EINTR) close_conn(ep, c); return; }
    up_body(c, upload_buf, (size_t)n);
    c->body_left -= n;
    if (c->body_left == 0) {
      route(c);
      if (step(ep, c) < 0) close_conn(ep, c);
    }
    return;
  }
  ssize_t n = read(c->fd, c->in + c->inlen, INBUF - c->inlen);
  if (n == 0) { close_conn(ep, c); return; }
  if (n < 0) { if (errno != EAGAIN && errno != EINTR) close_conn(ep, c); return; }
  c->inlen += (size_t)n;
  if (step(ep, c) < 0) { close_conn(ep, c); return; }
  if (c->inlen == INBUF && !c->writing) { close_conn(ep, c); return; }   /* head too long */
}

int main(int argc, char **argv) {
  int port = 0; long parent = 0; long max_s = 3600;
  fill_patterns();
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--port") && i + 1 < argc) port = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--parent-pid") && i + 1 < argc) parent = atol(argv[++i]);
    else if (!strcmp(argv[i], "--max-seconds") && i + 1 < argc) max_s = atol(argv[++i]);
    else if ((!strcmp(argv[i], "--dump-stdout") || !strcmp(argv[i], "--dump-file")) && i + 1 < argc) {
      long long n = atoll(argv[i + 1]);
      const unsigned char *b = argv[i][7] == 's' ? stdout_block : file_block;
      size_t bs = argv[i][7] == 's' ? CHUNK : FILE_BLOCK;
      for (long long k = 0; k < n; k += (long long)bs) {
        size_t m = n - k < (long long)bs ? (size_t)(n - k) : bs;
        if (fwrite(b, 1, m, stdout) != m) return 1;
      }
      return 0;
    } else { fprintf(stderr, "null-server: unknown argument %s\n", argv[i]); return 2; }
  }
  signal(SIGPIPE, SIG_IGN);
  start_frame = frame(0, START_JSON, sizeof START_JSON - 1, &start_len);
  end_frame = frame(0, END_JSON, sizeof END_JSON - 1, &end_len);
  eos_frame = frame(2, "{}", 2, &eos_len);
  data_frame = data_msg(stdout_block, CHUNK, &data_frame_len);

  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 512)) { perror("null-server: bind"); return 1; }
  socklen_t al = sizeof a;
  getsockname(ls, (struct sockaddr *)&a, &al);
  printf("{\"port\":%d}\n", ntohs(a.sin_port));
  fflush(stdout);

  int ep = epoll_create1(0);
  struct epoll_event e = { .events = EPOLLIN, .data.ptr = NULL };
  epoll_ctl(ep, EPOLL_CTL_ADD, ls, &e);
  time_t deadline = time(NULL) + max_s;
  struct epoll_event evs[128];
  for (;;) {
    int n = epoll_wait(ep, evs, 128, 1000);
    if (time(NULL) > deadline) { fprintf(stderr, "null-server: --max-seconds reached\n"); return 0; }
    if (parent && n <= 0 && kill((pid_t)parent, 0) != 0) return 0;   /* the harness is gone */
    for (int i = 0; i < n; i++) {
      conn *c = evs[i].data.ptr;
      if (!c) {
        for (;;) {
          int fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
          if (fd < 0) break;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          conn *nc = calloc(1, sizeof *nc);
          if (!nc) { close(fd); continue; }
          nc->fd = fd; nc->events = EPOLLIN;
          struct epoll_event ce = { .events = EPOLLIN, .data.ptr = nc };
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ce);
        }
      } else if (evs[i].events & (EPOLLERR | EPOLLHUP) && !(evs[i].events & EPOLLIN)) {
        close_conn(ep, c);
      } else if (c->writing) {
        if (step(ep, c) < 0) close_conn(ep, c);
      } else {
        on_read(ep, c);
      }
    }
  }
}
