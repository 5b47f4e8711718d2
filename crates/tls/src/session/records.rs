//! Record reading: each deframed record is opened under its direction's read state (in the clear,
//! TLS 1.2 protection with optional DEFLATE, TLS 1.3 stages, or opaque) and dispatched by content type to
//! the handshake, the alert and ChangeCipherSpec handling, or out as application data.

use super::handshake::HsState;
use super::tls13::{open13, Open13};
use super::{Connection, ReadState};
use crate::cache::SessionCache;
use crate::error::RecordFault;
use crate::event::{Event, Side};
use crate::handshake::{ClientHello, Joined};
use crate::record::{ContentType, RecordHeader};
use crate::secrets::SecretProvider;

impl Connection {
    /// One record of direction `d` (its fragment in `self.scratch`), which ended in `frame`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_record(
        &mut self,
        d: usize,
        header: RecordHeader,
        sslv2: bool,
        first_frame: u64,
        frame: u64,
        secrets: &dyn SecretProvider,
        cache: &mut SessionCache,
        sink: &mut dyn FnMut(Event<'_>),
    ) {
        if sslv2 {
            if self.client_is_initiator.is_none() {
                self.client_is_initiator = Some(d == 0);
            }
            let msg = std::mem::take(&mut self.scratch);
            if let Ok(ch) = ClientHello::parse_sslv2(&msg) {
                self.on_client_hello(&ch, frame, secrets, sink);
                if let Some(hs) = &mut self.hs {
                    hs.add_transcript(&msg);
                }
            } else {
                sink(Event::RecordError {
                    side: Side::Client,
                    frame,
                    reason: RecordFault::MalformedHandshake("SSLv2 ClientHello"),
                });
            }
            self.scratch = msg;
            return;
        }
        let mut side = self.side_of(d);
        let mut ct = header.content_type;
        let len = header.length.to_be_bytes();
        let ver = header.version.0.to_be_bytes();
        let header_bytes = [ct.0, ver[0], ver[1], len[0], len[1]];
        // Decrypt in place when this direction is protected.
        let mut range = 0..self.scratch.len();
        let mut session_of_record = None;
        match &mut self.dirs[d].read {
            ReadState::Plain => {
                if ct == ContentType::APPLICATION_DATA
                    && self.hs.is_none()
                    && self.recovery_tries[d] > 0
                {
                    if let Some((r, inner, s)) = self.recover_tls13(d, header_bytes, frame, secrets)
                    {
                        side = self.side_of(d);
                        range = r;
                        ct = ContentType(inner);
                        session_of_record = Some(s);
                        self.first_decrypted.get_or_insert(side);
                        if let Some(sum) = self.sessions.get_mut(s) {
                            sum.records_decrypted += 1;
                        }
                    }
                }
            }
            ReadState::Tls13(t) if ct == ContentType::APPLICATION_DATA => {
                let session = t.session;
                match open13(t, header_bytes, &mut self.scratch) {
                    Open13::Plain(r, inner) => {
                        range = r;
                        ct = ContentType(inner);
                        session_of_record = Some(session);
                        self.first_decrypted.get_or_insert(side);
                        if let Some(sum) = self.sessions.get_mut(session) {
                            sum.records_decrypted += 1;
                        }
                    }
                    outcome => {
                        if let Some(sum) = self.sessions.get_mut(session) {
                            match outcome {
                                Open13::Skipped => sum.early_records_skipped += 1,
                                Open13::Failed(_) => sum.records_failed += 1,
                                _ => {}
                            }
                        }
                        sink(match outcome {
                            Open13::Failed(reason) => Event::RecordError {
                                side,
                                frame,
                                reason,
                            },
                            _ => Event::Opaque {
                                side,
                                frame,
                                content_type: ct.0,
                                len: self.scratch.len(),
                            },
                        });
                        self.dirs[d].joiner.clear();
                        return;
                    }
                }
            }
            // TLS 1.3 records other than application_data are in the clear (middlebox-compatibility
            // ChangeCipherSpec, alerts before keys).
            ReadState::Tls13(_) => {}
            ReadState::Opaque => {
                let s = self.orphan_session(frame);
                let _ = s;
                sink(Event::Opaque {
                    side,
                    frame,
                    content_type: ct.0,
                    len: self.scratch.len(),
                });
                if ct == ContentType::HANDSHAKE {
                    self.dirs[d].joiner.clear();
                }
                return;
            }
            ReadState::Protected(p, s, z) => {
                let s = *s;
                let opened =
                    p.open(ct.0, header.version.0, &mut self.scratch)
                        .and_then(|r| match z {
                            // TLSCompressed -> TLSPlaintext (RFC 5246 section 6.2.2).
                            Some(z) => {
                                let input = self.scratch.get(r).unwrap_or(&[]);
                                z.inflate(input, &mut self.inflated)?;
                                std::mem::swap(&mut self.scratch, &mut self.inflated);
                                Ok(0..self.scratch.len())
                            }
                            None => Ok(r),
                        });
                match opened {
                    Ok(r) => {
                        range = r;
                        self.first_decrypted.get_or_insert(side);
                        session_of_record = Some(s);
                        if let Some(sum) = self.sessions.get_mut(s) {
                            sum.records_decrypted += 1;
                        }
                    }
                    Err(reason) => {
                        if let Some(sum) = self.sessions.get_mut(s) {
                            if matches!(
                                reason,
                                RecordFault::BadMac | RecordFault::BadTag | RecordFault::BadPadding
                            ) {
                                sum.records_failed += 1;
                            }
                        }
                        sink(Event::RecordError {
                            side,
                            frame,
                            reason,
                        });
                        if ct == ContentType::HANDSHAKE {
                            self.dirs[d].joiner.clear();
                        }
                        return;
                    }
                }
            }
        }
        match ct {
            ContentType::CHANGE_CIPHER_SPEC => {
                sink(Event::ChangeCipherSpec { side, frame });
                // TLS 1.3 middlebox compatibility (RFC 8446 appendix D.4): a ChangeCipherSpec that changes
                // nothing. Before the ServerHello only a TLS 1.3 client sends one.
                let compat = matches!(self.dirs[d].read, ReadState::Tls13(_))
                    || self
                        .hs
                        .as_ref()
                        .is_some_and(|h| h.version.is_tls13() || h.state == HsState::ClientHello);
                if !compat {
                    self.on_change_cipher_spec(d, frame, secrets, cache);
                }
            }
            ContentType::ALERT => {
                let a = self.scratch.get(range).unwrap_or(&[]);
                if let [level, description] = a {
                    sink(Event::Alert {
                        side,
                        frame,
                        level: *level,
                        description: *description,
                    });
                }
            }
            ContentType::HANDSHAKE => {
                let plain = self.scratch.get(range).unwrap_or(&[]);
                self.dirs[d].joiner.push(plain);
                let mut joiner = std::mem::take(&mut self.dirs[d].joiner);
                loop {
                    match joiner.next_message() {
                        Joined::NeedMore => break,
                        Joined::TooLong => sink(Event::RecordError {
                            side,
                            frame,
                            reason: RecordFault::HandshakeTooLong,
                        }),
                        Joined::Message(m) => self.on_message(d, m, frame, secrets, cache, sink),
                    }
                }
                self.dirs[d].joiner = joiner;
            }
            ContentType::APPLICATION_DATA => match session_of_record {
                Some(session) => sink(Event::AppData {
                    side,
                    frame,
                    first_frame,
                    session,
                    plaintext: self.scratch.get(range).unwrap_or(&[]),
                }),
                None => {
                    // Application data before any ChangeCipherSpec: the handshake was not captured (or
                    // this is TLS 1.3, whose handshake is encrypted without one).
                    let tls13 = self.hs.as_ref().is_some_and(|h| h.version.is_tls13());
                    if !tls13 {
                        self.orphan_session(frame);
                    }
                    sink(Event::Opaque {
                        side,
                        frame,
                        content_type: ct.0,
                        len: self.scratch.len(),
                    });
                }
            },
            _ => {}
        }
    }
}
