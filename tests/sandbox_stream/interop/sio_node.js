// The generic socket.io 0.9.16 client (npm) against the sandbox: prints every message as a JSON
// line; each stdin line "3 <text>" is sent with send() (a 3:: frame), "4 <json>" with json.send() (4::).
var io = require('socket.io-client');
var readline = require('readline');
var socket = io.connect(process.argv[2], { transports: ['websocket'], 'force new connection': true, reconnect: false });
function out(o) { process.stdout.write(JSON.stringify(o) + '\n'); }
socket.on('connect', function () { out({ event: 'connect' }); });
socket.on('message', function (m) { out(typeof m === 'string' ? { text: m } : m); });
socket.on('error', function (e) { out({ event: 'error', error: String(e) }); });
socket.on('disconnect', function () { out({ event: 'disconnect' }); });
readline.createInterface({ input: process.stdin }).on('line', function (line) {
  var text = line.slice(2);
  if (line[0] === '4') socket.json.send(JSON.parse(text)); else socket.send(text);
});
