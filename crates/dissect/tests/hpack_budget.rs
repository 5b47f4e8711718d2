//! HPACK amplification (issue 18, D5): a first header block puts a 1 MB value in the dynamic
//! table and later 1 KiB blocks name it 1,021 times each. Each block shows at most
//! `MAX_HEADER_LIST` bytes, says it was cut, and the connection stays usable; the whole run
//! stays under a peak-memory figure measured by a counting allocator, and a connection stops
//! at `MAX_CONNECTION_HEADERS`. The frames are built here.

// A counting global allocator needs `unsafe impl GlobalAlloc`; it only forwards to `System`.
#![allow(unsafe_code)]
#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use peel_dissect::http2::{Connection, Message, MAX_CONNECTION_HEADERS, MAX_HEADER_LIST, PREFACE};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call forwards to `System` with the caller's layout; the counters are atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The tests measure peak memory, so they run one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut f = (payload.len() as u32).to_be_bytes()[1..].to_vec();
    f.push(kind);
    f.push(flags);
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// An RFC 7541 section 5.1 integer with a `prefix`-bit prefix after the bits of `first`.
fn int(out: &mut Vec<u8>, first: u8, prefix: u8, mut v: usize) {
    let max = (1usize << prefix) - 1;
    if v < max {
        out.push(first | v as u8);
        return;
    }
    out.push(first | max as u8);
    v -= max;
    while v >= 128 {
        out.push((v % 128) as u8 | 0x80);
        v /= 128;
    }
    out.push(v as u8);
}

/// A header block in HEADERS + CONTINUATION frames of 16 KiB (END_HEADERS on the last).
fn headers(stream: u32, block: &[u8]) -> Vec<u8> {
    let chunks: Vec<&[u8]> = block.chunks(16_384).collect();
    let mut out = Vec::new();
    for (i, c) in chunks.iter().enumerate() {
        let kind = if i == 0 { 0x1 } else { 0x9 };
        let end = if i + 1 == chunks.len() { 0x4 } else { 0 };
        let end_stream = if i == 0 { 0x1 } else { 0 };
        out.extend(frame(kind, end | end_stream, stream, c));
    }
    out
}

/// The client's first flight: preface, SETTINGS, then a block that sets the table to 1 MiB and
/// adds `x: a...` (`len` bytes) to it.
fn bomb_setup(len: usize) -> Vec<u8> {
    let mut block = Vec::new();
    int(&mut block, 0x20, 5, 1 << 20);
    block.extend_from_slice(&[0x82, 0x86, 0x84]); // GET http /
    block.extend_from_slice(&[0x40, 1, b'x']);
    int(&mut block, 0, 7, len);
    block.resize(block.len() + len, b'a');
    let mut c = PREFACE.to_vec();
    c.extend(frame(0x4, 0, 0, &[]));
    c.extend(headers(1, &block));
    c
}

/// A 1 KiB block: GET http /, then the 1 MB entry (index 62) 1,021 times.
fn bomb_block() -> Vec<u8> {
    let mut b = vec![0x82, 0x86, 0x84];
    b.resize(1024, 0xbe);
    b
}

/// The server's SETTINGS: SETTINGS_HEADER_TABLE_SIZE = `size`.
fn server_settings(size: u32) -> Vec<u8> {
    let mut p = vec![0, 1];
    p.extend_from_slice(&size.to_be_bytes());
    frame(0x4, 0, 0, &p)
}

fn shown(m: &Message) -> usize {
    m.headers.iter().map(|(n, v)| n.len() + v.len() + 32).sum()
}

#[test]
fn referencing_a_large_entry_is_bounded_per_block_and_the_connection_goes_on() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let setup = bomb_setup(1_000_000);
    let block = bomb_block();
    let blocks: Vec<Vec<u8>> = (0..40u32).map(|i| headers(3 + 2 * i, &block)).collect();
    let tail = headers(101, &[0x82, 0x87, 0x85]); // GET https /index.html
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let started = Instant::now();

    let mut c = Connection::new();
    let mut got: Vec<Message> = Vec::new();
    // The server allows a 1 MiB table (so the RFC allows the 1 MB entry).
    c.push(false, &server_settings(1 << 20), &mut |m| got.push(m));
    c.push(true, &setup, &mut |m| got.push(m));
    for b in &blocks {
        // Keep only what a caller keeps of a record (here: its size), as `peel http` does.
        c.push(true, b, &mut |m| {
            assert!(shown(&m) <= MAX_HEADER_LIST, "{}", shown(&m));
            assert!(m.truncated);
            assert_eq!(m.method(), Some("GET"));
            let e = m.error.as_ref().unwrap().to_string();
            assert!(e.contains("limit 256 KiB"), "{e}");
            got.push(Message {
                headers: Vec::new(),
                ..m
            });
        });
    }
    c.push(true, &tail, &mut |m| got.push(m));
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    let elapsed = started.elapsed();
    eprintln!("40 blocks: peak {peak} bytes above the start, {elapsed:?}");

    assert_eq!(got.len(), 42);
    // The first block itself (1 MB) is over the budget: shown up to the big field.
    assert!(
        got[0].truncated && got[0].headers.len() == 3,
        "{:?}",
        got[0].error
    );
    // The connection is still in step after all that.
    let last = got.last().unwrap();
    assert_eq!(
        (last.method(), last.path()),
        (Some("GET"), Some("/index.html"))
    );
    assert!(last.error.is_none() && !last.truncated);
    // Memory: the 1 MB block's frames, block, string and table entry, plus one 256 KiB block
    // at a time; before, each 1 KiB block decoded to 1 GB (~1 GB peak, 88 s for 40 blocks).
    assert!(peak < 16 << 20, "peak {peak} bytes");
    assert!(elapsed.as_secs() < 10, "{elapsed:?}");
}

#[test]
fn a_table_size_update_beyond_the_settings_is_refused() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // No SETTINGS_HEADER_TABLE_SIZE from the server: the table may not grow past 4096.
    let mut c = Connection::new();
    let mut got = Vec::new();
    c.push(true, &bomb_setup(1_000_000), &mut |m| got.push(m));
    c.push(true, &headers(3, &bomb_block()), &mut |m| got.push(m));
    assert_eq!(got.len(), 1, "decoding stops on that side");
    let e = got[0].error.as_ref().unwrap().to_string();
    assert!(e.contains("SETTINGS_HEADER_TABLE_SIZE"), "{e}");
}

#[test]
fn a_connection_stops_decoding_at_its_budget() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut c = Connection::new();
    let mut got: Vec<(usize, bool, Option<String>)> = Vec::new();
    let mut keep = |m: Message| got.push((shown(&m), m.truncated, m.error.map(|e| e.to_string())));
    c.push(false, &server_settings(1 << 20), &mut keep);
    // A 100 kB entry named twice per block: 200 kB shown per block, within the block budget.
    c.push(true, &bomb_setup(100_000), &mut keep);
    let block = [0x82, 0x86, 0x84, 0xbe, 0xbe];
    let n = MAX_CONNECTION_HEADERS / 200_000 + 20;
    for i in 0..n as u32 {
        c.push(true, &headers(3 + 2 * i, &block), &mut keep);
    }
    let total: usize = got.iter().map(|g| g.0).sum();
    assert!(total <= MAX_CONNECTION_HEADERS, "{total}");
    let (last_shown, truncated, err) = got.last().unwrap();
    assert!(*truncated && *last_shown < MAX_HEADER_LIST);
    let err = err.as_deref().unwrap();
    assert!(
        err.contains("on this connection") && err.contains("not decoded"),
        "{err}"
    );
    // The connection stopped: fewer messages than blocks.
    assert!(got.len() < n + 1, "{}", got.len());
    // The server side stops too.
    let before = got.len();
    c.push(false, &headers(1, &[0x88]), &mut |m| {
        got.push((shown(&m), m.truncated, None))
    });
    assert_eq!(got.len(), before);
}
