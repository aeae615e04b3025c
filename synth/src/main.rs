//! `synth`: grow a verified store and its proof from a Rocq spec.
use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use synth::oracle::Feedback;
use synth::run::{run, ProposerKind, RunOptions};

#[derive(Parser)]
#[command(
    name = "synth",
    about = "Synthesize a verified replicated key-value store from a Rocq spec"
)]
struct Cli {
    /// Project root (holds specs/, extracted/, results/).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, ValueEnum)]
enum ProposerArg {
    Builtin,
    Replay,
    Llm,
}

#[derive(Clone, Copy, ValueEnum)]
enum LlmApiArg {
    /// OpenAI-compatible `POST {base}/v1/chat/completions` (key: OPENAI_API_KEY).
    Openai,
    /// Anthropic `POST {base}/v1/messages` (key: ANTHROPIC_API_KEY).
    Anthropic,
}

/// Options of the LLM proposer (`--proposer llm`; see the `synth::llm` docs).
#[derive(clap::Args)]
struct LlmArgs {
    /// Wire protocol of the LLM proposer.
    #[arg(long, value_enum, default_value = "openai")]
    llm_api: LlmApiArg,
    /// Model name sent to the API (required with --proposer llm).
    #[arg(long)]
    llm_model: Option<String>,
    /// Endpoint base URL (`/v1/...` is appended; default: the vendor's public endpoint).
    #[arg(long)]
    llm_base_url: Option<String>,
    /// Cap on model calls in this run (prompts already asked are answered from a cache).
    #[arg(long, default_value_t = 200)]
    llm_max_calls: usize,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 120)]
    llm_timeout: u64,
    /// Retries of a request on HTTP 429, 5xx and connection errors.
    #[arg(long, default_value_t = 3)]
    llm_retries: u32,
    /// First retry backoff in milliseconds (doubles per retry, at most 8 s).
    #[arg(long, default_value_t = 1000)]
    llm_backoff_ms: u64,
    /// Scripts kept from each reply (tried before the built-in ones).
    #[arg(long, default_value_t = 8)]
    llm_max_scripts: usize,
    /// `max_tokens` of each request.
    #[arg(long, default_value_t = 1024)]
    llm_max_tokens: u32,
    /// Sampling temperature (not sent unless given).
    #[arg(long)]
    llm_temperature: Option<f64>,
}

impl LlmArgs {
    /// The proposer's configuration, the key read from the environment:
    /// every problem is reported here, before the run starts.
    fn config(&self) -> Result<synth::llm::LlmConfig> {
        use synth::llm::{Api, LlmConfig};
        let api = match self.llm_api {
            LlmApiArg::Openai => Api::OpenAi,
            LlmApiArg::Anthropic => Api::Anthropic,
        };
        let mut cfg = LlmConfig::from_env(
            api,
            self.llm_model.as_deref(),
            self.llm_base_url.as_deref(),
            |k| std::env::var(k).ok(),
        )?;
        cfg.max_calls = self.llm_max_calls;
        cfg.timeout = Duration::from_secs(self.llm_timeout);
        cfg.max_retries = self.llm_retries;
        cfg.backoff = Duration::from_millis(self.llm_backoff_ms);
        cfg.max_scripts = self.llm_max_scripts;
        cfg.max_tokens = self.llm_max_tokens;
        cfg.temperature = self.llm_temperature;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Refuses LLM options given to another proposer.
    fn unused(&self) -> Result<()> {
        for (flag, given) in [
            ("--llm-model", self.llm_model.is_some()),
            ("--llm-base-url", self.llm_base_url.is_some()),
            ("--llm-temperature", self.llm_temperature.is_some()),
        ] {
            anyhow::ensure!(!given, "{flag} is only used with --proposer llm");
        }
        Ok(())
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum MeasureArg {
    Harness,
    InProcess,
}

#[derive(Clone, Copy, ValueEnum)]
enum FeedbackArg {
    Rich,
    Binary,
}

// Parsed once per process: the size of `Run` does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Cmd {
    /// Synthesize, audit and extract a store for a spec.
    Run {
        /// Spec name (see `synth list`) or path of a .v file.
        #[arg(long)]
        spec: String,
        /// Who proposes tactics: the built-in portfolio, a recorded run log
        /// (`--replay`), or a language model followed by the built-in
        /// portfolio (`--llm-*` options, key from OPENAI_API_KEY or
        /// ANTHROPIC_API_KEY).
        #[arg(long, value_enum, default_value = "builtin")]
        proposer: ProposerArg,
        #[command(flatten)]
        llm: LlmArgs,
        /// Run log to replay (with --proposer replay).
        #[arg(long)]
        replay: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "rich")]
        feedback: FeedbackArg,
        /// Seed: permutes the order in which equally-ranked candidates and
        /// equally-scored library lemmas are tried (0: catalog order). The
        /// search is deterministic given the seed; it is recorded in the summary.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Maximum number of candidates considered, in catalog order (a
        /// candidate skipped because its mechanism variant is already stuck
        /// counts too); the default covers the whole catalog.
        #[arg(long, default_value_t = 64)]
        budget: usize,
        /// Closed candidates to collect before ranking them.
        #[arg(long, default_value_t = 1)]
        closed: usize,
        /// Per-check timeout in seconds.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
        /// Store name (default: the spec's name).
        #[arg(long)]
        name: Option<String>,
        /// Only try candidates over this representation (see `synth list`).
        #[arg(long)]
        representation: Option<String>,
        /// Only try candidates of this mechanism (see `synth list`).
        #[arg(long)]
        mechanism: Option<String>,
        /// Output folder (default extracted/stores/<store>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Measure every closed candidate (outer loop) and ship the fastest:
        /// `harness` (default) builds a server binary per candidate and runs
        /// the benchmark harness's short fixed workload on a loopback
        /// cluster (ranking in synthesis/ranking.json and
        /// results/feedback-<spec>.json); `in-process` compiles an
        /// in-process workload instead.
        #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "harness")]
        measure: Option<MeasureArg>,
        /// Do not update results/synthesis.json (the default when `--out`
        /// is given, unless `--record`).
        #[arg(long, conflicts_with = "record")]
        no_record: bool,
        /// Update results/synthesis.json even with `--out`.
        #[arg(long)]
        record: bool,
        /// Continue the interrupted run (Ctrl-C) from the checkpoint in the
        /// output folder (synthesis/checkpoint.json); same spec and options.
        #[arg(long)]
        resume: bool,
    },
    /// List the built-in specs and the catalog.
    List,
    /// Audit a synthesized store folder (its rocq/Development.v).
    Audit {
        /// Folder written by `synth run`.
        dir: PathBuf,
    },
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::List => {
            print!("{}", synth::run::listing());
            Ok(())
        }
        Cmd::Audit { dir } => {
            let report = synth::run::audit_dir(&cli.root, &dir)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            anyhow::ensure!(report.passed, "audit failed");
            Ok(())
        }
        Cmd::Run {
            spec,
            proposer,
            llm,
            replay,
            feedback,
            seed,
            budget,
            closed,
            timeout,
            name,
            representation,
            mechanism,
            measure,
            out,
            no_record,
            record,
            resume,
        } => {
            let proposer = match proposer {
                ProposerArg::Builtin => {
                    llm.unused()?;
                    ProposerKind::Builtin
                }
                ProposerArg::Replay => {
                    llm.unused()?;
                    ProposerKind::Replay
                }
                ProposerArg::Llm => ProposerKind::Llm(Box::new(llm.config()?)),
            };
            // Ctrl-C: stop at the next oracle call and leave a checkpoint.
            let out_is_default = out.is_none();
            let interrupt = Arc::new(AtomicBool::new(false));
            synth::checkpoint::install_sigint(interrupt.clone())?;
            let opts = RunOptions {
                spec,
                name,
                representation,
                mechanism,
                root: cli.root.clone(),
                out,
                proposer,
                replay_log: replay,
                feedback: match feedback {
                    FeedbackArg::Rich => Feedback::Rich,
                    FeedbackArg::Binary => Feedback::Binary,
                },
                max_candidates: budget,
                closed_wanted: closed,
                timeout: Duration::from_secs(timeout),
                // Scratch runs (`--out`) leave the committed results alone.
                record: record || (!no_record && out_is_default),
                measure: measure.map(|m| match m {
                    MeasureArg::Harness => synth::measure::MeasureMode::Harness,
                    MeasureArg::InProcess => synth::measure::MeasureMode::InProcess,
                }),
                command: std::env::args().collect::<Vec<_>>().join(" "),
                seed,
                resume,
                interrupt: Some(interrupt.clone()),
                stop_after_rounds: None,
            };
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(200));
            let result = run(&opts, &|m| bar.set_message(m.to_string()));
            bar.finish_and_clear();
            let result = match result {
                Ok(r) => r,
                Err(e) => {
                    if let Some(i) = e.downcast_ref::<synth::checkpoint::Interrupted>() {
                        let again = if resume {
                            opts.command.clone()
                        } else {
                            format!("{} --resume", opts.command)
                        };
                        eprintln!(
                            "synth: interrupted; checkpoint written to {}.\nTo continue, run the same command with --resume:\n  {again}",
                            i.checkpoint.display(),
                        );
                        std::process::exit(130);
                    }
                    if interrupt.load(Ordering::SeqCst) {
                        eprintln!("synth: interrupted before the search started ({e:#}); no new checkpoint written");
                        std::process::exit(130);
                    }
                    return Err(e);
                }
            };
            println!("{}", serde_json::to_string_pretty(&result.summary)?);
            if result.closed {
                println!(
                    "closed: development in {}",
                    result.out.join("rocq/Development.v").display()
                );
                Ok(())
            } else {
                anyhow::bail!("no candidate found (reasons above, under \"rejected\")")
            }
        }
    }
}
