<?php
// Drives the official Mt. Gox PHP socket client (MtGox/websocket, php5.3/, 2013) against the
// sandbox, through its own API only: callBlocking for the signed calls, send_json for the
// private subscription, on() for the channel messages. Prints one "EVENT <json>" line per
// thing seen (the client itself var_dumps what it does not handle, which the test ignores).
// Usage: php php_client.php CLIENT_DIR KEY SECRET
require($argv[1] . '/SocketIO.class.php');
require($argv[1] . '/MtGoxSocket.class.php');

function event($what, $data) {
	echo 'EVENT ' . json_encode(array('what' => $what, 'data' => $data)) . "\n";
	fflush(STDOUT);
}

$socket = new MtGoxSocket($argv[2], $argv[3]);
event('connected', null);
$orders = array();
$socket->on('user_order', function ($order) use (&$orders) {
	$orders[] = $order;
	event('user_order', $order);
});
$socket->on('wallet', function ($wallet) { event('wallet', $wallet); });

$info = $socket->callBlocking('private/info');
event('info', $info);
$idkey = $socket->callBlocking('private/idkey');
event('idkey', $idkey);
$socket->send_json(array('op' => 'mtgox.subscribe', 'key' => $idkey));

// A bid far below the market: it rests, and its user_order messages follow the answer.
$params = array('type' => 'bid', 'amount_int' => 1000000, 'price_int' => 100000);
$oid = $socket->callBlocking('order/add', $params, 'BTC', 'USD');
event('order_add', $oid);

function wait_for($socket, &$orders, $test) {
	$deadline = time() + 20;
	while (time() < $deadline) {
		foreach ($orders as $order) if ($test($order)) return true;
		$socket->handleData();
		usleep(20000);
	}
	return false;
}
$open = wait_for($socket, $orders, function ($o) use ($oid) { return $o['oid'] == $oid && isset($o['status']) && $o['status'] == 'open'; });
event('open_seen', $open);
$cancel = $socket->callBlocking('order/cancel', array('oid' => $oid), 'BTC', 'USD');
event('order_cancel', $cancel);
$gone = wait_for($socket, $orders, function ($o) use ($oid) { return $o['oid'] == $oid && isset($o['reason']); });
event('gone_seen', $gone);
