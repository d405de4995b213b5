/* Base64 (RFC 4648). Encoding: standard alphabet with padding, as proto3 JSON writes bytes.
 * Decoding accepts padded, unpadded and URL-safe input, as proto3 JSON parsers must. */
#ifndef E2B_B64_H
#define E2B_B64_H
#include <stddef.h>

static inline size_t e2b_b64_encoded_len(size_t n) { return (n + 2) / 3 * 4; }
static inline size_t e2b_b64_decoded_max(size_t n) { return n / 4 * 3 + 3; }
/* out must hold e2b_b64_encoded_len(n) bytes; returns bytes written (no NUL). */
size_t e2b_b64_encode(const unsigned char *in, size_t n, char *out);
/* out must hold e2b_b64_decoded_max(n) bytes (it may be written anywhere in them, and after a
 * failure holds nothing meaningful). Returns 0 and sets *outlen, or -1 with *why set
 * to a static message when the input is not base64. */
int e2b_b64_decode(const char *in, size_t n, unsigned char *out, size_t *outlen, const char **why);
/* The longest prefix of in[0..n) made of whole groups of four characters of the standard
 * alphabet ('=' and the URL-safe "-_" end it), decoded into out, which must hold n / 4 * 3
 * bytes (anywhere in them may be written). Returns the characters decoded, a multiple of 4.
 * Re-encoding the bytes gives exactly those characters back. For decoding a string that
 * arrives in pieces; e2b_b64_decode decides about its end. */
size_t e2b_b64_decode_groups(const char *in, size_t n, unsigned char *out);
/* Whether decoding uses the CPU's vector instructions (AVX2 on x86-64, when it has them); on 0
 * or 1 turns them off or back on (tests compare both paths), -1 only asks. Not thread-safe. */
int e2b_b64_vector(int on);
#endif
