"""The sandbox on the wire: ASGI adapters for the HTTP API, the Streaming API's transports and
the dashboard, a mount table that sends each request to one of them, and the limits on
connections, headers and bodies. Each adapter is handed only what it uses of the layers below.
"""
