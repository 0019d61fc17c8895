"""Threaded loopback HTTP server running app.py: the backend behind Apache.

Usage: backend.py PORT

Standard library only (wsgiref with one thread per request, so a slow
handler does not hold up the others). It writes no access log of its own.
"""

import os
import socketserver
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from app import application  # noqa: E402


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # the servers in front log
        pass


def main():
    port = int(sys.argv[1])
    httpd = make_server("127.0.0.1", port, application,
                        server_class=ThreadingWSGIServer, handler_class=QuietHandler)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
