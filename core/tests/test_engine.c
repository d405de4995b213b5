/* The engine (client.c + request.c) driven from C against a loopback HTTP/1.1 server that runs
 * in this process (one thread per connection, 127.0.0.1 only, every handler bounded in time):
 * one request, Connect and lines streams, a paused stream (max_buffered backpressure, then
 * resume), a dropped connection, a refused one, close during delivery, idempotent close. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include "check.h"
#include "../engine/connect.h"
#include "../engine/lines.h"
#include "../engine/request.h"
#include "../engine/internal.h" /* E2B_IDLE_MAX */

#define BIG (1024 * 1024)  /* body of /big */
#define MAXCONN 256

static int listen_fd = -1, port;
static volatile int stopping = 0;
static pthread_t accept_thread, conn_threads[MAXCONN];
static int nconn = 0;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int slow_ended = 0; /* /slow handlers that saw the client go away */

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* ---- the server ---- */

static int send_all(int fd, const void *p, size_t n) {
  const char *s = p;
  while (n > 0) {
    ssize_t k = send(fd, s, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    s += k;
    n -= (size_t)k;
  }
  return 0;
}

static int send_str(int fd, const char *s) { return send_all(fd, s, strlen(s)); }

/* A Connect envelope: flags, 4-byte big-endian length, payload. */
static size_t envelope(char *out, unsigned flags, const char *payload) {
  size_t n = strlen(payload);
  out[0] = (char)flags;
  out[1] = (char)(n >> 24); out[2] = (char)(n >> 16); out[3] = (char)(n >> 8); out[4] = (char)n;
  memcpy(out + 5, payload, n);
  return n + 5;
}

static void handle(int fd, const char *path) {
  if (strcmp(path, "/hello") == 0) {
    send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Test: One\r\nConnection: close\r\n\r\nhello");
  } else if (strcmp(path, "/missing") == 0) {
    send_str(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found");
  } else if (strcmp(path, "/big") == 0) { /* blocks in send while the client is paused */
    char hdr[128], chunk[65536];
    snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", BIG);
    if (send_str(fd, hdr) < 0) return;
    for (int off = 0; off < BIG; off += (int)sizeof chunk) {
      for (size_t i = 0; i < sizeof chunk; i++) chunk[i] = (char)((off + (int)i) % 251);
      if (send_all(fd, chunk, sizeof chunk) < 0) return;
    }
  } else if (strcmp(path, "/drop") == 0) { /* promises 1000 bytes, sends 10, hangs up */
    send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n0123456789");
  } else if (strcmp(path, "/connect") == 0) { /* envelopes cut at awkward places */
    char body[256];
    size_t n = envelope(body, 0, "{\"a\":1}");
    n += envelope(body + n, 0, "");
    n += envelope(body + n, 0, "{\"b\":\"two\"}");
    n += envelope(body + n, E2B_CONNECT_FLAG_END, "{}");
    if (send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/connect+json\r\n"
                     "Connection: close\r\n\r\n") < 0) return;
    size_t cuts[] = {3, 9, 13, 2, 40};
    size_t off = 0;
    for (size_t i = 0; off < n; i++) {
      size_t k = i < 5 ? cuts[i] : n - off;
      if (k > n - off) k = n - off;
      if (send_all(fd, body + off, k) < 0) return;
      off += k;
      sleep_ms(5);
    }
  } else if (strcmp(path, "/lines") == 0) {
    if (send_str(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"x\":1}\n\n{\"y\"") < 0) return;
    sleep_ms(20);
    send_str(fd, ":2}\nlast");
  } else if (strcmp(path, "/slow") == 0) { /* sends until the client goes away (at most 5 s) */
    if (send_str(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n") < 0) return;
    long long end = now_ms() + 5000;
    while (now_ms() < end && !stopping) {
      if (send_str(fd, "tick tick tick\n") < 0) {
        pthread_mutex_lock(&mu);
        slow_ended++;
        pthread_mutex_unlock(&mu);
        return;
      }
      sleep_ms(10);
    }
  } else {
    send_str(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  }
}

/* /echo answers with the request as it arrived (head and body), on a kept-alive connection. */
static int echo(int fd, const char *req, size_t head_len, size_t have) {
  size_t clen = 0;
  for (const char *p = req; p && p < req + head_len; p = strstr(p, "\r\n")) {
    if (*p == '\r') p += 2;
    if (strncasecmp(p, "content-length:", 15) == 0) clen = (size_t)strtoul(p + 15, NULL, 10);
  }
  if (clen > 65536) return -1;
  char all[4096 + 65536];
  memcpy(all, req, have);
  size_t n = have;
  long long end = now_ms() + 5000;
  while (n < head_len + clen && now_ms() < end) { /* the rest of the body */
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t k = recv(fd, all + n, head_len + clen - n, 0);
    if (k <= 0) return -1;
    n += (size_t)k;
  }
  if (n < head_len + clen) return -1;
  char hdr[128];
  snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", n);
  int head = strncmp(req, "HEAD ", 5) == 0; /* the length it would have, and no body */
  if (send_str(fd, hdr) < 0 || (!head && send_all(fd, all, n) < 0)) return -1;
  return (int)(n - head_len - clen); /* bytes of the next request already read: none expected */
}

static void *conn_main(void *arg) {
  int fd = (int)(long)arg;
  char req[4096];
  for (int served = 0; served < 100; served++) { /* keep-alive for /echo, bounded */
    size_t n = 0;
    long long end = now_ms() + 5000;
    char *eoh = NULL;
    while (n < sizeof req - 1 && now_ms() < end && !stopping) { /* read the request head */
      struct pollfd p = {fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      ssize_t k = recv(fd, req + n, sizeof req - 1 - n, 0);
      if (k <= 0) break;
      n += (size_t)k;
      req[n] = '\0';
      if ((eoh = strstr(req, "\r\n\r\n"))) break;
    }
    req[n] = '\0';
    char path[256] = "";
    sscanf(req, "%*s %255s", path);
    char *pp = path;
    if (strncmp(pp, "http://", 7) == 0) { /* through a proxy: absolute form */
      pp = strchr(pp + 7, '/');
      if (!pp) pp = path + strlen(path);
    }
    if (eoh && strncmp(pp, "/echo", 5) == 0) {
      if (echo(fd, req, (size_t)(eoh + 4 - req), n) != 0) break;
      continue;
    }
    if (strcmp(pp, "/wait300") == 0) {
      sleep_ms(300);
      send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nlate");
    } else if (pp[0]) {
      handle(fd, pp);
    }
    break;
  }
  shutdown(fd, SHUT_WR);
  close(fd);
  return NULL;
}

static void *accept_main(void *arg) {
  (void)arg;
  while (!stopping) {
    struct pollfd p = {listen_fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    int fd = accept(listen_fd, NULL, NULL);
    if (fd < 0) continue;
    pthread_mutex_lock(&mu);
    int ok = nconn < MAXCONN && pthread_create(&conn_threads[nconn], NULL, conn_main, (void *)(long)fd) == 0;
    if (ok) nconn++;
    pthread_mutex_unlock(&mu);
    if (!ok) close(fd);
  }
  return NULL;
}

static int server_start(void) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(listen_fd, 16) != 0)
    return -1;
  socklen_t len = sizeof a;
  getsockname(listen_fd, (struct sockaddr *)&a, &len);
  port = ntohs(a.sin_port);
  return pthread_create(&accept_thread, NULL, accept_main, NULL);
}

static void server_stop(void) {
  stopping = 1;
  pthread_join(accept_thread, NULL);
  for (int i = 0; i < nconn; i++) pthread_join(conn_threads[i], NULL);
  close(listen_fd);
}

/* ---- the client side ---- */

static e2b_request *start(e2b_client *c, const char *path, e2b_resp_mode mode, size_t max_buffered) {
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
  e2b_request_spec s;
  memset(&s, 0, sizeof s);
  s.method = "GET";
  s.url = url;
  s.mode = mode;
  s.max_buffered = max_buffered;
  s.timeout_ms = 10000;
  s.connect_timeout_ms = 5000;
  e2b_request *x = e2b_request_new(c, &s);
  CHECK(x != NULL);
  return x;
}

static void drain_news(e2b_client *c) { while (e2b_client_next_news(c)) {} }

/* Step until x ends (bounded), taking raw bytes into out (may be NULL). */
static void run(e2b_client *c, e2b_request *x, e2b_buf *out) {
  long long end = now_ms() + 10000;
  while (now_ms() < end) {
    drain_news(c);
    e2b_state st = e2b_request_state(x); /* before taking: what came with the end is taken too */
    size_t n;
    const char *p = e2b_request_bytes(x, &n);
    if (out && n) e2b_buf_append(out, p, n);
    e2b_request_taken(x);
    if (st == E2B_DONE || st == E2B_FAILED) return;
    CHECK(e2b_client_step(c, 50) == 0);
  }
  CHECK(!"request did not end within 10 s");
}

static void test_one_request(e2b_client *c) {
  e2b_request *x = start(c, "/hello", E2B_RESP_BUFFER, 0);
  CHECK(e2b_request_state(x) == E2B_PENDING && e2b_request_status(x) == 0);
  CHECK(e2b_request_http_version(x) == NULL);
  CHECK(e2b_client_active(c) == 1);
  e2b_buf body;
  e2b_buf_init(&body);
  run(c, x, &body);
  CHECK(e2b_request_state(x) == E2B_DONE);
  CHECK(e2b_request_status(x) == 200);
  CHECK_STR(e2b_request_http_version(x), "1.1");
  CHECK(e2b_buf_size(&body) == 5 && memcmp(e2b_buf_peek(&body), "hello", 5) == 0);
  int found = 0;
  for (size_t i = 0; i < e2b_request_nheaders(x); i++) {
    const char *v, *name = e2b_request_header(x, i, &v);
    if (strcmp(name, "x-test") == 0) found = strcmp(v, "One") == 0; /* name lower-cased */
  }
  CHECK(found);
  double pr[4];
  e2b_request_progress(x, pr);
  CHECK(pr[2] == 5 && pr[3] == 5);
  CHECK(e2b_client_active(c) == 0);
  CHECK(e2b_request_user(x) == NULL && e2b_client_first(c) == x);
  e2b_request_free(x);
  CHECK(e2b_client_first(c) == NULL);
  e2b_buf_free(&body);

  /* an error status keeps its body, state done (the caller decides what 404 means) */
  x = start(c, "/missing", E2B_RESP_CONNECT, 0);
  e2b_buf_init(&body);
  run(c, x, &body);
  CHECK(e2b_request_state(x) == E2B_DONE && e2b_request_status(x) == 404);
  CHECK(e2b_request_raw_body(x) == 1);
  CHECK(e2b_buf_size(&body) == 9 && memcmp(e2b_buf_peek(&body), "not found", 9) == 0);
  e2b_request_free(x);
  e2b_buf_free(&body);
}

static void test_connect_and_lines(e2b_client *c) {
  e2b_request *x = start(c, "/connect", E2B_RESP_CONNECT, 0);
  const char *want[] = {"{\"a\":1}", "", "{\"b\":\"two\"}", "{}"};
  size_t got = 0;
  long long end = now_ms() + 10000;
  for (;;) {
    drain_news(c);
    for (const e2b_msg *m = e2b_request_msgs(x); m; m = m->next, got++) {
      CHECK(got < 4);
      if (got < 4) CHECK_STR(m->data, want[got]);
      CHECK((m->flags & E2B_CONNECT_FLAG_END) == (got == 3 ? E2B_CONNECT_FLAG_END : 0u));
    }
    e2b_request_taken(x);
    e2b_state st = e2b_request_state(x);
    if (st == E2B_DONE || st == E2B_FAILED || now_ms() > end) break;
    e2b_client_step(c, 50);
  }
  CHECK(e2b_request_state(x) == E2B_DONE);
  CHECK(got == 4);
  e2b_request_free(x);

  x = start(c, "/lines", E2B_RESP_LINES, 0);
  const char *wl[] = {"{\"x\":1}", "", "{\"y\":2}", "last"};
  got = 0;
  end = now_ms() + 10000;
  for (;;) {
    drain_news(c);
    for (const e2b_line *l = e2b_request_lines(x); l; l = l->next, got++)
      if (got < 4) CHECK_STR(l->data, wl[got]);
    e2b_request_taken(x);
    e2b_state st = e2b_request_state(x);
    if (st == E2B_DONE || st == E2B_FAILED || now_ms() > end) {
      for (const e2b_line *l = e2b_request_lines(x); l; l = l->next, got++)
        if (got < 4) CHECK_STR(l->data, wl[got]); /* the unterminated last line comes at the end */
      break;
    }
    e2b_client_step(c, 50);
  }
  CHECK(e2b_request_state(x) == E2B_DONE);
  CHECK(got == 4);
  e2b_request_free(x);
}

static void test_paused_stream(e2b_client *c) {
  const size_t max = 64 * 1024;
  e2b_request *x = start(c, "/big", E2B_RESP_BUFFER, max);
  /* never take: the request must pause with at most max plus one write chunk buffered */
  long long end = now_ms() + 5000;
  while (!e2b_request_paused(x) && now_ms() < end) {
    drain_news(c);
    e2b_client_step(c, 50);
  }
  CHECK(e2b_request_paused(x));
  size_t held;
  e2b_request_bytes(x, &held);
  CHECK(held >= max && held <= max + CURL_MAX_WRITE_SIZE);
  for (int i = 0; i < 10; i++) { /* and stay there, however long we keep stepping */
    drain_news(c);
    e2b_client_step(c, 20);
  }
  size_t later;
  e2b_request_bytes(x, &later);
  CHECK(later == held && e2b_request_paused(x) && e2b_request_state(x) == E2B_HEADERS);
  double pr[4]; /* progress is live while in flight (curl's counters, read when asked) */
  e2b_request_progress(x, pr);
  CHECK(pr[2] >= (double)max && pr[2] < BIG && pr[3] == BIG);
  /* taking resumes; every byte arrives, in order */
  e2b_buf body;
  e2b_buf_init(&body);
  int pauses = 0;
  end = now_ms() + 10000;
  for (;;) {
    drain_news(c);
    size_t n;
    const char *p = e2b_request_bytes(x, &n);
    CHECK(n <= max + CURL_MAX_WRITE_SIZE);
    e2b_buf_append(&body, p, n);
    pauses += e2b_request_paused(x);
    e2b_request_taken(x);
    CHECK(!e2b_request_paused(x));
    e2b_state st = e2b_request_state(x);
    if (st == E2B_DONE || st == E2B_FAILED || now_ms() > end) break;
    e2b_client_step(c, 50);
  }
  size_t n;
  e2b_request_bytes(x, &n);
  CHECK(n == 0);
  CHECK(e2b_request_state(x) == E2B_DONE);
  CHECK(e2b_buf_size(&body) == BIG);
  int ok = e2b_buf_size(&body) == BIG;
  for (size_t i = 0; ok && i < BIG; i++) ok = e2b_buf_peek(&body)[i] == (char)(i % 251);
  CHECK(ok);
  CHECK(pauses >= 1);
  e2b_buf_free(&body);
  e2b_request_free(x);
}

static void test_dropped_and_refused(e2b_client *c) {
  e2b_request *x = start(c, "/drop", E2B_RESP_BUFFER, 0);
  e2b_buf body;
  e2b_buf_init(&body);
  run(c, x, &body);
  CHECK(e2b_request_state(x) == E2B_FAILED);
  int code = 0;
  const char *msg = NULL, *kind = e2b_request_error(x, &code, &msg);
  CHECK(kind && strcmp(kind, "dropped") == 0);
  CHECK(code == CURLE_PARTIAL_FILE);
  CHECK(msg && msg[0]);
  CHECK(e2b_request_status(x) == 200);
  CHECK(e2b_buf_size(&body) == 10 && memcmp(e2b_buf_peek(&body), "0123456789", 10) == 0); /* kept */
  e2b_request_free(x);
  e2b_buf_free(&body);

  /* a port nobody listens on (bound, then closed) */
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  socklen_t len = sizeof a;
  CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
  getsockname(fd, (struct sockaddr *)&a, &len);
  close(fd);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/x", ntohs(a.sin_port));
  e2b_request_spec s;
  memset(&s, 0, sizeof s);
  s.method = "GET";
  s.url = url;
  s.timeout_ms = 5000;
  x = e2b_request_new(c, &s);
  run(c, x, NULL);
  kind = e2b_request_error(x, &code, &msg);
  CHECK(kind && strcmp(kind, "connect") == 0 && code == CURLE_COULDNT_CONNECT);
  e2b_request_free(x);
}

static int slow_ended_count(void) {
  pthread_mutex_lock(&mu);
  int n = slow_ended;
  pthread_mutex_unlock(&mu);
  return n;
}

static void wait_slow_ended(int want) {
  long long end = now_ms() + 3000;
  while (slow_ended_count() < want && now_ms() < end) sleep_ms(10);
  CHECK(slow_ended_count() >= want); /* the connection really went away */
}

/* Step until every request has bytes and news queued (news not drained). */
static void until_all_have_news(e2b_client *c, e2b_request **xs, int n) {
  long long end = now_ms() + 5000;
  for (;;) {
    int ready = 0;
    for (int i = 0; i < n; i++) {
      size_t k;
      e2b_request_bytes(xs[i], &k);
      ready += k > 0;
    }
    if (ready == n || now_ms() > end) break;
    e2b_client_step(c, 20);
  }
}

static void test_close_during_delivery(e2b_client *c) {
  /* three streams with news queued; free the middle, then the first: the queue skips them */
  e2b_request *xs[3];
  for (int i = 0; i < 3; i++) xs[i] = start(c, "/slow", E2B_RESP_BUFFER, 0);
  until_all_have_news(c, xs, 3);
  CHECK(e2b_client_active(c) == 3);
  e2b_request_free(xs[1]);
  CHECK(e2b_client_active(c) == 2);
  e2b_request *seen[8];
  int nseen = 0;
  e2b_request *y;
  while ((y = e2b_client_next_news(c)) && nseen < 8) seen[nseen++] = y;
  for (int i = 0; i < nseen; i++) CHECK(seen[i] != xs[1]);
  CHECK(nseen >= 1);
  /* more deliveries, then free while they are queued as news */
  until_all_have_news(c, (e2b_request *[]){xs[0], xs[2]}, 2);
  e2b_client_step(c, 20);
  e2b_request_free(xs[0]);
  e2b_request_free(xs[2]);
  CHECK(e2b_client_next_news(c) == NULL);
  CHECK(e2b_client_active(c) == 0 && e2b_client_first(c) == NULL);
  wait_slow_ended(3);

  /* a paused request freed: curl holds a chunk for it, nothing may touch it afterwards */
  e2b_request *x = start(c, "/big", E2B_RESP_BUFFER, 16 * 1024);
  long long end = now_ms() + 5000;
  while (!e2b_request_paused(x) && now_ms() < end) e2b_client_step(c, 20);
  CHECK(e2b_request_paused(x));
  e2b_request_free(x);
  for (int i = 0; i < 5; i++) e2b_client_step(c, 10);
  CHECK(e2b_client_next_news(c) == NULL && e2b_client_active(c) == 0);
}

/* ---- reused easy handles: nothing of one request may reach the next ---- */

static int accepted(void) {
  pthread_mutex_lock(&mu);
  int n = nconn;
  pthread_mutex_unlock(&mu);
  return n;
}

static void spec_init(e2b_request_spec *s, char *url, size_t urlsz, const char *path) {
  memset(s, 0, sizeof *s);
  snprintf(url, urlsz, "http://127.0.0.1:%d%s", port, path);
  s->method = "GET";
  s->url = url;
  s->timeout_ms = 10000;
  s->connect_timeout_ms = 5000;
}

/* Run s to the end; the raw body (an /echo: the request as the server saw it) into out,
 * NUL-terminated. Checks that it reused an idle handle when one was there. */
static e2b_state run_spec(e2b_client *c, const e2b_request_spec *s, char *out, size_t outsz, long *status) {
  size_t idle = e2b_client_idle(c);
  e2b_request *x = e2b_request_new(c, s);
  CHECK(x != NULL);
  if (idle > 0) CHECK(e2b_client_idle(c) == idle - 1); /* took the pooled handle */
  e2b_buf body;
  e2b_buf_init(&body);
  run(c, x, &body);
  size_t n = e2b_buf_size(&body) < outsz - 1 ? e2b_buf_size(&body) : outsz - 1;
  memcpy(out, e2b_buf_peek(&body), n);
  out[n] = '\0';
  e2b_buf_free(&body);
  e2b_state st = e2b_request_state(x);
  if (status) *status = e2b_request_status(x);
  e2b_request_free(x);
  CHECK(e2b_client_idle(c) >= 1); /* its handle went back to the pool */
  return st;
}

/* Run s with stderr going to a file; returns how many bytes were written to stderr. */
static long run_traced(e2b_client *c, const e2b_request_spec *s, char *out, size_t outsz) {
  char path[] = "/tmp/e2b-test-trace-XXXXXX";
  int tfd = mkstemp(path);
  CHECK(tfd >= 0);
  fflush(stderr);
  int saved = dup(2);
  dup2(tfd, 2);
  run_spec(c, s, out, outsz, NULL);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  long n = (long)lseek(tfd, 0, SEEK_END);
  close(tfd);
  unlink(path);
  return n;
}

static void test_reuse_carries_nothing(void) {
  static char a[8192], b[8192];
  char url[256], url2[256];
  e2b_request_spec s;
  e2b_client *c = e2b_client_new(0);
  CHECK(c != NULL && e2b_client_idle(c) == 0);

  /* A: everything set. B on the same handle: nothing set. */
  spec_init(&s, url, sizeof url, "/echo");
  snprintf(url, sizeof url, "http://carry:s3cret@127.0.0.1:%d/echo?q=1", port);
  const char *ha[] = {"X-Carry: from-a", "Content-Type: text/plain"};
  s.method = "PUT";
  s.headers = ha;
  s.nheaders = 2;
  s.body = "body-of-a";
  s.body_len = 9;
  s.has_body = 1;
  s.accept_encoding = 1;
  s.verbose = 1;
  CHECK(run_traced(c, &s, a, sizeof a) > 0); /* the trace is on */
  CHECK(strncmp(a, "PUT /echo?q=1 HTTP/1.1\r\n", 24) == 0);
  CHECK(strstr(a, "X-Carry: from-a") && strstr(a, "Authorization: Basic ") && strstr(a, "Accept-Encoding:"));
  CHECK(strstr(a, "Content-Type: text/plain") && strstr(a, "Content-Length: 9") && strstr(a, "body-of-a"));
  CHECK(e2b_client_idle(c) == 1);
  int conns = accepted();
  spec_init(&s, url, sizeof url, "/echo");
  CHECK(run_traced(c, &s, b, sizeof b) == 0); /* no trace any more */
  CHECK(strncmp(b, "GET /echo HTTP/1.1\r\n", 20) == 0);
  CHECK(!strstr(b, "X-Carry") && !strstr(b, "Authorization") && !strstr(b, "Accept-Encoding"));
  CHECK(!strstr(b, "Content-Type") && !strstr(b, "Content-Length") && !strstr(b, "body-of-a"));
  CHECK(strlen(b) > 20 && strcmp(b + strlen(b) - 4, "\r\n\r\n") == 0); /* a head and no body */
  CHECK(accepted() == conns); /* and the connection was kept alive across the reuse */

  /* HEAD sets NOBODY: the GET after it must get its body again */
  spec_init(&s, url, sizeof url, "/echo");
  s.method = "HEAD";
  long st = 0;
  CHECK(run_spec(c, &s, a, sizeof a, &st) == E2B_DONE && st == 200 && a[0] == '\0');
  spec_init(&s, url, sizeof url, "/echo");
  CHECK(run_spec(c, &s, b, sizeof b, &st) == E2B_DONE && strncmp(b, "GET /echo HTTP/1.1\r\n", 20) == 0);

  /* a multipart form, then a plain body; a body_file, then nothing; a custom method, then POST */
  spec_init(&s, url, sizeof url, "/echo");
  e2b_part part = {"field", "f.txt", "part-data", 9, NULL, "text/x-part"};
  s.method = "POST";
  s.parts = &part;
  s.nparts = 1;
  s.has_multipart = 1;
  run_spec(c, &s, a, sizeof a, NULL);
  CHECK(strstr(a, "multipart/form-data") && strstr(a, "part-data") && strstr(a, "text/x-part"));
  spec_init(&s, url, sizeof url, "/echo");
  s.method = "POST";
  s.body = "x";
  s.body_len = 1;
  s.has_body = 1;
  run_spec(c, &s, b, sizeof b, NULL);
  CHECK(strncmp(b, "POST /echo HTTP/1.1\r\n", 21) == 0 && strstr(b, "Content-Length: 1\r\n"));
  CHECK(!strstr(b, "multipart") && !strstr(b, "part-data") && strcmp(b + strlen(b) - 5, "\r\n\r\nx") == 0);
  char fpath[] = "/tmp/e2b-test-body-XXXXXX";
  int ffd = mkstemp(fpath);
  CHECK(ffd >= 0 && write(ffd, "file-body", 9) == 9);
  close(ffd);
  spec_init(&s, url, sizeof url, "/echo");
  s.method = "DELETE";
  s.body_file = fpath;
  run_spec(c, &s, a, sizeof a, NULL);
  CHECK(strncmp(a, "DELETE /echo HTTP/1.1\r\n", 23) == 0 && strstr(a, "file-body"));
  spec_init(&s, url, sizeof url, "/echo");
  s.method = "POST";
  run_spec(c, &s, b, sizeof b, NULL);
  CHECK(strncmp(b, "POST /echo HTTP/1.1\r\n", 21) == 0 && strstr(b, "Content-Length: 0\r\n"));
  CHECK(!strstr(b, "file-body") && strcmp(b + strlen(b) - 4, "\r\n\r\n") == 0);
  unlink(fpath);

  /* a proxy, then none (both loopback: the proxy is our echo server itself) */
  spec_init(&s, url, sizeof url, "/echo");
  snprintf(url, sizeof url, "http://127.0.0.2:9/echo");
  snprintf(url2, sizeof url2, "http://127.0.0.1:%d", port);
  s.proxy = url2;
  run_spec(c, &s, a, sizeof a, NULL);
  CHECK(strncmp(a, "GET http://127.0.0.2:9/echo HTTP/1.1\r\n", 38) == 0);
  spec_init(&s, url, sizeof url, "/echo");
  run_spec(c, &s, b, sizeof b, NULL);
  CHECK(strncmp(b, "GET /echo HTTP/1.1\r\n", 20) == 0);

  /* a short timeout, then none: the slow answer must arrive */
  spec_init(&s, url, sizeof url, "/wait300");
  s.timeout_ms = 50;
  CHECK(run_spec(c, &s, a, sizeof a, NULL) == E2B_FAILED);
  spec_init(&s, url, sizeof url, "/wait300");
  s.timeout_ms = 0;
  CHECK(run_spec(c, &s, b, sizeof b, &st) == E2B_DONE && st == 200 && strcmp(b, "late") == 0);

  /* after a refused connection, an abort mid-stream, a paused stream freed, a request that failed
   * before it started, and a file download: each next request gets exactly its own answer */
  for (int k = 0; k < 5; k++) {
    spec_init(&s, url, sizeof url, "/slow");
    e2b_request *x = NULL;
    if (k == 0) {
      snprintf(url, sizeof url, "http://127.0.0.1:1/refused");
      CHECK(run_spec(c, &s, a, sizeof a, NULL) == E2B_FAILED);
    } else if (k == 1 || k == 2) { /* freed while streaming / while paused with a chunk held */
      if (k == 2) {
        spec_init(&s, url, sizeof url, "/big");
        s.max_buffered = 16 * 1024;
      }
      x = e2b_request_new(c, &s);
      long long end = now_ms() + 5000;
      while ((k == 1 ? e2b_request_state(x) != E2B_HEADERS : !e2b_request_paused(x)) && now_ms() < end) {
        drain_news(c);
        e2b_client_step(c, 20);
      }
      CHECK(k == 1 ? e2b_request_state(x) == E2B_HEADERS : e2b_request_paused(x));
      e2b_request_free(x);
    } else if (k == 3) {
      s.body_file = "/nonexistent-dir/body";
      x = e2b_request_new(c, &s);
      CHECK(x && e2b_request_state(x) == E2B_FAILED);
      e2b_request_free(x);
    } else {
      char out[] = "/tmp/e2b-test-out-XXXXXX";
      int ofd = mkstemp(out);
      CHECK(ofd >= 0);
      close(ofd);
      spec_init(&s, url, sizeof url, "/hello");
      s.mode = E2B_RESP_FILE;
      s.response_file = out;
      CHECK(run_spec(c, &s, a, sizeof a, NULL) == E2B_DONE && a[0] == '\0');
      unlink(out);
    }
    CHECK(e2b_client_idle(c) >= 1);
    spec_init(&s, url, sizeof url, "/hello");
    CHECK(run_spec(c, &s, b, sizeof b, &st) == E2B_DONE && st == 200);
    CHECK_STR(b, "hello");
    spec_init(&s, url, sizeof url, "/echo");
    CHECK(run_spec(c, &s, b, sizeof b, &st) == E2B_DONE && strncmp(b, "GET /echo HTTP/1.1\r\n", 20) == 0);
  }

  /* concurrent requests on pooled handles: each sees only its own header, twice over */
  for (int round = 0; round < 2; round++) {
    enum { N = 20 };
    e2b_request *xs[N];
    char hdr[N][32];
    const char *hl[N][1];
    for (int i = 0; i < N; i++) {
      spec_init(&s, url, sizeof url, "/echo");
      snprintf(hdr[i], sizeof hdr[i], "X-N: n%d-r%d", i, round);
      hl[i][0] = hdr[i];
      s.headers = hl[i];
      s.nheaders = 1;
      xs[i] = e2b_request_new(c, &s);
    }
    for (int i = 0; i < N; i++) {
      e2b_buf body;
      e2b_buf_init(&body);
      run(c, xs[i], &body);
      e2b_buf_append(&body, "", 1);
      const char *got = e2b_buf_peek(&body);
      CHECK(e2b_request_state(xs[i]) == E2B_DONE && strstr(got, hdr[i]));
      int others = 0;
      for (const char *p = got; (p = strstr(p, "X-N: ")); p++) others++;
      CHECK(others == 1);
      e2b_buf_free(&body);
    }
    for (int i = 0; i < N; i++) e2b_request_free(xs[i]);
    CHECK(e2b_client_idle(c) >= N);
  }

  /* the pool is bounded: free more requests than it keeps */
  enum { M = E2B_IDLE_MAX + 5 };
  static e2b_request *many[M];
  spec_init(&s, url, sizeof url, "/hello");
  s.body_file = "/nonexistent-dir/body"; /* fails before starting: cheap */
  for (int i = 0; i < M; i++) many[i] = e2b_request_new(c, &s);
  CHECK(e2b_client_idle(c) == 0);
  for (int i = 0; i < M; i++) e2b_request_free(many[i]);
  CHECK(e2b_client_idle(c) == E2B_IDLE_MAX);
  drain_news(c);
  e2b_client_free(c); /* cleans up the idle handles before the share */
}

/* Many sockets ending in a mixed order (immediate, 25 ms, 300 ms answers, all Connection:
 * close): the socket list stays exact through every removal (each socket knows its slot, and a
 * removal moves the last one into the hole), so every request ends, no fd is listed twice, and
 * none is left listed once all are closed. */
static void test_many_sockets(void) {
  e2b_client *c = e2b_client_new(0);
  CHECK(c != NULL);
  enum { N = 48 };
  static const char *const paths[] = {"/hello", "/connect", "/wait300", "/lines"};
  e2b_request *xs[N];
  for (int i = 0; i < N; i++) xs[i] = start(c, paths[(i * 7) % 4], E2B_RESP_BUFFER, 0);
  long long end = now_ms() + 10000;
  int open_n = N;
  while (open_n > 0 && now_ms() < end) {
    CHECK(e2b_client_step(c, 50) == 0);
    drain_news(c);
    size_t n = e2b_client_nsockets(c);
    CHECK(n <= N);
    for (size_t i = 0; i < n; i++) {
      int fd, r, w, fd2;
      e2b_client_socket(c, i, &fd, &r, &w);
      CHECK(fcntl(fd, F_GETFD) != -1); /* a listed fd is open */
      for (size_t j = i + 1; j < n; j++) {
        e2b_client_socket(c, j, &fd2, &r, &w);
        CHECK(fd2 != fd);
      }
    }
    open_n = 0;
    for (int i = 0; i < N; i++) {
      e2b_request_taken(xs[i]);
      e2b_state st = e2b_request_state(xs[i]);
      if (st != E2B_DONE && st != E2B_FAILED) open_n++;
    }
  }
  CHECK(open_n == 0);
  for (int i = 0; i < N; i++) CHECK(e2b_request_state(xs[i]) == E2B_DONE && e2b_request_status(xs[i]) == 200);
  for (int i = 0; i < N; i++) e2b_request_free(xs[i]);
  CHECK(e2b_client_nsockets(c) == 0);
  e2b_client_free(c);
}

static void test_idempotent_close(void) {
  e2b_request_free(NULL); /* nothing to close */
  e2b_client_free(NULL);
  /* a client freed with requests in flight (one paused, one streaming, one done but not freed,
   * one that failed before starting) frees them all; ASan/valgrind see to the "all" */
  e2b_client *c = e2b_client_new(0);
  CHECK(c != NULL);
  int before = slow_ended_count();
  e2b_request *a = start(c, "/big", E2B_RESP_BUFFER, 16 * 1024);
  e2b_request *b = start(c, "/slow", E2B_RESP_BUFFER, 0);
  e2b_request *d = start(c, "/hello", E2B_RESP_BUFFER, 0);
  e2b_request_spec s;
  memset(&s, 0, sizeof s);
  s.method = "GET";
  s.url = "http://127.0.0.1:1/x";
  s.body_file = "/nonexistent-dir/body";
  e2b_request *f = e2b_request_new(c, &s);
  CHECK(f && e2b_request_state(f) == E2B_FAILED); /* before it ever started */
  run(c, d, NULL);
  long long end = now_ms() + 5000;
  while ((!e2b_request_paused(a) || e2b_request_state(b) != E2B_HEADERS) && now_ms() < end)
    e2b_client_step(c, 20);
  CHECK(e2b_request_state(d) == E2B_DONE && e2b_request_paused(a) && e2b_request_state(b) == E2B_HEADERS);
  /* taken twice after the end: harmless */
  e2b_request_taken(d);
  e2b_request_taken(d);
  e2b_client_free(c);
  wait_slow_ended(before + 1);
}

int main(void) {
  CHECK(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK);
  if (server_start() != 0) {
    fprintf(stderr, "cannot start the loopback server\n");
    return 1;
  }
  e2b_client *c = e2b_client_new(0);
  CHECK(c != NULL);
  test_one_request(c);
  test_connect_and_lines(c);
  test_paused_stream(c);
  test_dropped_and_refused(c);
  test_close_during_delivery(c);
  e2b_client_free(c);
  test_many_sockets();
  test_idempotent_close();
  test_reuse_carries_nothing();
  server_stop();
  curl_global_cleanup();
  CHECK_DONE();
}
