---@meta e2b.core
-- Type declarations for the C module e2b.core (core/lua/*.c), for LuaLS (.luarc.json puts
-- types/ on its library path). Nothing here runs: the real module is build/e2b/core.so.
-- spec/docs_spec.lua checks that every function and field the loaded module, its client and
-- its request export is declared here, and nothing else. The Lua view: docs/internals.md §2.

---@class e2b.core
---@field version string        the core's version, "0.1.0"
---@field curl_version string   libcurl's version line, "libcurl/7.88.1 OpenSSL/3.0 …"
local core = {}

---Base64 (standard alphabet, padded) of any bytes.
---@param s string
---@return string
function core.b64encode(s) end

---Decode base64 (standard alphabet; padding optional).
---@param s string
---@return string? bytes
---@return string? err  "invalid base64: …"
function core.b64decode(s) end

---SHA-256 digest of s: 32 raw bytes.
---@param s string
---@return string
function core.sha256(s) end

---An incremental SHA-256 (Template.copy hashes many files' paths, modes and contents as one
---digest; files are read in chunks by the core, never whole into Lua).
---@return e2b.core.Sha256
function core.sha256_new() end

---@class e2b.core.Sha256
---@field update fun(self: e2b.core.Sha256, s: string): e2b.core.Sha256  add bytes
---@field update_file fun(self: e2b.core.Sha256, path: string): true?, string?, integer?  add a file's bytes (nil, err, errno on failure)
---@field digest fun(self: e2b.core.Sha256): string  the 32 raw bytes; the state starts over

---table.concat(parts, "", i, j) for strings, one copy less (peak 2x the text on 5.4, not 3x).
---@param parts string[]
---@param i integer?  default 1
---@param j integer?  default #parts
---@return string
function core.join(parts, i, j) end

---Monotonic clock in milliseconds (for deadlines; not wall time).
---@return number
function core.now_ms() end

---Block for ms milliseconds (0..86400000). Only the blocking scheduler uses it, when a deadline
---is all it waits for.
---@param ms number
function core.sleep_ms(ms) end

---One CURLM + CURLSH (shared DNS cache, TLS sessions, connections) driving many requests.
---@param options? { max_connections: integer? }  CURLMOPT_MAX_TOTAL_CONNECTIONS, 0 = no cap
---@return e2b.core.client
function core.client(options) end

---@alias e2b.core.fs_type "file"|"dir"|"symlink"|"other"
---@class e2b.core.stat
---@field type e2b.core.fs_type
---@field size number
---@field mode integer  permission bits (& 07777)

---What path is, without following a symlink.
---@param path string
---@return e2b.core.stat? stat
---@return string? err
---@return integer? errno
function core.fs_lstat(path) end

---What path is, through symlinks.
---@param path string
---@return e2b.core.stat? stat
---@return string? err
---@return integer? errno
function core.fs_stat(path) end

---A directory's entry names (no "." or ".."), unsorted.
---@param path string
---@return string[]? names
---@return string? err
---@return integer? errno
function core.fs_dir(path) end

---A symlink's target.
---@param path string
---@return string? target
---@return string? err
---@return integer? errno
function core.fs_readlink(path) end

---The canonical absolute path, every symlink resolved.
---@param path string
---@return string? path
---@return string? err
---@return integer? errno
function core.fs_realpath(path) end

---Create a directory (errno EEXIST when it exists).
---@param path string
---@param mode? integer  default 0777 (before the umask)
---@return true? ok
---@return string? err
---@return integer? errno
function core.fs_mkdir(path, mode) end

---Remove a file or a symlink (never follows it).
---@param path string
---@return true? ok
---@return string? err
---@return integer? errno
function core.fs_unlink(path) end

---@class e2b.core.part
---@field name string             form field name
---@field filename string?        filename in Content-Disposition
---@field data string?            the part's bytes ...
---@field file string?            ... or a local file streamed from disk (exactly one of the two)
---@field content_type string?    default "application/octet-stream"

---@alias e2b.core.response_mode "buffer"|"connect"|"process"|"lines"|"file"

---@class e2b.core.request_options
---@field method string                 upper-case HTTP method
---@field url string
---@field headers string[]?             "Name: value" lines (no CR, LF or NUL)
---@field body string?                  at most one of body, body_file, multipart
---@field body_file string?
---@field multipart e2b.core.part[]?
---@field response e2b.core.response_mode?  default "buffer"
---@field response_file string?         with response = "file"
---@field max_buffered integer?         bytes held before the transfer pauses, default 1048576
---@field timeout_ms integer?           whole transfer, default 60000, 0 = none
---@field connect_timeout_ms integer?   default 10000
---@field accept_encoding boolean?      default true
---@field proxy string?                 "http://[user:pass@]host:port"
---@field ca_file string?               PEM bundle to trust instead of the system's
---@field verbose boolean?              libcurl's trace on stderr, secrets redacted

---@class e2b.core.fd
---@field fd integer
---@field read boolean
---@field write boolean

---@class e2b.core.client
local client = {}

---Start a request (checks every option before allocating; transport failures never raise, they
---show in req:state() / req:error()).
---@param options e2b.core.request_options
---@return e2b.core.request
function client:request(options) end

---Wait at most timeout_ms for socket activity or curl's timer, let curl work.
---@param timeout_ms? number  default 0 (just poll)
---@return e2b.core.request[] news  requests whose state changed or that have data
function client:step(timeout_ms) end

---Milliseconds until curl's timer wants client:action_timeout(), -1 for no timer.
---@return integer
function client:timeout() end

---The sockets curl wants watched (for a host event loop such as luv).
---@return e2b.core.fd[]
function client:fds() end

---A watched socket is ready (host loops).
---@param fd integer
---@param readable boolean?
---@param writable boolean?
---@param error boolean?
---@return e2b.core.request[] news
function client:action(fd, readable, writable, error) end

---curl's timer fired (host loops).
---@return e2b.core.request[] news
function client:action_timeout() end

---Requests in flight.
---@return integer
function client:active() end

---Close every request, then the client. Idempotent; also __gc / __close.
function client:close() end

---@class e2b.core.message
---@field flags integer?  0, or 2 for Connect's end-of-stream message (nil on a "process" record)
---@field kind ("stdout"|"stderr"|"pty"|"start"|"end"|"eos")?  "process" mode: a record decoded in C:
---                      output (in `bytes`), a start (`pid`), an end (`exit_code`, `exited`,
---                      `status`, `error`) or the end-of-stream `{}` ("eos")
---@field bytes string?
---@field pid integer?
---@field exit_code integer?
---@field exited boolean?
---@field status string?
---@field error string?   the end event's error, when envd sent one
---@field data string?    the JSON payload (not on a "process" record)

---@class e2b.core.error
---@field kind "timeout"|"connect"|"dropped"|"protocol"|"malformed"|"io"
---@field curl_code integer
---@field message string  redacted: no query strings, no URL userinfo

---@class e2b.core.progress
---@field up_now number
---@field up_total number
---@field down_now number
---@field down_total number

---@class e2b.core.request
local request = {}

---Cancel if in flight and release. Idempotent; also __gc / __close.
function request:close() end

---@return "pending"|"headers"|"done"|"failed"|"closed"
function request:state() end

---HTTP status, nil before the headers.
---@return integer?
function request:status() end

---Response headers (names lower-cased, last value wins), nil before they arrived.
---@return table<string, string>?
function request:headers() end

---One response header's value (`name` lower-case; the last value wins), nil when absent or
---before the headers arrived. Builds no table.
---@param name string
---@return string?
function request:header(name) end

---What arrived since the last take, in the form of the response mode: a string ("buffer", and
---the raw body of an unsuccessful answer in every mode), Connect messages ("connect"), lines
---without "\n" ("lines"), nil ("file"); "process" is "connect" with envd's output, start, end
---and end-of-stream messages decoded in C into records ({ kind, … }). Taking resumes a paused
---transfer. `fold` ("process" only): a take of only the usual messages in their usual order
---comes as one `{ kind = "folded", pid?, stdout?, stderr?, ended?, exit_code, exited, status,
---error? }` record (plus `{ kind = "eos" }`), for a reader that only keeps output.
---@param fold boolean?
---@return string|e2b.core.message[]|string[]|nil
function request:take(fold) end

---Why it failed, nil unless state() is "failed".
---@return e2b.core.error?
function request:error() end

---Bytes sent and received so far.
---@return e2b.core.progress
function request:progress() end

---True while max_buffered bytes wait untaken and the transfer is paused.
---@return boolean
function request:paused() end

---HTTP version of the answer once its headers arrived.
---@return "1.0"|"1.1"|"2"|"3"|nil
function request:http_version() end

return core
