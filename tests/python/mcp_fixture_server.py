"""The third-party MCP server that Nexus's client tests start: the official Python SDK's MCPServer
(FastMCP before mcp 2), over stdio as `python mcp_fixture_server.py`, or over Streamable HTTP as
`python mcp_fixture_server.py --http PORT --token SECRET` (replies as event streams, the SDK's
default; a request without `Authorization: Bearer SECRET` gets 401). Its tools cover a result
(add, shout), a slow call (hang) and a server that dies mid-call (crash)."""

import asyncio
import os
import sys

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


def serve_http(port: int, token: str) -> None:
    import uvicorn

    app = server.streamable_http_app()

    async def guarded(scope, receive, send):
        headers = dict(scope.get("headers") or [])
        if scope["type"] == "http" and headers.get(b"authorization") != f"Bearer {token}".encode():
            await send({"type": "http.response.start", "status": 401, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"a bearer token is required"})
            return
        await app(scope, receive, send)

    uvicorn.run(guarded, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--http" and sys.argv[3] == "--token":
        serve_http(int(sys.argv[2]), sys.argv[4])
    else:
        server.run()  # stdio
