/* bench-only: the floor client. libcurl driven from C the way an SDK would use it (one easy handle
 * reused per sandbox, keep-alive; a multi for concurrency), decoding the Connect envelopes, the
 * stdout JSON shape and base64 in C. What lua-e2b and the JS SDK are compared with.
 *
 *   floor stream BYTES cb|keep [OUT]   one command printing BYTES; cb: count the decoded bytes,
 *                                      keep: keep them all (written to OUT after the clock stops)
 *   floor seq N                        N sequential `echo hi`
 *   floor par N BATCHES                BATCHES x N concurrent `echo i` on one multi
 *   floor upload FILE BYTES [R]        R times (default 1) POST /files?path=/home/user/null-BYTES.bin,
 *                                      the body streamed from FILE as an SDK sends it to envd >= 0.5.7
 *                                      (octet-stream, Content-Length; curl's own fread); the server
 *                                      checks the bytes
 *   floor download BYTES OUT [R]       R times GET /files?path=/home/user/null-BYTES.bin, the k-th
 *                                      written to OUT.k (curl's own fwrite; run.sh hashes them)
 * Needs E2B_API_URL, E2B_SANDBOX_URL, E2B_API_KEY. Prints "result <metric> <value>" lines; a
 * wrong answer exits non-zero. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
/* base64: lua-e2b's own decoder (core/engine/b64.c, built in by run.sh), so the floor decodes
 * as fast as the SDK can (AVX2 where the CPU has it) */
#include "../../core/engine/b64.h"

static const char *api_url, *sbx_url, *api_key;
static char token[128], sbx_id[128];

static void die(const char *m) { fprintf(stderr, "bench failed: %s\n", m); exit(1); }

static double now_s(void) {
  struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
static double cpu_s(void) {
  struct rusage r; getrusage(RUSAGE_SELF, &r);
  return (double)r.ru_utime.tv_sec + (double)r.ru_utime.tv_usec / 1e6 +
         (double)r.ru_stime.tv_sec + (double)r.ru_stime.tv_usec / 1e6;
}
/* The two figures of a transfer of `bytes` timed from (t0, c0) to (t1, c1), in seconds. */
static void emit_rate(long long bytes, double t0, double c0, double t1, double c1) {
  printf("result MBps %.3f\n", (double)bytes / 1e6 / (t1 - t0));
  printf("result cpu_s_per_GB %.3f\n", (c1 - c0) / ((double)bytes / 1e9));
}
/* The sandbox file of the N6/N7 scenarios, as a /files URL. */
static void file_url(char *buf, size_t n, long long bytes) {
  snprintf(buf, n, "%s/files?path=%%2Fhome%%2Fuser%%2Fnull-%lld.bin", sbx_url, bytes);
}

/* ---- one Connect server stream being received ---- */
typedef struct {
  unsigned char *buf; size_t len, cap;      /* bytes of an envelope not complete yet */
  int keep;                                 /* keep stdout (else count it) */
  unsigned char *out; size_t outlen, outcap;
  unsigned char scratch[65536];
  int ended, eos, exit_code; char err[256];
} stream;

static void grow(unsigned char **p, size_t *cap, size_t need) {
  if (need <= *cap) return;
  size_t c = *cap ? *cap : 65536;
  while (c < need) c *= 2;
  unsigned char *n = realloc(*p, c);
  if (!n) die("out of memory");
  *p = n; *cap = c;
}

static void on_message(stream *st, int flags, const unsigned char *j, size_t n) {
  if (flags & 2) {   /* end-of-stream: {} or {"error":...} */
    st->eos = 1;
    if (memmem(j, n, "\"error\"", 7)) snprintf(st->err, sizeof st->err, "%.*s", (int)(n < 200 ? n : 200), j);
    return;
  }
  const unsigned char *p = memmem(j, n, "\"stdout\":\"", 10);
  if (p) {
    p += 10;
    const unsigned char *q = memchr(p, '"', (size_t)(j + n - p));
    if (!q) { snprintf(st->err, sizeof st->err, "unterminated stdout"); return; }
    size_t bl = (size_t)(q - p);
    unsigned char *dst = st->scratch;
    if (st->keep) { grow(&st->out, &st->outcap, st->outlen + bl / 4 * 3 + 3); dst = st->out + st->outlen; }
    else if (e2b_b64_decoded_max(bl) > sizeof st->scratch) { snprintf(st->err, sizeof st->err, "chunk too big"); return; }
    size_t d;
    const char *why;
    if (e2b_b64_decode((const char *)p, bl, dst, &d, &why) < 0) { snprintf(st->err, sizeof st->err, "bad base64: %s", why); return; }
    st->outlen += d;   /* cb mode: a count of decoded bytes */
    return;
  }
  if (memmem(j, n, "\"end\":", 6)) {
    st->ended = 1;
    const unsigned char *e = memmem(j, n, "\"exitCode\":", 11);
    st->exit_code = e ? atoi((const char *)e + 11) : 0;
  }
}

static size_t on_body(char *data, size_t size, size_t nm, void *ud) {
  stream *st = ud;
  size_t n = size * nm;
  const unsigned char *p = (const unsigned char *)data, *end = p + n;
  /* finish an envelope split across callbacks first */
  if (st->len) {
    size_t need = 5;
    if (st->len >= 5) need = 5 + ((size_t)st->buf[1] << 24 | (size_t)st->buf[2] << 16 | (size_t)st->buf[3] << 8 | st->buf[4]);
    while (st->len < need && p < end) {
      size_t take = need - st->len < (size_t)(end - p) ? need - st->len : (size_t)(end - p);
      grow(&st->buf, &st->cap, st->len + take);
      memcpy(st->buf + st->len, p, take); st->len += take; p += take;
      if (st->len == 5) need = 5 + ((size_t)st->buf[1] << 24 | (size_t)st->buf[2] << 16 | (size_t)st->buf[3] << 8 | st->buf[4]);
    }
    if (st->len < need) return n;
    on_message(st, st->buf[0], st->buf + 5, need - 5);
    st->len = 0;
  }
  /* whole envelopes straight from curl's buffer */
  while (end - p >= 5) {
    size_t ml = (size_t)p[1] << 24 | (size_t)p[2] << 16 | (size_t)p[3] << 8 | p[4];
    if ((size_t)(end - p) < 5 + ml) break;
    on_message(st, p[0], p + 5, ml);
    p += 5 + ml;
  }
  if (p < end) { grow(&st->buf, &st->cap, (size_t)(end - p)); memcpy(st->buf, p, (size_t)(end - p)); st->len = (size_t)(end - p); }
  return n;
}

static size_t to_buf(char *d, size_t s, size_t n, void *ud) {
  stream *st = ud;
  grow(&st->out, &st->outcap, st->outlen + s * n + 1);
  memcpy(st->out + st->outlen, d, s * n); st->outlen += s * n; st->out[st->outlen] = 0;
  return s * n;
}

static struct curl_slist *envd_headers;

static void create_sandbox(CURL *h) {
  char url[512], key[256];
  stream st = { 0 };
  snprintf(url, sizeof url, "%s/sandboxes", api_url);
  snprintf(key, sizeof key, "X-API-KEY: %s", api_key);
  struct curl_slist *hd = curl_slist_append(NULL, key);
  hd = curl_slist_append(hd, "Content-Type: application/json");
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, "{\"templateID\":\"base\",\"timeout\":600,\"secure\":true}");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, to_buf);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &st);
  long code = 0;
  if (curl_easy_perform(h) != CURLE_OK) die("create: transfer failed");
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  if (code != 201 || !st.out) die("create: not 201");
  const char *id = strstr((char *)st.out, "\"sandboxID\":\""), *tk = strstr((char *)st.out, "\"envdAccessToken\":\"");
  if (!id) die("create: no sandboxID");
  sscanf(id + 13, "%127[^\"]", sbx_id);
  if (tk) sscanf(tk + 19, "%127[^\"]", token);
  free(st.out);
  curl_slist_free_all(hd);
  char b[256];
  envd_headers = curl_slist_append(NULL, "Content-Type: application/connect+json");
  envd_headers = curl_slist_append(envd_headers, "Connect-Protocol-Version: 1");
  envd_headers = curl_slist_append(envd_headers, "Keepalive-Ping-Interval: 50");
  envd_headers = curl_slist_append(envd_headers, "Connect-Timeout-Ms: 300000");
  snprintf(b, sizeof b, "E2b-Sandbox-Id: %s", sbx_id); envd_headers = curl_slist_append(envd_headers, b);
  envd_headers = curl_slist_append(envd_headers, "E2b-Sandbox-Port: 49983");
  if (token[0]) { snprintf(b, sizeof b, "X-Access-Token: %s", token); envd_headers = curl_slist_append(envd_headers, b); }
  envd_headers = curl_slist_append(envd_headers, "Expect:");
}

/* envd's plain-HTTP headers (/files): routing and the access token, no Connect ones */
static struct curl_slist *files_headers(void) {
  char b[256];
  struct curl_slist *hd = NULL;
  snprintf(b, sizeof b, "E2b-Sandbox-Id: %s", sbx_id); hd = curl_slist_append(hd, b);
  hd = curl_slist_append(hd, "E2b-Sandbox-Port: 49983");
  if (token[0]) { snprintf(b, sizeof b, "X-Access-Token: %s", token); hd = curl_slist_append(hd, b); }
  return curl_slist_append(hd, "Expect:");   /* no 100-continue round trip */
}

static void kill_sandbox(CURL *h) {
  char url[512], key[256];
  snprintf(url, sizeof url, "%s/sandboxes/%s", api_url, sbx_id);
  snprintf(key, sizeof key, "X-API-KEY: %s", api_key);
  struct curl_slist *hd = curl_slist_append(NULL, key);
  curl_easy_reset(h);
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
  curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  curl_easy_perform(h);
  curl_slist_free_all(hd);
}

/* The Start request for cmd: the envelope into body (caller's buffer of >= 1 KiB + cmd). */
static size_t start_body(char *body, const char *cmd) {
  int n = sprintf(body + 5, "{\"process\":{\"cmd\":\"/bin/bash\",\"args\":[\"-l\",\"-c\",\"%s\"]},\"stdin\":false}", cmd);
  body[0] = 0; body[1] = (char)(n >> 24); body[2] = (char)(n >> 16); body[3] = (char)(n >> 8); body[4] = (char)n;
  return (size_t)n + 5;
}

static void setup_start(CURL *h, const char *url, const char *body, size_t bl, stream *st) {
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, envd_headers);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)bl);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, st);
}

static void check_stream(CURL *h, stream *st, CURLcode rc) {
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  if (rc != CURLE_OK) die(curl_easy_strerror(rc));
  if (code != 200) die("Start: not 200");
  if (st->err[0]) die(st->err);
  if (!st->ended || !st->eos) die("Start: stream without end event / end-of-stream");
  if (st->exit_code != 0) die("Start: non-zero exit code");
}

int main(int argc, char **argv) {
  api_url = getenv("E2B_API_URL"); sbx_url = getenv("E2B_SANDBOX_URL"); api_key = getenv("E2B_API_KEY");
  if (!api_url || !sbx_url || !api_key || argc < 3) die("usage: floor stream|seq|par ... (and E2B_* set)");
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL *h = curl_easy_init();
  create_sandbox(h);
  char url[512];
  snprintf(url, sizeof url, "%s/process.Process/Start", sbx_url);
  curl_easy_reset(h);

  if (!strcmp(argv[1], "stream") && argc >= 4) {
    long long bytes = atoll(argv[2]);
    int keep = !strcmp(argv[3], "keep");
    char cmd[64], body[1024];
    snprintf(cmd, sizeof cmd, "nullbench-stream %lld", bytes);
    size_t bl = start_body(body, cmd);
    stream *st = calloc(1, sizeof *st);
    if (!st) die("out of memory");
    st->keep = keep;
    setup_start(h, url, body, bl, st);
    double t0 = now_s(), c0 = cpu_s();
    CURLcode rc = curl_easy_perform(h);
    double t1 = now_s(), c1 = cpu_s();
    check_stream(h, st, rc);
    if ((long long)st->outlen != bytes) die("stdout size differs");
    if (keep && argc >= 5) {
      FILE *f = fopen(argv[4], "wb");
      if (!f || fwrite(st->out, 1, st->outlen, f) != st->outlen || fclose(f)) die("cannot write OUT");
    }
    emit_rate(bytes, t0, c0, t1, c1);
  } else if (!strcmp(argv[1], "seq")) {
    int n = atoi(argv[2]);
    char body[1024];
    size_t bl = start_body(body, "echo hi");
    stream st = { 0 };
    setup_start(h, url, body, bl, &st);
    double t0 = now_s(), c0 = cpu_s();
    for (int i = 0; i < n; i++) {
      st.len = 0; st.outlen = 0; st.ended = st.eos = 0; st.exit_code = -1;
      CURLcode rc = curl_easy_perform(h);
      check_stream(h, &st, rc);
      if (st.outlen != 3 || memcmp(st.scratch, "hi\n", 3)) die("echo hi printed something else");
    }
    double t1 = now_s(), c1 = cpu_s();
    printf("result ops_s %.3f\n", n / (t1 - t0));
    printf("result cpu_us_per_call %.3f\n", (c1 - c0) / n * 1e6);
  } else if (!strcmp(argv[1], "par") && argc >= 4) {
    int n = atoi(argv[2]), batches = atoi(argv[3]);
    CURLM *m = curl_multi_init();
    CURL **hs = calloc((size_t)n, sizeof *hs);
    stream *sts = calloc((size_t)n, sizeof *sts);
    char (*bodies)[1024] = calloc((size_t)n, 1024);
    size_t *bls = calloc((size_t)n, sizeof *bls);
    if (!hs || !sts || !bodies || !bls) die("out of memory");
    for (int i = 0; i < n; i++) {
      char cmd[32]; snprintf(cmd, sizeof cmd, "echo %d", i + 1);
      bls[i] = start_body(bodies[i], cmd);
      hs[i] = curl_easy_init();
    }
    double t0 = now_s(), c0 = cpu_s();
    for (int b = 0; b < batches; b++) {
      for (int i = 0; i < n; i++) {
        sts[i].len = 0; sts[i].outlen = 0; sts[i].ended = sts[i].eos = 0; sts[i].err[0] = 0;
        sts[i].exit_code = -1;
        setup_start(hs[i], url, bodies[i], bls[i], &sts[i]);
        curl_multi_add_handle(m, hs[i]);
      }
      int running = 1;
      while (running) {
        curl_multi_perform(m, &running);
        if (running) curl_multi_poll(m, NULL, 0, 1000, NULL);
      }
      CURLMsg *msg; int left;
      while ((msg = curl_multi_info_read(m, &left))) {
        if (msg->msg != CURLMSG_DONE) continue;
        for (int i = 0; i < n; i++) if (hs[i] == msg->easy_handle) {
          check_stream(hs[i], &sts[i], msg->data.result);
          char want[32]; int wl = snprintf(want, sizeof want, "%d\n", i + 1);
          if (sts[i].outlen != (size_t)wl || memcmp(sts[i].scratch, want, (size_t)wl)) die("echo i printed something else");
        }
      }
      for (int i = 0; i < n; i++) curl_multi_remove_handle(m, hs[i]);
    }
    double t1 = now_s(), c1 = cpu_s();
    printf("result ops_s %.3f\n", (double)n * batches / (t1 - t0));
    printf("result cpu_us_per_call %.3f\n", (c1 - c0) / ((double)n * batches) * 1e6);
    for (int i = 0; i < n; i++) curl_easy_cleanup(hs[i]);
    curl_multi_cleanup(m);
  } else if (!strcmp(argv[1], "upload") && argc >= 4) {
    long long bytes = atoll(argv[3]);
    int repeats = argc >= 5 ? atoi(argv[4]) : 1;
    char furl[512], b[256];
    file_url(furl, sizeof furl, bytes);
    struct curl_slist *hd = files_headers();
    hd = curl_slist_append(hd, "Content-Type: application/octet-stream");
    for (int k = 0; k < repeats; k++) {
      stream st = { 0 };
      double t0 = now_s(), c0 = cpu_s();
      FILE *f = fopen(argv[2], "rb");
      if (!f) die("cannot open FILE");
      if (fseeko(f, 0, SEEK_END) || ftello(f) != bytes || fseeko(f, 0, SEEK_SET)) die("FILE is not BYTES long");
      curl_easy_setopt(h, CURLOPT_URL, furl);
      curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_READDATA, f);   /* curl's default read function: fread */
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)bytes);
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, to_buf);
      curl_easy_setopt(h, CURLOPT_WRITEDATA, &st);
      CURLcode rc = curl_easy_perform(h);
      fclose(f);
      double t1 = now_s(), c1 = cpu_s();
      long code = 0;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
      if (rc != CURLE_OK) die(curl_easy_strerror(rc));
      snprintf(b, sizeof b, "\"path\":\"/home/user/null-%lld.bin\"", bytes);
      if (code != 200 || !st.out || !strstr((char *)st.out, b)) {
        fprintf(stderr, "upload answered %ld: %s\n", code, st.out ? (char *)st.out : "");
        die("upload not accepted");
      }
      free(st.out);
      emit_rate(bytes, t0, c0, t1, c1);
    }
    curl_slist_free_all(hd);
  } else if (!strcmp(argv[1], "download") && argc >= 4) {
    long long bytes = atoll(argv[2]);
    int repeats = argc >= 5 ? atoi(argv[4]) : 1;
    char furl[512], target[4096];
    file_url(furl, sizeof furl, bytes);
    struct curl_slist *hd = files_headers();
    for (int k = 1; k <= repeats; k++) {
      snprintf(target, sizeof target, "%s.%d", argv[3], k);
      double t0 = now_s(), c0 = cpu_s();
      FILE *f = fopen(target, "wb");
      if (!f) die("cannot open OUT");
      curl_easy_setopt(h, CURLOPT_URL, furl);
      curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
      curl_easy_setopt(h, CURLOPT_WRITEDATA, f);   /* curl's default write function: fwrite */
      CURLcode rc = curl_easy_perform(h);
      if (fclose(f)) die("cannot write OUT");
      double t1 = now_s(), c1 = cpu_s();
      long code = 0;
      curl_off_t got = 0;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
      curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &got);
      if (rc != CURLE_OK) die(curl_easy_strerror(rc));
      if (code != 200) die("download: not 200");
      if (got != bytes) die("download: size differs");
      emit_rate(bytes, t0, c0, t1, c1);
    }
    curl_slist_free_all(hd);
    curl_easy_reset(h);
  } else {
    die("unknown scenario");
  }
  kill_sandbox(h);
  curl_easy_cleanup(h);
  curl_global_cleanup();
  return 0;
}
