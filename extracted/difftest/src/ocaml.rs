//! The OCaml reference: Rocq's own extraction of each store (`rocq/store.ml`
//! and `rocq/store.mli`) compiled with `ocamlfind ocamlopt` together with the
//! generic driver `ocaml/driver.ml` and a per-store shim generated from the
//! store's `.mli`.
//!
//! The shim finds the entry points (`init token0 put get deliverable apply`)
//! wherever the extraction put them (usually `Proofs.Alg`; functors and
//! module types are skipped) and converts between the extraction's own
//! `nat`/`bool`/`option`/`prod` (or OCaml's, when a store maps them to
//! native types) and OCaml `int`/`bool`/`option`/tuples. Keys and values
//! are `int`, the key comparison is the order on `int`.

use anyhow::{bail, Context, Result};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The generic driver, compiled into every OCaml binary.
pub const DRIVER_ML: &str = include_str!("../ocaml/driver.ml");

/// The entry points every store exports.
pub const ENTRY_POINTS: [&str; 6] = ["init", "token0", "put", "get", "deliverable", "apply"];

/// Is `ocamlfind` (with `ocamlopt`) on the `PATH`?
pub fn ocamlfind_available() -> bool {
    Command::new("ocamlfind")
        .args(["ocamlopt", "-version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Store folders (`extracted/stores/<name>`) that have `rocq/store.ml` and
/// `rocq/store.mli`, sorted by name.
pub fn stores_with_ocaml(stores_dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(stores_dir)
        .with_context(|| format!("reading {}", stores_dir.display()))?
    {
        let p = e?.path();
        if p.join("rocq/store.ml").is_file() && p.join("rocq/store.mli").is_file() {
            let name = p
                .file_name()
                .expect("read_dir entries have names")
                .to_string_lossy()
                .into_owned();
            v.push((name, p));
        }
    }
    v.sort();
    Ok(v)
}

/// How the extraction represents one of the Rocq types the shim converts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repr {
    /// Declared by the extraction itself (`type nat = O | S of nat`, ...).
    Extracted,
    /// Mapped to OCaml's own type (`Extract Inductive`).
    Native,
}

/// What the shim needs to know about a store's `.mli`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// Module path of the entry points, e.g. `["Proofs", "Alg"]` (empty:
    /// top level).
    pub path: Vec<String>,
    nat: Repr,
    bool_: Repr,
    option: Repr,
    prod: Repr,
    comparison: Repr,
}

/// Find the entry points in an extracted `.mli`.
///
/// Modules are tracked by indentation (the extraction's pretty printer
/// indents every `sig` body). A candidate is a module path, through no
/// functor and no module type, declaring all of [`ENTRY_POINTS`]; if there
/// are several, `Proofs.Alg` (the algorithm the synthesizer's correctness
/// theorem is about) is preferred, else it is an error.
pub fn parse_interface(mli: &str) -> Result<Interface> {
    struct Frame {
        indent: usize,
        name: String,
        usable: bool,
    }
    let lines: Vec<&str> = mli.lines().collect();
    let mut stack: Vec<Frame> = Vec::new();
    let mut found: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    let mut top_types: Vec<String> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let body = line.trim_start();
        if body.is_empty() {
            continue;
        }
        let indent = line.len() - body.len();
        let is_decl =
            body.starts_with("module ") || body.starts_with("val ") || body.starts_with("type ");
        if !is_decl {
            continue;
        }
        while stack.last().is_some_and(|f| f.indent >= indent) {
            stack.pop();
        }
        if let Some(rest) = body.strip_prefix("module type ") {
            let name = rest.split_whitespace().next().unwrap_or("").to_string();
            stack.push(Frame {
                indent,
                name,
                usable: false,
            });
        } else if let Some(rest) = body.strip_prefix("module ") {
            let name = rest.split([' ', ':']).next().unwrap_or("").to_string();
            let next = lines[i + 1..]
                .iter()
                .map(|l| l.trim())
                .find(|l| !l.is_empty())
                .unwrap_or("");
            let usable = !next.starts_with("functor") && !rest.contains("functor");
            stack.push(Frame {
                indent,
                name,
                usable,
            });
        } else if let Some(rest) = body.strip_prefix("val ") {
            if stack.iter().all(|f| f.usable) {
                let name = rest.split([' ', ':']).next().unwrap_or("").to_string();
                let path: Vec<String> = stack.iter().map(|f| f.name.clone()).collect();
                match found.iter_mut().find(|(p, _)| *p == path) {
                    Some((_, names)) => names.push(name),
                    None => found.push((path, vec![name])),
                }
            }
        } else if let Some(rest) = body.strip_prefix("type ") {
            if stack.is_empty() {
                // `type nat =`, `type 'a option =`, `type ('a, 'b) prod =`.
                let name = rest
                    .split('=')
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .last()
                    .unwrap_or("");
                top_types.push(name.to_string());
            }
        }
    }
    let candidates: Vec<Vec<String>> = found
        .into_iter()
        .filter(|(_, names)| ENTRY_POINTS.iter().all(|e| names.iter().any(|n| n == e)))
        .map(|(p, _)| p)
        .collect();
    let path = match candidates.as_slice() {
        [] => {
            bail!("no module declares all of {ENTRY_POINTS:?} (outside functors and module types)")
        }
        [one] => one.clone(),
        many => match many
            .iter()
            .find(|p| *p == &["Proofs".to_string(), "Alg".to_string()])
        {
            Some(p) => p.clone(),
            None => bail!(
                "several modules declare the entry points: {}",
                many.iter()
                    .map(|p| p.join("."))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    };
    let repr = |t: &str| {
        if top_types.iter().any(|n| n == t) {
            Repr::Extracted
        } else {
            Repr::Native
        }
    };
    Ok(Interface {
        path,
        nat: repr("nat"),
        bool_: repr("bool"),
        option: repr("option"),
        prod: repr("prod"),
        comparison: repr("comparison"),
    })
}

/// The per-store shim: a module of the driver's `STORE` type built from the
/// store's entry points, then the driver's main loop.
pub fn shim_source(itf: &Interface) -> String {
    let a = if itf.path.is_empty() {
        "Store".to_string()
    } else {
        format!("Store.{}", itf.path.join("."))
    };
    let nat = match itf.nat {
        Repr::Extracted => {
            "let nat n = let rec go acc n = if n = 0 then acc else go (Store.S acc) (n - 1) in go Store.O n"
        }
        Repr::Native => "let nat n = n",
    };
    let (t, f) = match itf.bool_ {
        Repr::Extracted => ("Store.True", "Store.False"),
        Repr::Native => ("true", "false"),
    };
    let (some, none) = match itf.option {
        Repr::Extracted => ("Store.Some", "Store.None"),
        Repr::Native => ("Some", "None"),
    };
    // OCaml has no built-in three-way comparison type: a native mapping would
    // have to name one, so only the extracted `comparison` is supported.
    let (lt, eq, gt) = match itf.comparison {
        Repr::Extracted => ("Store.Lt", "Store.Eq", "Store.Gt"),
        Repr::Native => ("(-1)", "0", "1"),
    };
    let pair = |x: &str, y: &str| match itf.prod {
        Repr::Extracted => format!("Store.Pair ({x}, {y})"),
        Repr::Native => format!("({x}, {y})"),
    };
    format!(
        "(* generated by extraction-check from store.mli: entry points of {a} *)\n\
         module A = {a}\n\
         {nat}\n\
         let kcmp (a : int) (b : int) = if a < b then {lt} else if a = b then {eq} else {gt}\n\
         let ocaml_bool = function {t} -> true | {f} -> false\n\
         module S = struct\n\
         \x20 type state = (int, int) A.state\n\
         \x20 type token = A.token\n\
         \x20 type msg = (int, int) A.msg\n\
         \x20 let init n r : state = A.init (nat n) (nat r)\n\
         \x20 let token0 n : token = A.token0 (nat n)\n\
         \x20 let put (st : state) (t : token) (k : int) (v : int) =\n\
         \x20   match A.put kcmp st t k v with\n\
         \x20   | {none} -> None\n\
         \x20   | {some} ({put_pat}) -> Some ((st' : state), (t' : token), (m : msg))\n\
         \x20 let get (st : state) (t : token) (k : int) =\n\
         \x20   match A.get kcmp st t k with\n\
         \x20   | {none} -> None\n\
         \x20   | {some} ({get_pat}) ->\n\
         \x20     Some ((match r with {some} (v : int) -> Some v | {none} -> None), (t' : token))\n\
         \x20 let deliverable (st : state) (m : msg) = ocaml_bool (A.deliverable st m)\n\
         \x20 let apply (st : state) (m : msg) : state = A.apply kcmp st m\n\
         end\n\
         module M = Driver.Run (S)\n\
         let () = M.main ()\n",
        put_pat = pair(&pair("st'", "t'"), "m"),
        get_pat = pair("r", "t'"),
    )
}

/// A compiled OCaml driver for one store.
#[derive(Debug, Clone)]
pub struct OcamlDriver {
    /// Store name.
    pub store: String,
    /// The executable.
    pub exe: PathBuf,
}

/// Compile the driver for the store in `store_dir` into `build_dir`
/// (usually `target/ocaml/<store>`). Does nothing if the sources there are
/// unchanged and the executable exists.
pub fn build(store: &str, store_dir: &Path, build_dir: &Path) -> Result<OcamlDriver> {
    let ml = std::fs::read_to_string(store_dir.join("rocq/store.ml"))
        .with_context(|| format!("{store}: reading rocq/store.ml"))?;
    let mli = std::fs::read_to_string(store_dir.join("rocq/store.mli"))
        .with_context(|| format!("{store}: reading rocq/store.mli"))?;
    let itf = parse_interface(&mli).with_context(|| format!("{store}: rocq/store.mli"))?;
    let shim = shim_source(&itf);
    std::fs::create_dir_all(build_dir)
        .with_context(|| format!("creating {}", build_dir.display()))?;
    let exe = build_dir.join("driver.exe");
    let files = [
        ("store.ml", ml.as_str()),
        ("store.mli", mli.as_str()),
        ("driver.ml", DRIVER_ML),
        ("shim.ml", shim.as_str()),
    ];
    let mut changed = !exe.is_file();
    for (f, text) in files {
        let p = build_dir.join(f);
        if std::fs::read_to_string(&p).ok().as_deref() != Some(text) {
            std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
            changed = true;
        }
    }
    if changed {
        // Build to a temporary name and rename, so concurrent builds of the
        // same store never run a half-written executable.
        let tmp = format!("driver.{}.exe", std::process::id());
        let out = Command::new("ocamlfind")
            .args(["ocamlopt", "-w", "-a", "-inline", "100"])
            .args(["store.mli", "store.ml", "driver.ml", "shim.ml", "-o", &tmp])
            .current_dir(build_dir)
            .output()
            .context("running ocamlfind ocamlopt")?;
        if !out.status.success() {
            bail!(
                "{store}: ocamlopt failed in {}:\n{}{}",
                build_dir.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::fs::rename(build_dir.join(&tmp), &exe).context("installing driver.exe")?;
    }
    Ok(OcamlDriver {
        store: store.to_string(),
        exe,
    })
}

impl OcamlDriver {
    /// Run the driver on `input` (a batch of scripts) and return its output.
    pub fn run(&self, input: &str) -> Result<String> {
        let mut child = Command::new(&self.exe)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", self.exe.display()))?;
        let mut stdin = child.stdin.take().expect("piped");
        let mut stdout = child.stdout.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        let (out, err) = std::thread::scope(|s| {
            s.spawn(move || {
                // A driver that dies early closes its stdin: reported below by its status.
                let _ = stdin.write_all(input.as_bytes());
            });
            let e = s.spawn(move || {
                let mut e = String::new();
                let _ = stderr.read_to_string(&mut e);
                e
            });
            let mut o = String::new();
            let r = stdout.read_to_string(&mut o);
            (r.map(|_| o), e.join().unwrap_or_default())
        });
        let status = child.wait().context("waiting for the OCaml driver")?;
        let out = out.context("reading the OCaml driver's output")?;
        if !status.success() {
            bail!("{}: OCaml driver failed ({status}): {err}", self.store);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MLI: &str = "
type bool =
| True
| False

type nat =
| O
| S of nat

type 'a option =
| Some of 'a
| None

type ('a, 'b) prod =
| Pair of 'a * 'b

module type ALGORITHM =
 sig
  type ('x0, 'x) state

  val init : nat -> nat -> ('a1, 'a2) state

  val token0 : nat -> token

  val put : x

  val get : x

  val deliverable : x

  val apply : x
 end

module SessionVectors :
 functor (R:REP) ->
 sig
  val init : nat -> nat -> ('a1, 'a2) state

  val token0 : nat -> token

  val put : x

  val get : x

  val deliverable : x

  val apply : x
 end

module Proofs :
 sig
  module Alg :
   sig
    val init : nat -> nat -> ('a1, 'a2) state

    val token0 : nat -> token

    val put :
      ('a1 -> 'a1 -> bool) -> ('a1, 'a2) state -> token -> 'a1 -> 'a2 ->
      ((('a1, 'a2) state, token) prod, ('a1, 'a2) msg) prod option

    val get : x

    val deliverable : x

    val apply : x
   end

  module Ref :
   sig
    val init : x
   end

  val sv_stamp : x
 end
";

    #[test]
    fn entry_points_are_found_outside_functors_and_module_types() {
        let itf = parse_interface(MLI).unwrap();
        assert_eq!(itf.path, vec!["Proofs", "Alg"]);
        assert_eq!(
            (itf.nat, itf.bool_, itf.option, itf.prod),
            (
                Repr::Extracted,
                Repr::Extracted,
                Repr::Extracted,
                Repr::Extracted
            )
        );
        let shim = shim_source(&itf);
        assert!(shim.contains("module A = Store.Proofs.Alg"), "{shim}");
        assert!(
            shim.contains("Store.Some (Store.Pair (Store.Pair (st', t'), m))"),
            "{shim}"
        );
    }

    #[test]
    fn top_level_entry_points_and_native_types() {
        let mli = "val init : int -> int -> state\nval token0 : int -> token\nval put : x\nval get : x\nval deliverable : x\nval apply : x\n";
        let itf = parse_interface(mli).unwrap();
        assert!(itf.path.is_empty());
        assert_eq!(itf.nat, Repr::Native);
        let shim = shim_source(&itf);
        assert!(shim.contains("module A = Store\n"), "{shim}");
        assert!(shim.contains("| Some (((st', t'), m))"), "{shim}");
    }

    #[test]
    fn missing_or_ambiguous_entry_points_are_errors() {
        let e = parse_interface("val init : x\nval put : x\n").unwrap_err();
        assert!(e.to_string().contains("no module declares"), "{e}");
        let one = "module A :\n sig\n  val init : x\n  val token0 : x\n  val put : x\n  val get : x\n  val deliverable : x\n  val apply : x\n end\n";
        let two = format!("{one}{}", one.replace("module A", "module B"));
        let e = parse_interface(&two).unwrap_err();
        assert!(e.to_string().contains("A, B"), "{e}");
    }
}
