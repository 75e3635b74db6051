#!/usr/bin/env python3
"""A webhook receiver for the fleet test and the delivery benchmark: answers
every POST 204 after holding it HOLD_MS (so two deliveries of one event at
the same time overlap visibly), and appends one JSON line per delivery to
OUT: the event id, the resource id, and when the request started and ended
(Unix seconds). Python 3 standard library only; runs until killed.

    scripts/webhook-receiver.py PORT OUT [HOLD_MS]
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, path = int(sys.argv[1]), sys.argv[2]
hold = float(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 0.005
lock = threading.Lock()
out = open(path, "a", buffering=1)


class Hook(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver would

    def do_POST(self):
        started = time.time()
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        time.sleep(hold)
        with lock:
            out.write(json.dumps({"id": self.headers.get("Zonmart-Event-Id"), "order": body["resource"]["id"],
                                  "start": started, "end": time.time()}) + "\n")
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


Server(("127.0.0.1", port), Hook).serve_forever()
