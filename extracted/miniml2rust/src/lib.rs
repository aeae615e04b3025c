//! miniml2rust: translate Rocq's `Extraction Language JSON` output (MiniML)
//! to safe Rust, and generate store crates implementing
//! [`kv_store_api::Store`](../kv_store_api/trait.Store.html).
//!
//! Pipeline: [`ast`] (serde structures of the JSON) -> [`ir`] (binders
//! resolved, types inferred by unification against the declared types) ->
//! [`codegen`] (Rust items) -> [`gen`] (files of a crate). Definitions that
//! are the standard `Nat` operations are recognised by [`natives`]; the
//! [`runtime`] module is copied into every generated crate. Constructs that
//! cannot be translated faithfully are refused with an [`Error`] naming the
//! declaration and the path inside the term.

pub mod ast;
pub mod codegen;
pub mod error;
pub mod gen;
pub mod inline;
pub mod ir;
pub mod natives;
pub mod ownership;
pub mod runtime;

pub use error::{Error, Result};

/// Source of the runtime module, as copied into generated crates (without
/// its unit tests, which need dev-dependencies).
pub fn runtime_source() -> String {
    let full = include_str!("runtime.rs");
    match full.find("\n#[cfg(test)]\nmod tests") {
        Some(i) => format!("{}\n", full[..i].trim_end()),
        None => full.to_string(),
    }
}

/// A path as it is named in generated headers: separators normalised and
/// `.` components dropped, so that `a//b/./c.json` and `./a/b/c.json` give
/// the same (reproducible) text.
pub fn source_label(p: &std::path::Path) -> String {
    let parts: Vec<String> = p
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    let joined = parts.join("/");
    joined
        .strip_prefix("//")
        .map(|s| format!("/{s}"))
        .unwrap_or(joined)
}

/// Run `f` on a thread with a large stack: parsing and translating deeply
/// nested terms (long literals, long lists) recurses deeply.
pub fn with_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(1 << 29)
        .spawn(f)
        .expect("spawn translator thread")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// Translate extraction JSON to the text of a Rust module (`extracted.rs`)
/// that refers to the runtime as `crate::runtime`. `source` is named in the
/// header. The text is formatted with `rustfmt` when it is available.
pub fn translate_json(json: &str, source: &str) -> Result<String> {
    let m = ast::parse_module(json)?;
    let t = codegen::translate(&m)?;
    Ok(gen::format_rust(&gen::module_text(&t, source)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn source_labels_are_normalised() {
        assert_eq!(
            source_label(Path::new("extracted/stores/x//rocq/store.json")),
            "extracted/stores/x/rocq/store.json"
        );
        assert_eq!(source_label(Path::new("./a/./b.json")), "a/b.json");
        assert_eq!(source_label(Path::new("/tmp/a.json")), "/tmp/a.json");
    }

    #[test]
    fn runtime_source_has_no_tests_and_ends_cleanly() {
        let r = runtime_source();
        assert!(!r.contains("#[cfg(test)]"));
        assert!(r.ends_with("}\n") && !r.ends_with("\n\n"));
        assert!(r.contains("pub struct List<A>"));
    }
}
