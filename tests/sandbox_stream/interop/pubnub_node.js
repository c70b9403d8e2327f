// npm pubnub@3.5.48 (the PubNub client of Mt. Gox's last months) against the sandbox: prints a
// JSON line per message, connect and error. Usage: node pubnub_node.js PORT SUB_KEY CHANNELS [AUTH CIPHER]
// The client only speaks to port 80 (or 443) of its origin: requests to the origin name given
// here are sent to the sandbox's port instead, as a hosts entry and a port forward would do.
var http = require('http');
var port = parseInt(process.argv[2], 10);
var ORIGIN = 'mtgox-sandbox.invalid';
var request = http.request;
http.request = function (options, callback) {
    if (typeof options === 'object' && options.hostname && options.hostname.indexOf(ORIGIN) >= 0) {
        options.hostname = '127.0.0.1';
        options.port = port;
    }
    return request.call(http, options, callback);
};
var PUBNUB = require('pubnub');
function out(obj) { process.stdout.write(JSON.stringify(obj) + '\n'); }
var setup = { subscribe_key: process.argv[3], origin: ORIGIN, ssl: false };
if (process.argv[5]) { setup.auth_key = process.argv[5]; setup.cipher_key = process.argv[6]; }
// with a cipher key, the client's own `secure` wrapper decrypts (PubNub's legacy AES)
var pubnub = setup.cipher_key ? PUBNUB.secure(setup) : PUBNUB.init(setup);
pubnub.subscribe({
    channel: process.argv[4],
    connect: function (channel) { out({ kind: 'connect', channel: channel }); },
    message: function (message, envelope, channel) { out({ kind: 'message', channel: channel, message: message }); },
    error: function (error) { out({ kind: 'error', error: error }); }
});
