/* envd process streams in the C core: recognise a Connect message of exactly one of the shapes
 *   {"event":{"data":{"stdout"|"stderr"|"pty":"<base64>"}}}        output (e2b_procdata_match)
 *   {"event":{"start":{"pid":<uint32>}}}                            start  (e2b_procevent_match)
 *   {"event":{"end":{"exitCode":<sint32>,"exited":<bool>,"status":"<text>","error":"<text>"}}}
 *   {}  as the end-of-stream message (envelope flag 0x02)
 * with any insignificant JSON whitespace between tokens (as Go's protojson writes it). In start
 * and end every field may be absent (protojson omits defaults) and end's fields come in any
 * order. Anything else — other or repeated fields, escapes in a string, a number that is not a
 * plain integer in range, other events, trailing bytes — is not recognised and takes the
 * general (JSON) path unchanged. */
#ifndef E2B_PROCDATA_H
#define E2B_PROCDATA_H
#include <stddef.h>

enum { E2B_DATA_NONE = 0, E2B_DATA_STDOUT = 1, E2B_DATA_STDERR = 2, E2B_DATA_PTY = 3,
       E2B_EVENT_START = 4, E2B_EVENT_END = 5, E2B_EVENT_EOS = 6 };
#define E2B_KIND_IS_DATA(k) ((k) >= E2B_DATA_STDOUT && (k) <= E2B_DATA_PTY)

/* What a start/end event says (pointers into the matched text). Absent fields read as protojson
 * defaults: pid 0, exit_code 0, exited false, status ""; error is NULL when absent. */
typedef struct e2b_procevent {
  long long num;             /* START: pid; END: exit code */
  int exited;                /* END */
  const char *status;        /* END: status text (no escapes in it), status_len bytes */
  size_t status_len;
  const char *error;         /* END: error text or NULL, error_len bytes */
  size_t error_len;
} e2b_procevent;

/* The kind of data message p[0..n) is, or E2B_DATA_NONE; on a match *b64 and *b64len are the
 * text of the string (up to its first '"'; not checked: whether it decodes is for the
 * caller's base64 decoder to say, and when it does not, the message is not a data message). */
int e2b_procdata_match(const char *p, size_t n, const char **b64, size_t *b64len);
/* The same in pieces, for a data message whose bytes have not all arrived: the kind when p[0..n)
 * begins with everything up to the string's opening quote (*head_len bytes), else
 * E2B_DATA_NONE (not that shape, or not enough bytes to tell); and whether p[0..n) is exactly
 * what may follow the closing quote. head + base64 text without '"' + '"' + tail is what
 * e2b_procdata_match takes. */
int e2b_procdata_head(const char *p, size_t n, size_t *head_len);
int e2b_procdata_tail(const char *p, size_t n);
/* The kind of event p[0..n) is, or E2B_DATA_NONE: with eos 0 (an ordinary message),
 * E2B_EVENT_START or E2B_EVENT_END, *ev saying what it carries; with eos 1 (the end-of-stream
 * message), E2B_EVENT_EOS when it is `{}`. */
int e2b_procevent_match(const char *p, size_t n, int eos, e2b_procevent *ev);
/* "stdout", "stderr", "pty", "start", "end", "eos" */
const char *e2b_procdata_kind_name(int kind);
#endif
