//! The dashboard's model (placeholder while the crate grows).
