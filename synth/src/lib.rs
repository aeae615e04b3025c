//! The synthesis engine: grows a store and its proof from a Rocq spec, with
//! the Rocq checker grading every partial development (DESIGN.md §4).
//!
//! * [`oracle`]: the driver of the Rocq checker;
//! * [`spec`]: locating a spec and pinning its hash;
//! * [`catalog`]: mechanisms and representations (building blocks);
//! * [`development`]: the development state and its rendering;
//! * [`proposer`]: who suggests tactics (built-in, replay); [`llm`]: the
//!   LLM proposer (OpenAI-compatible and Anthropic APIs over HTTP);
//! * [`decompose`]: the middle loop's helper lemmas, grown from the
//!   structure of a goal no single tactic closes;
//! * [`engine`]: the loops; [`audit`]: the deterministic audit;
//! * [`cex`]: counterexample first (bounded executions of a candidate,
//!   checked against [`model`], the executable abstract machine);
//! * [`measure`]: the outer loop's throughput measurement of closed candidates;
//! * [`runlog`]: the JSONL run log; [`run`]: the `synth run` pipeline;
//! * [`checkpoint`]: checkpoints, `--resume` and Ctrl-C; [`seed`]: what `--seed` means.
pub mod audit;
pub mod catalog;
pub mod cex;
pub mod checkpoint;
pub mod decompose;
pub mod development;
pub mod engine;
pub mod llm;
pub mod measure;
pub mod model;
pub mod oracle;
pub mod proposer;
pub mod run;
pub mod runlog;
pub mod seed;
pub mod spec;
