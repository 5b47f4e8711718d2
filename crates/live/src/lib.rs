//! Live capture for peel (issue #11): reads packets from a network interface through libpcap and
//! writes them to pcapng. Being built.
