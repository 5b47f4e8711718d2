//! The page and its script and style, compiled into the binary: the browser fetches nothing from
//! anywhere but this server.

/// The one page.
pub(crate) const INDEX_HTML: &str = include_str!("../assets/index.html");
/// Its script (no libraries).
pub(crate) const APP_JS: &str = include_str!("../assets/app.js");
/// Its style.
pub(crate) const STYLE_CSS: &str = include_str!("../assets/style.css");
