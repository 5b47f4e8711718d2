//! The passive session tracker: one [`Connection`] per TCP connection, fed with each direction's
//! reassembled bytes in capture order. It deframes records, decrypts them with the keys of the current
//! session, joins handshake messages, follows the handshake with one `match (state, message, side)`,
//! derives keys, and switches each direction to new keys at its ChangeCipherSpec (initial handshakes,
//! resumptions and renegotiations alike).
//!
//! One file per concern: [`handshake`] follows the handshake (the state match), [`records`] reads each
//! record under its direction's read state, [`tls12`] derives TLS 1.2 (and earlier) keys as one function
//! of the handshake's facts, [`resumption`] owns the session cache's part, [`tls13`] the TLS 1.3 key
//! schedule's stages, [`recovery`] a capture that starts after a TLS 1.3 handshake, and [`key_lookup`]
//! maps a failed key lookup to the reason a session stays encrypted.

mod handshake;
mod key_lookup;
mod records;
mod recovery;
mod resumption;
mod tls12;
mod tls13;

#[cfg(test)]
mod tests;

use crate::cache::SessionCache;
use crate::cipher::RecordProtection;
use crate::compression::Inflater;
use crate::error::RecordFault;
use crate::event::{Event, SessionSummary, Side, Undecrypted};
use crate::handshake::HandshakeJoiner;
use crate::record::{Deframer, Next};
use crate::secrets::{MasterSecret, SecretProvider};
use handshake::Handshake;
use recovery::RECOVERY_RECORDS;
use tls13::Tls13Read;

/// Read state of one direction.
enum ReadState {
    /// No ChangeCipherSpec yet: records are in the clear.
    Plain,
    /// Records are protected by the keys of session `.1`; with `.2` their content is DEFLATE-compressed
    /// (RFC 3749), one decompression stream per connection state.
    Protected(Box<RecordProtection>, usize, Option<Box<Inflater>>),
    /// Records are protected by keys we do not have.
    Opaque,
    /// TLS 1.3: every encrypted record is `application_data` on the outside.
    Tls13(Box<Tls13Read>),
}

struct Direction {
    deframer: Deframer,
    joiner: HandshakeJoiner,
    read: ReadState,
    /// Keys that take effect at this direction's next ChangeCipherSpec, with their session index and
    /// whether records are DEFLATE-compressed.
    pending: Option<(Box<RecordProtection>, usize, bool)>,
    /// The direction's FIN or RST was reached.
    closed: bool,
}

impl Direction {
    fn new() -> Self {
        Self {
            deframer: Deframer::new(),
            joiner: HandshakeJoiner::default(),
            read: ReadState::Plain,
            pending: None,
            closed: false,
        }
    }
}

/// Passive TLS over one TCP connection.
///
/// Feed each direction's reassembled bytes with [`Connection::on_data`] in capture order; events come out
/// through the sink; [`Connection::sessions`] summarises each handshake.
pub struct Connection {
    stream: u32,
    /// Index 0: bytes from the TCP initiator; 1: from the responder.
    dirs: [Direction; 2],
    /// Which direction the client is (None until a hello decides; the initiator is assumed meanwhile).
    client_is_initiator: Option<bool>,
    hs: Option<Handshake>,
    sessions: Vec<SessionSummary>,
    /// Master secret per session (same index as `sessions`), when known.
    masters: Vec<Option<MasterSecret>>,
    /// Reused decryption buffer.
    scratch: Vec<u8>,
    /// Reused decompression buffer (swapped with `scratch`).
    inflated: Vec<u8>,
    /// Sender of the first record that decrypted (see [`Connection::first_decrypted_side`]).
    first_decrypted: Option<Side>,
    /// The facade's guess of the roles (used until a hello decides).
    client_hint: Option<bool>,
    /// Key searches left per direction for a capture that starts after a TLS 1.3 handshake.
    recovery_tries: [u8; 2],
}

fn dir_index(from_initiator: bool) -> usize {
    if from_initiator {
        0
    } else {
        1
    }
}

impl Connection {
    /// A new connection; `stream` is the facade's TCP stream number (used in messages only).
    pub fn new(stream: u32) -> Self {
        Self {
            stream,
            dirs: [Direction::new(), Direction::new()],
            client_is_initiator: None,
            hs: None,
            sessions: Vec::new(),
            masters: Vec::new(),
            // Grown by the first record that needs it: an idle connection holds no buffer.
            scratch: Vec::new(),
            inflated: Vec::new(),
            first_decrypted: None,
            client_hint: None,
            recovery_tries: [RECOVERY_RECORDS; 2],
        }
    }

    /// The master secret of session `index` (of [`Connection::sessions`]), when it was derived or found:
    /// for writing key logs (`CLIENT_RANDOM client_random master_secret`) and secrets blocks. Never
    /// printed by this crate.
    pub fn master_secret(&self, index: usize) -> Option<&MasterSecret> {
        self.masters.get(index).and_then(Option::as_ref)
    }

    /// The TCP stream number given to [`Connection::new`].
    pub fn stream(&self) -> u32 {
        self.stream
    }

    /// One summary per handshake seen (several with renegotiation), or one describing a connection whose
    /// handshake was not captured.
    pub fn sessions(&self) -> &[SessionSummary] {
        &self.sessions
    }

    /// The sender of the first record that was decrypted (of any type: usually a Finished).
    ///
    /// tshark's `follow,tls` names this side "node 0" (the unindented, "client" lines), which is the
    /// server in abbreviated (resumed) handshakes, where the server's Finished is the first encrypted
    /// record. To reproduce `tshark -z follow,tls,raw,N` byte for byte, `--direction client` must select
    /// this side's bytes. In TLS 1.3 the first decrypted record is the server's EncryptedExtensions
    /// (or the client's 0-RTT data).
    pub fn first_decrypted_side(&self) -> Option<Side> {
        self.first_decrypted
    }

    /// Tells the tracker which side is the client when no hello decides it (a capture that starts
    /// mid-connection): e.g. the facade's guess from well-known server ports. A hello seen later wins.
    pub fn set_client_hint(&mut self, client_is_initiator: bool) {
        self.client_hint = Some(client_is_initiator);
        if self.client_is_initiator.is_none() {
            for s in &mut self.sessions {
                s.client_is_initiator = client_is_initiator;
            }
        }
    }

    /// True if the TCP initiator is the TLS client (as far as known).
    pub fn client_is_initiator(&self) -> bool {
        self.client_is_initiator
            .or(self.client_hint)
            .unwrap_or(true)
    }

    fn side_of(&self, d: usize) -> Side {
        if (d == 0) == self.client_is_initiator() {
            Side::Client
        } else {
            Side::Server
        }
    }

    fn dir_of(&self, side: Side) -> usize {
        if (side == Side::Client) == self.client_is_initiator() {
            0
        } else {
            1
        }
    }

    /// Bytes of one direction, as reassembled by TCP, that arrived in `frame`.
    pub fn on_data(
        &mut self,
        from_initiator: bool,
        bytes: &[u8],
        frame: u64,
        secrets: &dyn SecretProvider,
        cache: &mut SessionCache,
        sink: &mut dyn FnMut(Event<'_>),
    ) {
        let d = dir_index(from_initiator);
        self.dirs[d].deframer.push(bytes, frame);
        loop {
            let (header, sslv2, first_frame, frame) = {
                let Connection { dirs, scratch, .. } = self;
                match dirs[d].deframer.next_record() {
                    Next::NeedMore => break,
                    Next::Skipped { frame, .. } => {
                        let side = self.side_of(d);
                        sink(Event::RecordError {
                            side,
                            frame,
                            reason: RecordFault::BadHeader,
                        });
                        continue;
                    }
                    Next::Record(r) => {
                        scratch.clear();
                        scratch.extend_from_slice(r.fragment);
                        (r.header, r.sslv2, r.first_frame, r.frame)
                    }
                }
            };
            self.on_record(d, header, sslv2, first_frame, frame, secrets, cache, sink);
        }
    }

    /// A hole of `len` bytes in one direction: the deframer resynchronises on the next plausible record
    /// header, partial handshake messages are dropped, and the cipher state is recovered where possible
    /// (see [`crate::cipher`]).
    pub fn on_gap(&mut self, from_initiator: bool, len: u64) {
        let dir = &mut self.dirs[dir_index(from_initiator)];
        dir.deframer.on_gap();
        dir.joiner.clear();
        match &mut dir.read {
            ReadState::Protected(p, _, z) => {
                p.on_gap(len);
                if let Some(z) = z {
                    z.on_gap();
                }
            }
            ReadState::Tls13(t) => {
                for k in [&mut t.cur, &mut t.next].into_iter().flatten() {
                    k.prot.on_gap(len);
                }
            }
            _ => {}
        }
    }

    /// The direction ended (FIN or RST). A partial record left in the buffer is dropped.
    pub fn on_close(&mut self, from_initiator: bool) {
        let dir = &mut self.dirs[dir_index(from_initiator)];
        dir.deframer = Deframer::new();
        dir.joiner.clear();
        dir.closed = true;
        // A closed connection keeps its summaries, not its buffers: memory then stays bounded by
        // the connections open at once, not by all the connections of the capture.
        if self.dirs.iter().all(|d| d.closed) {
            self.scratch = Vec::new();
            self.inflated = Vec::new();
        }
    }

    /// The session a record without a seen handshake belongs to (created on first use).
    fn orphan_session(&mut self, frame: u64) -> usize {
        if self.sessions.is_empty() {
            let mut s = SessionSummary::new(self.client_is_initiator(), frame);
            s.reason = Some(Undecrypted::HandshakeNotSeen);
            self.sessions.push(s);
        }
        self.sessions.len() - 1
    }
}
