#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "internal.h"

long long e2b_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* CURLMOPT_SOCKETFUNCTION: remember which sockets curl wants watched and for what. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
  (void)easy;
  (void)socketp;
  e2b_client *c = userp;
  if (fd < 0) return -1;
  /* the socket's slot from a table indexed by fd: an event costs O(1), not a walk of every
   * socket (with a thousand connections the walk was ~4k instructions per command; curl's own
   * socketp does not survive a connection going back to its pool) */
  size_t f = (size_t)fd, i = f < c->capslot ? c->slot_of[f] : 0;
  if (what == CURL_POLL_REMOVE) {
    if (i) {
      c->slot_of[f] = 0;
      c->socks[i - 1] = c->socks[--c->nsocks];   /* the last one moves into the hole */
      if (i - 1 < c->nsocks) c->slot_of[c->socks[i - 1].fd] = i;
    }
    return 0;
  }
  if (!i) {
    if (f >= c->capslot) {
      size_t cap = c->capslot ? c->capslot : 64;
      while (cap <= f) cap *= 2;
      size_t *t = realloc(c->slot_of, cap * sizeof *t);
      if (!t) return -1; /* curl fails the request */
      memset(t + c->capslot, 0, (cap - c->capslot) * sizeof *t);
      c->slot_of = t;
      c->capslot = cap;
    }
    if (c->nsocks == c->capsocks) {
      size_t cap = c->capsocks ? c->capsocks * 2 : 8;
      e2b_sock *s = realloc(c->socks, cap * sizeof *s);
      if (!s) return -1;
      c->socks = s;
      c->capsocks = cap;
    }
    c->socks[c->nsocks++].fd = fd;
    i = c->slot_of[f] = c->nsocks;
  }
  c->socks[i - 1].what = what;
  return 0;
}

/* CURLMOPT_TIMERFUNCTION: remember when curl wants to be called. */
static int on_timer(CURLM *multi, long timeout_ms, void *userp) {
  (void)multi;
  e2b_client *c = userp;
  c->timer_deadline = timeout_ms < 0 ? -1 : e2b_now_ms() + timeout_ms;
  return 0;
}

e2b_client *e2b_client_new(long max_connections) {
  e2b_client *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->timer_deadline = -1;
  c->multi = curl_multi_init();
  c->share = curl_share_init();
  if (!c->multi || !c->share) {
    e2b_client_free(c);
    return NULL;
  }
  curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
  curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
  if (max_connections > 0)
    curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max_connections);
  return c;
}

CURL *e2b_client_take_easy(e2b_client *c) {
  if (c->nidle > 0) return c->idle[--c->nidle];
  CURL *e = curl_easy_init();
  if (e) curl_easy_setopt(e, CURLOPT_SHARE, c->share); /* kept by curl_easy_reset */
  return e;
}

void e2b_client_give_easy(e2b_client *c, CURL *easy) {
  if (c->nidle == c->capidle && c->capidle < E2B_IDLE_MAX) {
    size_t cap = c->capidle ? c->capidle * 2 : 4;
    if (cap > E2B_IDLE_MAX) cap = E2B_IDLE_MAX;
    CURL **p = realloc(c->idle, cap * sizeof *p);
    if (p) {
      c->idle = p;
      c->capidle = cap;
    }
  }
  if (c->nidle == c->capidle) { /* full (or no memory to grow): not kept */
    curl_easy_cleanup(easy);
    return;
  }
  curl_easy_reset(easy);
  c->idle[c->nidle++] = easy;
}

size_t e2b_client_idle(const e2b_client *c) { return c->nidle; }

void e2b_client_free(e2b_client *c) {
  if (!c) return;
  while (c->all) e2b_request_free(c->all);
  /* before the share: curl_share_cleanup refuses while handles still use it */
  while (c->nidle > 0) curl_easy_cleanup(c->idle[--c->nidle]);
  free(c->idle);
  if (c->multi) curl_multi_cleanup(c->multi);
  if (c->share) curl_share_cleanup(c->share);
  free(c->socks);
  free(c->slot_of);
  free(c);
}

/* Collect finished requests from curl. */
static void drain(e2b_client *c) {
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(c->multi, &left))) {
    if (m->msg != CURLMSG_DONE) continue;
    e2b_request *x = NULL;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
    if (x) e2b_request_finish(x, m->data.result);
  }
}

static void timer_if_due(e2b_client *c) {
  if (c->timer_deadline >= 0 && e2b_now_ms() >= c->timer_deadline) {
    int running;
    c->timer_deadline = -1; /* curl sets a new one from inside the call if needed */
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  }
}

long e2b_client_timeout(e2b_client *c) {
  if (c->timer_deadline < 0) return -1;
  long long left = c->timer_deadline - e2b_now_ms();
  return left < 0 ? 0 : (long)left;
}

int e2b_client_step(e2b_client *c, int timeout_ms) {
  timer_if_due(c);
  drain(c);
  if (c->news_head) timeout_ms = 0; /* something to report already: do not sleep */
  long t = e2b_client_timeout(c);
  if (t >= 0 && t < timeout_ms) timeout_ms = (int)t;
  if (c->active == 0 && c->nsocks == 0) timeout_ms = 0; /* nothing can happen */
  struct pollfd stackfds[16], *fds = stackfds;
  size_t n = c->nsocks;
  if (n > 16) {
    fds = malloc(n * sizeof *fds);
    if (!fds) return -1;
  }
  for (size_t i = 0; i < n; i++) {
    fds[i].fd = c->socks[i].fd;
    fds[i].events = (short)(((c->socks[i].what & CURL_POLL_IN) ? POLLIN : 0) |
                            ((c->socks[i].what & CURL_POLL_OUT) ? POLLOUT : 0));
    fds[i].revents = 0;
  }
  int r = poll(fds, (nfds_t)n, timeout_ms);
  if (r < 0 && errno != EINTR) {
    if (fds != stackfds) free(fds);
    return -1;
  }
  for (size_t i = 0; r > 0 && i < n; i++) {
    if (!fds[i].revents) continue;
    e2b_client_socket_action(c, fds[i].fd, (fds[i].revents & (POLLIN | POLLHUP)) != 0,
                             (fds[i].revents & POLLOUT) != 0,
                             (fds[i].revents & (POLLERR | POLLNVAL)) != 0);
  }
  if (fds != stackfds) free(fds);
  timer_if_due(c);
  drain(c);
  return 0;
}

void e2b_client_socket_action(e2b_client *c, int fd, int readable, int writable, int error) {
  int running;
  int ev = (readable ? CURL_CSELECT_IN : 0) | (writable ? CURL_CSELECT_OUT : 0) |
           (error ? CURL_CSELECT_ERR : 0);
  curl_multi_socket_action(c->multi, fd, ev, &running);
  drain(c);
}

void e2b_client_timer_action(e2b_client *c) {
  int running;
  c->timer_deadline = -1;
  curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  drain(c);
}

size_t e2b_client_nsockets(const e2b_client *c) { return c->nsocks; }

void e2b_client_socket(const e2b_client *c, size_t i, int *fd, int *want_read, int *want_write) {
  *fd = c->socks[i].fd;
  *want_read = (c->socks[i].what & CURL_POLL_IN) != 0;
  *want_write = (c->socks[i].what & CURL_POLL_OUT) != 0;
}

int e2b_client_active(const e2b_client *c) { return c->active; }

void e2b_news(e2b_request *x) {
  e2b_client *c = x->client;
  if (x->in_news) return;
  x->in_news = 1;
  x->news_next = NULL;
  if (c->news_tail) c->news_tail->news_next = x; else c->news_head = x;
  c->news_tail = x;
}

e2b_request *e2b_client_next_news(e2b_client *c) {
  e2b_request *x = c->news_head;
  if (!x) return NULL;
  c->news_head = x->news_next;
  if (!c->news_head) c->news_tail = NULL;
  x->in_news = 0;
  x->news_next = NULL;
  return x;
}

e2b_request *e2b_client_first(e2b_client *c) { return c->all; }
