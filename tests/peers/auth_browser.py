#!/usr/bin/env python3
"""Stands in for the system browser in the sign-in tests (set as $BROWSER): opens the given
authorization URL and follows its redirects, which ends at the bridge's loopback callback, like a
person approving at once. The page it ends at (the bridge's success page) is written to the file
named by $AUTH_BROWSER_PAGE, if set.
"""

import os
import sys
import urllib.request

try:
    with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
        page = r.read()
    if os.environ.get("AUTH_BROWSER_PAGE"):
        with open(os.environ["AUTH_BROWSER_PAGE"], "wb") as f:
            f.write(page)
except Exception as e:  # the bridge judges the outcome; just say what happened
    print(f"auth_browser: {e}", file=sys.stderr)
