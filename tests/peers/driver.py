"""A real MCP client (official Python SDK, stdio) that drives `mcp-tray bridge`.

Usage: python driver.py SCENARIO -- COMMAND ARGS...
Prints one JSON object with what it saw. Scenarios:
  fastmcp     every FastMCP tool: add, clientInfo, progress, logging, sampling, elicitation, roots
  everything  server-everything: echo, get-sum, progress, sampling, elicitation, roots
  basic       initialize, tools/list, then call the first of add/add_numbers/get-sum found
  conformance initialize, tools/list, then call every tool listed ({a: 2, b: 3} when it takes a
              and b, else {}); the conformance suite appends the server URL to the command
"""

import asyncio
import json
import os
import sys

import mcp.types as types
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def text_of(result):
    return "".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def run(scenario, command, args):
    out = {"logs": [], "progress": []}

    async def sampling(context, params):
        out["sampled"] = params.messages[0].content.text
        return types.CreateMessageResult(
            role="assistant",
            content=types.TextContent(type="text", text="sampled-reply"),
            model="test-model",
            stopReason="endTurn",
        )

    async def elicitation(context, params):
        out["elicited"] = params.message
        if scenario == "fastmcp":
            return types.ElicitResult(action="accept", content={"name": "Ada"})
        return types.ElicitResult(action="decline")

    async def list_roots(context):
        return types.ListRootsResult(roots=[types.Root(uri="file:///tmp/root-a", name="a")])

    async def logging(params):
        out["logs"].append(params.data)

    async def progress(p, total, message):
        out["progress"].append(p)

    params = StdioServerParameters(command=command, args=args, env=dict(os.environ))
    async with stdio_client(params) as (r, w):
        async with ClientSession(
            r,
            w,
            sampling_callback=sampling,
            elicitation_callback=elicitation,
            list_roots_callback=list_roots,
            logging_callback=logging,
            client_info=types.Implementation(name="bridge-driver", version="9.9.9"),
        ) as s:
            init = await s.initialize()
            out["protocol"] = init.protocolVersion
            out["server"] = init.serverInfo.name
            tools = await s.list_tools()
            names = sorted(t.name for t in tools.tools)
            out["tools"] = names
            if scenario == "fastmcp":
                out["add"] = text_of(await s.call_tool("add", {"a": 2, "b": 3}))
                out["client_name"] = text_of(await s.call_tool("client_name", {}))
                out["count"] = text_of(
                    await s.call_tool("count", {"steps": 3}, progress_callback=progress)
                )
                out["ask_llm"] = text_of(await s.call_tool("ask_llm", {"prompt": "hello"}))
                out["ask_user"] = text_of(await s.call_tool("ask_user", {}))
                out["roots"] = text_of(await s.call_tool("roots", {}))
            elif scenario == "everything":
                out["echo"] = text_of(await s.call_tool("echo", {"message": "über ✓"}))
                out["sum"] = text_of(await s.call_tool("get-sum", {"a": 2, "b": 3}))
                out["long"] = text_of(
                    await s.call_tool(
                        "trigger-long-running-operation",
                        {"duration": 1, "steps": 3},
                        progress_callback=progress,
                    )
                )
                if "trigger-sampling-request" in names:
                    out["sampling"] = text_of(
                        await s.call_tool("trigger-sampling-request", {"prompt": "hi"})
                    )
                if "trigger-elicitation-request" in names:
                    out["elicitation"] = text_of(
                        await s.call_tool("trigger-elicitation-request", {})
                    )
                if "get-roots-list" in names:
                    out["roots"] = text_of(await s.call_tool("get-roots-list", {}))
            elif scenario == "conformance":
                out["calls"] = {}
                for tool in tools.tools:
                    props = (tool.inputSchema or {}).get("properties", {})
                    arguments = {"a": 2, "b": 3} if "a" in props and "b" in props else {}
                    result = await s.call_tool(tool.name, arguments)
                    out["calls"][tool.name] = text_of(result)
            else:
                for name, arguments in (
                    ("add", {"a": 2, "b": 3}),
                    ("add_numbers", {"a": 2, "b": 3}),
                    ("get-sum", {"a": 2, "b": 3}),
                ):
                    if name in names:
                        out["call"] = text_of(await s.call_tool(name, arguments))
                        break
    print(json.dumps(out))


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__)
    asyncio.run(run(sys.argv[1], sys.argv[3], sys.argv[4:]))


if __name__ == "__main__":
    main()
