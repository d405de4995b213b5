"""Kernel backends of the code interpreter server.

Every backend speaks the same small interface to contexts.py and reports what happens as
Jupyter-shaped messages, so one piece of code turns them into /execute events:

    await k.start()            start the kernel process (cwd /home/user)
    k.execute(code, silent)    -> msg_id; messages with parent msg_id follow through on_message
    await k.interrupt()        stop the running cell, keep the state
    await k.restart()          fresh kernel, state gone, execution count back to 1
    await k.shutdown()
    k.on_message(msg)          set by the owner; msg = {msg_type, parent, content, date}
    k.on_died()                set by the owner; called when the kernel process died by itself
                               (it is restarted right after, as Jupyter's restarter does)

python is a real IPython kernel through jupyter_client. bash and javascript are small kernels
of our own with the observable behaviour of bash_kernel and E2B's ijavascript.
"""
import asyncio
import datetime
import json
import logging
import os
import pty
import secrets
import signal
import subprocess
import termios
import uuid

HOME = os.environ.get("E2B_CI_HOME") or "/home/user"
HERE = os.path.dirname(os.path.abspath(__file__))


def _default_signals():
    # A kernel must be interruptible even when the server was started with SIGINT ignored
    # (a shell's background job): ignored signals are inherited and bash cannot trap them.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def now():
    return datetime.datetime.now(datetime.timezone.utc)


class KernelUnavailable(Exception):
    """No kernel for this language (the text is what jupyter-server answers)."""

    def __init__(self, name):
        super().__init__(json.dumps({
            "message": "The '%s' kernel is not available. Please pick another suitable kernel "
                       "instead, or install that kernel." % name,
            "short_message": "%s not found" % name,
        }))


class Backend:
    def __init__(self, env):
        self.env = env
        self.on_message = lambda msg: None
        self.on_died = lambda: None

    def emit(self, parent, msg_type, content):
        self.on_message({"msg_type": msg_type, "parent": parent, "content": content, "date": now()})


class QueuedKernel(Backend):
    """A kernel of our own (bash, JS): cells wait in a queue and one worker runs them in order."""

    def __init__(self, env):
        super().__init__(env)
        self.proc = None
        self.count = 0
        self.queue = asyncio.Queue()
        self.worker = None
        self.current = None  # the cell now running: {id, silent, done: Future}

    def execute(self, code, silent):
        msg_id = uuid.uuid4().hex
        self.queue.put_nowait((msg_id, code, silent))
        return msg_id

    async def _work(self):
        while True:
            msg_id, code, silent = await self.queue.get()
            try:
                await self._run(msg_id, code, silent)
            except Exception as e:  # never leave a cell without its end
                self.emit(msg_id, "error", {"ename": type(e).__name__, "evalue": str(e), "traceback": []})
                self.emit(msg_id, "status", {"execution_state": "idle"})


# ---------------------------------------------------------------------------------------------
# python: IPython through jupyter_client, one kernel process per context


class PythonKernel(Backend):
    def __init__(self, env):
        super().__init__(env)
        self.km = None
        self.kc = None
        self._readers = []
        self._watch = None
        self._restarting = False
        self._ready = asyncio.Event()  # clear while the kernel restarts

    async def start(self):
        from jupyter_client.manager import AsyncKernelManager

        # ipc transport: the sockets live in the sandbox's own /tmp, so kernels of different
        # sandboxes never race for TCP ports on a shared network.
        sock_dir = os.path.join("/tmp", ".e2b-kernels")
        os.makedirs(sock_dir, mode=0o700, exist_ok=True)
        self.km = AsyncKernelManager(kernel_name="python", transport="ipc",
                                     ip=os.path.join(sock_dir, uuid.uuid4().hex))
        await self.km.start_kernel(cwd=HOME, env=self.env, stderr=subprocess.DEVNULL)
        await self._connect()
        self._ready.set()
        self._watch = asyncio.ensure_future(self._watch_process())

    async def wait_ready(self):
        await self._ready.wait()

    async def _connect(self):
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=60)
        self._readers = [asyncio.ensure_future(self._read(self.kc.get_iopub_msg)),
                         asyncio.ensure_future(self._read(self.kc.get_shell_msg))]

    async def _disconnect(self):
        for t in self._readers:
            t.cancel()
        self._readers = []
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None

    async def _read(self, get):
        while True:
            try:
                msg = await get()
            except asyncio.CancelledError:
                raise
            except Exception:  # a closed channel during restart/shutdown
                await asyncio.sleep(0.05)
                continue
            self.on_message({
                "msg_type": msg["msg_type"],
                "parent": msg.get("parent_header", {}).get("msg_id"),
                "content": msg.get("content", {}),
                "date": msg.get("header", {}).get("date"),
            })

    async def _watch_process(self):
        # What jupyter-server's restarter does: a kernel that died is started again and the
        # open executions learn it through a 'restarting' status.
        while True:
            await asyncio.sleep(0.5)
            if self._restarting or self.km is None:
                continue
            try:
                alive = await self.km.is_alive()
            except Exception:
                alive = True
            if not alive:
                self.on_died()
                try:
                    await self.restart()
                except Exception:
                    logging.getLogger("kernels").exception("restarting a dead python kernel")

    def execute(self, code, silent):
        # stop_on_error=False, unlike E2B's request: the server runs one cell at a time per
        # context, so there is never a queued cell to abort, but with stop_on_error ipykernel
        # aborts a cell that arrives within its abort window right after a failed one (an SDK
        # on loopback sends the next cell that fast: it came back ExecutionAborted).
        return self.kc.execute(code, silent=silent, store_history=True, allow_stdin=False,
                               stop_on_error=False)

    async def interrupt(self):
        await self.km.interrupt_kernel()

    async def restart(self):
        self._restarting = True
        self._ready.clear()
        try:
            await self._disconnect()
            if await self.km.is_alive():
                await self.km.restart_kernel(now=True)
            else:  # died: nothing to shut down, start it again
                await self.km.cleanup_resources(restart=True)
                await self.km.start_kernel(cwd=HOME, env=self.env, stderr=subprocess.DEVNULL)
            await self._connect()
        finally:
            self._restarting = False
            self._ready.set()

    async def shutdown(self):
        if self._watch:
            self._watch.cancel()
        await self._disconnect()
        try:
            await self.km.shutdown_kernel(now=True)
        except Exception:
            pass


# ---------------------------------------------------------------------------------------------
# bash: a persistent bash per context; output through a pty (stderr merged into stdout, one
# stream message per line, as bash_kernel does); a non-zero exit status is an error named ""
# whose value is the status; an interrupt aborts the cell.


class BashKernel(QueuedKernel):
    def __init__(self, env):
        super().__init__(env)
        self._buf = b""
        self._marker = ("\x1eE2B-%s:" % secrets.token_hex(8)).encode()
        self._master = None

    async def start(self):
        self.count = 0
        self._spawn()
        if self.worker is None:
            self.worker = asyncio.ensure_future(self._work())

    def _spawn(self):
        master, slave = pty.openpty()
        attrs = termios.tcgetattr(slave)
        attrs[1] &= ~termios.ONLCR  # "\n" stays "\n"
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        env = dict(self.env)
        env["PAGER"] = "cat"
        self.proc = subprocess.Popen(
            ["/bin/bash", "--norc", "--noprofile"], stdin=subprocess.PIPE, stdout=slave,
            stderr=slave, cwd=HOME, env=env, start_new_session=True, preexec_fn=_default_signals)
        os.close(slave)
        self._master = master
        self._buf = b""
        os.set_blocking(master, False)
        asyncio.get_event_loop().add_reader(master, self._readable, master, self.proc)
        # An interrupt returns from the sourced cell; the shell itself lives on.
        self._send("trap 'return 130 2>/dev/null' INT\n")

    def _send(self, text):
        try:
            self.proc.stdin.write(text.encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def _readable(self, fd, proc):
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            asyncio.get_event_loop().remove_reader(fd)
            os.close(fd)
            if proc is self.proc:
                self._eof()
            return
        self._buf += data
        self._drain()

    def _drain(self):
        while True:
            m = self._buf.find(self._marker)
            if m < 0:
                self._buf = self._lines(self._buf)
                return
            end = self._buf.find(b"\x1e", m + len(self._marker))
            if end < 0:  # the marker is still arriving
                self._buf = self._lines(self._buf[:m]) + self._buf[m:]
                return
            tail = self._lines(self._buf[:m])
            if tail:  # a partial line right before the end of the cell
                self._out(tail)
            try:
                status = int(self._buf[m + len(self._marker):end])
            except ValueError:
                status = 1
            self._buf = self._buf[end + 1:]
            cur = self.current
            if cur and not cur["done"].done():
                cur["done"].set_result(status)

    def _lines(self, data):
        """Sends every complete line of data ("\n", "\r\n" as "\n", or a lone "\r" update, as
        bash_kernel splits them); -> the rest."""
        while data:
            nl, cr = data.find(b"\n"), data.find(b"\r")
            if cr >= 0 and (nl < 0 or cr < nl):
                if cr + 1 == len(data):  # perhaps the first half of "\r\n": wait for more
                    break
                if data[cr + 1:cr + 2] == b"\n":
                    self._out(data[:cr] + b"\n")
                    data = data[cr + 2:]
                else:
                    self._out(data[:cr + 1])
                    data = data[cr + 1:]
            elif nl >= 0:
                self._out(data[:nl + 1])
                data = data[nl + 1:]
            else:
                break
        return data

    def _out(self, chunk):
        cur = self.current
        if cur and not cur["silent"]:
            self.emit(cur["id"], "stream", {"name": "stdout", "text": chunk.decode("utf-8", "replace")})

    def _eof(self):
        cur = self.current
        if self._buf:
            self._out(self._buf)
            self._buf = b""
        if cur and not cur["done"].done():
            cur["done"].set_result(None)  # the shell exited (`exit` in a cell)

    async def _run(self, msg_id, code, silent):
        self.emit(msg_id, "status", {"execution_state": "busy"})
        if not silent:
            self.count += 1
            self.emit(msg_id, "execute_input", {"code": code, "execution_count": self.count})
        if not code.strip():
            self.emit(msg_id, "status", {"execution_state": "idle"})
            return
        path = "/tmp/.e2b-bash-%s" % msg_id
        with open(path, "w") as f:
            f.write(code.rstrip() + "\n")
        loop = asyncio.get_event_loop()
        self.current = {"id": msg_id, "silent": silent, "done": loop.create_future(), "interrupted": False}
        marker = self._marker.decode()
        self._send(". %s < /dev/null; printf '%s%%d\\036' $?\n" % (path, marker))
        status = await self.current["done"]
        interrupted = self.current["interrupted"]
        self.current = None
        try:
            os.unlink(path)
        except OSError:
            pass
        if status is None:  # bash is gone: say so and start a new one
            if not silent:
                self.emit(msg_id, "stream", {"name": "stdout", "text": "Restarting Bash"})
            self._spawn()
            status = 0
        if interrupted:
            self.emit(msg_id, "execute_reply", {"status": "abort", "execution_count": self.count})
        elif status != 0:
            self.emit(msg_id, "error", {"ename": "", "evalue": str(status), "traceback": []})
        self.emit(msg_id, "status", {"execution_state": "idle"})

    async def interrupt(self):
        if self.current is not None and self.proc and self.proc.poll() is None:
            self.current["interrupted"] = True
            try:
                os.killpg(self.proc.pid, signal.SIGINT)
            except ProcessLookupError:
                pass

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()

    async def restart(self):
        old = self.proc
        self.proc = None  # its EOF is not a cell's end any more
        if old and old.poll() is None:
            try:
                os.killpg(old.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            old.wait()
        cur = self.current
        if cur and not cur["done"].done():
            cur["interrupted"] = True
            cur["done"].set_result(130)
        await self.start()

    async def shutdown(self):
        if self.worker:
            self.worker.cancel()
        self._kill()


# ---------------------------------------------------------------------------------------------
# javascript / typescript: a persistent Node process per context running js_kernel.js (Node's
# own REPL evaluator: one global context, the last expression's value, top-level await).


class JsKernel(QueuedKernel):
    def __init__(self, env, typescript=False):
        super().__init__(env)
        self.typescript = typescript
        self._tasks = []

    async def start(self):
        self.count = 0
        env = dict(self.env)
        self.proc = await asyncio.create_subprocess_exec(
            "node", "--expose-internals", os.path.join(HERE, "js_kernel.js"), "--ts" if self.typescript else "--js",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, cwd=HOME, env=env, limit=1 << 26,
            start_new_session=True, preexec_fn=_default_signals)
        proc = self.proc
        self._tasks = [asyncio.ensure_future(self._read_stream(proc, proc.stdout, "stdout")),
                       asyncio.ensure_future(self._read_stream(proc, proc.stderr, "stderr"))]
        if self.worker is None:
            self.worker = asyncio.ensure_future(self._work())

    async def _read_stream(self, proc, stream, name):
        # stdout carries control lines (prefixed) and whatever child processes print.
        while True:
            line = await stream.readline()
            if not line:
                if name == "stdout" and proc is self.proc:
                    cur = self.current
                    if cur and not cur["done"].done():
                        cur["done"].set_result({"type": "died"})
                return
            if name == "stdout" and line.startswith(b"\x1eE2BJS "):
                try:
                    msg = json.loads(line[7:])
                except ValueError:
                    continue
                self._control(msg)
                continue
            cur = self.current
            if cur and not cur["silent"]:
                self.emit(cur["id"], "stream", {"name": name, "text": line.decode("utf-8", "replace")})

    def _control(self, msg):
        cur = self.current
        if not cur or msg.get("id") != cur["id"]:
            return
        t = msg.get("type")
        if t == "stream":
            if not cur["silent"]:
                self.emit(cur["id"], "stream", {"name": msg["name"], "text": msg["text"]})
        elif t == "display":
            if not cur["silent"]:
                self.emit(cur["id"], "display_data", {"data": msg["data"], "metadata": {}})
        elif t in ("result", "error", "done"):
            if not cur["done"].done():
                cur["done"].set_result(msg)

    async def _run(self, msg_id, code, silent):
        self.emit(msg_id, "status", {"execution_state": "busy"})
        if not silent:
            self.count += 1
            self.emit(msg_id, "execute_input", {"code": code, "execution_count": self.count})
        loop = asyncio.get_event_loop()
        self.current = {"id": msg_id, "silent": silent, "done": loop.create_future()}
        req = json.dumps({"id": msg_id, "code": code}) + "\n"
        try:
            self.proc.stdin.write(req.encode())
            await self.proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            self.current["done"].set_result({"type": "died"})
        res = await self.current["done"]
        self.current = None
        t = res.get("type")
        if t == "result":
            if not silent:
                self.emit(msg_id, "execute_result", {"data": res["data"], "metadata": {},
                                                     "execution_count": self.count})
        elif t == "error":
            self.emit(msg_id, "error", {"ename": res.get("ename", "Error"),
                                        "evalue": res.get("evalue", ""),
                                        "traceback": res.get("traceback", [])})
        elif t == "died":
            self.on_died()
            await self.restart()
            return
        self.emit(msg_id, "status", {"execution_state": "idle"})

    async def interrupt(self):
        if self.proc and self.proc.returncode is None and self.current is not None:
            try:
                self.proc.send_signal(signal.SIGINT)
            except ProcessLookupError:
                pass

    async def _stop(self):
        old = self.proc
        self.proc = None
        for t in self._tasks:
            t.cancel()
        if old and old.returncode is None:
            try:
                os.killpg(old.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            await old.wait()

    async def restart(self):
        await self._stop()
        cur = self.current
        if cur and not cur["done"].done():
            cur["done"].set_result({"type": "done"})
        await self.start()

    async def shutdown(self):
        if self.worker:
            self.worker.cancel()
        await self._stop()


def kernel_for(language, env):
    """-> a Backend for a normalized language, or raise KernelUnavailable."""
    kernel = "javascript" if language == "typescript" else language
    if kernel == "python":
        return PythonKernel(env)
    if kernel == "bash":
        return BashKernel(env)
    if kernel == "javascript":
        return JsKernel(env, typescript=(language == "typescript"))
    raise KernelUnavailable(kernel)
