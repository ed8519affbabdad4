"""The third-party MCP server that Nexus's client tests start: the official Python SDK's MCPServer
(FastMCP before mcp 2) over stdio, run as `python mcp_fixture_server.py`. Its tools cover a result
(add, shout), a slow call (hang) and a server that dies mid-call (crash)."""

import asyncio
import os

from mcp.server.mcpserver import MCPServer

server = MCPServer("fixture")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def shout(text: str) -> str:
    """Upper-case the text."""
    return text.upper()


@server.tool()
async def hang(seconds: float) -> str:
    """Sleep that many seconds, then answer "woke"."""
    await asyncio.sleep(seconds)
    return "woke"


@server.tool()
def crash() -> str:
    """Kill the server process (exit status 3) without answering."""
    os._exit(3)


if __name__ == "__main__":
    server.run()  # stdio
