//! SCALE readers for the storage values the integration tests check (vectors of u16, u64,
//! bool and `(u16, u16)` pairs). Tests only: a malformed value is a failed test, so it panics.

#![allow(dead_code, clippy::unwrap_used)]

/// Reads SCALE values out of a storage entry.
pub struct Read<'a>(pub &'a [u8]);

impl Read<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        head.try_into().unwrap()
    }
    fn len(&mut self) -> usize {
        let first = self.0[0];
        match first & 3 {
            0 => {
                self.0 = &self.0[1..];
                usize::from(first >> 2)
            }
            1 => usize::from(u16::from_le_bytes(self.take()) >> 2),
            2 => (u32::from_le_bytes(self.take()) >> 2) as usize,
            _ => panic!("vector too long for a test"),
        }
    }
    pub fn u16s(mut self) -> Vec<u16> {
        let n = self.len();
        (0..n).map(|_| u16::from_le_bytes(self.take())).collect()
    }
    pub fn u64s(mut self) -> Vec<u64> {
        let n = self.len();
        (0..n).map(|_| u64::from_le_bytes(self.take())).collect()
    }
    pub fn bools(mut self) -> Vec<bool> {
        let n = self.len();
        (0..n).map(|_| self.take::<1>()[0] == 1).collect()
    }
    pub fn pairs(mut self) -> Vec<(u16, u16)> {
        let n = self.len();
        (0..n)
            .map(|_| {
                (
                    u16::from_le_bytes(self.take()),
                    u16::from_le_bytes(self.take()),
                )
            })
            .collect()
    }
}
