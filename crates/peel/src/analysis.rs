//! One TLS pass over a capture and everything it feeds: the Protocol and Info columns' facts
//! ([`crate::Columns`]), the SIP and HTTP records ([`crate::app::AppRun`], which also give a
//! display filter its `sip.*` and `http.*` values through [`crate::DisplayFilter::prepare_with`])
//! and the TLS session records (`peel tls`). A command or view that needs several of them reads
//! the capture once for all, then walks its frames.

use std::path::Path;

use crate::app::AppRun;
use crate::columns::Collect;
use crate::tls::TlsSessionRecord;
use crate::{Columns, Error, Secrets};

/// What one TLS pass over a capture found (see the module documentation).
#[derive(Debug)]
pub struct Analysis {
    /// The columns, ready for the first frame walk ([`Columns::fresh`] for another).
    pub columns: Columns,
    /// SIP and HTTP messages, as `peel sip` and `peel http` give them.
    pub app: AppRun,
    /// TLS sessions, as `peel tls` gives them.
    pub sessions: Vec<TlsSessionRecord>,
}

impl Analysis {
    /// Runs the TLS pass over the capture at `path` (`secrets` decrypt; the capture's own
    /// Decryption Secrets Blocks are used too). Like every TLS pass it reads the file a second
    /// time when sessions resumed from a full handshake later in the file stayed encrypted (see
    /// [`crate::tls::analyze`]). Standard input cannot be walked again afterwards: spool it to a
    /// file first.
    pub fn run(path: &Path, secrets: &Secrets) -> Result<Analysis, Error> {
        let mut collect = Collect::default();
        let (app, tracker, sessions) = crate::app::dissect_tee(path, secrets, &mut collect)?;
        let columns = Columns::from_pass(collect, &app, &tracker);
        Ok(Analysis {
            columns,
            app,
            sessions,
        })
    }
}
