//! The app's pages, one file each; which address shows which page is [`crate::route`], and the
//! root component renders it ([`crate::App`]).

pub mod account;
pub mod audit;
pub mod chain;
pub mod lab;
pub mod neuron;
pub mod overview;
#[cfg(target_arch = "wasm32")]
pub mod stake;
pub mod subnet;
pub mod subnets;
