"""ZMTP 3.x frame encoding and the streaming frame decoder (RFC 23/37
section "Framing"; libzmq v2_decoder.cpp, v2_encoder.cpp, v3_1_encoder.cpp).

A frame is a flags octet (bit 0 MORE, bit 1 LONG, bit 2 COMMAND), a size
(one octet, or eight octets big-endian when LONG) and the body.  Like
libzmq's decoder, reserved flag bits 3-7 are ignored, a LONG size may encode
a small body, and ``max_size`` (libzmq ZMQ_MAXMSGSIZE) limits every single
frame, checked as soon as its size is known and before buffering its body.

This is the hot path.  :class:`FrameDecoder` walks each input buffer once,
keeps only a short unparsed tail (< 265 octets) between calls, and collects
the chunks of a body that spans calls in a list joined once at the end.  It
knows nothing about commands: command frames, and every frame while
``special`` is set (handshake, or a mechanism transforming frames), go to
callbacks supplied by the connection.
"""

from __future__ import annotations

from .errors import ProtocolError

__all__ = [
    "MORE", "LONG", "COMMAND", "MAX_FRAME_SIZE",
    "LAST_HEADERS", "MORE_HEADERS", "COMMAND_HEADERS",
    "frame_header", "encode_frame", "FrameDecoder",
]

MORE = 0x01
LONG = 0x02
COMMAND = 0x04
MAX_FRAME_SIZE = (1 << 63) - 1

# Precomputed 2-octet headers of short frames, indexed by body size.
LAST_HEADERS = tuple(bytes((0, n)) for n in range(256))
MORE_HEADERS = tuple(bytes((MORE, n)) for n in range(256))
COMMAND_HEADERS = tuple(bytes((COMMAND, n)) for n in range(256))


def frame_header(flags: int, size: int) -> bytes:
    """Header for a body of ``size`` octets; LONG is chosen when size > 255."""
    if size < 256:
        return bytes((flags & ~LONG, size))
    return bytes((flags | LONG,)) + size.to_bytes(8, "big")


def encode_frame(flags: int, body: bytes) -> bytes:
    """A whole frame as one bytes object (convenient, not the fast path)."""
    return frame_header(flags, len(body)) + bytes(body)


def _size_error(size: int, limit: int) -> ProtocolError:
    if size > MAX_FRAME_SIZE:
        return ProtocolError("frame size has the most significant bit set")
    return ProtocolError(f"frame of {size} octets exceeds max_message_size {limit}")


class FrameDecoder:
    """Incremental frame decoder.

    ``feed(data, out)`` appends to ``out`` each complete data message as a
    ``list`` of ``bytes`` and lets ``on_command(flags, body, out)`` handle
    command frames.  While ``special`` is true every frame first goes to
    ``on_special(flags, body, out)``, which returns ``None`` (consumed) or a
    possibly transformed ``(flags, body)`` to process normally.  Callbacks
    may set ``stopped`` to end decoding (the rest of the input is dropped).
    """

    __slots__ = ("on_command", "on_special", "special", "stopped", "limit",
                 "_tail", "_parts", "_chunks", "_need", "_big_flags")

    def __init__(self, on_command, on_special, max_size: int = -1) -> None:
        self.on_command = on_command
        self.on_special = on_special
        self.special = True
        self.stopped = False
        self.limit = max_size if max_size >= 0 else MAX_FRAME_SIZE
        self._tail = b""
        self._parts: list = []
        self._chunks: list | None = None
        self._need = 0
        self._big_flags = 0

    @property
    def idle(self) -> bool:
        """True when no partial frame or partial message is buffered."""
        return not (self._tail or self._parts or self._need)

    def feed(self, data, out: list) -> None:
        need = self._need
        if need:
            # Inside a body that spans calls: keep references, join once.
            size = len(data)
            if type(data) is not bytes:
                data = bytes(data)
            if size < need:
                self._chunks.append(data)  # type: ignore[union-attr]
                self._need = need - size
                return
            chunks = self._chunks
            chunks.append(memoryview(data)[:need] if size > need else data)  # type: ignore[union-attr]
            self._chunks = None
            self._need = 0
            self._frame(self._big_flags, b"".join(chunks), out)  # type: ignore[arg-type]
            if size > need and not self.stopped:
                self._run(data, need, out)
            return
        if self._tail:
            data = self._tail + data
            self._tail = b""
        elif type(data) is not bytes:
            data = bytes(data)
        self._run(data, 0, out)

    def _run(self, buf: bytes, pos: int, out: list) -> None:
        n = len(buf)
        n1 = n - 1
        parts = self._parts
        limit = self.limit
        append = out.append
        # Inline paths for short data frames, keyed on the flags octet:
        # ``fast`` a single-frame message (no parts pending), ``more`` a
        # non-final frame, ``usual`` the final frame of a multipart message.
        # -1 disables a path (handshake or transforming mechanism, tiny
        # max_size; ``fast`` also while parts are pending).
        usual = -1 if (self.special or limit < 255) else 0
        more = 1 if usual == 0 else -1
        fast = -1 if parts else usual
        try:
            while pos < n1:
                flags = buf[pos]
                if flags == fast:
                    end = pos + 2 + buf[pos + 1]
                    if end > n:
                        break
                    append([buf[pos + 2:end]])
                    pos = end
                    continue
                if flags == more:
                    end = pos + 2 + buf[pos + 1]
                    if end > n:
                        break
                    parts.append(buf[pos + 2:end])
                    pos = end
                    fast = -1
                    continue
                if flags == usual:
                    # Short final frame of a pending multipart message.
                    end = pos + 2 + buf[pos + 1]
                    if end > n:
                        break
                    parts.append(buf[pos + 2:end])
                    append(parts)
                    parts = []
                    pos = end
                    fast = usual
                    continue
                if flags & 2:
                    if n - pos < 9:
                        break
                    size = int.from_bytes(buf[pos + 1:pos + 9], "big")
                    if size > limit:
                        raise _size_error(size, limit)
                    start = pos + 9
                    end = start + size
                    if end > n:
                        # Long body continues in later calls.
                        self._chunks = [memoryview(buf)[start:]] if start < n else []
                        self._need = end - n
                        self._big_flags = flags
                        return
                else:
                    size = buf[pos + 1]
                    if size > limit:
                        raise _size_error(size, limit)
                    start = pos + 2
                    end = start + size
                    if end > n:
                        break
                body = buf[start:end]
                pos = end
                if self.special:
                    self._parts = parts
                    result = self.on_special(flags, body, out)
                    parts = self._parts
                    if self.stopped:
                        return
                    if not self.special:
                        usual = -1 if limit < 255 else 0
                        more = 1 if usual == 0 else -1
                        fast = -1 if parts else usual
                    if result is None:
                        continue
                    flags, body = result
                if flags & 4:
                    self.on_command(flags, body, out)
                    if self.stopped:
                        return
                elif flags & 1:
                    parts.append(body)
                    fast = -1
                elif parts:
                    parts.append(body)
                    append(parts)
                    parts = []
                    fast = usual
                else:
                    append([body])
            if pos < n:
                self._tail = buf[pos:]
        finally:
            self._parts = parts

    def _frame(self, flags: int, body: bytes, out: list) -> None:
        """Process one complete frame outside the hot loop."""
        if self.special:
            result = self.on_special(flags, body, out)
            if result is None or self.stopped:
                return
            flags, body = result
        if flags & 4:
            self.on_command(flags, body, out)
        elif flags & 1:
            self._parts.append(body)
        else:
            parts = self._parts
            parts.append(body)
            self._parts = []
            out.append(parts)
