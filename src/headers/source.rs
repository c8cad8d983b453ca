//! Where header fields come from.

/// A source of HTTP header field lines (or, for PostObject, multipart form fields).
///
/// Yields every field line in the order received, as raw bytes: a name that repeats yields
/// once per line. Implemented for slices, arrays and vectors of `(name, value)` pairs of
/// anything that is `AsRef<[u8]>` (`&str`, `String`, `Vec<u8>`, …) and, with the `http`
/// feature, for `http::HeaderMap`.
///
/// ```
/// use s3crypt::headers::HeaderSource;
/// let fields = [("Host", "example.com"), ("x-amz-server-side-encryption", "AES256")];
/// assert_eq!(fields.fields().count(), 2);
/// ```
pub trait HeaderSource {
    /// Every field line as `(name, value)`.
    fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])>;
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> HeaderSource for [(N, V)] {
    fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.iter().map(|(n, v)| (n.as_ref(), v.as_ref()))
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>, const K: usize> HeaderSource for [(N, V); K] {
    fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.as_slice().fields()
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> HeaderSource for Vec<(N, V)> {
    fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.as_slice().fields()
    }
}

impl<T: HeaderSource + ?Sized> HeaderSource for &T {
    fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        (**self).fields()
    }
}

#[cfg(feature = "http")]
impl HeaderSource for http::HeaderMap {
    fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.iter()
            .map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes()))
    }
}
