//! The result of one Rocq check and the parser of Rocq's error reports.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// One error reported by Rocq, located in the checked source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RocqError {
    /// 1-based line of the start of the failing span; 0 when Rocq gave no location.
    pub line: usize,
    /// Start of the span, in bytes from the beginning of `line` (Rocq's convention).
    pub char_start: usize,
    /// End of the span (exclusive), in bytes from the beginning of `line`; may
    /// run past the end of the line when the span covers several lines.
    pub char_end: usize,
    /// The message after `Error:`, possibly spanning several lines.
    pub message: String,
    /// The source text of the failing span (empty when unlocated).
    pub snippet: String,
}

/// Outcome of checking one source with Rocq.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// Rocq accepted the whole source (exit status 0, no timeout).
    pub ok: bool,
    /// The check was killed because it exceeded its time budget.
    pub timed_out: bool,
    /// Errors parsed from Rocq's output (coqc stops at the first one).
    pub errors: Vec<RocqError>,
    /// Names of lemmas/definitions closed with `Admitted`, in source order.
    pub admitted: Vec<String>,
    /// Standard output of the checker (what `Show`, `Print`... printed).
    pub stdout: String,
    /// Standard error of the checker (errors and warnings).
    pub stderr: String,
    /// Wall-clock time of the checker run (of the original run for cache hits).
    pub elapsed: Duration,
}

impl Verdict {
    /// True when Rocq accepted the source and nothing was left `Admitted`.
    pub fn is_closed(&self) -> bool {
        self.ok && self.admitted.is_empty()
    }

    /// The first reported error, if any.
    pub fn first_error(&self) -> Option<&RocqError> {
        self.errors.first()
    }
}

/// Parses `File "...", line L, characters A-B:` followed by `Error: ...`
/// blocks out of a checker's output; `source` is used to fill in snippets.
/// Warnings are skipped; an `Error:` without a location gets line 0.
pub fn parse_errors(output: &str, source: &str) -> Vec<RocqError> {
    let lines: Vec<&str> = output.lines().collect();
    let mut errors = Vec::new();
    let mut location: Option<(usize, usize, usize)> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(loc) = parse_location(line) {
            location = Some(loc);
            i += 1;
            continue;
        }
        if let Some(first) = line.strip_prefix("Error:") {
            let mut message: Vec<&str> = vec![first.trim()];
            i += 1;
            while i < lines.len()
                && !lines[i].trim().is_empty()
                && parse_location(lines[i]).is_none()
            {
                message.push(lines[i]);
                i += 1;
            }
            let message = message.join("\n").trim().to_string();
            let (line_no, a, b) = location.take().unwrap_or((0, 0, 0));
            errors.push(RocqError {
                line: line_no,
                char_start: a,
                char_end: b,
                snippet: snippet(source, line_no, a, b),
                message,
            });
            continue;
        }
        if !line.starts_with(' ') && !line.trim().is_empty() {
            // Any other block (e.g. `Warning:`) consumes the pending location.
            location = None;
        }
        i += 1;
    }
    errors
}

/// Parses `File "x.v", line 3, characters 12-23:` into `(3, 12, 23)`.
fn parse_location(line: &str) -> Option<(usize, usize, usize)> {
    let rest = line.strip_prefix("File \"")?;
    let (_, rest) = rest.split_once("\", line ")?;
    let (line_no, rest) = rest.split_once(", characters ")?;
    let (a, rest) = rest.split_once('-')?;
    let b = rest.trim_end().strip_suffix(':')?;
    Some((line_no.parse().ok()?, a.parse().ok()?, b.parse().ok()?))
}

/// The text of `source` covered by a Rocq span (byte offsets relative to the
/// start of 1-based `line`), clamped to the source and to char boundaries.
pub fn snippet(source: &str, line: usize, start: usize, end: usize) -> String {
    if line == 0 {
        return String::new();
    }
    let mut line_start = 0;
    for (n, l) in source.split_inclusive('\n').enumerate() {
        if n + 1 == line {
            break;
        }
        line_start += l.len();
    }
    let clamp = |mut pos: usize| {
        pos = pos.min(source.len());
        while !source.is_char_boundary(pos) {
            pos -= 1;
        }
        pos
    };
    let a = clamp(line_start + start);
    let b = clamp(line_start + end.max(start));
    source[a..b].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "Lemma foo : forall n, n + 0 = n.\nProof.\n  intros n. reflexivity.\nQed.\n";

    #[test]
    fn parses_multiline_error_with_location_and_snippet() {
        let out = "File \"./A.v\", line 3, characters 12-24:\nError: In environment\nn : nat\nUnable to unify \"n\" with \"n + 0\".\n\n";
        let errs = parse_errors(out, SRC);
        assert_eq!(errs.len(), 1);
        let e = &errs[0];
        assert_eq!((e.line, e.char_start, e.char_end), (3, 12, 24));
        assert!(e
            .message
            .starts_with("In environment\nn : nat\nUnable to unify"));
        assert_eq!(e.snippet, "reflexivity.");
    }

    #[test]
    fn skips_warnings_and_keeps_unlocated_errors() {
        let out = "File \"./A.v\", line 1, characters 0-5:\nWarning: something odd\n[odd,default]\nError: Can't find file ./B.v\n";
        let errs = parse_errors(out, SRC);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 0);
        assert_eq!(errs[0].message, "Can't find file ./B.v");
        assert_eq!(errs[0].snippet, "");
    }

    #[test]
    fn snippet_is_clamped() {
        assert_eq!(snippet("ab\ncd", 2, 1, 99), "d");
        assert_eq!(snippet("é", 1, 1, 2), "é");
    }
}
