"""The Streaming API of the sandbox: both transports on the HTTP server's port, fed by what the
exchange does (events.py -> messages.py -> hub.py), signed calls answered by the HTTP handlers.

Modules: `events` (facts the engine records), `channels` (the catalogue's channel table),
`messages` (facts -> wire messages), `hub` (subscribers, bounded queues, fan-out), `idkey`
(private-channel keys), `connection` (one client's ops, transport-free), `calls` (signed
calls), `websocket` and `socketio` (the two transports), `service` (wiring into the app).
"""
