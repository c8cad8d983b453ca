//! The OS random number generator, the crate's one source of nonces, IVs and seeds (DESIGN
//! rule 2: the convenient forms draw here; the explicit forms take the bytes as arguments).

/// `N` bytes from the OS (getrandom); `None` if the OS has none to give. Callers map that to
/// their own error. Not for key bytes that must not be copied by value (fill those in place).
pub(crate) fn bytes<const N: usize>() -> Option<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).ok()?;
    Some(b)
}
