//! Reading the client's deadline from the `grpc-timeout` header.

use std::time::Duration;
use tonic::metadata::MetadataMap;

/// The `grpc-timeout` value of a request, if present and well formed.
pub fn grpc_timeout(meta: &MetadataMap) -> Option<Duration> {
    parse_grpc_timeout(meta.get("grpc-timeout")?.to_str().ok()?)
}

/// Parse a `grpc-timeout` value (`<digits><unit>`, units `H M S m u n`).
pub fn parse_grpc_timeout(s: &str) -> Option<Duration> {
    if s.len() < 2 || s.len() > 9 {
        return None;
    }
    let (digits, unit) = s.split_at(s.len() - 1);
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.checked_mul(3600)?),
        "M" => Duration::from_secs(n.checked_mul(60)?),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// How long the server may wait before answering: the client's deadline
/// minus a margin (so our own `UNAVAILABLE` answer, not tonic's
/// `Timeout expired`, reaches the client), or `default` without a deadline.
pub fn wait_budget(meta: &MetadataMap, default: Duration) -> Duration {
    grpc_timeout(meta).map_or(default, budget_within)
}

/// How long the server may wait when the client gives up after `deadline`:
/// the deadline minus a margin of a tenth of it, at most 50 ms.
pub fn budget_within(deadline: Duration) -> Duration {
    let margin = (deadline / 10).min(Duration::from_millis(50));
    deadline.saturating_sub(margin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse_grpc_timeout("2S"), Some(Duration::from_secs(2)));
        assert_eq!(parse_grpc_timeout("150m"), Some(Duration::from_millis(150)));
        assert_eq!(parse_grpc_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_grpc_timeout("7u"), Some(Duration::from_micros(7)));
        assert_eq!(parse_grpc_timeout("5x"), None);
        assert_eq!(parse_grpc_timeout("m"), None);
        assert_eq!(parse_grpc_timeout("1234567890S"), None);
    }

    #[test]
    fn budget_leaves_a_margin_and_defaults() {
        let mut meta = MetadataMap::new();
        assert_eq!(
            wait_budget(&meta, Duration::from_secs(2)),
            Duration::from_secs(2)
        );
        meta.insert("grpc-timeout", "1000m".parse().unwrap());
        assert_eq!(
            wait_budget(&meta, Duration::from_secs(2)),
            Duration::from_millis(950)
        );
    }
}
