"""A stdio server that will not stop: it ignores SIGTERM and the end of its input, and starts a
child (`sleep`) that ignores SIGTERM too. Only SIGKILL ends either. Writes "PID CHILD_PID" to the
file given as its argument. A fault no real server is built to produce on purpose, though servers
with a busy thread or a swallowed signal behave so."""

import json
import os
import signal
import subprocess
import sys
import time

signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen(["sleep", "1000"])  # inherits SIGTERM ignored
with open(sys.argv[1], "w") as f:
    f.write(f"{os.getpid()} {child.pid}")

for line in sys.stdin:
    message = json.loads(line)
    if message.get("method") == "initialize":
        reply = {
            "jsonrpc": "2.0",
            "id": message["id"],
            "result": {
                "protocolVersion": message["params"]["protocolVersion"],
                "capabilities": {},
                "serverInfo": {"name": "stubborn", "version": "1.0.0"},
            },
        }
        print(json.dumps(reply), flush=True)
while True:
    time.sleep(1)
