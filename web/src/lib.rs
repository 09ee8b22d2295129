//! The taoscope web app (work in progress).
