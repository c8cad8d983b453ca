//! The name an object's keys are bound to, below every layer that binds one (`sse` seals
//! object keys to it, `kms` puts it in the KMS context): Go's `path.Join(bucket, object)`, as
//! MinIO computes it, and the rule that refuses the names it would alias.

/// Checks that `path.Join(bucket, object)` names this pair alone and returns it; the reason
/// otherwise. The public form, with the rule spelled out, is [`crate::sse::binding_name`].
pub(crate) fn binding_name(bucket: &str, object: &str) -> Result<String, &'static str> {
    if bucket.is_empty() || bucket.contains('/') || bucket == "." || bucket == ".." {
        return Err("the bucket name must be non-empty, without '/', and not '.' or '..'");
    }
    if object.is_empty() {
        return Err("the object name is empty");
    }
    let body = object.strip_suffix('/').unwrap_or(object);
    if body
        .split('/')
        .any(|e| e.is_empty() || e == "." || e == "..")
    {
        return Err(
            "the object name has an empty, '.' or '..' element (a leading '/', '//', '/./' or '/../'), which path.Clean would change",
        );
    }
    // What `path.Join` gives for such a pair, without running `path.Clean` again.
    let joined = format!("{bucket}/{body}");
    debug_assert_eq!(joined, path_join(bucket, object));
    Ok(joined)
}

/// Go's `path.Join(bucket, object)`: the non-empty elements joined with `/`, then cleaned
/// (`path.Clean`: repeated slashes collapse, `.` elements go, `..` removes the element before
/// it, a trailing slash goes). This is MinIO's formula; it aliases (`a/` and `a`, `../x`
/// escapes the bucket), so sealing binds through
/// [`binding_name`](crate::sse::binding_name), which refuses the names it would change.
///
/// ```
/// use s3crypt::names::path_join;
/// assert_eq!(path_join("bucket", "dir//sub/./../file"), "bucket/dir/file");
/// assert_eq!(path_join("bucket", "dir/"), "bucket/dir");
/// assert_eq!(path_join("bucket", "../escape"), "escape");
/// assert_eq!(path_join("bucket", ""), "bucket");
/// ```
pub fn path_join(bucket: &str, object: &str) -> String {
    let joined = match (bucket.is_empty(), object.is_empty()) {
        (true, true) => return String::new(),
        (false, true) => bucket.to_owned(),
        (true, false) => object.to_owned(),
        (false, false) => format!("{bucket}/{object}"),
    };
    path_clean(&joined)
}

/// Go's `path.Clean`.
fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_owned();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for elem in p.split('/') {
        match elem {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            e => parts.push(e),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_owned(),
        (false, false) => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_path_clean_cases() {
        // From Go's path package tests (cleantests).
        for (i, want) in [
            ("", "."),
            ("abc", "abc"),
            ("abc/def", "abc/def"),
            ("a/b/c", "a/b/c"),
            (".", "."),
            ("..", ".."),
            ("../..", "../.."),
            ("../../abc", "../../abc"),
            ("/abc", "/abc"),
            ("/", "/"),
            ("abc/", "abc"),
            ("abc/def/", "abc/def"),
            ("/abc/", "/abc"),
            ("//abc", "/abc"),
            ("abc//def//ghi", "abc/def/ghi"),
            ("abc/./def", "abc/def"),
            ("/./abc/def", "/abc/def"),
            ("abc/.", "abc"),
            ("abc/def/ghi/../jkl", "abc/def/jkl"),
            ("abc/def/../ghi/../jkl", "abc/jkl"),
            ("abc/def/..", "abc"),
            ("abc/def/../..", "."),
            ("/abc/def/../..", "/"),
            ("abc/def/../../..", ".."),
            ("/abc/def/../../..", "/"),
            ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"),
            ("abc/./../def", "def"),
            ("abc//./../def", "def"),
            ("abc/../../././../def", "../../def"),
        ] {
            assert_eq!(path_clean(i), want, "Clean({i:?})");
        }
        assert_eq!(path_join("", ""), "");
        assert_eq!(path_join("", "x"), "x");
        assert_eq!(path_join("b", "/object"), "b/object");
        assert_eq!(path_join("b", ".."), ".");
    }
}
