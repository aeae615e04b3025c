//! The LLM proposer: asks a language model for tactic scripts, over the
//! OpenAI-compatible or the Anthropic HTTP API, then falls back to the
//! built-in portfolio.
//!
//! It is one more [`Proposer`]: what it suggests goes through the same
//! oracle (every script is checked by Rocq) and the same audit as the
//! built-in and replay proposers, so a model can make a run slower or
//! faster but never make an unsound development pass.
//!
//! # Order of the suggestions
//!
//! For each obligation, [`LlmProposer::propose`] returns
//! 1. the model's scripts that pass the safety filter ([`parse`]), in the
//!    model's order (at most `max_scripts`), then
//! 2. every script of the built-in proposer (remembered tactics, library
//!    lemmas ranked by the goal, shape tactics, `eauto`, `sauto`) that the
//!    model did not already give.
//!
//! Decompositions (the middle loop's helper lemmas, [`crate::decompose`])
//! are the fallback's; the model is asked again, with the helper's goal,
//! for each helper lemma.
//!
//! So a run with the LLM proposer tries everything a built-in run tries:
//! when the model is wrong, unreachable, out of budget or disabled, the
//! search is the built-in one after at most `max_scripts` extra checks per
//! obligation.
//!
//! # Configuration (`synth run --proposer llm`)
//!
//! | flag | meaning | default |
//! |---|---|---|
//! | `--llm-api openai\|anthropic` | wire protocol ([`client`]) | `openai` |
//! | `--llm-model NAME` | model name sent in each request | required |
//! | `--llm-base-url URL` | endpoint base; `/v1/...` is appended (a trailing `/v1` is accepted) | `https://api.openai.com` / `https://api.anthropic.com` |
//! | `--llm-max-calls N` | cap on model calls per run (cached prompts are free) | 200 |
//! | `--llm-timeout SECS` | per-request timeout | 120 |
//! | `--llm-retries N` | retries on 429/5xx/transport errors | 3 |
//! | `--llm-backoff-ms MS` | first backoff (doubles per retry, at most 8 s) | 1000 |
//! | `--llm-max-scripts N` | scripts kept per reply | 8 |
//! | `--llm-max-tokens N` | `max_tokens` of each request | 1024 |
//! | `--llm-temperature T` | sent only when given | unset |
//!
//! The key is read from `OPENAI_API_KEY` or `ANTHROPIC_API_KEY` (by
//! protocol); a missing or empty key is an error before the run starts. The
//! key is only sent in the request header: it is never logged.
//!
//! # Run log
//!
//! Every call writes a `{"move": "llm", ...}` record to `synthesis/run.jsonl`
//! with the protocol, model, lemma, HTTP status, attempts, latency, the
//! number of scripts proposed, the accepted scripts, the refused ones with
//! the filter's reason, and the prompt's sha256; failed calls carry the
//! error. A prompt already asked in this run is answered from the cache (a
//! record with `"cached": true`, no request). When the call cap is reached
//! or the proposer is disabled (HTTP 401, 403 or 404: a wrong key, model
//! or URL), records say `"skipped"` and only the built-in scripts are
//! proposed. When the run ends, an `llm-summary` record gives the totals
//! (also the `llm` field of `summary.json`).
//!
//! `--resume` reads the interrupted run's `llm` records back into the
//! cache, so the resumed search proposes the same scripts it did before.

pub mod client;
pub mod parse;
pub mod prompt;

use crate::proposer::{Proposer, Request};
use crate::runlog::RunLog;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use thiserror::Error;

/// The wire protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `POST {base}/v1/chat/completions`, `Authorization: Bearer`.
    OpenAi,
    /// `POST {base}/v1/messages`, `x-api-key`, `anthropic-version`.
    Anthropic,
}

impl Api {
    /// The environment variable holding the key.
    pub fn key_var(self) -> &'static str {
        match self {
            Api::OpenAi => "OPENAI_API_KEY",
            Api::Anthropic => "ANTHROPIC_API_KEY",
        }
    }

    /// The vendor's public endpoint base.
    pub fn default_base_url(self) -> &'static str {
        match self {
            Api::OpenAi => "https://api.openai.com",
            Api::Anthropic => "https://api.anthropic.com",
        }
    }

    /// The path appended to the base.
    pub fn path(self) -> &'static str {
        match self {
            Api::OpenAi => "/v1/chat/completions",
            Api::Anthropic => "/v1/messages",
        }
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Api::OpenAi => "openai",
            Api::Anthropic => "anthropic",
        })
    }
}

/// A configuration that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// No key in the environment.
    #[error("the {api} API key is missing: set {var} in the environment (or pick another protocol with --llm-api)")]
    MissingKey {
        /// Protocol.
        api: Api,
        /// The variable to set.
        var: &'static str,
    },
    /// No model name.
    #[error("--proposer llm needs --llm-model NAME (the model name sent to the {0} API)")]
    MissingModel(Api),
    /// A base URL that is not http(s).
    #[error("--llm-base-url {0:?} is not an http:// or https:// URL")]
    BadUrl(String),
    /// A number out of range.
    #[error("{0}")]
    Bad(String),
}

/// How to reach the model, and the limits of a run.
#[derive(Clone, PartialEq)]
pub struct LlmConfig {
    /// Protocol.
    pub api: Api,
    /// Model name.
    pub model: String,
    /// Base URL without a trailing `/` or `/v1`.
    pub base_url: String,
    key: String,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retries of a request on 429, 5xx and transport errors.
    pub max_retries: u32,
    /// First backoff (doubled per retry, at most 8 s).
    pub backoff: Duration,
    /// Model calls per run.
    pub max_calls: usize,
    /// Scripts kept per reply.
    pub max_scripts: usize,
    /// `max_tokens` of each request.
    pub max_tokens: u32,
    /// `temperature`, sent only when set.
    pub temperature: Option<f64>,
}

// `temperature` is never NaN (checked where it is set).
impl Eq for LlmConfig {}

impl fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmConfig")
            .field("api", &self.api)
            .field("model", &self.model)
            .field("base_url", &self.base_url)
            .field("key", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("backoff", &self.backoff)
            .field("max_calls", &self.max_calls)
            .field("max_scripts", &self.max_scripts)
            .field("max_tokens", &self.max_tokens)
            .field("temperature", &self.temperature)
            .finish()
    }
}

/// Trims a trailing `/` and `/v1` (the path is appended per protocol).
pub fn normalize_base_url(url: &str) -> Result<String, ConfigError> {
    let u = url.trim();
    if !(u.starts_with("http://") || u.starts_with("https://")) || u.contains(char::is_whitespace) {
        return Err(ConfigError::BadUrl(url.to_string()));
    }
    let mut u = u.trim_end_matches('/').to_string();
    if let Some(s) = u.strip_suffix("/v1") {
        u = s.to_string();
    }
    if u.ends_with("//") || u.ends_with(':') {
        return Err(ConfigError::BadUrl(url.to_string()));
    }
    Ok(u)
}

impl LlmConfig {
    /// A configuration with the defaults of the CLI and the vendor's endpoint.
    pub fn new(api: Api, model: &str, key: String) -> LlmConfig {
        LlmConfig {
            api,
            model: model.to_string(),
            base_url: api.default_base_url().to_string(),
            key,
            timeout: Duration::from_secs(120),
            max_retries: 3,
            backoff: Duration::from_millis(1000),
            max_calls: 200,
            max_scripts: 8,
            max_tokens: 1024,
            temperature: None,
        }
    }

    /// The configuration for `api` and `model`, the key read through `env`
    /// (`std::env::var` in the CLI) from [`Api::key_var`].
    pub fn from_env(
        api: Api,
        model: Option<&str>,
        base_url: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<LlmConfig, ConfigError> {
        let model = model
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .ok_or(ConfigError::MissingModel(api))?;
        let var = api.key_var();
        let key = env(var)
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .ok_or(ConfigError::MissingKey { api, var })?;
        let mut cfg = LlmConfig::new(api, model, key);
        if let Some(u) = base_url {
            cfg.base_url = normalize_base_url(u)?;
        }
        Ok(cfg)
    }

    /// Checks the limits (after the CLI set them).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_scripts == 0 {
            return Err(ConfigError::Bad(
                "--llm-max-scripts must be at least 1".into(),
            ));
        }
        if self.max_tokens == 0 {
            return Err(ConfigError::Bad(
                "--llm-max-tokens must be at least 1".into(),
            ));
        }
        if self.timeout.is_zero() {
            return Err(ConfigError::Bad(
                "--llm-timeout must be at least 1 second".into(),
            ));
        }
        if let Some(t) = self.temperature {
            if !(0.0..=2.0).contains(&t) {
                return Err(ConfigError::Bad(format!(
                    "--llm-temperature {t} is outside 0..=2"
                )));
            }
        }
        Ok(())
    }

    /// The key (only for the request header).
    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    /// The full endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("{}{}", self.base_url, self.api.path())
    }
}

/// Where the proposer writes its records: the run log, attached once it is
/// open (records written before are kept and flushed then); it also holds
/// the latest totals for the run's summary.
#[derive(Clone, Default)]
pub struct LogSlot(Arc<Mutex<SlotState>>);

#[derive(Default)]
struct SlotState {
    log: Option<RunLog>,
    pending: Vec<Value>,
    totals: Option<Value>,
}

impl LogSlot {
    /// Attaches the run log and writes what was waiting.
    pub fn attach(&self, log: RunLog) {
        if let Ok(mut g) = self.0.lock() {
            for r in std::mem::take(&mut g.pending) {
                log.write(r);
            }
            g.log = Some(log);
        }
    }

    fn write(&self, record: Value) {
        if let Ok(mut g) = self.0.lock() {
            match &g.log {
                Some(log) => log.write(record),
                None => g.pending.push(record),
            }
        }
    }

    fn publish(&self, totals: Value) {
        if let Ok(mut g) = self.0.lock() {
            g.totals = Some(totals);
        }
    }

    /// The proposer's totals so far (as in the `llm-summary` record, without
    /// `move`), once it was asked anything: `summary.json`'s `llm` field.
    pub fn totals(&self) -> Option<Value> {
        self.0.lock().ok().and_then(|g| g.totals.clone())
    }
}

/// Totals of a run, written as the `llm-summary` record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Model calls (requests that went out, each with its retries).
    pub calls: usize,
    /// Calls that failed (HTTP, transport or reply format).
    pub failed: usize,
    /// Prompts answered from the cache.
    pub cached: usize,
    /// Prompts not sent because of the cap or a disabled proposer.
    pub skipped: usize,
    /// Scripts accepted from replies.
    pub scripts: usize,
    /// Scripts refused by the safety filter.
    pub refused: usize,
}

/// The LLM proposer (see the module docs).
pub struct LlmProposer {
    name: String,
    cfg: LlmConfig,
    client: client::Client,
    fallback: Box<dyn Proposer>,
    log: LogSlot,
    cache: HashMap<String, Vec<String>>,
    disabled: Option<String>,
    totals: Totals,
}

impl LlmProposer {
    /// A proposer asking the model of `cfg`, followed by `fallback` (the
    /// built-in proposer in `synth run`).
    pub fn new(cfg: LlmConfig, fallback: Box<dyn Proposer>) -> LlmProposer {
        LlmProposer {
            name: format!("llm:{}/{}", cfg.api, cfg.model),
            client: client::Client::new(cfg.clone()),
            cfg,
            fallback,
            log: LogSlot::default(),
            cache: HashMap::new(),
            disabled: None,
            totals: Totals::default(),
        }
    }

    /// The slot the run log is attached to.
    pub fn log_slot(&self) -> LogSlot {
        self.log.clone()
    }

    /// The totals so far.
    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    /// Reads the `llm` records of an interrupted run's log back into the
    /// cache (`--resume`); calls already made count against the cap.
    /// Returns the number of prompts restored.
    pub fn restore_from_log(&mut self, text: &str) -> usize {
        let mut n = 0;
        for line in text.lines() {
            let Ok(v) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            if v["move"] != "llm" || v["model"] != self.cfg.model.as_str() {
                continue;
            }
            let (Some(d), Some(p)) = (v["prompt_sha256"].as_str(), v["proposed"].as_array()) else {
                continue;
            };
            let scripts: Vec<String> = p
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|s| parse::check_script(s).ok())
                .collect();
            if v["call"] == true {
                self.totals.calls += 1;
            }
            if self.cache.insert(d.to_string(), scripts).is_none() {
                n += 1;
            }
        }
        n
    }

    /// Removes the key from text that goes to the log (a server could echo it).
    fn scrub(&self, s: &str) -> String {
        let k = self.cfg.key();
        if k.len() >= 4 {
            s.replace(k, "<redacted>")
        } else {
            s.to_string()
        }
    }

    /// The totals as JSON (the `llm-summary` record without `move`).
    fn totals_json(&self) -> Value {
        let t = &self.totals;
        json!({
            "api": self.cfg.api.to_string(), "model": self.cfg.model,
            "calls": t.calls, "failed": t.failed, "cached": t.cached, "skipped": t.skipped,
            "scripts": t.scripts, "refused": t.refused, "disabled": self.disabled,
        })
    }

    /// The model's scripts for a request (empty on any failure).
    fn suggest(&mut self, req: &Request) -> Vec<String> {
        let prompt = prompt::build(req, self.cfg.max_scripts);
        let digest = prompt.digest(&self.cfg.model);
        let base = json!({
            "move": "llm",
            "api": self.cfg.api.to_string(),
            "model": self.cfg.model,
            "lemma": req.lemma,
            "prompt_sha256": digest,
        });
        let record = |extra: Value| {
            let mut r = base.clone();
            if let (Value::Object(r), Value::Object(e)) = (&mut r, extra) {
                r.extend(e);
            }
            r
        };
        if let Some(s) = self.cache.get(&digest) {
            self.totals.cached += 1;
            let s = s.clone();
            self.log.write(record(
                json!({"cached": true, "scripts": s.len(), "proposed": s}),
            ));
            return s;
        }
        let skip = if let Some(why) = &self.disabled {
            Some(format!("disabled: {why}"))
        } else if self.totals.calls >= self.cfg.max_calls {
            Some(format!(
                "call cap reached (--llm-max-calls {})",
                self.cfg.max_calls
            ))
        } else {
            None
        };
        if let Some(why) = skip {
            if self.totals.skipped == 0 {
                tracing::warn!("LLM proposer: {why}; built-in scripts only from here on");
            }
            self.totals.skipped += 1;
            self.cache.insert(digest, vec![]);
            self.log.write(record(
                json!({"skipped": why, "scripts": 0, "proposed": []}),
            ));
            return vec![];
        }
        self.totals.calls += 1;
        tracing::debug!(lemma = req.lemma, model = %self.cfg.model, "asking the model");
        let scripts = match self.client.complete(&prompt.system, &prompt.user) {
            Ok(c) => match parse::scripts_from_reply(&c.text, self.cfg.max_scripts) {
                Ok(p) => {
                    self.totals.scripts += p.accepted.len();
                    self.totals.refused += p.refused.len();
                    let refused: Vec<Value> = p
                        .refused
                        .iter()
                        .map(|(s, why)| json!({"script": self.scrub(&parse::excerpt(s, 200)), "reason": why.to_string()}))
                        .collect();
                    self.log.write(record(json!({
                        "call": true, "status": c.status, "attempts": c.attempts,
                        "latency_ms": c.latency.as_millis() as u64,
                        "scripts": p.accepted.len(), "proposed": p.accepted, "refused": refused,
                    })));
                    p.accepted
                }
                Err(e) => {
                    self.totals.failed += 1;
                    tracing::warn!(lemma = req.lemma, "unusable model reply: {e}");
                    self.log.write(record(json!({
                        "call": true, "status": c.status, "attempts": c.attempts,
                        "latency_ms": c.latency.as_millis() as u64,
                        "scripts": 0, "proposed": [], "error": self.scrub(&e.to_string()),
                    })));
                    vec![]
                }
            },
            Err(f) => {
                self.totals.failed += 1;
                let msg = self.scrub(&f.error.to_string());
                tracing::warn!(lemma = req.lemma, "model call failed: {msg}");
                self.log.write(record(json!({
                    "call": true, "status": f.error.status(), "attempts": f.attempts,
                    "latency_ms": f.latency.as_millis() as u64,
                    "scripts": 0, "proposed": [], "error": msg,
                })));
                if f.error.is_fatal() {
                    tracing::error!("the LLM proposer is disabled for the rest of the run (built-in scripts only): {msg}");
                    self.log
                        .write(json!({"move": "llm-disabled", "reason": msg.clone()}));
                    self.disabled = Some(msg);
                }
                vec![]
            }
        };
        self.cache.insert(digest, scripts.clone());
        scripts
    }
}

/// The model's scripts first, then the fallback's that are not among them.
pub fn merge(first: Vec<String>, then: Vec<String>) -> Vec<String> {
    let mut out = first;
    for t in then {
        if !out
            .iter()
            .any(|s| parse::normalize(s) == parse::normalize(&t))
        {
            out.push(t);
        }
    }
    out
}

impl Proposer for LlmProposer {
    fn name(&self) -> &str {
        &self.name
    }

    fn propose(&mut self, req: &Request) -> Vec<String> {
        let llm = self.suggest(req);
        self.log.publish(self.totals_json());
        merge(llm, self.fallback.propose(req))
    }

    /// The middle loop's splits are the fallback's (the built-in rules):
    /// the model is asked for tactic scripts only, helper lemmas included.
    fn decompositions(&mut self, req: &Request) -> Vec<crate::decompose::Split> {
        self.fallback.decompositions(req)
    }
}

impl Drop for LlmProposer {
    fn drop(&mut self) {
        let t = &self.totals;
        tracing::info!(
            calls = t.calls,
            failed = t.failed,
            cached = t.cached,
            skipped = t.skipped,
            scripts = t.scripts,
            refused = t.refused,
            "LLM proposer totals"
        );
        let mut record = json!({"move": "llm-summary"});
        if let (Value::Object(r), Value::Object(t)) = (&mut record, self.totals_json()) {
            r.extend(t);
        }
        self.log.write(record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::development::ObKind;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_key_comes_from_the_protocols_variable_and_is_never_printed() {
        let c = LlmConfig::from_env(
            Api::Anthropic,
            Some("claude-x"),
            None,
            env(&[("ANTHROPIC_API_KEY", "sk-secret-1")]),
        )
        .unwrap();
        assert_eq!(c.key(), "sk-secret-1");
        assert_eq!(c.endpoint(), "https://api.anthropic.com/v1/messages");
        assert!(!format!("{c:?}").contains("sk-secret-1"));
        let e = LlmConfig::from_env(
            Api::OpenAi,
            Some("gpt"),
            None,
            env(&[("ANTHROPIC_API_KEY", "sk")]),
        )
        .unwrap_err();
        assert_eq!(
            e,
            ConfigError::MissingKey {
                api: Api::OpenAi,
                var: "OPENAI_API_KEY"
            }
        );
        assert!(e.to_string().contains("set OPENAI_API_KEY"), "{e}");
        let e = LlmConfig::from_env(
            Api::OpenAi,
            Some("gpt"),
            None,
            env(&[("OPENAI_API_KEY", "  ")]),
        )
        .unwrap_err();
        assert!(matches!(e, ConfigError::MissingKey { .. }));
        let e = LlmConfig::from_env(Api::OpenAi, None, None, env(&[("OPENAI_API_KEY", "k")]))
            .unwrap_err();
        assert!(e.to_string().contains("--llm-model"), "{e}");
    }

    #[test]
    fn base_urls_are_normalized_or_refused() {
        let n = |u| normalize_base_url(u);
        assert_eq!(n("http://127.0.0.1:8080").unwrap(), "http://127.0.0.1:8080");
        assert_eq!(
            n("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(n("https://h.example/v1/").unwrap(), "https://h.example");
        assert_eq!(
            n("https://h.example/proxy/v1").unwrap(),
            "https://h.example/proxy"
        );
        for bad in ["ftp://x", "127.0.0.1:80", "http://", "http://a b", ""] {
            assert!(matches!(n(bad), Err(ConfigError::BadUrl(_))), "{bad}");
        }
        let c = LlmConfig::from_env(
            Api::OpenAi,
            Some("m"),
            Some("http://127.0.0.1:9/v1"),
            env(&[("OPENAI_API_KEY", "k")]),
        )
        .unwrap();
        assert_eq!(c.endpoint(), "http://127.0.0.1:9/v1/chat/completions");
    }

    #[test]
    fn limits_are_validated() {
        let mut c = LlmConfig::new(Api::OpenAi, "m", "k".into());
        assert!(c.validate().is_ok());
        c.max_scripts = 0;
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("--llm-max-scripts"));
        c.max_scripts = 1;
        c.temperature = Some(f64::NAN);
        assert!(c.validate().is_err());
        c.temperature = Some(0.2);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn model_scripts_come_first_and_builtin_ones_follow_without_repeats() {
        let m = merge(
            vec!["intros; lia.".into(), "exact I.".into()],
            vec!["exact  I.".into(), "eauto.".into(), "intros; lia.".into()],
        );
        assert_eq!(m, vec!["intros; lia.", "exact I.", "eauto."]);
    }

    struct Fixed(Vec<String>);
    impl Proposer for Fixed {
        fn name(&self) -> &str {
            "fixed"
        }
        fn propose(&mut self, _: &Request) -> Vec<String> {
            self.0.clone()
        }
    }

    fn request<'a>(lemma: &'a str) -> Request<'a> {
        Request {
            lemma,
            kind: ObKind::BaseInit,
            goal: None,
            library: &[],
            remembered: &[],
            switches: &[],
        }
    }

    #[test]
    fn an_unreachable_model_leaves_the_builtin_scripts_and_is_logged() {
        // A loopback port nobody listens on (bound, then released): the
        // connection is refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let closed = format!("http://127.0.0.1:{port}");
        let mut cfg = LlmConfig::new(Api::OpenAi, "m", "sk-test-key".into());
        cfg.base_url = closed.clone();
        cfg.max_retries = 1;
        cfg.backoff = Duration::from_millis(1);
        cfg.max_calls = 1;
        let mut p = LlmProposer::new(cfg, Box::new(Fixed(vec!["eauto.".into()])));
        assert_eq!(p.name(), "llm:openai/m");
        assert_eq!(p.propose(&request("base_init")), vec!["eauto."]);
        // Same prompt: from the cache; another prompt: over the cap.
        assert_eq!(p.propose(&request("base_init")), vec!["eauto."]);
        assert_eq!(p.propose(&request("base_put")), vec!["eauto."]);
        assert_eq!(
            p.totals(),
            &Totals {
                calls: 1,
                failed: 1,
                cached: 1,
                skipped: 1,
                scripts: 0,
                refused: 0
            }
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.jsonl");
        p.log_slot().attach(RunLog::create(&path).unwrap());
        drop(p);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("sk-test-key"));
        let recs: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(recs.len(), 4, "{text}");
        assert_eq!(recs[0]["call"], true);
        assert_eq!(recs[0]["attempts"], 2);
        assert!(
            recs[0]["error"].as_str().unwrap().contains(&closed),
            "{text}"
        );
        assert_eq!(recs[1]["cached"], true);
        assert!(recs[2]["skipped"]
            .as_str()
            .unwrap()
            .contains("--llm-max-calls 1"));
        assert_eq!(recs[3]["move"], "llm-summary");
        assert_eq!(recs[3]["calls"], 1);
        // A resumed run gets the same answers without calling again.
        let mut cfg = LlmConfig::new(Api::OpenAi, "m", "k".into());
        cfg.max_calls = 1;
        cfg.base_url = closed;
        let mut q = LlmProposer::new(cfg, Box::new(Fixed(vec![])));
        assert_eq!(q.restore_from_log(&text), 2);
        assert_eq!(q.totals().calls, 1);
        assert!(q.propose(&request("base_put")).is_empty());
        assert_eq!(q.totals().cached, 1);
    }
}
