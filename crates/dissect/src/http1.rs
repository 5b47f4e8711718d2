//! HTTP/1.x placeholder (filled in below).
