"""driver.py's `conformance` client for the suite's auth scenarios: adds the pre-registered
credentials the suite passes in MCP_CONFORMANCE_CONTEXT as --oauth-client-id/--oauth-client-secret,
and runs the client credentials scenarios with --oauth-flow client-credentials instead of headless.

Usage: python auth_driver.py -- COMMAND ARGS...   (the suite appends the server URL)
"""

import asyncio
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import driver  # noqa: E402


def main():
    if len(sys.argv) < 3 or sys.argv[1] != "--":
        sys.exit(__doc__)
    command, args = sys.argv[2], sys.argv[3:]
    context = json.loads(os.environ.get("MCP_CONFORMANCE_CONTEXT") or "{}")
    extra = []
    if context.get("client_id"):
        extra += ["--oauth-client-id", context["client_id"]]
    if context.get("client_secret"):
        # Passed through the environment so it never shows in a process list.
        os.environ["MCP_TRAY_TEST_CLIENT_SECRET"] = context["client_secret"]
        extra += ["--oauth-client-secret", "${MCP_TRAY_TEST_CLIENT_SECRET}"]
    if context.get("name", "").startswith("auth/client-credentials"):
        # A machine's entry: no person signs in, the client's own credentials get the token.
        args = ["client-credentials" if a == "headless" and i and args[i - 1] == "--oauth-flow"
                else a for i, a in enumerate(args)]
    asyncio.run(driver.run("conformance", command, args[:-1] + extra + args[-1:]))


if __name__ == "__main__":
    main()
