//! The two wire protocols, over a blocking HTTP client (`ureq`, rustls).
//!
//! * OpenAI-compatible: `POST {base}/v1/chat/completions` with
//!   `Authorization: Bearer <key>`, body
//!   `{"model", "messages": [{"role": "system", ...}, {"role": "user", ...}], "max_tokens"}`
//!   (plus `"temperature"` when configured); the reply text is
//!   `choices[0].message.content`.
//! * Anthropic: `POST {base}/v1/messages` with `x-api-key: <key>` and
//!   `anthropic-version: 2023-06-01`, body
//!   `{"model", "max_tokens", "system", "messages": [{"role": "user", ...}]}`
//!   (plus `"temperature"`); the reply text is the concatenation of the
//!   `text` blocks of `content`.
//!
//! Every request has a timeout. A 429 or 5xx answer, or a transport error
//! (connection refused or reset, timeout), is retried up to `max_retries`
//! times with exponential backoff (`backoff * 2^attempt`, at most 8 s, or
//! the server's `Retry-After` seconds, at most 30 s). Other HTTP errors, a
//! body that is not JSON, and JSON of an unexpected shape are errors that
//! name what was expected. The key is only ever put in the request header.

use super::{Api, LlmConfig};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use thiserror::Error;

/// The version header the Anthropic protocol requires.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// Why a call failed (after retries, where they apply).
#[derive(Debug, Error)]
pub enum CallError {
    /// The server answered with an error status.
    #[error("{url} answered HTTP {status}: {body}")]
    Status {
        /// Endpoint.
        url: String,
        /// HTTP status.
        status: u16,
        /// Start of the body (the vendor's error message).
        body: String,
    },
    /// No HTTP answer (connection, TLS, timeout).
    #[error("{url}: {message}")]
    Transport {
        /// Endpoint.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The body is not JSON.
    #[error("{url} answered HTTP {status} with a body that is not JSON ({body}): {error}")]
    NotJson {
        /// Endpoint.
        url: String,
        /// HTTP status.
        status: u16,
        /// Start of the body.
        body: String,
        /// The JSON parser's complaint.
        error: String,
    },
    /// JSON, but not the protocol's shape.
    #[error("{url} answered HTTP {status} with JSON of an unexpected shape: expected {expected}, found {found}")]
    Shape {
        /// Endpoint.
        url: String,
        /// HTTP status.
        status: u16,
        /// What the protocol promises.
        expected: &'static str,
        /// Start of what came instead.
        found: String,
    },
}

impl CallError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            CallError::Status { status, .. }
            | CallError::NotJson { status, .. }
            | CallError::Shape { status, .. } => Some(*status),
            CallError::Transport { .. } => None,
        }
    }

    /// Whether the configuration is wrong (bad key, unknown model or
    /// endpoint): asking again cannot help.
    pub fn is_fatal(&self) -> bool {
        matches!(self.status(), Some(401 | 403 | 404))
    }
}

/// A model's answer.
#[derive(Debug, Clone)]
pub struct Completion {
    /// The reply text.
    pub text: String,
    /// HTTP status of the answer (200).
    pub status: u16,
    /// HTTP requests made (1 + retries).
    pub attempts: u32,
    /// From the first request to the answer, retries and backoff included.
    pub latency: Duration,
}

/// A failed call with what it cost.
#[derive(Debug)]
pub struct Failure {
    /// Why.
    pub error: CallError,
    /// HTTP requests made.
    pub attempts: u32,
    /// Time spent.
    pub latency: Duration,
}

/// A client for one configured endpoint.
pub struct Client {
    agent: ureq::Agent,
    cfg: LlmConfig,
}

/// At most this much of a body goes into an error message.
const BODY_EXCERPT: usize = 300;

fn cut(body: &str) -> String {
    let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > BODY_EXCERPT {
        let s: String = flat.chars().take(BODY_EXCERPT).collect();
        format!("{s}...")
    } else {
        flat
    }
}

/// The request body for `system` and `user` messages.
pub fn request_body(cfg: &LlmConfig, system: &str, user: &str) -> Value {
    let mut body = match cfg.api {
        Api::OpenAi => json!({
            "model": cfg.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "max_tokens": cfg.max_tokens,
        }),
        Api::Anthropic => json!({
            "model": cfg.model,
            "max_tokens": cfg.max_tokens,
            "system": system,
            "messages": [{"role": "user", "content": user}],
        }),
    };
    if let Some(t) = cfg.temperature {
        body["temperature"] = json!(t);
    }
    body
}

/// The reply text of a protocol's JSON answer, or what was expected.
pub fn reply_text(api: Api, v: &Value) -> Result<String, &'static str> {
    match api {
        Api::OpenAi => v
            .get("choices")
            .and_then(|c| c.get(0))
            .and_then(|c| c.get("message"))
            .and_then(|m| m.get("content"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or("an object with choices[0].message.content, a string"),
        Api::Anthropic => {
            let blocks = v
                .get("content")
                .and_then(Value::as_array)
                .ok_or("an object with a content array of blocks")?;
            let texts: Vec<&str> = blocks
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect();
            if texts.is_empty() {
                return Err(
                    "a content array with at least one {\"type\": \"text\", \"text\": ...} block",
                );
            }
            Ok(texts.join("\n"))
        }
    }
}

impl Client {
    /// A client for `cfg` (no request is made).
    pub fn new(cfg: LlmConfig) -> Client {
        let agent = ureq::AgentBuilder::new()
            .timeout(cfg.timeout)
            .user_agent(concat!("synth/", env!("CARGO_PKG_VERSION")))
            .build();
        Client { agent, cfg }
    }

    /// The endpoint URL of the configured protocol.
    pub fn url(&self) -> String {
        self.cfg.endpoint()
    }

    /// Backoff before retry number `retry` (0-based), or the server's
    /// `Retry-After` when it gave one.
    fn backoff(&self, retry: u32, retry_after: Option<u64>) -> Duration {
        match retry_after {
            Some(s) => Duration::from_secs(s.min(30)),
            None => {
                let d = self.cfg.backoff.saturating_mul(1u32 << retry.min(16));
                d.min(Duration::from_secs(8))
            }
        }
    }

    /// Sends one prompt and returns the reply text.
    pub fn complete(&self, system: &str, user: &str) -> Result<Completion, Failure> {
        let url = self.url();
        let body = request_body(&self.cfg, system, user).to_string();
        let start = Instant::now();
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let mut req = self
                .agent
                .post(&url)
                .set("content-type", "application/json");
            req = match self.cfg.api {
                Api::OpenAi => req.set("authorization", &format!("Bearer {}", self.cfg.key())),
                Api::Anthropic => req
                    .set("x-api-key", self.cfg.key())
                    .set("anthropic-version", ANTHROPIC_VERSION),
            };
            let (error, retry_after) = match req.send_string(&body) {
                Ok(resp) => {
                    let status = resp.status();
                    let fail = |error| Failure {
                        error,
                        attempts,
                        latency: start.elapsed(),
                    };
                    let text = resp.into_string().map_err(|e| {
                        fail(CallError::Transport {
                            url: url.clone(),
                            message: format!("reading the body: {e}"),
                        })
                    })?;
                    let v: Value = serde_json::from_str(&text).map_err(|e| {
                        fail(CallError::NotJson {
                            url: url.clone(),
                            status,
                            body: cut(&text),
                            error: e.to_string(),
                        })
                    })?;
                    let reply = reply_text(self.cfg.api, &v).map_err(|expected| {
                        fail(CallError::Shape {
                            url: url.clone(),
                            status,
                            expected,
                            found: cut(&v.to_string()),
                        })
                    })?;
                    return Ok(Completion {
                        text: reply,
                        status,
                        attempts,
                        latency: start.elapsed(),
                    });
                }
                Err(ureq::Error::Status(status, resp)) => {
                    let retry_after = resp
                        .header("retry-after")
                        .and_then(|s| s.trim().parse::<u64>().ok());
                    let body = resp.into_string().unwrap_or_default();
                    (
                        CallError::Status {
                            url: url.clone(),
                            status,
                            body: cut(&body),
                        },
                        retry_after,
                    )
                }
                Err(ureq::Error::Transport(t)) => (
                    CallError::Transport {
                        url: url.clone(),
                        message: t.to_string(),
                    },
                    None,
                ),
            };
            let retryable = match error.status() {
                Some(s) => s == 429 || (500..=599).contains(&s),
                None => true,
            };
            if !retryable || attempts > self.cfg.max_retries {
                return Err(Failure {
                    error,
                    attempts,
                    latency: start.elapsed(),
                });
            }
            let wait = self.backoff(attempts - 1, retry_after);
            tracing::warn!(%url, status = ?error.status(), attempt = attempts, wait_ms = wait.as_millis() as u64, "LLM call failed, retrying: {error}");
            std::thread::sleep(wait);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(api: Api) -> LlmConfig {
        LlmConfig::new(api, "m", "k".into())
    }

    #[test]
    fn request_bodies_follow_each_protocol() {
        let b = request_body(&cfg(Api::OpenAi), "sys", "usr");
        assert_eq!(b["model"], "m");
        assert_eq!(
            b["messages"][0],
            json!({"role": "system", "content": "sys"})
        );
        assert_eq!(b["messages"][1], json!({"role": "user", "content": "usr"}));
        assert!(b.get("temperature").is_none());
        let mut c = cfg(Api::Anthropic);
        c.temperature = Some(0.0);
        let b = request_body(&c, "sys", "usr");
        assert_eq!(b["system"], "sys");
        assert_eq!(b["messages"], json!([{"role": "user", "content": "usr"}]));
        assert_eq!(b["max_tokens"], json!(c.max_tokens));
        assert_eq!(b["temperature"], json!(0.0));
    }

    #[test]
    fn reply_texts_are_read_or_the_expected_shape_named() {
        let ok =
            json!({"choices": [{"message": {"role": "assistant", "content": "[\"exact I.\"]"}}]});
        assert_eq!(reply_text(Api::OpenAi, &ok).unwrap(), "[\"exact I.\"]");
        let e = reply_text(Api::OpenAi, &json!({"choices": []})).unwrap_err();
        assert!(e.contains("choices[0].message.content"), "{e}");
        let a = json!({"content": [{"type": "thinking", "thinking": "hm"}, {"type": "text", "text": "a"}, {"type": "text", "text": "b"}]});
        assert_eq!(reply_text(Api::Anthropic, &a).unwrap(), "a\nb");
        let e =
            reply_text(Api::Anthropic, &json!({"content": [{"type": "tool_use"}]})).unwrap_err();
        assert!(e.contains("text"), "{e}");
        let e = reply_text(Api::Anthropic, &json!({"error": {}})).unwrap_err();
        assert!(e.contains("content array"), "{e}");
    }

    #[test]
    fn backoff_doubles_is_capped_and_honours_retry_after() {
        let mut c = cfg(Api::OpenAi);
        c.backoff = Duration::from_millis(500);
        let client = Client::new(c);
        assert_eq!(client.backoff(0, None), Duration::from_millis(500));
        assert_eq!(client.backoff(2, None), Duration::from_millis(2000));
        assert_eq!(client.backoff(10, None), Duration::from_secs(8));
        assert_eq!(client.backoff(0, Some(3)), Duration::from_secs(3));
        assert_eq!(client.backoff(0, Some(3600)), Duration::from_secs(30));
    }

    #[test]
    fn fatal_statuses_are_the_configuration_errors() {
        let s = |status| CallError::Status {
            url: "u".into(),
            status,
            body: String::new(),
        };
        assert!(s(401).is_fatal() && s(403).is_fatal() && s(404).is_fatal());
        assert!(!s(429).is_fatal() && !s(500).is_fatal() && !s(400).is_fatal());
    }
}
