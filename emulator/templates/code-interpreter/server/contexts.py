"""Contexts: one kernel each, one execution at a time, messages turned into /execute events.

The rules are those of E2B's server (facts in shared/e2b-code-interpreter-and-management.md
§1.2): env vars are set by code prepended to the cell and reset by a background execution after
it; the sandbox's own env vars are set the same way on a context's first execution; an
execution ends at the kernel's 'idle' after its input was accepted; only the first error counts.
"""
import asyncio
import datetime
import json
import logging
import os
import shlex
import uuid

from kernels import kernel_for

log = logging.getLogger("contexts")

KEEPALIVE_INTERVAL = 5  # seconds of silence before a {"type": "keepalive"} line
HOME = os.environ.get("E2B_CI_HOME") or "/home/user"

END = object()
UNEXPECTED_END = object()


def normalize_language(language):
    if not language:
        return "python"
    language = language.lower().strip()
    return {"js": "javascript", "ts": "typescript"}.get(language, language)


def _quote_free_text(text):
    # E2B's rule exactly: starts and ends with the same quote (a lone quote becomes "").
    if text and ((text.startswith("'") and text.endswith("'")) or (text.startswith('"') and text.endswith('"'))):
        return text[1:-1]
    return text


# MIME type -> field of a result event, in the order E2B's model has them.
RESULT_FIELDS = [
    ("text/html", "html"), ("text/markdown", "markdown"), ("image/svg+xml", "svg"),
    ("image/png", "png"), ("image/jpeg", "jpeg"), ("application/pdf", "pdf"),
    ("text/latex", "latex"), ("application/json", "json"),
    ("application/javascript", "javascript"), ("e2b/data", "data"), ("e2b/chart", "chart"),
]


def result_event(data, is_main):
    data = dict(data or {})
    item = {"type": "result"}
    text = data.pop("text/plain", None)
    if text is not None:
        item["text"] = _quote_free_text(text)
    for mime, field in RESULT_FIELDS:
        value = data.pop(mime, None)
        if value is not None:
            item[field] = value
    item["extra"] = data
    item["is_main_result"] = is_main
    return item


def error_event(name, value, traceback):
    return {"type": "error", "name": name, "value": value, "traceback": traceback}


def timestamp(date):
    if isinstance(date, datetime.datetime):
        if date.tzinfo is None:
            date = date.replace(tzinfo=datetime.timezone.utc)
        return date.astimezone(datetime.timezone.utc).isoformat()
    if isinstance(date, str):
        try:
            return timestamp(datetime.datetime.fromisoformat(date.replace("Z", "+00:00")))
        except ValueError:
            return date
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


class Execution:
    def __init__(self, background=False):
        self.queue = asyncio.Queue()
        self.accepted = False
        self.errored = False
        self.background = background


# Values go in as string literals of the cell's language (JSON strings are valid Python and JS
# literals), so a quote or newline in a value cannot break or inject into the cell.
def set_env_snippet(language, key, value):
    if language == "python":
        return "import os; os.environ[%s] = %s" % (json.dumps(key), json.dumps(value))
    if language in ("javascript", "typescript"):
        return "process.env[%s] = %s" % (json.dumps(key), json.dumps(value))
    if language == "bash":
        return "export %s=%s" % (key, shlex.quote(value))
    return ""


def del_env_snippet(language, key):
    if language == "python":
        return "import os; os.environ.pop(%s, None)" % json.dumps(key)
    if language in ("javascript", "typescript"):
        return "delete process.env[%s]" % json.dumps(key)
    if language == "bash":
        return "unset %s" % key
    return ""


def chdir_code(language, path):
    if language == "python":
        return "%%cd %s" % path
    if language in ("javascript", "typescript"):
        return "process.chdir('%s')" % path
    if language == "bash":
        return "cd '%s'" % path
    return None


def indentation(code):
    for line in (code or "").split("\n"):
        if line.strip():
            return line[: len(line) - len(line.lstrip())]
    return ""


def indent(code, prefix):
    if not code or not prefix:
        return code
    return "\n".join(prefix + line if line.strip() else line for line in code.split("\n"))


class Context:
    def __init__(self, language, cwd, kernel_env, global_envs):
        self.id = str(uuid.uuid4())
        self.language = language
        self.cwd = cwd
        self.kernel = kernel_for(language, kernel_env)
        self.kernel.on_message = self._on_message
        self.kernel.on_died = self._on_died
        self._sandbox_envs = global_envs
        self._global_envs = None  # set on the first execution, as E2B fetches them from envd
        self._executions = {}
        self._lock = asyncio.Lock()
        self._cleanup = None

    def describe(self):
        return {"id": self.id, "language": self.language, "cwd": self.cwd}

    async def start_cwd(self):
        code = chdir_code(self.language, self.cwd)
        if code is None:
            return
        errors = [item async for item in self._background(code) if item["type"] == "error"]
        if errors:
            raise RuntimeError("Failed to set working directory")

    async def _background(self, code):
        msg_id = self.kernel.execute(code, True)
        self._executions[msg_id] = Execution(background=True)
        try:
            async for item in self._results(msg_id):
                yield item
        finally:
            self._executions.pop(msg_id, None)

    async def _results(self, msg_id):
        queue = self._executions[msg_id].queue
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_INTERVAL)
            except asyncio.TimeoutError:
                yield {"type": "keepalive"}
                continue
            if item is END:
                return
            if item is UNEXPECTED_END:
                yield error_event("UnexpectedEndOfExecution",
                                  "Connection to the execution was closed before the execution was finished", "")
                return
            yield item

    def _env_code(self, envs):
        return "\n".join(s for s in (set_env_snippet(self.language, k, v) for k, v in envs.items()) if s)

    async def _cleanup_envs(self, envs):
        lines = []
        for key in envs:
            if self._global_envs and key in self._global_envs:
                lines.append(set_env_snippet(self.language, key, self._global_envs[key]))
            else:
                lines.append(del_env_snippet(self.language, key))
        code = "\n".join(line for line in lines if line)
        if code:
            async for item in self._background(code):
                if item["type"] == "error":
                    log.warning("env var cleanup failed: %s", item)

    async def execute(self, code, env_vars):
        """Async generator of /execute events (without the final end_of_execution)."""
        async with self._lock:
            if self._cleanup is not None and not self._cleanup.done():
                try:
                    await self._cleanup
                except Exception:
                    pass
            self._cleanup = None
            global_snippet = ""
            if self._global_envs is None:
                self._global_envs = dict(self._sandbox_envs)
                global_snippet = self._env_code(self._global_envs)
            call_snippet = self._env_code(env_vars) if env_vars else ""
            full = code
            if global_snippet or call_snippet:
                full = indent("%s\n%s" % (global_snippet, call_snippet), indentation(code)) + "\n" + code
            wait_ready = getattr(self.kernel, "wait_ready", None)
            if wait_ready is not None:  # a kernel being restarted takes no cells yet
                await wait_ready()
            msg_id = self.kernel.execute(full, False)
            self._executions[msg_id] = Execution()
            try:
                async for item in self._results(msg_id):
                    yield item
            except (asyncio.CancelledError, GeneratorExit):
                # The client went away: interrupt the cell so the context is not blocked.
                log.info("interrupting context %s", self.id)
                try:
                    await asyncio.shield(self._interrupt(msg_id))
                except BaseException:
                    pass
                raise
            finally:
                self._executions.pop(msg_id, None)
            if env_vars:
                self._cleanup = asyncio.ensure_future(self._cleanup_envs(env_vars))

    async def _interrupt(self, msg_id):
        # Interrupt, then hold the context until the kernel has finished the interrupted cell
        # (bounded): a cell sent while the kernel still unwinds the error would be aborted by
        # ipykernel's stop_on_error.
        ex = self._executions.get(msg_id)
        try:
            await self.kernel.interrupt()
        except Exception:
            log.exception("interrupt failed")
            return
        if ex is None:
            return

        async def ended():
            while True:
                item = await ex.queue.get()
                if item is END or item is UNEXPECTED_END:
                    return
        try:
            await asyncio.wait_for(ended(), timeout=3)
        except asyncio.TimeoutError:
            log.warning("context %s: the interrupted cell did not end in 3 s", self.id)

    def _put(self, execution, item):
        execution.queue.put_nowait(item)

    def _on_died(self):
        for ex in list(self._executions.values()):
            self._put(ex, error_event("ContextRestarting", "Context was restarted", ""))
            self._put(ex, END)
        self._global_envs = None

    def _on_message(self, msg):
        t = msg["msg_type"]
        content = msg["content"]
        if t == "status" and content.get("execution_state") == "restarting":
            self._on_died()
            return
        ex = self._executions.get(msg["parent"])
        if ex is None:
            return
        if t == "error":
            if ex.errored:
                return
            ex.errored = True
            self._put(ex, error_event(content.get("ename", ""), content.get("evalue", ""),
                                      "".join(content.get("traceback") or [])))
        elif t == "stream":
            if content.get("name") in ("stdout", "stderr"):
                self._put(ex, {"type": content["name"], "text": content.get("text", ""),
                               "timestamp": timestamp(msg.get("date"))})
        elif t == "display_data":
            self._put(ex, result_event(content.get("data"), False))
        elif t == "execute_result":
            self._put(ex, result_event(content.get("data"), True))
        elif t == "status":
            state = content.get("execution_state")
            if state == "busy" and ex.background:
                ex.accepted = True
            if state == "idle" and ex.accepted:
                self._put(ex, END)
        elif t == "execute_reply":
            status = content.get("status")
            if status == "error" and not ex.errored:
                ex.errored = True
                self._put(ex, error_event(content.get("ename", ""), content.get("evalue", ""),
                                          "".join(content.get("traceback") or [])))
            elif status in ("abort", "aborted"):
                self._put(ex, error_event("ExecutionAborted", "Execution was aborted", ""))
                self._put(ex, END)
        elif t == "execute_input":
            self._put(ex, {"type": "number_of_executions", "execution_count": content.get("execution_count")})
            ex.accepted = True

    def _end_all(self):
        for ex in list(self._executions.values()):
            self._put(ex, UNEXPECTED_END)

    async def restart(self):
        self._end_all()
        if self._cleanup is not None:
            self._cleanup.cancel()
        await self.kernel.restart()
        # A fresh connection: the sandbox env vars are injected again on the next execution,
        # and (as in E2B) the cwd is not re-applied.
        self._global_envs = None
        self._lock = asyncio.Lock()

    async def close(self):
        self._end_all()
        if self._cleanup is not None:
            self._cleanup.cancel()
        await self.kernel.shutdown()
