#include "b64.h"

static const char enc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t e2b_b64_encode(const unsigned char *in, size_t n, char *out) {
  size_t o = 0, i = 0;
  for (; i + 2 < n; i += 3) {
    unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
    out[o++] = enc[v >> 18];
    out[o++] = enc[(v >> 12) & 63];
    out[o++] = enc[(v >> 6) & 63];
    out[o++] = enc[v & 63];
  }
  if (i < n) {
    unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0);
    out[o++] = enc[v >> 18];
    out[o++] = enc[(v >> 12) & 63];
    out[o++] = i + 1 < n ? enc[(v >> 6) & 63] : '=';
    out[o++] = '=';
  }
  return o;
}

/* 6-bit value of each byte, 0xFF for bytes outside both alphabets ('=' included). */
#define X 0xFF
static const unsigned char dec[256] = {
  X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
  X, X, X, X, X, X, X, X, X, X, X, 62, X, 62, X, 63,
  52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X, X, X, X, X,
  X, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
  15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X, X, X, X, 63,
  X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
  41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,
  X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
  X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
  X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
  X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X};
#undef X

static const char *bad_char(const char *in, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (dec[(unsigned char)in[i]] == 0xFF) return in[i] == '=' ? "'=' padding inside the data" : "invalid base64 character";
  return "invalid base64 character";
}

/* Four characters at a time through the table (the hot path of every streamed output byte);
 * any invalid byte sets the high bits of the OR and is located only then. */
int e2b_b64_decode(const char *in, size_t n, unsigned char *out, size_t *outlen, const char **why) {
  size_t pad = 0;
  while (pad < 2 && n > 0 && in[n - 1] == '=') { n--; pad++; }
  if (pad && (n + pad) % 4 != 0) { *why = "wrong amount of '=' padding"; return -1; }
  if (n % 4 == 1) { *why = "length is not a valid base64 length"; return -1; }
  const unsigned char *s = (const unsigned char *)in;
  size_t full = n / 4 * 4, o = 0, i = 0;
  for (; i < full; i += 4) {
    unsigned a = dec[s[i]], b = dec[s[i + 1]], c = dec[s[i + 2]], d = dec[s[i + 3]];
    if ((a | b | c | d) & 0x80) { *why = bad_char(in + i, 4); return -1; }
    unsigned v = a << 18 | b << 12 | c << 6 | d;
    out[o] = (unsigned char)(v >> 16);
    out[o + 1] = (unsigned char)(v >> 8);
    out[o + 2] = (unsigned char)v;
    o += 3;
  }
  size_t rest = n - full; /* 0, 2 or 3 characters */
  if (rest) {
    unsigned a = dec[s[i]], b = dec[s[i + 1]], c = rest == 3 ? dec[s[i + 2]] : 0;
    if ((a | b | c) & 0x80) { *why = bad_char(in + i, rest); return -1; }
    unsigned v = a << 18 | b << 12 | c << 6;
    if ((rest == 2 && (v & 0xFFFF)) || (rest == 3 && (v & 0xFF))) { *why = "non-zero trailing bits"; return -1; }
    out[o++] = (unsigned char)(v >> 16);
    if (rest == 3) out[o++] = (unsigned char)(v >> 8);
  }
  *outlen = o;
  return 0;
}
