//! Project chores (work in progress).
fn main() {}
