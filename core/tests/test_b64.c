#include "check.h"
#include "../engine/b64.h"

static void enc(const char *in, const char *want) {
  char out[256];
  size_t n = e2b_b64_encode((const unsigned char *)in, strlen(in), out);
  out[n] = '\0';
  CHECK_STR(out, want);
}

static void dec_ok(const char *in, const char *want) {
  unsigned char out[256];
  size_t n;
  const char *why = NULL;
  CHECK(e2b_b64_decode(in, strlen(in), out, &n, &why) == 0);
  out[n] = '\0';
  CHECK_STR((char *)out, want);
}

static void dec_bad(const char *in) {
  unsigned char out[256];
  size_t n;
  const char *why = NULL;
  int rc = e2b_b64_decode(in, strlen(in), out, &n, &why);
  if (rc != -1) fprintf(stderr, "accepted invalid base64 \"%s\"\n", in);
  CHECK(rc == -1 && why != NULL);
}


/* The reference: group by group, one character at a time (standard and URL-safe alphabets,
 * padded or not, no stray '=', zero trailing bits). Returns the decoded length or -1. */
static int ref_val(unsigned char c) {
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  const char *p = c ? memchr(a, c, 62) : NULL;
  return p ? (int)(p - a) : -1;
}
static long ref_decode(const unsigned char *s, size_t n, unsigned char *out) {
  size_t pad = 0;
  while (pad < 2 && n > 0 && s[n - 1] == '=') { n--; pad++; }
  if ((pad && (n + pad) % 4) || n % 4 == 1) return -1;
  long o = 0;
  for (size_t g = 0; g < n; g += 4) {
    size_t k = n - g < 4 ? n - g : 4;
    unsigned long v = 0;
    for (size_t j = 0; j < 4; j++) {
      int x = j < k ? ref_val(s[g + j]) : 0;
      if (x < 0) return -1;
      v = v << 6 | (unsigned long)x;
    }
    size_t bytes = k - 1;
    if (v & ((1ul << (8 * (3 - bytes))) - 1)) return -1;
    for (size_t j = 0; j < bytes; j++) out[o++] = (unsigned char)(v >> (16 - 8 * j));
  }
  return o;
}

/* e2b_b64_decode of s[0..n) agrees with the reference, writing only within
 * e2b_b64_decoded_max(n) bytes (an exact-size heap block, for ASan). */
static int agrees(const char *s, size_t n) {
  unsigned char *out = malloc(e2b_b64_decoded_max(n)), *want = malloc(n + 3);
  size_t got = 0;
  const char *why = NULL;
  int rc = e2b_b64_decode(s, n, out, &got, &why);
  long wl = ref_decode((const unsigned char *)s, n, want);
  int ok = (rc == 0) == (wl >= 0) && (rc == 0 ? got == (size_t)wl && memcmp(out, want, got) == 0 : why != NULL);
  free(out);
  free(want);
  return ok;
}

/* e2b_b64_decode_groups stops at the first group of four not all standard characters. */
static int groups_agree(const char *s, size_t n) {
  static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t want = 0;
  while (want + 4 <= n) {
    size_t j = 0;
    while (j < 4 && s[want + j] && memchr(std, s[want + j], 64)) j++;
    if (j < 4) break;
    want += 4;
  }
  unsigned char *out = malloc(n / 4 * 3 + 1), *ref = malloc(n + 3);
  size_t got = e2b_b64_decode_groups(s, n, out);
  int ok = got == want && ref_decode((const unsigned char *)s, want, ref) == (long)(want / 4 * 3) &&
           memcmp(out, ref, want / 4 * 3) == 0;
  free(out);
  free(ref);
  return ok;
}

static unsigned long rng = 12345;
static unsigned char rnd(void) {
  rng = rng * 6364136223846793005ul + 1442695040888963407ul;
  return (unsigned char)(rng >> 56);
}

/* The vector path (32 characters a step, runs of 48 and more) against the reference: every
 * length around its block edges, every byte value at every position of a long text, URL-safe
 * and padded spellings, unaligned input. */
static void vector_path(void) {
  unsigned char raw[400];
  char text[600];
  for (size_t len = 0; len <= 300; len++) {
    for (size_t i = 0; i < len; i++) raw[i] = rnd();
    size_t tn = e2b_b64_encode(raw, len, text);
    unsigned char *out = malloc(e2b_b64_decoded_max(tn));
    size_t n = 0;
    const char *why;
    CHECK(e2b_b64_decode(text, tn, out, &n, &why) == 0 && n == len && memcmp(out, raw, len) == 0);
    free(out);
    CHECK(agrees(text, tn));
    size_t un = tn;
    while (un && text[un - 1] == '=') un--;
    CHECK(agrees(text, un));
    for (size_t i = 0; i < un; i++) text[i] = text[i] == '+' ? '-' : text[i] == '/' ? '_' : text[i];
    CHECK(agrees(text, un));
    CHECK(groups_agree(text, un));
    CHECK(groups_agree(text, tn));
  }
  /* one wrong byte anywhere in 200 characters (and at a few offsets of the input) */
  for (size_t i = 0; i < 150; i++) raw[i] = rnd();
  size_t tn = e2b_b64_encode(raw, 150, text + 1);
  int bad = 0;
  for (size_t off = 0; off < 2; off++)
    for (size_t p = 0; p < tn; p++) {
      char keep = text[1 + p];
      for (int c = 0; c < 256; c++) {
        text[1 + p] = (char)c;
        if (!agrees(text + 1 + off, tn - off)) bad++;
        if (!groups_agree(text + 1 + off, tn - off - p % 5)) bad++;
      }
      text[1 + p] = keep;
    }
  CHECK(bad == 0);
  /* every standard character in every slot of a block */
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int k = 0; k < 64; k++) {
    for (int i = 0; i < 96; i++) text[i] = a[(k + i * 7) % 64];
    CHECK(agrees(text, 96));
  }
}

int main(void) {
  /* RFC 4648 section 10 */
  enc("", ""); enc("f", "Zg=="); enc("fo", "Zm8="); enc("foo", "Zm9v");
  enc("foob", "Zm9vYg=="); enc("fooba", "Zm9vYmE="); enc("foobar", "Zm9vYmFy");
  /* protocol doc: stdout "hi\n", Basic auth of users */
  enc("hi\n", "aGkK"); enc("user:", "dXNlcjo="); enc("root:", "cm9vdDo=");
  dec_ok("Zm9vYmE=", "fooba"); dec_ok("Zm9vYmE", "fooba"); dec_ok("Zg", "f"); dec_ok("", "");
  dec_ok("aGkK", "hi\n"); dec_ok("dXNlcjo", "user:");
  /* URL-safe alphabet: 0xfb 0xff -> "+/8=" std, "-_8" url-safe */
  unsigned char out[8];
  size_t n;
  const char *why;
  CHECK(e2b_b64_decode("-_8", 3, out, &n, &why) == 0 && n == 2 && out[0] == 0xfb && out[1] == 0xff);
  CHECK(e2b_b64_decode("+/8=", 4, out, &n, &why) == 0 && n == 2 && out[0] == 0xfb && out[1] == 0xff);
  dec_bad("Zm9v!"); dec_bad("Z"); dec_bad("Zm9vY"); dec_bad("Zg==="); dec_bad("Z=g=");
  dec_bad("Zh=="); /* non-zero trailing bits */ dec_bad("Zm 9v"); dec_bad("Zg=");
  /* round trip of every byte value */
  unsigned char all[256], back[300];
  char text[400];
  for (int i = 0; i < 256; i++) all[i] = (unsigned char)i;
  size_t tn = e2b_b64_encode(all, 256, text);
  CHECK(tn == e2b_b64_encoded_len(256));
  CHECK(e2b_b64_decode(text, tn, back, &n, &why) == 0 && n == 256 && memcmp(all, back, 256) == 0);
  /* the vector path where the CPU has one, and the scalar one everywhere */
  printf("vector decoding: %s\n", e2b_b64_vector(-1) ? "yes" : "not on this CPU");
  vector_path();
  e2b_b64_vector(0);
  vector_path();
  e2b_b64_vector(1);
  CHECK_DONE();
}
