#!/usr/bin/env python3
"""Runs one command on a real pseudo-terminal for the emulator's envd.

usage: pty-helper.py COLS ROWS -- CMD [ARGS...]
fd 0: input for the terminal; fd 1: everything the terminal prints;
fd 4 (optional): receives the command's pid, then is closed;
fd 3: control lines "COLS ROWS\\n" that resize the terminal (the kernel then sends SIGWINCH).
Exits with the command's status; if the command died of a signal, dies of the same signal.
"""
import errno, fcntl, os, select, signal, struct, sys, termios

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT,
             signal.SIGUSR1, signal.SIGUSR2)


def set_size(fd, cols, rows):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.stderr.write("usage: pty-helper.py COLS ROWS -- CMD [ARGS...]\n")
        return 2
    cols, rows, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[4:]
    report_pid = _is_open(4)  # checked before forkpty, whose master may become fd 4 otherwise
    pid, master = os.forkpty()  # child: new session, the pty is its controlling terminal
    if pid == 0:
        try:
            if report_pid:
                os.close(4)
            os.execvp(argv[0], argv)
        except OSError as e:
            os.write(2, ("%s: %s\n" % (argv[0], e.strerror)).encode())
            os._exit(127)
    set_size(master, cols, rows)
    if report_pid:  # fd 4: the emulator wants the command's pid (as seen in this pid namespace)
        os.write(4, b"%d\n" % pid)
        os.close(4)
    for sig in FORWARDED:  # a signal for the helper is meant for the command
        signal.signal(sig, lambda s, _f: os.killpg(pid, s) if _alive(pid) else None)

    inputs = [0, 3] if _is_open(3) else [0]
    ctl_buf = b""
    status = None
    while True:
        try:
            ready, _, _ = select.select([master] + inputs, [], [], 0.2)
        except InterruptedError:
            continue
        if not ready and status is not None:
            break  # command gone and the terminal quiet (a background job may hold it open)
        if master in ready:
            try:
                data = os.read(master, 65536)
            except OSError as e:  # EIO: every process holding the terminal is gone
                if e.errno != errno.EIO:
                    raise
                data = b""
            if not data:
                break
            _write_all(1, data)
        if 0 in ready:
            data = os.read(0, 65536)
            if data:
                _write_all(master, data)
            else:
                inputs.remove(0)
        if 3 in ready:
            data = os.read(3, 4096)
            if not data:
                inputs.remove(3)
            ctl_buf += data
            while b"\n" in ctl_buf:
                line, ctl_buf = ctl_buf.split(b"\n", 1)
                parts = line.split()
                if len(parts) == 2:
                    set_size(master, int(parts[0]), int(parts[1]))
        if status is None:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
    if status is None:
        _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def _is_open(fd):
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


def _write_all(fd, data):
    while data:
        n = os.write(fd, data)
        data = data[n:]


if __name__ == "__main__":
    sys.exit(main())
