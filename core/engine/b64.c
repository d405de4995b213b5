#include "b64.h"
#include <stdint.h>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define E2B_B64_AVX2 1
#endif

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

/* The 6-bit value of byte c in either alphabet (standard "+/", URL-safe "-_"), -1 for any
 * other byte ('=' included). A constant expression, so the tables below are built by the
 * compiler from it. */
#define VAL(c) VAL_ANY(c)
#define VAL_ANY(c) ((c) >= 'A' && (c) <= 'Z' ? (c) - 'A' : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26 \
              : (c) >= '0' && (c) <= '9' ? (c) - '0' + 52 : (c) == '+' || (c) == '-' ? 62   \
              : (c) == '/' || (c) == '_' ? 63 : -1)
/* Byte c's value already in its place within a group of four characters (shift 18, 12, 6, 0);
 * an invalid byte is 0xFF000000, which no valid group has (24 bits), so one test of the OR of
 * the four says whether the group is valid. */
#define PLACED(c, sh) (VAL(c) < 0 ? 0xFF000000u : (uint32_t)VAL(c) << (sh))
#define R4(b, sh) PLACED(b, sh), PLACED(b + 1, sh), PLACED(b + 2, sh), PLACED(b + 3, sh)
#define R16(b, sh) R4(b, sh), R4(b + 4, sh), R4(b + 8, sh), R4(b + 12, sh)
#define R64(b, sh) R16(b, sh), R16(b + 16, sh), R16(b + 32, sh), R16(b + 48, sh)
#define TABLE(sh) {R64(0, sh), R64(64, sh), R64(128, sh), R64(192, sh)}
static const uint32_t d0[256] = TABLE(18), d1[256] = TABLE(12), d2[256] = TABLE(6), d3[256] = TABLE(0);
/* The same for the standard alphabet alone (e2b_b64_decode_groups). */
#undef VAL
#define VAL(c) ((c) == '-' || (c) == '_' ? -1 : VAL_ANY(c))
static const uint32_t s0[256] = TABLE(18), s1[256] = TABLE(12), s2[256] = TABLE(6), s3[256] = TABLE(0);

static const char *bad_char(const char *in, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (d3[(unsigned char)in[i]] >> 24) return in[i] == '=' ? "'=' padding inside the data" : "invalid base64 character";
  return "invalid base64 character";
}

#ifdef E2B_B64_AVX2
/* 32 characters of the standard alphabet to 24 bytes per step, AVX2. Returns how many input
 * characters it decoded (a multiple of 32; out gets 3/4 as many bytes). It stops at the first
 * block holding anything but the 64 standard characters (URL-safe ones, '=', junk): the scalar
 * code takes over there and decides. Each step stores 32 bytes (24 of them output), so it only
 * runs while n - i >= 48: the 8 extra bytes then fall inside what the caller's out holds
 * (e2b_b64_decoded_max) and are overwritten by the following steps.
 *
 * Classifying a byte by its nibbles: hi[] gives each high nibble a class bit (0x2_, 0x3_, 0x4_
 * and 0x6_, 0x5_ and 0x7_, everything else), lo[] the classes in which a low nibble is not a
 * standard base64 character; a byte is invalid when the two share a bit. The value is the byte
 * plus an offset chosen by its high nibble, '/' (0x2F, the one class 0x2_ character that
 * needs another offset than '+') moved to slot 1 by subtracting 1 where the byte is '/'. */
__attribute__((target("avx2"))) static size_t decode_avx2(const unsigned char *s, size_t n, unsigned char *out) {
  const __m256i lo = _mm256_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A,
                                      0x1B, 0x1B, 0x1B, 0x1A, 0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                      0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
  const __m256i hi = _mm256_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10,
                                      0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08,
                                      0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
  /* offsets: slot 1 '/' (+16), 2 '+' (+19), 3 digits (+4), 4-5 'A'-'Z' (-65), 6-7 'a'-'z' (-71) */
  const __m256i roll = _mm256_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0,
                                        0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i nib = _mm256_set1_epi8(0x0F), slash = _mm256_set1_epi8('/');
  /* 6-bit values a b c d -> 12-bit (a<<6|b) pairs -> 24-bit a<<18|b<<12|c<<6|d per dword */
  const __m256i m1 = _mm256_set1_epi32(0x01400140), m2 = _mm256_set1_epi32(0x00011000);
  /* the three bytes of each dword, most significant first, 12 per 128-bit lane ... */
  const __m256i pack = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
                                        2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  /* ... and the two lanes' 12 bytes joined */
  const __m256i join = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
  size_t i = 0, o = 0;
  while (n - i >= 48) {
    __m256i v = _mm256_loadu_si256((const __m256i *)(s + i));
    __m256i h = _mm256_and_si256(_mm256_srli_epi32(v, 4), nib);
    __m256i bad = _mm256_and_si256(_mm256_shuffle_epi8(lo, _mm256_and_si256(v, nib)), _mm256_shuffle_epi8(hi, h));
    if (!_mm256_testz_si256(bad, bad)) break;
    __m256i off = _mm256_shuffle_epi8(roll, _mm256_add_epi8(h, _mm256_cmpeq_epi8(v, slash)));
    v = _mm256_add_epi8(v, off);
    v = _mm256_maddubs_epi16(v, m1);
    v = _mm256_madd_epi16(v, m2);
    v = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, pack), join);
    _mm256_storeu_si256((__m256i *)(out + o), v);
    i += 32;
    o += 24;
  }
  return i;
}

/* Whether the CPU has AVX2, asked once when the library is loaded (no race with callers). */
static int use_avx2;
static int cpu_avx2;
__attribute__((constructor)) static void b64_cpu(void) {
  __builtin_cpu_init();
  cpu_avx2 = use_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
}
#endif

int e2b_b64_vector(int on) {
#ifdef E2B_B64_AVX2
  if (on >= 0) use_avx2 = on && cpu_avx2;
  return use_avx2;
#else
  (void)on;
  return 0;
#endif
}

/* Whole groups of four characters from in[0..full) into out, through the vector code for a
 * prefix of standard-alphabet blocks when the CPU has it, then four at a time through the
 * placed-value tables t0..t3 (the hot path of every streamed output byte). Returns where it
 * stopped: full, or the first group holding a byte the tables refuse. */
static size_t decode_run(const unsigned char *s, size_t full, unsigned char *out, const uint32_t *t0,
                         const uint32_t *t1, const uint32_t *t2, const uint32_t *t3) {
  size_t i = 0;
#ifdef E2B_B64_AVX2
  if (full >= 48 && use_avx2) i = decode_avx2(s, full, out);
#endif
  for (size_t o = i / 4 * 3; i < full; i += 4, o += 3) {
    uint32_t v = t0[s[i]] | t1[s[i + 1]] | t2[s[i + 2]] | t3[s[i + 3]];
    if (v >> 24) break;
    out[o] = (unsigned char)(v >> 16);
    out[o + 1] = (unsigned char)(v >> 8);
    out[o + 2] = (unsigned char)v;
  }
  return i;
}

/* Either alphabet, padded or not; an invalid byte is located (bad_char) only once found. */
int e2b_b64_decode(const char *in, size_t n, unsigned char *out, size_t *outlen, const char **why) {
  size_t pad = 0;
  while (pad < 2 && n > 0 && in[n - 1] == '=') { n--; pad++; }
  if (pad && (n + pad) % 4 != 0) { *why = "wrong amount of '=' padding"; return -1; }
  if (n % 4 == 1) { *why = "length is not a valid base64 length"; return -1; }
  const unsigned char *s = (const unsigned char *)in;
  size_t full = n / 4 * 4, i = decode_run(s, full, out, d0, d1, d2, d3);
  if (i < full) { *why = bad_char(in + i, 4); return -1; }
  size_t o = full / 4 * 3;
  size_t rest = n - full; /* 0, 2 or 3 characters */
  if (rest) {
    uint32_t v = d0[s[i]] | d1[s[i + 1]] | (rest == 3 ? d2[s[i + 2]] : 0);
    if (v >> 24) { *why = bad_char(in + i, rest); return -1; }
    if ((rest == 2 && (v & 0xFFFF)) || (rest == 3 && (v & 0xFF))) { *why = "non-zero trailing bits"; return -1; }
    out[o++] = (unsigned char)(v >> 16);
    if (rest == 3) out[o++] = (unsigned char)(v >> 8);
  }
  *outlen = o;
  return 0;
}

size_t e2b_b64_decode_groups(const char *in, size_t n, unsigned char *out) {
  return decode_run((const unsigned char *)in, n / 4 * 4, out, s0, s1, s2, s3);
}
