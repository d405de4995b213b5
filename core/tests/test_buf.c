#include "check.h"
#include "../engine/buf.h"

int main(void) {
  e2b_buf b;
  e2b_buf_init(&b);
  CHECK(e2b_buf_size(&b) == 0);
  CHECK_STR(e2b_buf_peek(&b), "");
  /* growth across many appends keeps every byte in order */
  for (int i = 0; i < 100000; i++) {
    char c = (char)('a' + i % 26);
    CHECK(e2b_buf_append(&b, &c, 1) == 0);
  }
  CHECK(e2b_buf_size(&b) == 100000);
  int ok = 1;
  for (int i = 0; i < 100000; i++) ok &= e2b_buf_peek(&b)[i] == (char)('a' + i % 26);
  CHECK(ok);
  /* consume from the front, then append: compaction keeps the unread bytes */
  e2b_buf_consume(&b, 99990);
  CHECK(e2b_buf_size(&b) == 10);
  CHECK(memcmp(e2b_buf_peek(&b), "efghijklmn", 10) == 0 || e2b_buf_peek(&b)[0] == (char)('a' + 99990 % 26));
  CHECK(e2b_buf_append(&b, "XYZ", 3) == 0);
  CHECK(e2b_buf_size(&b) == 13);
  CHECK(memcmp(e2b_buf_peek(&b) + 10, "XYZ", 3) == 0);
  e2b_buf_consume(&b, 1000); /* more than there is: empties */
  CHECK(e2b_buf_size(&b) == 0);
  /* reset gives back big storage, keeps small */
  CHECK(e2b_buf_append(&b, "x", 1) == 0);
  e2b_buf_reset(&b);
  CHECK(b.data == NULL && b.cap == 0); /* it had grown past 64 KiB */
  CHECK(e2b_buf_append(&b, "small", 5) == 0);
  e2b_buf_reset(&b);
  CHECK(b.data != NULL && e2b_buf_size(&b) == 0);
  CHECK(e2b_buf_append(&b, "", 0) == 0);
  /* a length that would wrap len + n around is refused, the buffer unchanged (no memcpy is
   * attempted: p is a 3-byte string) */
  CHECK(e2b_buf_append(&b, "abc", 3) == 0);
  char *data = b.data;
  CHECK(e2b_buf_append(&b, "abc", (size_t)-1) == -1);
  CHECK(e2b_buf_append(&b, "abc", (size_t)-1 - 2) == -1);
  CHECK(e2b_buf_size(&b) == 3 && b.data == data && memcmp(e2b_buf_peek(&b), "abc", 3) == 0);
  /* with consumed bytes in front too */
  e2b_buf_consume(&b, 1);
  CHECK(e2b_buf_append(&b, "abc", (size_t)-1 - 1) == -1);
  CHECK(e2b_buf_size(&b) == 2 && memcmp(e2b_buf_peek(&b), "bc", 2) == 0);
  e2b_buf_free(&b);
  CHECK_DONE();
}
