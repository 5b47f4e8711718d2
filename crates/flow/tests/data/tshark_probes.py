#!/usr/bin/env python3
"""Rebuilds the crafted captures behind tshark_streams.tsv (needs scapy).

Usage: python3 tshark_probes.py OUTDIR
Then, for each OUTDIR/CASE.pcap:
  tshark -r CASE.pcap -T fields -e frame.number -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst \
    -e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport -e tcp.flags -e tcp.seq_raw \
    -e tcp.ack_raw -e tcp.len -e udp.length -e tcp.stream -e udp.stream
A = 10.0.0.1:1234 (usual client), B = 10.0.0.2:80 (usual server).
"""
import os, sys
from scapy.all import IP, IPv6, TCP, UDP, Ether, wrpcap, Raw

A = ("10.0.0.1", 1234)
B = ("10.0.0.2", 80)

def p(src, dst, flags, seq, ack=0, data=b""):
    pkt = Ether()/IP(src=src[0], dst=dst[0])/TCP(sport=src[1], dport=dst[1], flags=flags, seq=seq, ack=ack)
    if data:
        pkt = pkt/Raw(data)
    return pkt

def conn(c, s, cseq, sseq, close="fin", data=b"hello"):
    out = [p(c, s, "S", cseq), p(s, c, "SA", sseq, cseq+1), p(c, s, "A", cseq+1, sseq+1),
           p(c, s, "PA", cseq+1, sseq+1, data)]
    n = cseq + 1 + len(data)
    if close == "fin":
        out += [p(c, s, "FA", n, sseq+1), p(s, c, "FA", sseq+1, n+1), p(c, s, "A", n+1, sseq+2)]
    elif close == "rst":
        out += [p(c, s, "R", n)]
    elif close == "finone":
        out += [p(c, s, "FA", n, sseq+1), p(s, c, "A", sseq+1, n+1)]
    return out

cases = {}
cases["fin_then_syn"]=conn(A,B,1000,9000)+conn(A,B,5000,7000)
cases["rst_then_syn"]=conn(A,B,1000,9000,"rst")+conn(A,B,5000,7000)
cases["open_then_syn"]=conn(A,B,1000,9000,None)+conn(A,B,5000,7000)
cases["finone_then_syn"]=conn(A,B,1000,9000,"finone")+conn(A,B,5000,7000)
cases["syn_retrans_same"]=[p(A,B,"S",1000),p(A,B,"S",1000)]+conn(A,B,1000,9000)[1:]
cases["syn_retrans_diff"]=[p(A,B,"S",1000),p(A,B,"S",2000),p(A,B,"S",3000)]
cases["fin_then_same_seq_syn"]=conn(A,B,1000,9000)+conn(A,B,1000,7000)
cases["reverse_syn_after_fin"]=conn(A,B,1000,9000)+conn(B,A,5000,7000)
cases["reverse_syn_same_as_synack"]=conn(A,B,1000,9000)+conn(B,A,9000,7000)
cases["synack_only"]=[p(B,A,"SA",9000,1001),p(A,B,"A",1001,9001),p(B,A,"SA",9500,1001),p(B,A,"SA",9000,1001)]
cases["synack_only_then_syn"]=[p(B,A,"SA",9000,1001),p(A,B,"A",1001,9001),p(A,B,"S",5000)]
cases["synack_only_then_syn_same"]=[p(B,A,"SA",9000,1001),p(A,B,"A",1001,9001),p(A,B,"S",1000)]
cases["midstream_then_syn"]=[p(A,B,"PA",1000,9000,b"abc"),p(B,A,"PA",9000,1003,b"xyz"),p(A,B,"S",5000)]
cases["midstream_then_syn_seqminus1"]=[p(A,B,"PA",1000,9000,b"abc"),p(B,A,"PA",9000,1003,b"xyz"),p(A,B,"S",999)]
cases["midstream_then_syn_sameseq"]=[p(A,B,"PA",1000,9000,b"abc"),p(A,B,"S",1000)]
cases["late_old_pkts"]=conn(A,B,1000,9000)+[p(A,B,"S",5000),p(A,B,"A",1007,9002),p(B,A,"SA",7000,5001)]
cases["syn_ece"]=conn(A,B,1000,9000)+[p(A,B,"SEC",5000)]
cases["synack_diff_after_syn"]=[p(A,B,"S",1000),p(B,A,"SA",9000,1001),p(B,A,"SA",9500,1001),p(B,A,"SA",9600,2001)]
cases["three_reuse"]=conn(A,B,1000,9000)+conn(A,B,5000,7000)+conn(A,B,6000,7000)+conn(A,B,1000,7000)
cases["syn_rst_only"]=[p(A,B,"S",1000),p(B,A,"RA",0,1001),p(A,B,"S",2000),p(B,A,"RA",0,2001)]
cases["reverse_syn_midstream"]=[p(A,B,"PA",1000,9000,b"abc"),p(B,A,"S",5000)]
cases["reverse_syn_only_syn"]=[p(A,B,"S",1000),p(B,A,"S",5000)]
cases["syn_then_data_then_syn"]=[p(A,B,"S",1000),p(A,B,"PA",1001,0,b"x"),p(A,B,"S",1000),p(A,B,"S",1500)]
cases["ackbase_minus1"]=[p(A,B,"PA",1000,9000,b"abc"),p(B,A,"S",8999)]
cases["ackbase_eq"]=[p(A,B,"PA",1000,9000,b"abc"),p(B,A,"S",9000)]
cases["noack_flag"]=[p(A,B,"P",1000,9000,b"abc"),p(B,A,"S",5000)]
cases["pureack_first"]=[p(A,B,"A",1000,9000),p(A,B,"S",999),p(A,B,"S",1000)]
cases["rst_first"]=[p(A,B,"R",1000),p(A,B,"S",999),p(A,B,"S",1000)]
cases["fin_first"]=[p(A,B,"FA",1000,5),p(A,B,"S",999),p(A,B,"S",1000)]
cases["new_then_reverse_syn"]=[p(A,B,"S",1000),p(B,A,"SA",9000,1001),p(A,B,"S",5000),p(B,A,"S",1234),p(A,B,"S",5000),p(B,A,"S",1235)]
cases["new_then_synack"]=[p(A,B,"S",1000),p(B,A,"SA",9000,1001),p(A,B,"S",5000),p(B,A,"SA",9000,5001),p(B,A,"S",8999),p(B,A,"S",9000)]
cases["synack_ackbase"]=[p(B,A,"SA",9000,1001),p(A,B,"S",1000),p(A,B,"S",999)]
cases["syn_seq0"]=[p(A,B,"PA",0,1,b"x"),p(A,B,"S",0xffffffff),p(A,B,"S",0)]
cases["synfin"]=[p(A,B,"S",1000),p(A,B,"SF",2000),p(A,B,"SR",3000)]
cases["synack_in_fresh"]=[p(A,B,"S",1000),p(A,B,"S",2000),p(B,A,"SA",9000,1001)]
cases["other_conv_interleave"]=[p(A,B,"S",1000),p(("10.0.0.5",99),B,"S",1),p(A,B,"S",2000),p(("10.0.0.5",99),B,"A",2,1)]
cases["synack_update_a"]=[p(B,A,"SA",9000,1001),p(B,A,"SA",9500,1001),p(B,A,"S",9500)]
cases["synack_update_b"]=[p(B,A,"SA",9000,1001),p(B,A,"SA",9500,1001),p(B,A,"S",9000)]
cases["override_a"]=[p(B,A,"SA",9000,1001),p(A,B,"PA",3000,9001,b"x"),p(A,B,"S",1000)]
cases["override_b"]=[p(B,A,"SA",9000,1001),p(A,B,"PA",3000,9001,b"x"),p(A,B,"S",2999)]
cases["rstack_base"]=[p(B,A,"RA",0,1001),p(A,B,"S",1000),p(A,B,"S",999)]
cases["syn_after_syn_synack"]=[p(A,B,"S",1000),p(B,A,"SA",9000,1001),p(B,A,"SA",9000,1001),p(A,B,"S",1000)]
cases["synack_then_syn_new_ack"]=[p(A,B,"S",1000),p(B,A,"SA",9000,1001),p(B,A,"SA",9000,4001)]
cases["sa_rev_a"]=[p(A,B,"S",1000),p(B,A,"SA",9000,1001),p(B,A,"SA",9500,3001),p(A,B,"S",3000)]
cases["sa_rev_b"]=[p(A,B,"S",1000),p(B,A,"SA",9000,1001),p(B,A,"SA",9500,3001),p(A,B,"S",1000)]
cases["sa_rev_c"]=[p(B,A,"SA",9000,1001),p(B,A,"SA",9500,3001),p(A,B,"S",3000)]
cases["sa_first_then_a_unset"]=[p(B,A,"SA",9000,1001),p(B,A,"SA",9000,3001),p(A,B,"S",3000)]
cases["e_udp_and_tcp"] = [
    Ether()/IP(src="10.0.0.1", dst="10.0.0.3")/UDP(sport=4000, dport=5000)/Raw(b"q"),
    p(A, B, "S", 1),
    Ether()/IP(src="10.0.0.3", dst="10.0.0.1")/UDP(sport=5000, dport=4000)/Raw(b"rr"),
    Ether()/IP(src="10.0.0.3", dst="10.0.0.1")/UDP(sport=5001, dport=4000)/Raw(b"r"),
    Ether()/IPv6(src="::1", dst="::2")/UDP(sport=4000, dport=5000)/Raw(b"r"),
    p(("10.0.0.9", 1), B, "A", 1, 1), p(B, A, "SA", 5, 2),
    Ether()/IP(src="10.0.0.1", dst="10.0.0.3")/UDP(sport=4000, dport=5000)/Raw(b"q")]

out = sys.argv[1] if len(sys.argv) > 1 else "."
os.makedirs(out, exist_ok=True)
for name, pkts in cases.items():
    for i, x in enumerate(pkts):
        x.time = 1000 + i
    wrpcap(os.path.join(out, name + ".pcap"), pkts)
