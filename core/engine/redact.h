/* Keeping secrets out of text we show: URLs carry signatures in query strings and credentials in
 * userinfo; headers carry API keys and tokens. */
#ifndef E2B_REDACT_H
#define E2B_REDACT_H
#include <stddef.h>

/* Write "scheme://host[:port]/path" of url into out (always NUL-terminated, truncated to cap):
 * no userinfo, no query, no fragment. */
void e2b_url_display(const char *url, char *out, size_t cap);
/* Redact one trace line (no "\n") into out (always NUL-terminated, truncated to cap): from the
 * first secret-bearing header name anywhere in the line (Authorization, Proxy-Authorization,
 * X-API-Key, X-Access-Token, E2B-Traffic-Access-Token, Cookie, Set-Cookie; as "Name: value" or
 * libcurl's HTTP/2 "h2h3 [name: value]") the value becomes "***"; before it, a query string
 * becomes "?***" and URL userinfo "***@". Returns the length written. */
size_t e2b_redact_line(const char *line, size_t n, char *out, size_t cap);
/* Replace every query string ("?..." up to whitespace or quote) and URL userinfo in text by ***,
 * for messages (such as libcurl's) that may quote a URL. */
size_t e2b_redact_text(const char *text, char *out, size_t cap);
#endif
