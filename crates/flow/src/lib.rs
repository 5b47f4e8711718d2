//! (Being filled in.)
