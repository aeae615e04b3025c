//! Operation scripts and their results, in the line format shared by the
//! OCaml driver (`ocaml/driver.ml`) and the Rust interpreter ([`crate::sim`]).
//!
//! Input, one operation per line (a *batch* is several scripts, each starting
//! with its `reset` line):
//!
//! ```text
//! reset 3          start a new system with 3 replicas (all state dropped)
//! put 0 1 2 7      session 1 writes value 7 at key 2 through replica 0
//! get 1 1 2        session 1 reads key 2 through replica 1
//! deliver 4        deliver the in-flight message at index 4 (0-based)
//! ```
//!
//! Output, one line per input line:
//!
//! ```text
//! reset 3
//! put ok | put blocked
//! get value 7 | get none | get blocked
//! deliver applied | deliver blocked | deliver absent
//! invalid          replica out of range (nothing changes)
//! ```

use std::fmt;
use std::str::FromStr;

/// One client or network action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `put r s k v`: session `s` writes `v` at key `k` through replica `r`.
    Put {
        /// Replica serving the operation.
        replica: u64,
        /// Client session (its token is kept between operations).
        session: u64,
        /// Key.
        key: u64,
        /// Value.
        value: u64,
    },
    /// `get r s k`: session `s` reads key `k` through replica `r`.
    Get {
        /// Replica serving the operation.
        replica: u64,
        /// Client session.
        session: u64,
        /// Key.
        key: u64,
    },
    /// `deliver i`: apply the `i`-th in-flight message (0-based) at its
    /// destination if its guard holds, removing it from the network.
    Deliver {
        /// Index into the in-flight list.
        index: usize,
    },
}

/// A script: a fresh system of `replicas` replicas, then `ops`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// Number of replicas (`0..replicas`).
    pub replicas: u64,
    /// Operations, in order.
    pub ops: Vec<Op>,
}

/// What one operation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `put` accepted (`true`) or not yet (`false`).
    Put(bool),
    /// `get`: `None` = not yet; `Some(None)` = no write visible; `Some(Some(v))`.
    Get(Option<Option<u64>>),
    /// `deliver`.
    Deliver(Delivery),
    /// The operation names a replica outside `0..replicas`.
    Invalid,
}

/// Result of a `deliver`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The guard held; the message was applied and removed.
    Applied,
    /// The guard does not hold yet; the message stays in flight.
    Blocked,
    /// No in-flight message has that index.
    Absent,
}

/// A line of a script or of a result file that could not be parsed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: cannot parse {text:?}: {reason}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// The offending line.
    pub text: String,
    /// What was wrong.
    pub reason: String,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Op::Put {
                replica,
                session,
                key,
                value,
            } => write!(f, "put {replica} {session} {key} {value}"),
            Op::Get {
                replica,
                session,
                key,
            } => write!(f, "get {replica} {session} {key}"),
            Op::Deliver { index } => write!(f, "deliver {index}"),
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Outcome::Put(true) => f.write_str("put ok"),
            Outcome::Put(false) => f.write_str("put blocked"),
            Outcome::Get(None) => f.write_str("get blocked"),
            Outcome::Get(Some(None)) => f.write_str("get none"),
            Outcome::Get(Some(Some(v))) => write!(f, "get value {v}"),
            Outcome::Deliver(Delivery::Applied) => f.write_str("deliver applied"),
            Outcome::Deliver(Delivery::Blocked) => f.write_str("deliver blocked"),
            Outcome::Deliver(Delivery::Absent) => f.write_str("deliver absent"),
            Outcome::Invalid => f.write_str("invalid"),
        }
    }
}

impl fmt::Display for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "reset {}", self.replicas)?;
        for op in &self.ops {
            writeln!(f, "{op}")?;
        }
        Ok(())
    }
}

fn num<T: FromStr>(s: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("{s:?} is not a number"))
}

/// A parsed input line.
enum Line {
    Reset(u64),
    Op(Op),
}

fn parse_line(text: &str) -> Result<Option<Line>, String> {
    let w: Vec<&str> = text.split_whitespace().collect();
    Ok(Some(match w.as_slice() {
        [] => return Ok(None),
        ["reset", n] => Line::Reset(num(n)?),
        ["put", r, s, k, v] => Line::Op(Op::Put {
            replica: num(r)?,
            session: num(s)?,
            key: num(k)?,
            value: num(v)?,
        }),
        ["get", r, s, k] => Line::Op(Op::Get {
            replica: num(r)?,
            session: num(s)?,
            key: num(k)?,
        }),
        ["deliver", i] => Line::Op(Op::Deliver { index: num(i)? }),
        _ => return Err("expected reset/put/get/deliver with their arguments".into()),
    }))
}

/// Parse a batch of scripts (each starts with `reset N`; blank lines are
/// ignored). Operations before the first `reset` belong to an implicit
/// `reset 3`.
pub fn parse_batch(text: &str) -> Result<Vec<Script>, ParseError> {
    let mut out: Vec<Script> = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let err = |reason: String| ParseError {
            line: i + 1,
            text: l.to_string(),
            reason,
        };
        match parse_line(l).map_err(err)? {
            None => {}
            Some(Line::Reset(n)) => out.push(Script {
                replicas: n,
                ops: Vec::new(),
            }),
            Some(Line::Op(op)) => {
                if out.is_empty() {
                    out.push(Script {
                        replicas: 3,
                        ops: Vec::new(),
                    });
                }
                out.last_mut().expect("pushed above").ops.push(op);
            }
        }
    }
    Ok(out)
}

/// Print a batch of scripts in the input format.
pub fn print_batch(scripts: &[Script]) -> String {
    let mut s = String::new();
    for sc in scripts {
        s.push_str(&sc.to_string());
    }
    s
}

/// The output lines of one script: its `reset N` echo, then one line per op.
pub fn render_outcomes(replicas: u64, outcomes: &[Outcome]) -> Vec<String> {
    let mut v = Vec::with_capacity(outcomes.len() + 1);
    v.push(format!("reset {replicas}"));
    v.extend(outcomes.iter().map(|o| o.to_string()));
    v
}

/// Append the output lines of one script to `out` (same lines as
/// [`render_outcomes`], each ending in `\n`).
pub fn render_into(out: &mut String, replicas: u64, outcomes: &[Outcome]) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = writeln!(out, "reset {replicas}");
    for o in outcomes {
        let _ = writeln!(out, "{o}");
    }
}

/// Split the output of a batch into the output lines of each script (each
/// group starts with its `reset` echo).
pub fn split_output(text: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for l in text.lines() {
        if l.starts_with("reset") || out.is_empty() {
            out.push(Vec::new());
        }
        out.last_mut().expect("pushed above").push(l.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_round_trips_through_text() {
        let text = "reset 3\nput 0 1 2 7\nget 1 1 2\ndeliver 4\n\nreset 2\nget 1 0 0\n";
        let b = parse_batch(text).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].ops.len(), 3);
        assert_eq!(
            b[0].ops[0],
            Op::Put {
                replica: 0,
                session: 1,
                key: 2,
                value: 7
            }
        );
        assert_eq!(print_batch(&b), text.replace("\n\n", "\n"));
    }

    #[test]
    fn malformed_lines_are_errors_with_line_numbers() {
        let e = parse_batch("reset 3\nput 0 1\n").unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse_batch("get a 1 2\n").unwrap_err();
        assert!(e.reason.contains("not a number"), "{e}");
    }

    #[test]
    fn outputs_split_per_script() {
        let o = split_output("reset 3\nput ok\nget value 1\nreset 3\ndeliver absent\n");
        assert_eq!(o.len(), 2);
        assert_eq!(o[1], vec!["reset 3", "deliver absent"]);
        let outs = [Outcome::Put(true), Outcome::Get(Some(Some(1)))];
        assert_eq!(render_outcomes(3, &outs), o[0]);
        let mut text = String::new();
        render_into(&mut text, 3, &outs);
        assert_eq!(text, "reset 3\nput ok\nget value 1\n");
    }
}
