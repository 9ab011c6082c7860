//! Request bodies sent with `Content-Encoding: gzip`, decoded under the
//! message limit.

use std::io::Read;

use bytes::Bytes;
use flate2::read::GzDecoder;

/// Why a gzip body was refused.
#[derive(Debug, thiserror::Error)]
pub(super) enum Error {
    /// It decodes to more than the limit.
    #[error("the decoded body is larger than the limit")]
    TooLarge,
    /// It is not valid gzip.
    #[error("the body is not valid gzip")]
    Corrupt(#[source] std::io::Error),
}

/// Decodes `body`, reading at most one byte past `limit`: a body that
/// expands further is refused without being expanded.
pub(super) fn gunzip(body: &[u8], limit: usize) -> Result<Bytes, Error> {
    let mut decoded = Vec::with_capacity(body.len().saturating_mul(2).min(limit));
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    GzDecoder::new(body)
        .take(cap)
        .read_to_end(&mut decoded)
        .map_err(Error::Corrupt)?;
    if decoded.len() > limit {
        return Err(Error::TooLarge);
    }
    Ok(Bytes::from(decoded))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn decodes_at_the_limit_and_refuses_one_past_it() {
        let at = vec![b'a'; 1000];
        assert_eq!(gunzip(&gzip(&at), 1000).unwrap().len(), 1000);
        let past = vec![b'a'; 1001];
        assert!(matches!(gunzip(&gzip(&past), 1000), Err(Error::TooLarge)));
    }

    #[test]
    fn a_bomb_is_refused_without_being_expanded() {
        // 64 MiB of zeros compress to about 64 KiB.
        let bomb = gzip(&vec![0; 64 << 20]);
        assert!(bomb.len() < 128 << 10, "{}", bomb.len());
        assert!(matches!(gunzip(&bomb, 1 << 20), Err(Error::TooLarge)));
    }

    #[test]
    fn garbage_is_corrupt() {
        assert!(matches!(
            gunzip(b"not gzip at all", 1000),
            Err(Error::Corrupt(_))
        ));
    }
}
