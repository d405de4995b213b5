/* libFuzzer: the byte buffer (buf.c) against a model (a plain array): a fuzzed sequence of
 * appends (of input bytes), consumes and resets keeps exactly the model's bytes, with
 * off <= len <= cap, and storage above 64 KiB given back on reset. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../engine/buf.h"

#define MODEL_MAX (256u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t store[2 * MODEL_MAX];
  uint8_t *model = store; /* the model's unread bytes: model[0..mlen) */
  size_t mlen = 0;
  e2b_buf b;
  e2b_buf_init(&b);
  size_t i = 0, ops = 0;
  while (i < size && ops < 256) {
    uint8_t op = data[i++];
    size_t k = (size_t)(op >> 2);
    if ((op & 0xf0) == 0xf0) k = (size_t)((op >> 2) & 3) * 40000 + 1000; /* now and then big: < 128 KiB */
    switch (op & 3) {
    case 0: case 1: { /* append k bytes (the input's, repeated as needed) */
      if (mlen + k > MODEL_MAX) k = MODEL_MAX - mlen;
      if (model + mlen + k > store + sizeof store) { memmove(store, model, mlen); model = store; }
      static uint8_t tmp[MODEL_MAX];
      /* the rest of the input, repeated (doubling copies) */
      size_t j = size > i ? (size - i < k ? size - i : k) : (k ? 1 : 0);
      if (size > i) memcpy(tmp, data + i, j); else if (k) tmp[0] = 0x5a;
      for (; j < k; j *= 2) memcpy(tmp + j, tmp, j < k - j ? j : k - j);
      if (e2b_buf_append(&b, tmp, k) != 0) abort();
      memcpy(model + mlen, tmp, k);
      mlen += k;
      break;
    }
    case 2: /* consume k (more than there is empties it) */
      e2b_buf_consume(&b, k);
      if (k >= mlen) { model = store; mlen = 0; }
      else { model += k; mlen -= k; }
      break;
    case 3:
      e2b_buf_reset(&b);
      if (b.cap > 64 * 1024) abort();
      model = store;
      mlen = 0;
      break;
    }
    if (b.off > b.len || b.len > b.cap) abort();
    if (e2b_buf_size(&b) != mlen) abort();
    if (++ops % 32 == 0) { /* every byte now and then and at the end; the ends always */
      if (memcmp(e2b_buf_peek(&b), model, mlen) != 0) abort();
    } else if (mlen && (e2b_buf_peek(&b)[0] != (char)model[0] || e2b_buf_peek(&b)[mlen - 1] != (char)model[mlen - 1])) {
      abort();
    }
    /* a length that would overflow is refused, nothing changed */
    if ((op & 0x7c) == 0x7c) {
      if (e2b_buf_append(&b, "x", (size_t)-1 - (mlen ? mlen - 1 : 0)) != -1) abort();
      if (e2b_buf_size(&b) != mlen || memcmp(e2b_buf_peek(&b), model, mlen) != 0) abort();
    }
  }
  if (e2b_buf_size(&b) != mlen || memcmp(e2b_buf_peek(&b), model, mlen) != 0) abort();
  e2b_buf_free(&b);
  return 0;
}
