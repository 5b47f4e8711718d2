#!/usr/bin/env python3
"""Side-by-side benchmark of peel and tshark on a large TLS capture (issue #7).

usage: bench/bench.py [--data DIR] [--mb MB] [--runs N] [--skip-tshark] [--peel PATH]

Makes the bulk capture with ../shared/tools/mkcaptures --bulk MB (if DIR has none; needs root,
tcpdump, openssl), builds peel in release mode, then times in one run, each tool doing the same work:

  frames       read and list every frame           peel frames        | tshark -r
  keylog       decrypt every session, write the    peel decrypt       | tshark -z follow,tls,raw,N
               cleartext of every stream           --keylog --cleartext  for every stream
  rsa-key      the same with the server's RSA key  peel decrypt --key | tshark -o tls.keys_list

It checks the plaintext peel wrote (the cleartext capture) against the SHA-256 of every direction
of every connection in bulk.manifest.json, and prints throughput (MB of capture per second), peak
RSS (of the process, from wait4) and the peel/tshark ratio. The median of N runs is reported.
Results go in docs/benchmarks.md by hand (with the machine and sizes).
"""
import argparse
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))


def run(cmd, stdout=subprocess.DEVNULL):
    """Runs cmd, returns (seconds, peak RSS in MiB, CPU seconds). Fails loudly on a non-zero exit."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as errf:
        p = subprocess.Popen(cmd, stdout=stdout, stderr=errf)
        _, status, usage = os.wait4(p.pid, 0)
        dt = time.perf_counter() - t0
        errf.seek(0)
        err = errf.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"bench: {' '.join(cmd)} exited {code}:\n{err}")
    return dt, usage.ru_maxrss / 1024.0, usage.ru_utime + usage.ru_stime


def median(xs):
    s = sorted(xs)
    return s[len(s) // 2]


def make_capture(data, mb):
    pcap = os.path.join(data, "bulk.pcap")
    if os.path.exists(pcap):
        return
    if os.geteuid() != 0:
        sys.exit(f"bench: {pcap} is missing and making it needs root (mkcaptures captures on lo)")
    keys = os.path.join(SHARED, "corpus", "generated")
    subprocess.run(
        [os.path.join(SHARED, "tools", "mkcaptures"), "--bulk", str(mb), "--keys", keys, data],
        check=True,
    )


def cleartext_hashes(path):
    """SHA-256 of each direction of each TCP connection in a raw-IP (or Ethernet) pcap written by
    peel decrypt --cleartext: {(client_port, 'c2s'|'s2c'): hex}. Segments are in order there."""
    with open(path, "rb") as f:
        head = f.read(24)
        magic = struct.unpack("<I", head[:4])[0]
        endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        linktype = struct.unpack(endian + "I", head[20:24])[0]
        hashes = {}
        servers = {}
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                break
            _, _, incl, _ = struct.unpack(endian + "IIII", rh)
            pkt = f.read(incl)
            off = 14 if linktype == 1 else 0
            ver = pkt[off] >> 4
            if ver == 4:
                ihl = (pkt[off] & 15) * 4
                tcp = off + ihl
            else:
                tcp = off + 40
            sport, dport = struct.unpack(">HH", pkt[tcp:tcp + 4])
            flags = pkt[tcp + 13]
            doff = (pkt[tcp + 12] >> 4) * 4
            payload = pkt[tcp + doff:]
            if flags & 0x02 and not flags & 0x10:  # SYN: sport is the client
                servers[sport] = dport
            if sport in servers:
                key = (sport, "c2s")
            else:
                key = (dport, "s2c")
            if payload:
                hashes.setdefault(key, hashlib.sha256()).update(payload)
    return {k: h.hexdigest() for k, h in hashes.items()}


def check_plaintext(manifest, cleartext):
    got = cleartext_hashes(cleartext)
    bad = []
    for c in manifest["conns"]:
        for d in ("c2s", "s2c"):
            want = c[f"{d}_sha256"]
            if got.get((c["client_port"], d)) != want:
                bad.append(f"conn {c['conn']} {d}")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "bench", "data", "bulk200"))
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-tshark", action="store_true")
    ap.add_argument("--peel")
    ap.add_argument("--only", help="comma-separated tasks: frames,keylog,rsa-key")
    args = ap.parse_args()

    os.makedirs(args.data, exist_ok=True)
    make_capture(args.data, args.mb)
    pcap = os.path.join(args.data, "bulk.pcap")
    keylog = os.path.join(args.data, "bulk.keylog.txt")
    manifest = json.load(open(os.path.join(args.data, "bulk.manifest.json")))
    key = os.path.join(manifest.get("keys_dir") or os.path.join(SHARED, "corpus", "generated"),
                       "server.key.pem")
    size_mb = os.path.getsize(pcap) / 1e6

    peel = args.peel
    if not peel:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "peel-cli"], cwd=ROOT, check=True)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        peel = os.path.join(target, "release", "peel")
    tshark = shutil.which("tshark")
    if not tshark and not args.skip_tshark:
        sys.exit("bench: tshark not found (apt-get install -y tshark), or pass --skip-tshark")

    streams = sorted(c["tcp_stream"] for c in manifest["conns"])
    ports = manifest["ports"]
    tshark_common = [
        "-o", "tcp.reassemble_out_of_order:TRUE",
        "-o", f"sip.tls.port:{ports['sip']}",
        "-o", f"http.tls.port:{ports['http']}",
    ]
    follow = []
    for s in streams:
        follow += ["-z", f"follow,tls,raw,{s}"]
    tmp = tempfile.mkdtemp(prefix="peel-bench-")
    clear = os.path.join(tmp, "clear.pcap")
    tasks = {
        "frames": (
            [peel, "frames", pcap],
            [tshark, "-r", pcap] if tshark else None,
        ),
        "keylog": (
            [peel, "decrypt", pcap, "--keylog", keylog, "--cleartext", clear],
            [tshark, "-r", pcap, "-q", "-o", f"tls.keylog_file:{keylog}"] + tshark_common + follow
            if tshark else None,
        ),
        "rsa-key": (
            [peel, "decrypt", pcap, "--key", key, "--cleartext", clear],
            [tshark, "-r", pcap, "-q", "-o", f"tls.keys_list:{manifest['tshark_keys_list']}"]
            + tshark_common + follow if tshark else None,
        ),
    }
    only = args.only.split(",") if args.only else list(tasks)
    print(f"capture: {pcap} ({size_mb:.1f} MB, {manifest['connections']} connections, "
          f"{manifest['app_bytes_total'] / 1e6:.1f} MB of plaintext)")
    print(f"{'task':8} {'tool':6} {'seconds':>8} {'MB/s':>8} {'CPU s':>7} {'peak MiB':>9}  {'speed x':>7}  check")
    failed = False
    for name in only:
        peel_cmd, tshark_cmd = tasks[name]
        res = {}
        for tool, cmd in (("peel", peel_cmd), ("tshark", tshark_cmd)):
            if cmd is None or (tool == "tshark" and args.skip_tshark):
                continue
            runs = args.runs if tool == "peel" else 1
            times, rss, cpu = [], [], []
            for _ in range(runs):
                dt, mib, c = run(cmd)
                times.append(dt)
                rss.append(mib)
                cpu.append(c)
            res[tool] = (median(times), max(rss), median(cpu))
        check = ""
        if name != "frames":
            bad = check_plaintext(manifest, clear)
            check = "plaintext OK (all streams match the manifest)" if not bad else \
                f"MISMATCH: {', '.join(bad[:6])}{'...' if len(bad) > 6 else ''}"
            failed |= bool(bad)
        for tool, (dt, mib, c) in res.items():
            ratio = ""
            if tool == "peel" and "tshark" in res:
                ratio = f"{res['tshark'][0] / dt:6.1f}x"
            print(f"{name:8} {tool:6} {dt:8.3f} {size_mb / dt:8.1f} {c:7.2f} {mib:9.1f}  {ratio:>7}  "
                  f"{check if tool == 'peel' else ''}")
    shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
