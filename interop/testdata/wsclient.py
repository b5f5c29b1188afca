"""WebSocket client cases for interop/websocket_test.go, run with Debian's
python3-websockets (10.4, the legacy asyncio API) against legation's echo
server: /ws echoes every message, /bye closes with 4001 and the first
message as the reason.

Usage: /usr/bin/python3 wsclient.py ws://10.77.0.2

It prints one JSON object per case on stdout, in the order the server
receives the messages, and leaves the verdicts to the Go test, which also
holds what the server saw. Any failure of the library (a protocol error,
a timeout, a pong that never comes) ends the script with a traceback and a
non-zero status.
"""

import asyncio
import hashlib
import json
import random
import sys

import websockets

SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20]
CHARS = ["a", "Z", " ", "7", "é", "ж", "€", "中", "𝄞", "😀"]
WAIT = 30  # seconds for any one answer


def text_payload(n, seed):
    """Exactly n bytes of UTF-8 mixing 1- to 4-byte characters."""
    rng = random.Random(seed)
    parts, size = [], 0
    while size < n:
        c = rng.choice(CHARS)
        b = len(c.encode())
        if size + b > n:
            c, b = "x", 1
        parts.append(c)
        size += b
    return "".join(parts)


def binary_payload(n, seed):
    return random.Random(seed).randbytes(n)


def raw(m):
    return m.encode() if isinstance(m, str) else bytes(m)


def report(**kw):
    print(json.dumps(kw), flush=True)


async def expect_echo(ws, case, msg, fragments=1):
    """Read the echo of msg (already sent) and report both."""
    got = await asyncio.wait_for(ws.recv(), WAIT)
    sent, back = raw(msg), raw(got)
    report(
        case=case,
        text=isinstance(msg, str),
        fragments=fragments,
        sent=len(sent),
        sent_sha=hashlib.sha256(sent).hexdigest(),
        got=len(back),
        got_sha=hashlib.sha256(back).hexdigest(),
        same_type=type(got) is type(msg),
    )


def cut(msg, bounds):
    """msg split at the given offsets (characters for str)."""
    edges = [0] + bounds + [len(msg)]
    return [msg[a:b] for a, b in zip(edges, edges[1:])]


async def main(base):
    ws = await websockets.connect(
        base + "/ws",
        max_size=4 << 20,
        ping_interval=None,  # no pings but the test's own
        open_timeout=WAIT,
        close_timeout=WAIT,
    )
    # websockets offers permessage-deflate; the server must decline it.
    report(case="handshake", extensions=[type(e).__name__ for e in ws.extensions])

    for kind in ("binary", "text"):
        for i, n in enumerate(SIZES):
            msg = binary_payload(n, i) if kind == "binary" else text_payload(n, i)
            await ws.send(msg)
            await expect_echo(ws, "echo/%s/%d" % (kind, n), msg)

    # An iterable is sent as fragments: each item a frame, then an empty
    # final frame.
    frag = [
        ("frag/binary", binary_payload(3000, 10), [1, 2000, 2000]),  # with an empty fragment
        ("frag/text", text_payload(5000, 11), [1, 2, 3, 700, 1500]),
        ("frag/binary-1MiB", binary_payload(1 << 20, 12), [k << 16 for k in range(1, 16)]),
    ]
    for case, msg, bounds in frag:
        parts = cut(msg, bounds)
        await ws.send(parts)
        await expect_echo(ws, case, msg, fragments=len(parts) + 1)

    # A ping between two fragments of one message, answered before the
    # message ends: an async iterator that waits for the pong.
    msg = text_payload(40000, 13)
    pongs = []

    async def with_ping():
        yield msg[:20000]
        waiter = await ws.ping(b"between fragments")
        await asyncio.wait_for(waiter, WAIT)
        pongs.append(True)
        yield msg[20000:]

    await ws.send(with_ping())
    await expect_echo(ws, "frag/ping-between", msg, fragments=3)
    report(case="frag/ping-between/pong", pongs=len(pongs))

    # Pings: websockets resolves the waiter only for a pong with the same
    # payload.
    for p in (b"", b"hello", bytes(range(125))):
        waiter = await ws.ping(p)
        await asyncio.wait_for(waiter, WAIT)
        report(case="ping/%d" % len(p), pong=True)

    # Closing handshake started by the client.
    await asyncio.wait_for(ws.close(4000, "bye from python"), WAIT)
    await asyncio.wait_for(ws.wait_closed(), WAIT)
    report(
        case="close/client",
        sent_code=ws.close_sent.code if ws.close_sent else None,
        rcvd_code=ws.close_rcvd.code if ws.close_rcvd else None,
        rcvd_reason=ws.close_rcvd.reason if ws.close_rcvd else None,
        tcp_closed=ws.transport.is_closing(),
    )

    # Closing handshake started by the server.
    ws = await websockets.connect(base + "/bye", ping_interval=None, open_timeout=WAIT, close_timeout=WAIT)
    await ws.send("see you")
    try:
        await asyncio.wait_for(ws.recv(), WAIT)
        report(case="close/server", error="a message instead of the close")
    except websockets.ConnectionClosed as e:
        await asyncio.wait_for(ws.wait_closed(), WAIT)
        report(
            case="close/server",
            rcvd_code=e.rcvd.code if e.rcvd else None,
            rcvd_reason=e.rcvd.reason if e.rcvd else None,
            sent_code=e.sent.code if e.sent else None,
            tcp_closed=ws.transport.is_closing(),
        )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
