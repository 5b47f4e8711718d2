//! The `peel` command-line tool.
fn main() {}
