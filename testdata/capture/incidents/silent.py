"""A TCP server that accepts connections and never answers (a hung payment gateway).

Usage: silent.py PORTFILE

Binds 127.0.0.1 on a free port, writes the port to PORTFILE, then accepts
connections and reads whatever they send without ever answering; a
connection is closed when its peer closes it. Stops on SIGTERM.
"""

import os
import selectors
import signal
import socket
import sys


def main(portfile):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    srv.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    while True:
        for key, _ in sel.select():
            sock = key.fileobj
            if sock is srv:
                try:
                    conn, _ = srv.accept()
                except BlockingIOError:
                    continue
                conn.setblocking(False)
                sel.register(conn, selectors.EVENT_READ)
                continue
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                continue
            except ConnectionError:
                data = b""
            if not data:
                sel.unregister(sock)
                sock.close()


if __name__ == "__main__":
    main(sys.argv[1])
