//! Server private keys and certificates (being built: see docs/helpers-brief.md).
