#!/usr/bin/env python3
"""Stands in for the system browser in the sign-in tests (set as $BROWSER): opens the given
authorization URL and follows its redirects, which ends at the bridge's loopback callback, like a
person approving at once. The page it ends at (the bridge's success page) is written to the file
named by $AUTH_BROWSER_PAGE, if set.

With $AUTH_BROWSER_FORGED_PAGE set, it first plays a forger: it sends the bridge's callback a
code with the wrong `state`, and writes the page it got back to that file.

With $AUTH_BROWSER_IDLE_CONNECTIONS=N, it first opens N connections to the callback port that
send nothing and stay open until it is done (a web page holding the port busy), then approves.
"""

import os
import socket
import sys
import urllib.parse
import urllib.request

idle = []
try:
    if os.environ.get("AUTH_BROWSER_IDLE_CONNECTIONS"):
        query = urllib.parse.parse_qs(urllib.parse.urlparse(sys.argv[1]).query)
        callback = urllib.parse.urlparse(query["redirect_uri"][0])
        for _ in range(int(os.environ["AUTH_BROWSER_IDLE_CONNECTIONS"])):
            idle.append(socket.create_connection((callback.hostname, callback.port), timeout=10))
    if os.environ.get("AUTH_BROWSER_FORGED_PAGE"):
        query = urllib.parse.parse_qs(urllib.parse.urlparse(sys.argv[1]).query)
        forged = query["redirect_uri"][0] + "?" + urllib.parse.urlencode(
            {"code": "forged-code", "state": "not-the-state"})
        with urllib.request.urlopen(forged, timeout=10) as r:
            with open(os.environ["AUTH_BROWSER_FORGED_PAGE"], "wb") as f:
                f.write(r.read())
    with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
        page = r.read()
    if os.environ.get("AUTH_BROWSER_PAGE"):
        with open(os.environ["AUTH_BROWSER_PAGE"], "wb") as f:
            f.write(page)
except Exception as e:  # the bridge judges the outcome; just say what happened
    print(f"auth_browser: {e}", file=sys.stderr)
