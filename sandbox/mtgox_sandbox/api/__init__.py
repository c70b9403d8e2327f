"""Mt. Gox's wire semantics without a transport: routing, authentication, parameter checks,
errors and envelopes, canned answers, wire payloads as pure functions, the handlers of every
stateful endpoint, and the one dispatcher that HTTP requests and signed stream calls both go
through. Second of the sandbox's layers: it builds on `core` and knows nothing of the stream
or of ASGI.
"""
