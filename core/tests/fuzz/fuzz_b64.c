/* libFuzzer: base64 (b64.c). Encoding round-trips any bytes; decoding any text agrees with a
 * reference decoder written group by group (accepts standard and URL-safe alphabets, padded or
 * not, refuses stray '=' and non-zero trailing bits), and what decodes re-encodes to the input
 * in canonical form (so there is exactly one accepted spelling per byte string and alphabet). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../engine/b64.h"

static int val(uint8_t c) {
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  const char *p = c ? memchr(a, c, 62) : NULL;
  return p ? (int)(p - a) : -1;
}

/* Returns the decoded length, or -1. */
static long ref_decode(const uint8_t *s, size_t n, uint8_t *out) {
  size_t pad = 0;
  while (pad < 2 && n > 0 && s[n - 1] == '=') { n--; pad++; }
  if (pad && (n + pad) % 4) return -1;
  if (n % 4 == 1) return -1;
  long o = 0;
  for (size_t g = 0; g < n; g += 4) {
    size_t k = n - g < 4 ? n - g : 4; /* 2, 3 or 4 symbols */
    uint32_t v = 0;
    for (size_t j = 0; j < 4; j++) {
      int x = j < k ? val(s[g + j]) : 0;
      if (x < 0) return -1;
      v = v << 6 | (uint32_t)x;
    }
    size_t bytes = k - 1; /* 2 symbols -> 1 byte, 3 -> 2, 4 -> 3 */
    uint32_t rest = v & ((1u << (8 * (3 - bytes))) - 1);
    if (rest) return -1; /* bits beyond the last byte must be zero */
    for (size_t j = 0; j < bytes; j++) out[o++] = (uint8_t)(v >> (16 - 8 * j));
  }
  return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* 1. encode -> decode */
  char *enc = malloc(e2b_b64_encoded_len(size) + 1);
  size_t el = e2b_b64_encode(data, size, enc);
  if (el != e2b_b64_encoded_len(size)) abort();
  unsigned char *dec = malloc(e2b_b64_decoded_max(el) + 1);
  size_t dl = 0;
  const char *why = NULL;
  if (e2b_b64_decode(enc, el, dec, &dl, &why) != 0 || dl != size || memcmp(dec, data, size) != 0) abort();
  /* unpadded and URL-safe spellings decode the same */
  size_t ul = el;
  while (ul && enc[ul - 1] == '=') ul--;
  for (size_t i = 0; i < ul; i++) enc[i] = enc[i] == '+' ? '-' : enc[i] == '/' ? '_' : enc[i];
  if (e2b_b64_decode(enc, ul, dec, &dl, &why) != 0 || dl != size || memcmp(dec, data, size) != 0) abort();
  free(enc);
  free(dec);

  /* 2. decode arbitrary text, against the reference */
  unsigned char *out = malloc(e2b_b64_decoded_max(size) + 1);
  uint8_t *rout = malloc(size + 3);
  size_t ol = 0;
  why = NULL;
  int rc = e2b_b64_decode((const char *)data, size, out, &ol, &why);
  long rl = ref_decode(data, size, rout);
  if ((rc == 0) != (rl >= 0)) abort();
  /* the scalar path (what CPUs without the vector one run) says the same */
  if (e2b_b64_vector(-1)) {
    unsigned char *sout = malloc(e2b_b64_decoded_max(size) + 1);
    size_t sl = 0;
    const char *swhy = NULL;
    e2b_b64_vector(0);
    int src = e2b_b64_decode((const char *)data, size, sout, &sl, &swhy);
    e2b_b64_vector(1);
    if (src != rc || (rc == 0 && (sl != ol || memcmp(sout, out, ol) != 0))) abort();
    free(sout);
  }
  if (rc != 0 && !why) abort();
  if (rc == 0) {
    if (ol != (size_t)rl || ol > e2b_b64_decoded_max(size) || memcmp(out, rout, ol) != 0) abort();
    /* canonical: re-encoding gives the input back (after mapping the URL-safe alphabet and
     * dropping padding on both sides) */
    char *re = malloc(e2b_b64_encoded_len(ol) + 1);
    size_t rel = e2b_b64_encode(out, ol, re);
    while (rel && re[rel - 1] == '=') rel--;
    size_t n = size;
    while (n && data[n - 1] == '=') n--;
    if (rel != n) abort();
    for (size_t i = 0; i < n; i++) {
      char c = (char)data[i];
      c = c == '-' ? '+' : c == '_' ? '/' : c;
      if (re[i] != c) abort();
    }
    free(re);
  }
  free(out);
  free(rout);
  return 0;
}
