/* envd process output in the C core: recognise a Connect message of exactly the shape
 *   {"event":{"data":{"stdout"|"stderr"|"pty":"<base64>"}}}
 * (any insignificant JSON whitespace between tokens, as Go's protojson writes it) and decode its
 * base64 straight into a caller's buffer. Anything else — other fields, escapes in the string,
 * other events — is not recognised and takes the general (JSON) path unchanged. */
#ifndef E2B_PROCDATA_H
#define E2B_PROCDATA_H
#include <stddef.h>

enum { E2B_DATA_NONE = 0, E2B_DATA_STDOUT = 1, E2B_DATA_STDERR = 2, E2B_DATA_PTY = 3 };

/* The kind of data message p[0..n) is, or E2B_DATA_NONE; on a match *b64 and *b64len are the
 * text of the string (up to its first '"'; not checked: whether it decodes is for the
 * caller's base64 decoder to say, and when it does not, the message is not a data message). */
int e2b_procdata_match(const char *p, size_t n, const char **b64, size_t *b64len);
const char *e2b_procdata_kind_name(int kind); /* "stdout", "stderr", "pty" */
#endif
