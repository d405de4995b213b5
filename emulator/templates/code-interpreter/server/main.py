"""The code interpreter server of the emulator's code-interpreter-v1 template.

Runs inside the sandbox (as root, like E2B's), serves E2B's HTTP surface on port 49999 (or on
$E2B_CODE_INTERPRETER_PORT when the emulator gives the sandbox the host's network and picks a
free port for it): GET /health, POST /execute (NDJSON), POST/GET /contexts,
POST /contexts/{id}/restart, DELETE /contexts/{id}. Only the standard library and jupyter_client.
"""
import asyncio
import email.utils
import json
import logging
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from contexts import Context, normalize_language  # noqa: E402

log = logging.getLogger("server")
HOME = os.environ.get("E2B_CI_HOME") or "/home/user"
MAX_BODY = 64 << 20


def _global_envs():
    """The sandbox's env vars, handed over by the emulator; kernels do not inherit them."""
    raw = os.environ.pop("E2B_CI_SANDBOX_ENVS", "") or "{}"
    try:
        envs = json.loads(raw)
    except ValueError:
        envs = {}
    envs = {str(k): str(v) for k, v in envs.items()} if isinstance(envs, dict) else {}
    own = ("E2B_CODE_INTERPRETER_PORT", "E2B_CODE_INTERPRETER_HOST")
    kernel_env = {k: v for k, v in os.environ.items() if k not in envs and k not in own}
    return envs, kernel_env


class State:
    def __init__(self):
        self.sandbox_envs, self.kernel_env = _global_envs()
        self.contexts = {}  # id -> Context
        self.default = None  # the default python context ("default" in E2B's server)
        self.by_language = {}  # language -> id of its default context
        self.language_locks = {}

    async def create(self, language, cwd):
        """-> a started Context, registered; RuntimeError with E2B's 500 text otherwise."""
        ctx = None
        try:
            ctx = Context(language, cwd, self.kernel_env, self.sandbox_envs)
            await ctx.kernel.start()
        except Exception as e:
            if ctx is not None:
                try:
                    await ctx.kernel.shutdown()
                except Exception:
                    pass
            raise RuntimeError("Failed to create context: %s" % e)
        # Registered before the working directory is set, as in E2B's server.
        self.contexts[ctx.id] = ctx
        await ctx.start_cwd()
        return ctx


# ------------------------------------------------------------------------------ HTTP plumbing

REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
           413: "Request Entity Too Large", 422: "Unprocessable Entity", 500: "Internal Server Error"}


class Request:
    def __init__(self, method, path, headers, body):
        self.method, self.path, self.headers, self.body = method, path, headers, body


class Conn:
    """One client connection: requests one after another (keep-alive), with a way to notice
    that the client went away while a response is streaming."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.buf = b""
        self.closed = False

    async def _fill(self):
        data = await self.reader.read(65536)
        if not data:
            raise EOFError
        self.buf += data

    async def read_request(self):
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > 65536:
                raise EOFError
            await self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            raise EOFError
        method, target, _version = parts
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        body = b""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                while b"\r\n" not in self.buf:
                    await self._fill()
                size_line, self.buf = self.buf.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0] or b"0", 16)
                while len(self.buf) < size + 2:
                    await self._fill()
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
                if size == 0:
                    break
                if len(body) > MAX_BODY:
                    raise EOFError
        else:
            n = int(headers.get("content-length", "0") or 0)
            if n > MAX_BODY:
                raise EOFError
            while len(self.buf) < n:
                await self._fill()
            body, self.buf = self.buf[:n], self.buf[n:]
        path = target.split("?", 1)[0]
        return Request(method, path, headers, body)

    def _head(self, status, headers):
        lines = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "OK")),
                 "date: %s" % email.utils.formatdate(usegmt=True), "server: uvicorn"]
        lines += ["%s: %s" % kv for kv in headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def send(self, status, body, content_type):
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        self.writer.write(self._head(status, [("content-length", str(len(data))),
                                              ("content-type", content_type)]) + data)
        await self.writer.drain()

    async def send_json(self, status, value):
        await self.send(status, json.dumps(value, ensure_ascii=False, separators=(",", ":")), "application/json")

    async def send_text(self, status, text):
        await self.send(status, text, "text/plain; charset=utf-8")

    async def stream(self, items):
        """Streams NDJSON lines from the async generator `items`, then the end line. If the
        client disconnects, the generator is cancelled (which interrupts the cell)."""
        self.writer.write(self._head(200, [("transfer-encoding", "chunked")]))
        await self.writer.drain()

        async def pump():
            async for item in items:
                await self._chunk((json.dumps(item) + "\n").encode())
            await self._chunk(b'{"type": "end_of_execution"}\n')
            self.writer.write(b"0\r\n\r\n")
            await self.writer.drain()

        async def watch():
            # A client that closes its side (abort, timeout) ends the execution. Bytes of a
            # pipelined next request are kept for read_request.
            while True:
                data = await self.reader.read(65536)
                if not data:
                    return
                self.buf += data

        task = asyncio.ensure_future(pump())
        watcher = asyncio.ensure_future(watch())
        try:
            done, _ = await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
            if task not in done:
                log.info("client went away during an execution")
                task.cancel()
                try:
                    await task
                except BaseException:
                    pass
                raise EOFError
            if task.exception() is not None:
                # Headers are out: all that is left is to cut the stream, as uvicorn does.
                log.error("execution failed", exc_info=task.exception())
                raise EOFError

        finally:
            watcher.cancel()  # and wait: the reader must be free for the next request
            await asyncio.gather(watcher, return_exceptions=True)
            try:
                await items.aclose()
            except BaseException:
                pass

    async def _chunk(self, data):
        self.writer.write(b"%x\r\n%s\r\n" % (len(data), data))
        await self.writer.drain()


def validation_error(loc, msg, kind, given):
    return {"detail": [{"type": kind, "loc": loc, "msg": msg, "input": given}]}


def parse_body(req):
    """-> (dict, None) or (None, 422 detail)."""
    try:
        value = json.loads(req.body.decode("utf-8") or "null")
    except (ValueError, UnicodeDecodeError) as e:
        return None, {"detail": [{"type": "json_invalid", "loc": ["body", 0], "msg": "JSON decode error",
                                  "input": {}, "ctx": {"error": str(e)}}]}
    if value is None:
        return None, validation_error(["body"], "Field required", "missing", None)
    if not isinstance(value, dict):
        return None, validation_error(["body"], "Input should be a valid dictionary or object to extract fields from",
                                      "model_attributes_type", value)
    return value, None


def check_str(body, key, required=False):
    if key not in body or body[key] is None:
        if required:
            return validation_error(["body", key], "Field required", "missing", body)
        return None
    if not isinstance(body[key], str):
        return validation_error(["body", key], "Input should be a valid string", "string_type", body[key])
    return None


# ---------------------------------------------------------------------------------- routes

CONTEXT_PATH = re.compile(r"^/contexts/([^/]+)(/restart)?$")


async def handle(state, conn, req):
    path, method = req.path, req.method
    if path == "/health":
        if method != "GET":
            return await conn.send_json(405, {"detail": "Method Not Allowed"})
        return await conn.send_json(200, "OK")
    if path == "/execute":
        if method != "POST":
            return await conn.send_json(405, {"detail": "Method Not Allowed"})
        return await execute(state, conn, req)
    if path == "/contexts":
        if method == "GET":
            return await conn.send_json(200, [c.describe() for c in state.contexts.values()])
        if method == "POST":
            return await create_context(state, conn, req)
        return await conn.send_json(405, {"detail": "Method Not Allowed"})
    m = CONTEXT_PATH.match(path)
    if m:
        ctx_id, restart = m.group(1), m.group(2)
        if (restart and method != "POST") or (not restart and method != "DELETE"):
            return await conn.send_json(405, {"detail": "Method Not Allowed"})
        ctx = state.contexts.get(ctx_id)
        if ctx is None:
            return await conn.send_text(404, "Context %s not found" % ctx_id)
        if restart:
            try:
                await ctx.restart()
            except Exception:
                log.exception("restart")
                return await conn.send_text(500, "Failed to restart context %s" % ctx_id)
            return await conn.send_json(200, None)
        try:
            await ctx.close()
        except Exception:
            log.exception("delete")
        state.contexts.pop(ctx_id, None)
        if state.default is ctx:
            state.default = None
        return await conn.send_json(200, None)
    return await conn.send_json(404, {"detail": "Not Found"})


async def create_context(state, conn, req):
    body, err = parse_body(req)
    if err is None:
        err = check_str(body, "cwd") or check_str(body, "language")
    if err is not None:
        return await conn.send_json(422, err)
    language = normalize_language(body.get("language"))
    cwd = body.get("cwd") or HOME
    try:
        ctx = await state.create(language, cwd)
    except Exception as e:
        return await conn.send_text(500, str(e))
    return await conn.send_json(200, ctx.describe())


async def execute(state, conn, req):
    body, err = parse_body(req)
    if err is None:
        err = check_str(body, "code", required=True) or check_str(body, "context_id") or check_str(body, "language")
    if err is None and body.get("env_vars") is not None:
        ev = body["env_vars"]
        if not isinstance(ev, dict):
            err = validation_error(["body", "env_vars"], "Input should be a valid dictionary", "dict_type", ev)
        else:
            for k, v in ev.items():
                if not isinstance(v, str):
                    err = validation_error(["body", "env_vars", k], "Input should be a valid string", "string_type", v)
                    break
    if err is not None:
        return await conn.send_json(422, err)
    context_id, language = body.get("context_id"), body.get("language")
    if context_id and language:
        return await conn.send_text(400, "Only one of context_id or language can be provided")
    ctx = None
    if language:
        language = normalize_language(language)
        lock = state.language_locks.setdefault(language, asyncio.Lock())
        async with lock:
            known = state.by_language.get(language)
            if not known:
                try:
                    created = await state.create(language, HOME)
                except Exception as e:
                    return await conn.send_text(500, str(e))
                known = created.id
                state.by_language[language] = known
        ctx = state.contexts.get(known)
    elif context_id:
        ctx = state.contexts.get(context_id)
    else:
        ctx = state.default
    if ctx is None:
        return await conn.send_text(404, "Context %s not found" % context_id)
    await conn.stream(ctx.execute(body["code"], body.get("env_vars") or {}))


async def serve_connection(state, reader, writer):
    conn = Conn(reader, writer)
    try:
        while True:
            try:
                req = await conn.read_request()
            except (EOFError, ConnectionError, ValueError):
                return
            try:
                await handle(state, conn, req)
            except (EOFError, ConnectionError):
                return
            except Exception:
                log.exception("handler")
                try:
                    await conn.send_text(500, "Internal Server Error")
                except Exception:
                    return
            if req.headers.get("connection", "").lower() == "close":
                return
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")
    port = int(os.environ.get("E2B_CODE_INTERPRETER_PORT") or 49999)
    host = os.environ.get("E2B_CODE_INTERPRETER_HOST") or "0.0.0.0"
    state = State()
    # The default contexts exist before the server answers (E2B's lifespan creates them).
    python = await state.create("python", HOME)
    state.default = python
    state.by_language["python"] = python.id
    js = await state.create("javascript", HOME)
    state.by_language["javascript"] = js.id
    server = await asyncio.start_server(lambda r, w: serve_connection(state, r, w), host, port,
                                        limit=1 << 20, reuse_address=True)
    log.info("listening on %s:%d", host, port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
