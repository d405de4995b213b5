#!/usr/bin/env python3
"""A static file server on the host's loopback for specs: serves DIR on 127.0.0.1 (a free port),
writes the port to PORTFILE, and exits when process PARENT is gone (or after 300 s at most).

usage: static_server.py DIR PORTFILE PARENT
"""
import functools, http.server, os, sys, threading, time


def main():
    root, portfile, parent = sys.argv[1], sys.argv[2], int(sys.argv[3])
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
    handler.log_message = lambda *a: None
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)

    def watch():
        end = time.time() + 300
        while time.time() < end:
            try:
                os.kill(parent, 0)
            except OSError:
                break
            time.sleep(0.5)
        srv.shutdown()

    threading.Thread(target=watch, daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
