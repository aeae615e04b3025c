//! The LLM proposer against a mock HTTP server on 127.0.0.1 (an ephemeral
//! port) speaking both wire protocols: request headers and bodies, retries
//! on 429/5xx, refusal of malformed answers, the call cap, and `synth run
//! --proposer llm` end to end with real Rocq.
//!
//! No real model is used anywhere here: the "model" is a test double that
//! answers from a fixed table of tactic scripts taken from the recorded run
//! log of read-your-writes (plus hostile scripts the safety filter must
//! drop). The machine these tests run on has no network besides package
//! registries, and the tests never contact a vendor's endpoint.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use synth::development::ObKind;
use synth::llm::{Api, LlmConfig, LlmProposer};
use synth::proposer::{Builtin, Proposer, Request};
use synth::runlog::RunLog;

mod common;
use common::{have_rocq, root};

/// One request the mock received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    /// Header names lowercased.
    headers: HashMap<String, String>,
    body: String,
}

impl Seen {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("request body is JSON")
    }
}

/// What the mock answers: status, extra headers, body; or `None` to stall
/// (never answer) for `Duration`.
enum Answer {
    Reply(u16, Vec<(String, String)>, String),
    Stall(Duration),
}

type Responder = dyn Fn(&Seen, usize) -> Answer + Send + Sync;

/// A one-thread HTTP/1.1 server on 127.0.0.1:0, one request per connection.
struct Mock {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

fn read_request(stream: &TcpStream) -> Option<Seen> {
    let mut r = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.insert(k.trim().to_lowercase(), v.trim().to_string());
    }
    let n: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; n];
    r.read_exact(&mut body).ok()?;
    Some(Seen {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

impl Mock {
    fn start(responder: Box<Responder>) -> Mock {
        let responder: Arc<Responder> = Arc::from(responder);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let (seen, responder) = (seen2.clone(), responder.clone());
                // One thread per connection: a stalled answer blocks no other.
                std::thread::spawn(move || {
                    let Some(req) = read_request(&stream) else {
                        return;
                    };
                    let index = {
                        let mut s = seen.lock().unwrap();
                        s.push(req.clone());
                        s.len() - 1
                    };
                    match responder(&req, index) {
                        Answer::Stall(d) => std::thread::sleep(d),
                        Answer::Reply(status, headers, body) => {
                            let mut head = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                            body.len()
                        );
                            for (k, v) in headers {
                                head.push_str(&format!("{k}: {v}\r\n"));
                            }
                            head.push_str("\r\n");
                            let _ = stream.write_all(head.as_bytes());
                            let _ = stream.write_all(body.as_bytes());
                        }
                    }
                });
            }
        });
        Mock { addr, seen, stop }
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so the thread ends.
        let _ = TcpStream::connect(self.addr);
    }
}

fn ok(body: Value) -> Answer {
    Answer::Reply(200, vec![], body.to_string())
}

fn openai_reply(text: &str) -> Value {
    json!({"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]})
}

fn anthropic_reply(text: &str) -> Value {
    json!({"id": "x", "type": "message", "role": "assistant", "content": [{"type": "text", "text": text}], "stop_reason": "end_turn"})
}

const KEY: &str = "test-key-0123456789";

fn config(api: Api, mock: &Mock) -> LlmConfig {
    let mut c = LlmConfig::from_env(api, Some("mock-model"), Some(&mock.base_url()), |_| {
        Some(KEY.to_string())
    })
    .unwrap();
    c.backoff = Duration::from_millis(1);
    c.max_retries = 3;
    c.timeout = Duration::from_secs(10);
    c
}

fn request(lemma: &str) -> Request<'_> {
    Request {
        lemma,
        kind: ObKind::BaseInit,
        goal: None,
        library: &[],
        remembered: &[],
        switches: &[],
    }
}

/// Runs `f` with a proposer whose run log is a temporary file; returns the
/// log's records (after the proposer's `llm-summary`).
fn with_log(cfg: LlmConfig, f: impl FnOnce(&mut LlmProposer)) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.jsonl");
    let mut p = LlmProposer::new(cfg, Box::new(Builtin::new(false)));
    p.log_slot().attach(RunLog::create(&path).unwrap());
    f(&mut p);
    drop(p);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains(KEY),
        "the key leaked into the run log:\n{text}"
    );
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn openai_requests_carry_the_bearer_key_and_a_chat_body() {
    let mock = Mock::start(Box::new(|_, _| {
        ok(openai_reply(
            "```json\n[\"intros; lia.\", \"admit.\", \"exact I. Qed. Axiom cheat : False.\"]\n```",
        ))
    }));
    let mut out = vec![];
    let log = with_log(config(Api::OpenAi, &mock), |p| {
        out = p.propose(&request("base_init"))
    });
    // The model's script first, the hostile ones dropped, then the built-in portfolio.
    assert_eq!(out[0], "intros; lia.");
    assert_eq!(
        out[1..],
        Builtin::new(false).propose(&request("base_init"))[..]
    );
    assert!(!out
        .iter()
        .any(|s| s.contains("admit") || s.contains("Axiom")));
    let seen = mock.seen();
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/v1/chat/completions");
    assert_eq!(r.headers["authorization"], format!("Bearer {KEY}"));
    assert_eq!(r.headers["content-type"], "application/json");
    assert!(!r.headers.contains_key("x-api-key"));
    let b = r.json();
    assert_eq!(b["model"], "mock-model");
    assert_eq!(b["messages"][0]["role"], "system");
    assert!(b["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("JSON array"));
    assert_eq!(b["messages"][1]["role"], "user");
    let user = b["messages"][1]["content"].as_str().unwrap();
    assert!(user.contains("Obligation: base_init"), "{user}");
    assert!(user.contains("Goal: not shown (binary feedback)"), "{user}");
    // The call is in the run log: model, status, latency, scripts, refusals.
    let rec = &log[0];
    assert_eq!(rec["move"], "llm");
    assert_eq!(rec["model"], "mock-model");
    assert_eq!(rec["api"], "openai");
    assert_eq!(rec["status"], 200);
    assert_eq!(rec["attempts"], 1);
    assert!(rec["latency_ms"].is_u64());
    assert_eq!(rec["scripts"], 1);
    assert_eq!(rec["proposed"], json!(["intros; lia."]));
    assert_eq!(rec["refused"].as_array().unwrap().len(), 2);
    assert_eq!(log.last().unwrap()["move"], "llm-summary");
}

#[test]
fn anthropic_requests_carry_the_api_key_and_version_headers() {
    let mock = Mock::start(Box::new(|_, _| {
        ok(anthropic_reply("[\"eapply sv_ob_init; eauto.\"]"))
    }));
    let mut cfg = config(Api::Anthropic, &mock);
    cfg.max_tokens = 333;
    let mut out = vec![];
    with_log(cfg, |p| out = p.propose(&request("base_init")));
    assert_eq!(out[0], "eapply sv_ob_init; eauto.");
    let r = &mock.seen()[0];
    assert_eq!(r.path, "/v1/messages");
    assert_eq!(r.headers["x-api-key"], KEY);
    assert_eq!(r.headers["anthropic-version"], "2023-06-01");
    assert!(!r.headers.contains_key("authorization"));
    let b = r.json();
    assert_eq!(b["model"], "mock-model");
    assert_eq!(b["max_tokens"], 333);
    assert!(b["system"].as_str().unwrap().contains("JSON array"));
    assert_eq!(b["messages"].as_array().unwrap().len(), 1);
    assert_eq!(b["messages"][0]["role"], "user");
}

#[test]
fn rate_limits_and_server_errors_are_retried_with_backoff() {
    let mock = Mock::start(Box::new(|_, i| match i {
        0 => Answer::Reply(
            429,
            vec![("retry-after".into(), "0".into())],
            r#"{"error": "slow down"}"#.into(),
        ),
        1 => Answer::Reply(500, vec![], "oops".into()),
        _ => ok(openai_reply("[\"intros; lia.\"]")),
    }));
    let mut out = vec![];
    let log = with_log(config(Api::OpenAi, &mock), |p| {
        out = p.propose(&request("base_init"))
    });
    assert_eq!(mock.seen().len(), 3);
    assert_eq!(out[0], "intros; lia.");
    assert_eq!(log[0]["attempts"], 3);
    assert_eq!(log[0]["status"], 200);
}

#[test]
fn retries_are_bounded_and_the_builtin_scripts_remain() {
    let mock = Mock::start(Box::new(|_, _| {
        Answer::Reply(503, vec![], r#"{"error": "overloaded"}"#.into())
    }));
    let mut cfg = config(Api::OpenAi, &mock);
    cfg.max_retries = 2;
    let mut out = vec![];
    let log = with_log(cfg, |p| out = p.propose(&request("base_init")));
    assert_eq!(mock.seen().len(), 3, "1 request + 2 retries");
    assert_eq!(out, Builtin::new(false).propose(&request("base_init")));
    assert_eq!(log[0]["status"], 503);
    assert_eq!(log[0]["attempts"], 3);
    let e = log[0]["error"].as_str().unwrap();
    assert!(e.contains("HTTP 503") && e.contains("overloaded"), "{e}");
    assert_eq!(log.last().unwrap()["failed"], 1);
}

#[test]
fn a_rejected_key_is_not_retried_and_disables_the_proposer() {
    let mock = Mock::start(Box::new(|_, _| {
        Answer::Reply(
            401,
            vec![],
            r#"{"error": {"message": "invalid api key"}}"#.into(),
        )
    }));
    let log = with_log(config(Api::OpenAi, &mock), |p| {
        assert_eq!(
            p.propose(&request("base_init")),
            Builtin::new(false).propose(&request("base_init"))
        );
        p.propose(&request("base_put"));
    });
    assert_eq!(mock.seen().len(), 1, "no retry, no second call");
    let moves: Vec<&str> = log.iter().map(|r| r["move"].as_str().unwrap()).collect();
    assert_eq!(moves, ["llm", "llm-disabled", "llm", "llm-summary"]);
    assert!(log[2]["skipped"].as_str().unwrap().starts_with("disabled"));
    assert!(log[3]["disabled"].as_str().unwrap().contains("HTTP 401"));
}

#[test]
fn malformed_answers_are_refused_naming_what_was_expected() {
    let cases: Vec<(Api, String, &str)> = vec![
        (Api::OpenAi, "<html>bad gateway</html>".into(), "not JSON"),
        (
            Api::OpenAi,
            r#"{"result": "exact I."}"#.into(),
            "expected an object with choices[0].message.content",
        ),
        (
            Api::OpenAi,
            r#"{"choices": [{"message": {"content": 42}}]}"#.into(),
            "choices[0].message.content, a string",
        ),
        (
            Api::Anthropic,
            r#"{"content": []}"#.into(),
            "\"type\": \"text\"",
        ),
        (
            Api::OpenAi,
            openai_reply("Use induction, then lia.").to_string(),
            "expected a JSON array of tactic strings",
        ),
        (
            Api::Anthropic,
            anthropic_reply("[\"exact I.\", {\"tactic\": 1}]").to_string(),
            "element 1 is an object",
        ),
    ];
    for (api, body, expected) in cases {
        let mock = Mock::start(Box::new(move |_, _| {
            Answer::Reply(200, vec![], body.clone())
        }));
        let mut out = vec![];
        let log = with_log(config(api, &mock), |p| {
            out = p.propose(&request("base_init"))
        });
        assert_eq!(mock.seen().len(), 1, "a malformed answer is not retried");
        assert_eq!(out, Builtin::new(false).propose(&request("base_init")));
        let e = log[0]["error"].as_str().unwrap_or_default();
        assert!(
            e.contains(expected),
            "{api}: {e:?} should name {expected:?}"
        );
    }
}

#[test]
fn a_stalled_server_times_out_and_the_call_cap_holds() {
    let mock = Mock::start(Box::new(|_, i| {
        if i == 0 {
            Answer::Stall(Duration::from_secs(3))
        } else {
            ok(openai_reply("[\"intros; lia.\"]"))
        }
    }));
    let mut cfg = config(Api::OpenAi, &mock);
    cfg.timeout = Duration::from_secs(1);
    cfg.max_retries = 0;
    cfg.max_calls = 2;
    let log = with_log(cfg, |p| {
        let t = std::time::Instant::now();
        p.propose(&request("base_init"));
        assert!(
            t.elapsed() < Duration::from_millis(2900),
            "{:?}",
            t.elapsed()
        );
        assert_eq!(p.propose(&request("base_put"))[0], "intros; lia.");
        // The cap: a third prompt is not sent.
        p.propose(&request("base_get"));
        // The same prompt again: from the cache.
        p.propose(&request("base_put"));
    });
    assert_eq!(mock.seen().len(), 2);
    assert!(log[0]["status"].is_null(), "{}", log[0]);
    assert!(log[0]["error"].as_str().unwrap().contains("127.0.0.1"));
    assert!(log[2]["skipped"]
        .as_str()
        .unwrap()
        .contains("--llm-max-calls 2"));
    assert_eq!(log[3]["cached"], true);
    let t = log.last().unwrap();
    assert_eq!(
        (
            t["calls"].as_u64(),
            t["skipped"].as_u64(),
            t["cached"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
}

// ---- The CLI and end-to-end runs with real Rocq ----------------------------

fn synth_cmd() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_synth"));
    c.arg("--root").arg(root());
    c.env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .env("RUST_BACKTRACE", "0");
    c
}

#[test]
fn a_missing_key_or_model_is_an_error_before_the_run_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = synth_cmd()
        .args(["run", "--spec", "read-your-writes", "--proposer", "llm"])
        .args(["--llm-model", "m", "--llm-api", "anthropic", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("ANTHROPIC_API_KEY"), "{err}");
    assert!(!out.exists(), "nothing was started");
    let o = synth_cmd()
        .args(["run", "--spec", "read-your-writes", "--proposer", "llm"])
        .env("OPENAI_API_KEY", KEY)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("--llm-model"));
    let o = synth_cmd()
        .args(["run", "--spec", "read-your-writes", "--llm-model", "m"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("only used with --proposer llm"));
}

/// `(lemma, tactic)` of every `prove` move of a run log.
fn proofs(log: &str) -> Vec<(String, String)> {
    log.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["move"] == "prove")
        .map(|v| {
            (
                v["lemma"].as_str().unwrap().to_string(),
                v["tactic"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The lemma a prompt is about (`Obligation: <lemma> (...)`).
fn lemma_of(seen: &Seen) -> String {
    let b = seen.json();
    let user = b["messages"][1]["content"].as_str().unwrap_or_default();
    user.lines()
        .find_map(|l| l.strip_prefix("Obligation: "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_default()
        .to_string()
}

fn run_llm(mock: &Mock, out: &Path, api: Api, extra: &[&str]) -> std::process::Output {
    synth_cmd()
        .args(["run", "--spec", "read-your-writes", "--proposer", "llm"])
        .args(["--llm-api", &api.to_string()])
        .args(["--llm-model", "mock-model", "--llm-base-url"])
        .arg(mock.base_url())
        .args(["--budget", "16", "--out"])
        .arg(out)
        .args(extra)
        .env(api.key_var(), KEY)
        .output()
        .unwrap()
}

#[test]
fn synth_run_with_a_mock_model_closes_read_your_writes_through_the_same_audit() {
    if !have_rocq() {
        return;
    }
    // The mock model's table: the recorded run's proofs, after two hostile
    // scripts the filter must drop before they reach Rocq.
    let recorded = std::fs::read_to_string(
        root().join("extracted/stores/read-your-writes/synthesis/run.jsonl"),
    )
    .unwrap();
    let table: HashMap<String, String> = proofs(&recorded).into_iter().collect();
    assert!(table.len() >= 12, "{table:?}");
    let t2 = table.clone();
    let mock = Mock::start(Box::new(move |seen, _| {
        if seen.headers.get("authorization").map(String::as_str) != Some(&format!("Bearer {KEY}")) {
            return Answer::Reply(401, vec![], r#"{"error": "bad key"}"#.into());
        }
        let scripts: Vec<String> = match t2.get(&lemma_of(seen)) {
            Some(t) => vec![
                "admit.".into(),
                "exact I. Qed. Axiom cheat : False. Goal True.".into(),
                t.clone(),
            ],
            None => vec![],
        };
        ok(openai_reply(&serde_json::to_string(&scripts).unwrap()))
    }));
    let tmp = tempfile::tempdir().unwrap();
    let o = run_llm(&mock, tmp.path(), Api::OpenAi, &[]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let summary: Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("synthesis/summary.json")).unwrap(),
    )
    .unwrap();
    eprintln!(
        "mock-model run: wall {} s, {} oracle calls, {} candidates tried",
        summary["wall_s"], summary["oracle_calls"], summary["candidates_tried"]
    );
    assert_eq!(summary["closed"], true);
    assert_eq!(summary["proposer"], "llm:openai/mock-model");
    assert_eq!(
        summary["assumptions"],
        json!([]),
        "the audit's Print Assumptions"
    );
    let log_path = tmp.path().join("synthesis/run.jsonl");
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(!log.contains(KEY), "the key leaked into the run log");
    let recs = records(&log_path);
    // The audit ran and passed on the shipped candidate.
    assert!(recs
        .iter()
        .any(|r| r["move"] == "audit" && r["passed"] == true));
    // Every obligation was closed by the model's script on its first check:
    // the hostile scripts never reached Rocq and no built-in script was needed.
    let made = proofs(&log);
    assert_eq!(made.len(), table.len(), "{made:?}");
    for (lemma, tactic) in &made {
        assert_eq!(Some(tactic), table.get(lemma), "{lemma}");
    }
    assert!(
        !recs.iter().any(|r| r["move"] == "repair"),
        "a script other than the model's first accepted one was checked"
    );
    assert!(!log.contains("\"tactic\":\"admit.\""));
    let calls: Vec<&Value> = recs
        .iter()
        .filter(|r| r["move"] == "llm" && r["call"] == true)
        .collect();
    assert_eq!(calls.len(), mock.seen().len());
    assert!(calls.len() >= table.len());
    assert_eq!(summary["llm"]["calls"], calls.len());
    assert_eq!(summary["llm"]["refused"], 2 * calls.len());
    assert_eq!(summary["llm"]["failed"], 0);
    for c in &calls {
        assert_eq!(c["status"], 200, "{c}");
        assert_eq!(c["model"], "mock-model");
        assert_eq!(c["refused"].as_array().map(Vec::len), Some(2), "{c}");
    }
    // The same development as the built-in search ships.
    let dev = std::fs::read_to_string(tmp.path().join("rocq/Development.v")).unwrap();
    let shipped = std::fs::read_to_string(
        root().join("extracted/stores/read-your-writes/rocq/Development.v"),
    )
    .unwrap();
    assert_eq!(dev, shipped);
    assert!(tmp.path().join("rocq/store.json").exists());
}

#[test]
fn synth_run_with_a_failing_model_is_the_builtin_search() {
    if !have_rocq() {
        return;
    }
    // Through the CLI's Anthropic wiring: a request on the wrong path or
    // without the key headers gets a 400, which is not retried.
    let mock = Mock::start(Box::new(|seen, _| {
        let right = seen.path == "/v1/messages"
            && seen.headers.get("x-api-key").map(String::as_str) == Some(KEY)
            && seen.headers.contains_key("anthropic-version");
        if right {
            Answer::Reply(500, vec![], r#"{"error": "down"}"#.into())
        } else {
            Answer::Reply(400, vec![], r#"{"error": "wrong request"}"#.into())
        }
    }));
    let tmp = tempfile::tempdir().unwrap();
    let o = run_llm(
        &mock,
        tmp.path(),
        Api::Anthropic,
        &[
            "--llm-retries",
            "1",
            "--llm-backoff-ms",
            "1",
            "--llm-max-calls",
            "4",
        ],
    );
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let summary: Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("synthesis/summary.json")).unwrap(),
    )
    .unwrap();
    eprintln!(
        "failing-model run: wall {} s, {} oracle calls",
        summary["wall_s"], summary["oracle_calls"]
    );
    let recs = records(&tmp.path().join("synthesis/run.jsonl"));
    assert_eq!(mock.seen().len(), 8, "4 calls (the cap), 2 attempts each");
    assert!(recs
        .iter()
        .filter(|r| r["move"] == "llm" && r["call"] == true)
        .all(|r| r["status"] == 500 && r["api"] == "anthropic"));
    let s = recs.iter().find(|r| r["move"] == "llm-summary").unwrap();
    assert_eq!(summary["llm"]["failed"], 4);
    assert_eq!(summary["llm"]["api"], "anthropic");
    assert_eq!(s["calls"], 4);
    assert_eq!(s["failed"], 4);
    assert!(s["skipped"].as_u64().unwrap() > 0);
    let dev = std::fs::read_to_string(tmp.path().join("rocq/Development.v")).unwrap();
    let shipped = std::fs::read_to_string(
        root().join("extracted/stores/read-your-writes/rocq/Development.v"),
    )
    .unwrap();
    assert_eq!(
        dev, shipped,
        "the built-in search ships the same development"
    );
}

fn library_options(out: &Path, cfg: LlmConfig) -> synth::run::RunOptions {
    synth::run::RunOptions {
        spec: "read-your-writes".into(),
        name: None,
        representation: None,
        mechanism: None,
        root: root(),
        out: Some(out.to_path_buf()),
        proposer: synth::run::ProposerKind::Llm(Box::new(cfg)),
        replay_log: None,
        feedback: synth::oracle::Feedback::Rich,
        max_candidates: 16,
        closed_wanted: 1,
        timeout: Duration::from_secs(120),
        record: false,
        measure: None,
        command: "test".into(),
        seed: 0,
        resume: false,
        interrupt: None,
        stop_after_rounds: None,
    }
}

#[test]
fn an_interrupted_llm_run_resumes_from_the_logged_answers_without_asking_again() {
    if !have_rocq() {
        return;
    }
    let recorded = std::fs::read_to_string(
        root().join("extracted/stores/read-your-writes/synthesis/run.jsonl"),
    )
    .unwrap();
    let table: HashMap<String, String> = proofs(&recorded).into_iter().collect();
    let n = table.len();
    // A model that changes its mind: the first n answers put a failing
    // script first, later ones do not. A resumed run that asked again would
    // propose another first round than the checkpoint recorded.
    let mock = Mock::start(Box::new(move |seen, i| {
        let right = table.get(&lemma_of(seen)).cloned().unwrap_or_default();
        let scripts = if i < n {
            vec!["fail.".to_string(), right]
        } else {
            vec![right]
        };
        ok(openai_reply(&serde_json::to_string(&scripts).unwrap()))
    }));
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(Api::OpenAi, &mock);
    let mut first = library_options(tmp.path(), cfg.clone());
    first.stop_after_rounds = Some(1);
    let e = synth::run::run(&first, &|_| {})
        .err()
        .expect("the run must stop after one round");
    assert!(
        e.is::<synth::checkpoint::Interrupted>(),
        "not an interruption: {e:#}"
    );
    let asked = mock.seen().len();
    assert_eq!(asked, n, "one call per obligation of the candidate");
    // A resume under another model name is refused (the checkpoint's key
    // names the proposer), before anything is asked or checked.
    let mut other = cfg.clone();
    other.model = "another-model".into();
    let mut o = library_options(tmp.path(), other);
    o.resume = true;
    let e = synth::run::run(&o, &|_| {})
        .err()
        .expect("a resume under another model is refused")
        .to_string();
    assert!(
        e.contains("llm:openai/mock-model") && e.contains("llm:openai/another-model"),
        "{e}"
    );
    assert_eq!(mock.seen().len(), asked);
    let mut resumed = library_options(tmp.path(), cfg.clone());
    resumed.resume = true;
    let r = synth::run::run(&resumed, &|_| {}).unwrap();
    assert!(r.closed, "{}", r.summary);
    assert_eq!(r.summary["resumed"], true);
    assert_eq!(
        mock.seen().len(),
        asked,
        "the resumed run asked the model again"
    );
    let log = std::fs::read_to_string(tmp.path().join("synthesis/run.jsonl")).unwrap();
    let made: HashMap<String, String> = proofs(&log).into_iter().collect();
    assert_eq!(made.len(), n);
    // Round 1 (the failing scripts) was replayed, round 2 closed everything.
    assert_eq!(
        log.matches("\"move\":\"repair\"").count(),
        n,
        "each failing script checked once, in the first session"
    );
}
