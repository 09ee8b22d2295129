//! GPU Yuma (work in progress).
