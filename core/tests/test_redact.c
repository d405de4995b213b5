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
  CHECK_DONE();
}
