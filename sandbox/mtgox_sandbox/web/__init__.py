"""The sandbox on the wire: ASGI adapters for the HTTP API, the Streaming API's transports
(websocket, Socket.IO, PubNub's long-poll) and the dashboard, a mount table that sends each
request to one of them, the limits on connections, headers and bodies, and the h11 protocol
that decides websocket upgrades (RFC 6455 through uvicorn, Hixie's drafts 75 and 76 through
`hixie.py`). Each adapter is handed only what it uses of the layers below.
"""
