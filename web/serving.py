"""The production server of `accord serve` and `accord demo`: waitress, with the app's own
answer to a body over the limit."""

import logging
import socket
import threading
import time

from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask

from web import create_app
from web import problems


def serve_app(database_url: str, host: str, port: int, threads: int, announce=print, alongside=None) -> None:
    """Expensive requests get at most half the threads, so cheap ones always find one.
    `alongside`, if given, runs in a thread of its own once the app has opened the database
    (the demo delivers notifications so).

    A body over the app's limit is refused by waitress before it is read (by default it
    would take up to a gigabyte, to a file on disk): at once when its Content-Length says
    so, and once more than the limit has come when it is chunked (the bytes as sent,
    chunk sizes included). Waitress answers that 413 itself, before the app sees the
    request, in plain text: its error task is replaced so that the answer is the app's
    own, problem details on the API and an error page on the pages
    (web.problems.refused_unread). Its other errors stay its own.

    The client may still be sending the body it was refused. A socket closed with unread
    data is reset, and the reset may overtake the answer: so after that answer the
    connection is half-closed and what still comes is read and dropped, for a few seconds
    at most, before it is closed (as web servers do after an early answer)."""
    app = create_app({"DATABASE_URL": database_url, "EXPENSIVE_SLOTS": max(1, threads // 2)})
    if alongside is not None:
        threading.Thread(target=alongside, daemon=True, name="alongside").start()
    limit = app.config["MAX_CONTENT_LENGTH"]
    linger_seconds = 5

    class TooLargeAnsweredAsTheApp(ErrorTask):
        def execute(self):
            if getattr(self.request.error, "code", None) != 413:
                return super().execute()
            self.status, headers, body = problems.refused_unread(app, self.request.path)
            self.response_headers.extend(headers)
            self.set_close_on_finish()
            self.content_length = len(body)
            self.channel.drains_before_closing = True
            self.write(body)

    class Channel(HTTPChannel):
        error_task_class = TooLargeAnsweredAsTheApp
        drains_before_closing = False

        def handle_close(self):
            if not self.drains_before_closing or not self.connected:
                return super().handle_close()
            try:
                self.socket.shutdown(socket.SHUT_WR)  # the answer, then end of stream
            except OSError:
                return super().handle_close()
            self.draining_until = time.monotonic() + linger_seconds
            self.__class__ = Draining

    class Draining(HTTPChannel):
        """A channel after its early answer, which it becomes only then. The loop asks every
        open channel whether it is readable and writable on every turn, in the one thread
        that serves all sockets: overriding those for every channel cut the requests served
        under concurrent writes to a third (bench/load.py on SQLite)."""

        def readable(self):
            if time.monotonic() > self.draining_until:
                super().handle_close()
                return False
            return True

        def writable(self):
            return False

        def handle_read(self):
            self.recv(self.adj.recv_bytes)  # dropped; the end of the stream closes the channel

    listening = {}
    # waitress refuses a Content-Length >= max_request_body_size: the limit itself passes, as in the app.
    server = create_server(app, map=listening, host=host, port=port, threads=threads, ident="accord",
                           max_request_body_size=limit + 1)
    for dispatcher in list(listening.values()):
        if hasattr(dispatcher, "channel_class"):
            dispatcher.channel_class = Channel
    logging.basicConfig()  # as waitress.serve does: its warnings and errors reach stderr
    announce(f"Accord is serving on http://{host}:{port} (Ctrl+C to stop)")
    server.run()
