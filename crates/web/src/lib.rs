//! peel's local web view (issue #13): `peel serve` in the browser. Being built.
