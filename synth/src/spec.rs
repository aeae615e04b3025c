//! Locating a spec, pinning its hash, and asking Rocq what it contains.

use crate::oracle::{CheckOptions, Rocq};
use anyhow::{anyhow, bail, Context, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The built-in specs: (store name, file stem under `specs/theories/Specs`).
pub const BUILTIN: &[(&str, &str)] = &[
    ("read-your-writes", "ReadYourWrites"),
    ("monotonic-reads", "MonotonicReads"),
    ("monotonic-writes", "MonotonicWrites"),
    ("writes-follow-reads", "WritesFollowReads"),
    ("pram", "PRAM"),
    ("causal", "Causal"),
    ("causal-plus", "CausalPlus"),
];

/// A spec under synthesis. The file is never modified; its hash is pinned.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SpecSource {
    /// Store name (kebab case), used for output folders.
    pub name: String,
    /// Path of the `.v` file.
    pub path: PathBuf,
    /// Logical module to `Require Import` (e.g. `KV.Specs.ReadYourWrites`).
    pub module: String,
    /// The definition of type `forall K, (K -> K -> bool) -> spec K`.
    pub definition: String,
    /// sha256 of the file's bytes.
    pub sha256: String,
    /// Whether the file must be compiled by the engine (a user's spec).
    pub external: bool,
}

/// sha256 of a file, in hex.
pub fn file_sha256(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(hex(&Sha256::digest(&bytes)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn kebab(stem: &str) -> String {
    let mut out = String::new();
    for (i, ch) in stem.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 && !out.ends_with('-') {
            out.push('-');
        }
        out.push(if ch == '_' {
            '-'
        } else {
            ch.to_ascii_lowercase()
        });
    }
    out
}

/// The spec definition in a file: the first `Definition NAME ... : spec K`.
fn find_definition(text: &str) -> Option<String> {
    for line in text.lines() {
        let l = line.trim_start();
        if let Some(rest) = l.strip_prefix("Definition ") {
            if l.contains(": spec K") || l.contains(":spec K") {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '\'')
                    .collect();
                if !name.is_empty() {
                    return Some(name);
                }
            }
        }
    }
    None
}

/// Resolves `--spec <name|path>` against the project's `specs/` folder.
pub fn resolve(arg: &str, specs_dir: &Path) -> Result<SpecSource> {
    let as_path = Path::new(arg);
    let (path, module, name, external) = if arg.ends_with(".v") || as_path.exists() {
        let path = as_path
            .canonicalize()
            .with_context(|| format!("spec file {arg} not found"))?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| anyhow!("spec file {arg} has no usable name"))?
            .to_string();
        if !stem.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            || !stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            bail!("spec file name {stem:?} is not a valid Rocq module name (letters, digits, _)");
        }
        (path, format!("User.{stem}"), kebab(&stem), true)
    } else {
        let key = arg.to_ascii_lowercase().replace('_', "-");
        let (name, stem) = BUILTIN
            .iter()
            .find(|(n, s)| *n == key || s.to_ascii_lowercase() == key.replace('-', ""))
            .ok_or_else(|| {
                let known: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
                anyhow!(
                    "unknown spec {arg:?}; known specs: {}; or give the path of a .v file",
                    known.join(", ")
                )
            })?;
        let path = specs_dir.join("theories/Specs").join(format!("{stem}.v"));
        (path, format!("KV.Specs.{stem}"), name.to_string(), false)
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let definition = find_definition(&text).ok_or_else(|| {
        anyhow!(
            "{} defines no spec: expected `Definition NAME {{K : Type}} (keqb : K -> K -> bool) : spec K := [...]` (see specs/README.md)",
            path.display()
        )
    })?;
    Ok(SpecSource {
        sha256: file_sha256(&path)?,
        name,
        path,
        module,
        definition,
        external,
    })
}

/// Asks Rocq to type-check the spec against the framework and count its
/// constraints. A spec that does not compile or has the wrong type is an
/// error quoting Rocq.
pub fn count_constraints(rocq: &Rocq, spec: &SpecSource) -> Result<usize> {
    let src = format!(
        "From KV Require Import Framework.Abstract.\nFrom Coq Require Import List.\nRequire Import {m}.\n\
         Check (@{d} : forall K : Type, (K -> K -> bool) -> spec K).\n\
         Eval vm_compute in (length (@{d} nat Nat.eqb)).\n",
        m = spec.module,
        d = spec.definition
    );
    let v = rocq.check(&src, &CheckOptions::named("SpecProbe"))?;
    if !v.ok {
        let msg = v
            .first_error()
            .map(|e| e.message.clone())
            .unwrap_or_else(|| v.stderr.clone());
        bail!(
            "spec {} is not a spec written against the framework: Rocq says: {}",
            spec.path.display(),
            msg.trim()
        );
    }
    let count = v
        .stdout
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("= ")
                .and_then(|x| x.trim().parse::<usize>().ok())
        })
        .ok_or_else(|| {
            anyhow!(
                "could not read the number of constraints from Rocq's output: {}",
                v.stdout
            )
        })?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_spec_definition() {
        let t = "(* x *)\nDefinition my_spec {K : Type} (keqb : K -> K -> bool) : spec K :=\n  [].";
        assert_eq!(find_definition(t).as_deref(), Some("my_spec"));
        assert_eq!(find_definition("Definition x := 1."), None);
    }

    #[test]
    fn store_names_are_kebab_case() {
        assert_eq!(kebab("ReadYourWrites"), "read-your-writes");
        assert_eq!(kebab("my_spec"), "my-spec");
    }

    #[test]
    fn unknown_builtin_names_the_known_ones() {
        let e = resolve("nonsense", Path::new("/nonexistent"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("read-your-writes"), "{e}");
    }
}
