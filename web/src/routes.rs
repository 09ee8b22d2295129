//! The app's pages, one file each; the route table itself is in the root component ([`crate::App`]).

pub mod chain;
pub mod home;
pub mod lab;
