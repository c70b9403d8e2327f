"""A draft 75/76 (Hixie) websocket client over a raw socket, as the 2011 clients and the official
PHP client spoke it: the upgrade without `Sec-WebSocket-Key`, then `0x00 <utf-8> 0xFF` frames."""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import socket
import struct
from typing import Any

TIMEOUT = 20.0


def _key() -> tuple[str, int]:
    """A draft-76 key: a number times its spaces, with noise characters and the spaces inserted."""
    spaces = random.randint(1, 12)
    number = random.randint(0, 0xFFFFFFFF // spaces)
    chars = list(str(number * spaces))
    for _ in range(random.randint(1, 12)):
        chars.insert(random.randint(0, len(chars)), random.choice("!#$%&()*+,-./:;<=>?@abcdefXYZ~"))
    for _ in range(spaces):
        chars.insert(random.randint(1, len(chars) - 1), " ")
    return "".join(chars), number


class HixieClient:
    def __init__(self, host: str, port: int, path: str, *, draft: int, origin: str = "*") -> None:
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.draft = draft
        self.buffer = b""
        lines = [f"GET {path} HTTP/1.1", "Upgrade: WebSocket", "Connection: Upgrade", f"Host: {host}:{port}"]
        lines.append(f"Origin: {origin}")
        body = b""
        expected = b""
        if draft == 76:
            (key1, n1), (key2, n2) = _key(), _key()
            body = random.randbytes(8)
            lines += [f"Sec-WebSocket-Key1: {key1}", f"Sec-WebSocket-Key2: {key2}"]
            expected = hashlib.md5(struct.pack(">II", n1, n2) + body, usedforsecurity=False).digest()
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = self._until(b"\r\n\r\n")
        self.status_line, *header_lines = head.decode("latin-1").split("\r\n")
        self.headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
        self.status = int(self.status_line.split()[1])
        if self.status == 101 and draft == 76:
            answer = self._take(16)
            assert answer == expected, "the server's draft-76 challenge answer is wrong"

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed")
        self.buffer += data

    def _until(self, mark: bytes) -> bytes:
        while mark not in self.buffer:
            self._fill()
        head, _, self.buffer = self.buffer.partition(mark)
        return head

    def _take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self._fill()
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def send_text(self, text: str) -> None:
        self.sock.sendall(b"\x00" + text.encode() + b"\xff")

    def send(self, message: dict[str, Any]) -> None:
        self.send_text(json.dumps(message))

    def recv_text(self, timeout: float = TIMEOUT) -> str:
        self.sock.settimeout(timeout)
        while True:
            if self.buffer[:2] == b"\xff\x00":
                raise ConnectionError("the server closed the stream (0xFF 0x00)")
            if self.buffer[:1] == b"\x00" and b"\xff" in self.buffer:
                frame = self._until(b"\xff")
                return frame[1:].decode("utf-8")
            if self.buffer and self.buffer[:1] not in (b"\x00", b"\xff"):
                raise AssertionError(f"not a draft-75/76 frame: {self.buffer[:20]!r}")
            self._fill()

    def recv(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(self.recv_text(timeout))
        return message

    def close(self) -> None:
        if self.draft == 76:
            with contextlib.suppress(OSError):
                self.sock.sendall(b"\xff\x00")
        self.sock.close()
