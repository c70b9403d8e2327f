"""The Streaming API of the sandbox, transport-free: what the exchange did (core/events.py)
becomes messages (`messages`) published after each commit (`publisher`) to the subscribers of
each channel (`hub`, `channels`); one client's session (`session`) subscribes, unsubscribes and
makes signed calls (`calls`, through the API's dispatcher); `socketio` holds Socket.IO's
handshake sessions and frames; `service` is what a session needs of its exchange; `repeater`
sends each subscribed pair's ticker every second or so, as Mt. Gox did; `pubnub` records the
channels PubNub's long-polls ask for and answers them. The web layer carries sessions over
websockets (RFC 6455 and Hixie's drafts) and Socket.IO, and PubNub's long-poll over HTTP.
"""
