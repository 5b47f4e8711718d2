//! SDES keys from SDP (RFC 4568) and which of them may protect a flow: each side encrypts what it
//! sends with the key in its own SDP; a flow `S -> D` binds to the side whose SDP advertises `S`,
//! or whose peer advertises `D`, and to explicit `--srtp-key` specs first.

use std::net::SocketAddr;
use std::sync::Arc;

use super::*;
use crate::sdp;
use crate::srtp::SessionKeys;

impl MediaTracker {
    /// Feeds one SDP body.
    pub fn sdp(&mut self, source: &SdpSource<'_>, body: &str) {
        let sd = sdp::parse(body, &self.limits.sdp);
        let call_id = source.call_id.map(str::to_string);
        let offer = source.offer.unwrap_or_else(|| {
            // Without a role: an answer if the call's latest side is an unanswered offer.
            !self
                .sides
                .iter()
                .rev()
                .find(|s| s.call_id == call_id)
                .is_some_and(|s| s.offer && s.peer.is_none())
        });
        self.generation += 1;
        for (i, m) in sd.media.iter().enumerate() {
            if m.port == 0 {
                continue;
            }
            let mut endpoints = Vec::new();
            endpoints.extend(m.rtp_addr(&sd));
            endpoints.extend(m.rtcp_addr(&sd));
            endpoints.extend(m.candidates.iter().map(|c| c.addr));
            endpoints.sort();
            endpoints.dedup();
            let mut crypto: Vec<&sdp::Crypto> =
                m.crypto.iter().filter(|c| !c.cryptoscale).collect();
            crypto.extend(m.crypto.iter().filter(|c| c.cryptoscale));
            let mut cands = Vec::new();
            let mut unknown_suites = Vec::new();
            let mut key_errors = Vec::new();
            for c in crypto {
                if c.suite.is_none() {
                    unknown_suites.push(c.suite_name.clone());
                }
                if let Some(e) = &c.key_error {
                    key_errors.push(format!("a=crypto:{} {}: {e}", c.tag, c.suite_name));
                }
                for k in &c.keys {
                    cands.push(Arc::new(Candidate {
                        keys: SessionKeys::new(k),
                        info: SrtpInfo {
                            suite: k.suite().name().to_string(),
                            source: "sdp",
                            sdp_frame: Some(source.frame),
                            tag: Some(c.tag),
                        },
                    }));
                }
            }
            self.side_seq += 1;
            let mut side = Side {
                call_id: call_id.clone(),
                frame: source.frame,
                offer,
                endpoints,
                secure: m.is_secure(),
                dtls: m.dtls,
                crypto: cands,
                unknown_suites,
                key_errors,
                rtpmap: m.rtpmap.clone(),
                peer: None,
                selected_tag: None,
                media_index: i,
                seq: self.side_seq,
            };
            if !offer {
                // Pair with the latest offer of this call for the same media line.
                let tag = m.crypto.iter().find(|c| !c.cryptoscale).map(|c| c.tag);
                let idx = self.sides.len();
                if let Some((oi, o)) = self
                    .sides
                    .iter_mut()
                    .enumerate()
                    .rev()
                    .find(|(_, s)| s.offer && s.call_id == call_id && s.media_index == i)
                {
                    o.peer = Some(idx);
                    o.selected_tag = tag;
                    side.peer = Some(oi);
                    side.selected_tag = tag;
                }
            }
            self.sides.push(side);
        }
        if self.sides.len() > self.limits.max_sides {
            let excess = self.sides.len() - self.limits.max_sides;
            self.sides.drain(..excess);
            for s in &mut self.sides {
                s.peer = s.peer.and_then(|p| p.checked_sub(excess));
            }
        }
    }

    pub(super) fn bind(&self, src: SocketAddr, dst: SocketAddr) -> Binding {
        let mut b = Binding::default();
        // Explicit --srtp-key for this flow (or the RTCP flow beside it) first.
        for g in &self.given {
            if !g.0.is_wildcard() && (g.0.matches(src, dst) || g.0.matches_rtcp(src, dst)) {
                b.candidates.push(g.1.clone());
                b.given = true;
            }
        }
        // Sender sides: advertise src, or are the peer of a side that advertises dst.
        let mut senders: Vec<&Side> = Vec::new();
        let mut receivers: Vec<&Side> = Vec::new();
        for s in &self.sides {
            if s.endpoints.contains(&src) {
                senders.push(s);
            }
            if s.endpoints.contains(&dst) {
                receivers.push(s);
                if let Some(p) = s.peer.and_then(|p| self.sides.get(p)) {
                    if !senders.iter().any(|x| x.seq == p.seq) {
                        senders.push(p);
                    }
                }
            }
        }
        senders.sort_by_key(|s| std::cmp::Reverse(s.seq));
        receivers.sort_by_key(|s| std::cmp::Reverse(s.seq));
        b.described = !senders.is_empty() || !receivers.is_empty();
        for s in &senders {
            let (chosen, others): (Vec<_>, Vec<_>) = s
                .crypto
                .iter()
                .partition(|c| s.selected_tag.is_some() && c.info.tag == s.selected_tag);
            b.candidates.extend(chosen.into_iter().cloned());
            b.candidates.extend(others.into_iter().cloned());
        }
        if !b.given {
            for g in &self.given {
                if g.0.is_wildcard() {
                    b.candidates.push(g.1.clone());
                }
            }
        }
        // Keys of the call's other sides last (a side we could not place): harmless, since
        // only a verifying tag decrypts.
        let calls: Vec<&Option<String>> = senders
            .iter()
            .chain(&receivers)
            .map(|s| &s.call_id)
            .collect();
        for s in self.sides.iter().rev() {
            if calls.contains(&&s.call_id) && !senders.iter().any(|x| x.seq == s.seq) {
                b.candidates.extend(s.crypto.iter().cloned());
            }
        }
        let mut seen = Vec::new();
        b.candidates.retain(|c| {
            let p = Arc::as_ptr(c);
            if seen.contains(&p) {
                false
            } else {
                seen.push(p);
                true
            }
        });
        let first = senders.first().or(receivers.first());
        if let Some(s) = first {
            b.call_id = s.call_id.clone();
            if !s.secure {
                b.plain_frame = Some(s.frame);
            } else if s.crypto.is_empty() {
                b.secure_without_crypto = Some((s.frame, s.dtls));
                b.unknown_suite = s.unknown_suites.first().cloned();
                b.key_error = s.key_errors.first().cloned();
            }
        }
        b.rtpmap = receivers
            .first()
            .or(senders.first())
            .map(|s| s.rtpmap.clone())
            .unwrap_or_default();
        b
    }
}
