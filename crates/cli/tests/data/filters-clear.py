#!/usr/bin/env python3
"""Writes filters-clear.pcap: SIP and HTTP in the clear, for display filter rows in filters.tsv
(the corpus has no cleartext SIP). Run from this folder: python3 filters-clear.py

Frames: SIP over UDP on 5060 and on 5080 (tshark finds the second by its heuristic), SIP over
TCP on 5060 (an INVITE split over two segments, 100 and 180 in one segment, CRLF keep-alives),
SIP over TCP on 5070, HTTP/1.1 on TCP port 80 (a body split over segments, a POST, a 404) and
on 8080 (a response without a length, ended by the server's FIN).
"""

import struct

frames = []
t0 = 1_700_000_000


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip(src, dst, proto, l4):
    src = bytes(map(int, src.split(".")))
    dst = bytes(map(int, dst.split(".")))
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), len(frames) + 1, 0x4000, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h, src, dst


def frame(src, dst, proto, l4_fn):
    # Ethernet: two fixed MACs, IPv4.
    l4 = l4_fn(src, dst)
    h, _, _ = ip(src, dst, proto, l4)
    eth = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
    frames.append(eth + h + l4)


def udp(src, dst, sport, dport, payload):
    def build(s, d):
        seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
        pseudo = bytes(map(int, s.split("."))) + bytes(map(int, d.split("."))) + struct.pack("!BBH", 0, 17, len(seg))
        c = csum(pseudo + seg) or 0xFFFF
        return seg[:6] + struct.pack("!H", c) + seg[8:]

    frame(src, dst, 17, build)


class Tcp:
    """One TCP connection; sequence numbers kept per side."""

    def __init__(self, client, server, cport, sport):
        self.ends = {"c": (client, cport), "s": (server, sport)}
        self.seq = {"c": 1000, "s": 50000}

    def send(self, side, payload=b"", flags=0x18):
        other = "s" if side == "c" else "c"
        (src, sp), (dst, dp) = self.ends[side], self.ends[other]
        seq, ack = self.seq[side], self.seq[other]

        def build(s, d):
            seg = struct.pack("!HHIIBBHHH", sp, dp, seq, ack if flags & 0x10 else 0, 0x50, flags, 65535, 0, 0) + payload
            pseudo = bytes(map(int, s.split("."))) + bytes(map(int, d.split("."))) + struct.pack("!BBH", 0, 6, len(seg))
            return seg[:16] + struct.pack("!H", csum(pseudo + seg)) + seg[18:]

        frame(src, dst, 6, build)
        self.seq[side] += len(payload) + (1 if flags & 0x03 else 0)

    def open(self):
        self.send("c", flags=0x02)
        self.send("s", flags=0x12)
        self.send("c", flags=0x10)

    def close(self, first="c"):
        other = "s" if first == "c" else "c"
        self.send(first, flags=0x11)
        self.send(other, flags=0x11)
        self.send(first, flags=0x10)


def sip(start, call, cseq, frm="alice", to="bob", via="UDP 10.0.0.1:5060", body=b"", compact=False):
    names = ("v", "f", "t", "i", "l") if compact else ("Via", "From", "To", "Call-ID", "Content-Length")
    lines = [
        start,
        f"{names[0]}: SIP/2.0/{via};branch=z9hG4bK{cseq}{call}",
        f"{names[1]}: \"{frm.title()}\" <sip:{frm}@peel.test>;tag=f{call}",
        f"{names[2]}: <sip:{to}@peel.test>",
        f"{names[3]}: {call}",
        f"CSeq: {cseq}",
    ]
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append(f"{names[4]}: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


A, B = "10.0.0.1", "10.0.0.2"

# SIP over UDP, the standard port and another one.
udp(A, B, 5060, 5060, sip("OPTIONS sip:bob@peel.test SIP/2.0", "udp-1", "1 OPTIONS", compact=True))
udp(B, A, 5060, 5060, sip("SIP/2.0 200 OK", "udp-1", "1 OPTIONS", compact=True))
udp(A, B, 5080, 5080, sip("MESSAGE sip:carol@peel.test SIP/2.0", "udp-2", "7 MESSAGE", to="carol", via="UDP 10.0.0.1:5080"))
udp(B, A, 5080, 5080, sip("SIP/2.0 202 Accepted", "udp-2", "7 MESSAGE", to="carol", via="UDP 10.0.0.1:5080"))

# SIP over TCP on 5060: a call.
c = Tcp(A, B, 40000, 5060)
c.open()
sdp = b"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
invite = sip("INVITE sip:bob@peel.test SIP/2.0", "tcp-call-1", "1 INVITE", via="TCP 10.0.0.1:40000", body=sdp)
c.send("c", invite[:120])
c.send("c", invite[120:])
c.send("s", sip("SIP/2.0 100 Trying", "tcp-call-1", "1 INVITE", via="TCP 10.0.0.1:40000")
       + sip("SIP/2.0 180 Ringing", "tcp-call-1", "1 INVITE", via="TCP 10.0.0.1:40000"))
c.send("s", sip("SIP/2.0 200 OK", "tcp-call-1", "1 INVITE", via="TCP 10.0.0.1:40000", body=sdp))
c.send("c", sip("ACK sip:bob@peel.test SIP/2.0", "tcp-call-1", "1 ACK", via="TCP 10.0.0.1:40000"))
c.send("c", b"\r\n\r\n")
c.send("s", b"\r\n")
c.send("c", sip("BYE sip:bob@peel.test SIP/2.0", "tcp-call-1", "2 BYE", via="TCP 10.0.0.1:40000"))
c.send("s", sip("SIP/2.0 200 OK", "tcp-call-1", "2 BYE", via="TCP 10.0.0.1:40000"))
c.close()

# SIP over TCP on 5070: a registration.
r = Tcp(A, B, 40001, 5070)
r.open()
r.send("c", sip("REGISTER sip:peel.test SIP/2.0", "tcp-reg-1", "1 REGISTER", to="alice", via="TCP 10.0.0.1:40001"))
r.send("s", sip("SIP/2.0 401 Unauthorized", "tcp-reg-1", "1 REGISTER", to="alice", via="TCP 10.0.0.1:40001"))
r.send("c", sip("REGISTER sip:peel.test SIP/2.0", "tcp-reg-1", "2 REGISTER", to="alice", via="TCP 10.0.0.1:40001"))
r.send("s", sip("SIP/2.0 200 OK", "tcp-reg-1", "2 REGISTER", to="alice", via="TCP 10.0.0.1:40001"))
r.close()

# HTTP on port 80.
h = Tcp(A, B, 40002, 80)
h.open()
h.send("c", b"GET /index.html HTTP/1.1\r\nHost: www.peel.test\r\nUser-Agent: filters\r\n\r\n")
body = b"<html>" + b"x" * 3000 + b"</html>"
resp = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body) + body
h.send("s", resp[:1400])
h.send("s", resp[1400:2800])
h.send("s", resp[2800:])
h.send("c", b"POST /api/upload?x=1 HTTP/1.1\r\nHost: api.peel.test\r\nContent-Length: 5\r\n\r\nhello")
h.send("s", b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
h.send("c", b"GET /missing HTTP/1.1\r\nHost: www.peel.test\r\n\r\n")
h.send("s", b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found")
h.close()

# HTTP on 8080: a response without a length, ended by the server's close.
k = Tcp(A, B, 40003, 8080)
k.open()
k.send("c", b"GET /stream HTTP/1.0\r\nHost: proxy.peel.test:8080\r\n\r\n")
k.send("s", b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nsome text")
k.send("s", b" and more text")
k.close(first="s")

with open("filters-clear.pcap", "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        f.write(struct.pack("<IIII", t0 + i // 10, (i % 10) * 100000, len(fr), len(fr)))
        f.write(fr)
print(len(frames), "frames")
