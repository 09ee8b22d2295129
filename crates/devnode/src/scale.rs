//! The few SCALE codec pieces the node needs: compact integers and length-prefixed items.
//!
//! A full codec (parity-scale-codec) would be one more dependency for a handful of lines; the
//! node only frames opaque extrinsics, authority lists and justifications, whose layouts are
//! fixed. Type-aware decoding belongs to the metadata-driven `chain` crate, not here.

/// Appends the SCALE compact encoding of `value`.
pub(crate) fn put_compact(out: &mut Vec<u8>, value: u64) {
    if value < 1 << 6 {
        out.push((value as u8) << 2);
    } else if value < 1 << 14 {
        out.extend_from_slice(&(((value as u16) << 2) | 0b01).to_le_bytes());
    } else if value < 1 << 30 {
        out.extend_from_slice(&(((value as u32) << 2) | 0b10).to_le_bytes());
    } else {
        let bytes = value.to_le_bytes();
        let len = 8 - (value.leading_zeros() / 8) as usize;
        out.push((((len - 4) as u8) << 2) | 0b11);
        out.extend_from_slice(&bytes[..len]);
    }
}

/// The SCALE compact encoding of `value`.
pub(crate) fn compact(value: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(5);
    put_compact(&mut out, value as u64);
    out
}

/// Reads a compact integer from the front of `input`; returns it and the bytes after it, or
/// `None` when the input is truncated or the value does not fit a `u64`.
pub(crate) fn take_compact(input: &[u8]) -> Option<(u64, &[u8])> {
    let first = *input.first()?;
    match first & 0b11 {
        0b00 => Some((u64::from(first >> 2), &input[1..])),
        0b01 => {
            let b = input.get(..2)?;
            Some((
                u64::from(u16::from_le_bytes([b[0], b[1]]) >> 2),
                &input[2..],
            ))
        }
        0b10 => {
            let b = input.get(..4)?;
            Some((
                u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) >> 2),
                &input[4..],
            ))
        }
        _ => {
            let len = usize::from(first >> 2) + 4;
            if len > 8 {
                return None;
            }
            let b = input.get(1..1 + len)?;
            let mut le = [0u8; 8];
            le[..len].copy_from_slice(b);
            Some((u64::from_le_bytes(le), &input[1 + len..]))
        }
    }
}

/// Splits a SCALE `Vec<Vec<u8>>` into its items, each kept with its own length prefix (the
/// form an opaque extrinsic has inside a block body). `None` when the framing is broken.
pub(crate) fn split_prefixed_items(input: &[u8]) -> Option<Vec<Vec<u8>>> {
    let (count, mut rest) = take_compact(input)?;
    let mut items = Vec::new();
    for _ in 0..count {
        let (len, after_len) = take_compact(rest)?;
        let prefix_len = rest.len() - after_len.len();
        let total = prefix_len.checked_add(usize::try_from(len).ok()?)?;
        let item = rest.get(..total)?;
        items.push(item.to_vec());
        rest = &rest[total..];
    }
    rest.is_empty().then_some(items)
}

#[cfg(test)]
mod tests;
