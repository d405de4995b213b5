#include "check.h"
#include "../engine/redact.h"

static void url(const char *in, const char *want) {
  char out[256];
  e2b_url_display(in, out, sizeof out);
  CHECK_STR(out, want);
}

static void line(const char *in, const char *want) {
  char out[256];
  e2b_redact_line(in, strlen(in), out, sizeof out);
  CHECK_STR(out, want);
}

static void text(const char *in, const char *want) {
  char out[256];
  e2b_redact_text(in, out, sizeof out);
  CHECK_STR(out, want);
}

int main(void) {
  url("https://49983-abc.e2b.app/files?path=%2Fa&signature=v1_xyz", "https://49983-abc.e2b.app/files");
  url("http://user:pass@127.0.0.1:3000/x#frag", "http://127.0.0.1:3000/x");
  url("http://host", "http://host");
  url("host/p?q", "host/p");
  char small[8];
  e2b_url_display("http://example.com/long", small, sizeof small);
  CHECK(strlen(small) == 7); /* truncated, still terminated */
  line("X-API-KEY: e2b_0123456789", "X-API-KEY: ***");
  line("authorization: Basic dXNlcjo=", "authorization: ***");
  line("X-Access-Token: tok", "X-Access-Token: ***");
  line("E2B-Traffic-Access-Token: tat", "E2B-Traffic-Access-Token: ***");
  line("Content-Type: application/json", "Content-Type: application/json");
  line("GET /files?path=%2Fa&signature=v1_x HTTP/1.1", "GET /files?*** HTTP/1.1");
  text("Failed to connect to http://u:secret@h/p?signature=abc now",
       "Failed to connect to http://***@h/p?*** now");
  text("URL rejected: 'http://h/x?token=1'", "URL rejected: 'http://h/x?***'");
  text("plain message, no url?", "plain message, no url?");
  /* a password with raw '@': everything up to the LAST '@' of the authority goes */
  url("http://user:p@ss@w0rd@127.0.0.1:3000/x", "http://127.0.0.1:3000/x");
  text("proxy http://user:p@ss@w0rd@127.0.0.1:8080 refused", "proxy http://***@127.0.0.1:8080 refused");
  text("user@example.com wrote", "user@example.com wrote"); /* not a URL */
  line("* Connected to http://u:p@ss@proxy:1 (x)", "* Connected to http://***@proxy:1 (x)");
  /* libcurl's HTTP/2 info lines carry each header inside a longer line */
  line("h2h3 [x-api-key: e2b_0123456789]", "h2h3 [x-api-key: ***]");
  line("* h2h3 [x-access-token: tok]", "* h2h3 [x-access-token: ***]");
  line("* h2h3 [authorization: Basic dXNlcjpwYXNz]", "* h2h3 [authorization: ***]");
  line("* h2h3 [e2b-traffic-access-token: tat]", "* h2h3 [e2b-traffic-access-token: ***]");
  line("* h2h3 [proxy-authorization: Basic x] trailing", "* h2h3 [proxy-authorization: ***");
  line("* h2h3 [:path: /files?path=%2Fa&signature=v1_x]", "* h2h3 [:path: /files?***");
  line("* h2h3 [user-agent: e2b-lua]", "* h2h3 [user-agent: e2b-lua]");
  line("x-api-key-id: public", "x-api-key-id: public"); /* a longer name is not the secret one */
  line("my-authorization: x", "my-authorization: x");
  line("X-Api-Key  : spaced", "X-Api-Key  : ***");
  /* a query skipped to the next blank stops at a secret header all the same */
  line("GET /p?q=1,x-api-key: s3cr3t", "GET /p?***x-api-key: ***");
  /* a truncated output never shows a secret cut short either */
  char tiny[12];
  e2b_redact_line("x-api-key: secretsecret", 23, tiny, sizeof tiny);
  CHECK(strstr(tiny, "secr") == NULL);
  e2b_redact_text("http://u:secretsecret@h", tiny, sizeof tiny);
  CHECK(strstr(tiny, "secr") == NULL);
  CHECK_DONE();
}
