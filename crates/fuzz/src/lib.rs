//! Mutation fuzzing of peel's parsers on stable Rust (issue #8). Being built.
