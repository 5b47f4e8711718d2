//! placeholder
fn placeholder() {}
peel_testkit::main! { placeholder: [] }
