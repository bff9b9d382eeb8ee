"""Micro benchmark of the sans-I/O ZMTP codec (purezmq.zmtp).

Measures encode (Connection.send_message + data_to_send + joining the
chunks the way a transport write would) and decode (Connection.receive_data
over the encoded stream cut in 64 KiB chunks, as a socket read delivers it)
for 16 B single-frame, 3-part (16 B each) and 1 MiB single-frame messages.

Run:  PYTHONPATH=src python bench/codec_bench.py [--quick]
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from purezmq.zmtp import Connection  # noqa: E402

CHUNK = 64 * 1024


def connected_pair() -> tuple[Connection, Connection]:
    a, b = Connection("PUSH"), Connection("PULL")
    for _ in range(4):
        for x, y in ((a, b), (b, a)):
            for chunk in x.data_to_send():
                y.receive_data(chunk)
    assert a.handshake_done and b.handshake_done
    return a, b


def bench_encode(message: list[bytes], count: int, batch: int) -> float:
    sender, _ = connected_pair()
    send = sender.send_message
    start = time.perf_counter()
    done = 0
    while done < count:
        for _ in range(batch):
            send(message)
        b"".join(sender.data_to_send())
        done += batch
    return done / (time.perf_counter() - start)


def bench_decode(message: list[bytes], count: int, batch: int) -> float:
    sender, receiver = connected_pair()
    for _ in range(batch):
        sender.send_message(message)
    stream = b"".join(sender.data_to_send())
    chunks = [stream[i:i + CHUNK] for i in range(0, len(stream), CHUNK)]
    receive = receiver.receive_data
    start = time.perf_counter()
    done = 0
    while done < count:
        got = 0
        for chunk in chunks:
            got += len(receive(chunk))
        assert got == batch, got
        done += batch
    return done / (time.perf_counter() - start)


def main() -> None:
    quick = "--quick" in sys.argv
    scale = 0.1 if quick else 1.0
    rounds = 2 if quick else 5
    cases = [
        ("16 B x1", [b"x" * 16], int(400_000 * scale), 1000),
        ("16 B x3", [b"a" * 16, b"b" * 16, b"c" * 16], int(200_000 * scale), 1000),
        ("1 MiB x1", [b"m" * (1 << 20)], max(int(400 * scale), 20), 10),
    ]
    print(f"best of {rounds} rounds; decode input cut in {CHUNK // 1024} KiB chunks")
    print(f"{'message':10} {'encode msg/s':>14} {'decode msg/s':>14}")
    for name, message, count, batch in cases:
        enc = max(bench_encode(message, count, batch) for _ in range(rounds))
        dec = max(bench_decode(message, count, batch) for _ in range(rounds))
        print(f"{name:10} {enc:14,.0f} {dec:14,.0f}")


if __name__ == "__main__":
    main()
