//! Which endpoint a transport asks: round robin over the user's list for endpoints that cannot
//! be reached, minus those that served data failing verification, which are left for the rest
//! of the session (see [`super::Transport::distrust`]). Shared by the native and browser
//! WebSocket transports.

/// The position in the endpoint list and the endpoints left out.
#[derive(Debug, Default)]
pub(crate) struct Ring {
    index: usize,
    distrusted: Vec<usize>,
}

impl Ring {
    /// Index of the endpoint in use among `len`.
    pub(crate) fn current(&self, len: usize) -> usize {
        self.index % len.max(1)
    }

    /// Moves to the next endpoint not left out (to the plain next one when all are).
    pub(crate) fn advance(&mut self, len: usize) {
        let len = len.max(1);
        for _ in 0..len {
            self.index += 1;
            if self.distrusted.len() >= len || !self.distrusted.contains(&(self.index % len)) {
                return;
            }
        }
    }

    /// Leaves out the endpoint in use and moves on; `false` when none is left (the ring then
    /// stays where it is, and the caller's error stands).
    pub(crate) fn distrust(&mut self, len: usize) -> bool {
        let current = self.current(len);
        if !self.distrusted.contains(&current) {
            self.distrusted.push(current);
        }
        if self.distrusted.len() >= len.max(1) {
            return false;
        }
        self.advance(len);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_endpoints_rotate_liars_are_left_out() {
        let mut ring = Ring::default();
        ring.advance(3);
        assert_eq!(ring.current(3), 1);
        assert!(ring.distrust(3));
        assert_eq!(ring.current(3), 2);
        ring.advance(3);
        assert_eq!(ring.current(3), 0, "1 is left out");
        ring.advance(3);
        assert_eq!(ring.current(3), 2);
        assert!(ring.distrust(3));
        assert_eq!(ring.current(3), 0);
        assert!(!ring.distrust(3), "none left");
        ring.advance(3);
        assert_eq!(ring.current(3), 1, "all left out: plain rotation");
        let mut one = Ring::default();
        assert!(!one.distrust(1));
    }
}
