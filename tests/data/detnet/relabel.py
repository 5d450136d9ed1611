#!/usr/bin/env python3
"""Moves a loopback capture onto the lab internet's addresses.

    relabel.py IN.pcap OUT.pcap SERVER_PORT CLIENT_IP SERVER_IP

Rewrites the IPv4 addresses of an Ethernet pcap (dumpcap on lo): packets
from SERVER_PORT get SERVER_IP as source and CLIENT_IP as destination,
the others the reverse; IP and TCP/UDP checksums are recomputed. Used for
xmrig_login_inet.pcap (a victim 198.18.7.10 in the home half of a lab
LAN, the pool 198.18.7.200 in its lab-internet half), on which the
detectors' --home-net is tested.
"""
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def relabel(frame, sport_server, cip, sip):
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return frame
    f = bytearray(frame)
    ip = 14
    ihl = (f[ip] & 0x0F) * 4
    total = struct.unpack("!H", f[ip + 2:ip + 4])[0]
    proto = f[ip + 9]
    l4 = ip + ihl
    sport = struct.unpack("!H", f[l4:l4 + 2])[0]
    src, dst = (sip, cip) if sport == sport_server else (cip, sip)
    f[ip + 12:ip + 16], f[ip + 16:ip + 20] = src, dst
    f[ip + 10:ip + 12] = b"\0\0"
    f[ip + 10:ip + 12] = struct.pack("!H", csum(bytes(f[ip:ip + ihl])))
    seg_len = total - ihl
    if proto in (6, 17) and len(f) >= l4 + seg_len:
        off = 16 if proto == 6 else 6
        f[l4 + off:l4 + off + 2] = b"\0\0"
        pseudo = src + dst + struct.pack("!BBH", 0, proto, seg_len)
        f[l4 + off:l4 + off + 2] = struct.pack("!H", csum(pseudo + bytes(f[l4:l4 + seg_len])))
    return bytes(f)


def main():
    src, out, port, cip, sip = sys.argv[1:6]
    cip, sip = socket.inet_aton(cip), socket.inet_aton(sip)
    data = open(src, "rb").read()
    res, pos = [data[:24]], 24
    while pos + 16 <= len(data):
        ts, tu, incl, orig = struct.unpack("<IIII", data[pos:pos + 16])
        frame = relabel(data[pos + 16:pos + 16 + incl], int(port), cip, sip)
        res.append(data[pos:pos + 16] + frame)
        pos += 16 + incl
    open(out, "wb").write(b"".join(res))


if __name__ == "__main__":
    main()
