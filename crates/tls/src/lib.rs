//! Passive TLS (being built: see docs/helpers-brief.md).
