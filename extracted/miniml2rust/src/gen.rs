//! Generated files: the extracted module and store crates.
//!
//! A store crate has `Cargo.toml` (package `store-<name>`), `src/runtime.rs`
//! (the runtime, verbatim), `src/extracted.rs` (the translated module) and
//! `src/lib.rs` (the [`kv_store_api::Store`] implementation `Algorithm`,
//! calling the extracted `init`, `token0`, `put` (its keep variant),
//! `get`, `deliverable` and `apply` at keys `K` and values `V`, with the key
//! comparison `K::cmp` (Rocq's `kcmp`, see `Framework/KeyOrder.v`),
//! uncurried when the extracted parameter is). The translator is asked
//! ([`store_requests`]) to take by value what the wrapper owns and by
//! reference what it only borrows.

use crate::ast;
use crate::codegen::{translate_with, Mode, Requests, Translation};
use crate::error::{Error, Loc, Result};
use crate::ir::{NativeInd, Ty};
use std::collections::HashMap;
use std::fmt::Write;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Format Rust source with `rustfmt` (edition 2021) if it is installed and
/// accepts the text; otherwise return it unchanged.
pub fn format_rust(src: &str) -> String {
    let child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        return src.to_string();
    };
    let mut stdin = child.stdin.take().expect("piped stdin");
    let text = src.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child.wait_with_output();
    let wrote = writer.join().map(|r| r.is_ok()).unwrap_or(false);
    match out {
        Ok(o) if o.status.success() && wrote && !o.stdout.is_empty() => {
            String::from_utf8(o.stdout).unwrap_or_else(|_| src.to_string())
        }
        _ => src.to_string(),
    }
}

/// The text of `extracted.rs` for a translation (unformatted).
pub fn module_text(t: &Translation, source: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "// generated from {source} by miniml2rust; do not edit");
    s.push_str(
        "#![allow(clippy::all, clippy::pedantic, unused, dead_code, non_snake_case, non_camel_case_types, unreachable_patterns, unreachable_code)]\n",
    );
    s.push_str("#![forbid(unsafe_code)]\n\n");
    s.push_str("use crate::runtime as rt;\nuse std::rc::Rc;\n\n");
    s.push_str(&t.items);
    s
}

/// How a generated crate gets its dependencies.
#[derive(Debug, Clone)]
pub enum Deps {
    /// Workspace member: `kv-store-api` and `serde` from `[workspace.dependencies]`.
    Workspace,
    /// Outside the workspace (tests): `kv-store-api` at this path, serde 1.
    Standalone {
        /// Path of `kvstore-runtime/store-api`.
        store_api: PathBuf,
    },
}

fn not_store(what: impl Into<String>) -> Error {
    Error::NotAStore(what.into())
}

/// One-way matching of an expected type (parameters `K`, `V`) against a
/// declared one (parameters `T<i>`), building the renaming `T<i> -> K/V`.
fn match_ty(expected: &Ty, actual: &Ty, map: &mut HashMap<String, String>) -> bool {
    match (expected, actual) {
        (Ty::Param(e), Ty::Param(a)) => match map.get(a) {
            Some(x) => x == e,
            None => {
                if map.values().any(|x| x == e) {
                    return false;
                }
                map.insert(a.clone(), e.clone());
                true
            }
        },
        (Ty::Con(n, xs), Ty::Con(m, ys)) | (Ty::Con(n, xs), Ty::Con(m, ys))
            if n == m && xs.len() == ys.len() =>
        {
            xs.iter().zip(ys).all(|(x, y)| match_ty(x, y, map))
        }
        (Ty::Tuple(xs), Ty::Tuple(ys)) if xs.len() == ys.len() => {
            xs.iter().zip(ys).all(|(x, y)| match_ty(x, y, map))
        }
        (Ty::Arrow(a, b), Ty::Arrow(c, d)) => match_ty(a, c, map) && match_ty(b, d, map),
        (Ty::Dummy, Ty::Dummy) => true,
        _ => false,
    }
}

struct StoreTypes {
    state: Ty,
    token: Ty,
    msg: Ty,
}

fn store_types(t: &Translation) -> Result<StoreTypes> {
    let glob = |name: &str, args: &[&str]| ast::Type::Glob {
        name: name.to_string(),
        args: args
            .iter()
            .map(|a| ast::Type::Var {
                name: a.to_string(),
            })
            .collect(),
    };
    let conv = |name: &str, args: &[&str]| -> Result<Ty> {
        let known = t.prog.aliases.contains_key(name) || t.prog.ind_index.contains_key(name);
        if !known {
            return Err(not_store(format!("no type declaration `{name}`")));
        }
        t.prog
            .conv_type(&glob(name, args), &Loc::new(name), &mut |_| None)
            .map_err(|e| not_store(format!("type `{name}` with {} parameters: {e}", args.len())))
    };
    Ok(StoreTypes {
        state: conv("state", &["K", "V"])?,
        token: conv("token", &[])?,
        msg: conv("msg", &["K", "V"])?,
    })
}

/// Does `ty` contain a function type, directly or inside an inductive whose
/// constructors hold one (such types do not derive serde)?
fn ty_has_fn(t: &Translation, ty: &Ty) -> bool {
    match ty {
        Ty::Arrow(..) => true,
        Ty::Con(n, args) => {
            t.layouts.get(n).is_some_and(|l| l.has_fn) || args.iter().any(|a| ty_has_fn(t, a))
        }
        Ty::Tuple(args) => args.iter().any(|a| ty_has_fn(t, a)),
        Ty::Param(_) | Ty::Meta(_) | Ty::Dummy => false,
    }
}

fn native_ty(t: &Translation, n: NativeInd, args: Vec<Ty>) -> Result<Ty> {
    let ind = t
        .prog
        .inds
        .iter()
        .find(|i| i.native == Some(n))
        .ok_or_else(|| not_store(format!("the program does not use {n:?}")))?;
    Ok(if n == NativeInd::Prod {
        Ty::Tuple(args)
    } else {
        Ty::Con(ind.name.clone(), args)
    })
}

/// An argument as the wrapper has it.
#[derive(Debug, Clone, Copy)]
enum Arg {
    /// The key comparison.
    Cmp,
    /// An owned value (moved in, or lent with `&`).
    Owned(&'static str),
    /// A reference (lent, or cloned to be moved in).
    Borrowed(&'static str),
}

impl Arg {
    fn by_value(&self) -> String {
        match self {
            Arg::Owned(x) => x.to_string(),
            Arg::Borrowed(x) => format!("{x}.clone()"),
            Arg::Cmp => unreachable!(),
        }
    }
    fn by_ref(&self) -> String {
        match self {
            Arg::Owned(x) => format!("&{x}"),
            Arg::Borrowed(x) => x.to_string(),
            Arg::Cmp => unreachable!(),
        }
    }
}

/// What the store wrapper asks of the translator: the parameters it owns
/// (`put`'s state, key and value, `apply`'s state and message) by value,
/// those it only has a reference to (tokens, `get`'s state and key,
/// `deliverable`'s state and message) by reference, and the keep variant
/// of `put` for its state, so that the state can be moved in and still be
/// kept when `put` answers "not yet".
pub fn store_requests() -> Requests {
    let k = |f: &str, i: usize| (f.to_string(), i);
    Requests {
        borrow: vec![
            k("put", 2),
            k("get", 1),
            k("get", 2),
            k("get", 3),
            k("deliverable", 0),
            k("deliverable", 1),
        ],
        own: vec![
            k("put", 1),
            k("put", 3),
            k("put", 4),
            k("apply", 1),
            k("apply", 2),
        ],
        keep: vec![k("put", 1)],
    }
}

/// Check the store convention and produce the text of `lib.rs`.
pub fn wrapper_text(t: &Translation, source: &str, name: &str) -> Result<String> {
    let st = store_types(t)?;
    let k = Ty::Param("K".into());
    let v = Ty::Param("V".into());
    let nat = native_ty(t, NativeInd::Nat, vec![])?;
    let boolean = native_ty(t, NativeInd::Bool, vec![])?;
    let comparison = native_ty(t, NativeInd::Comparison, vec![])?;
    let option = |x: Ty| native_ty(t, NativeInd::Option, vec![x]);
    let arrows = |ps: Vec<Ty>, r: Ty| ps.into_iter().rev().fold(r, |acc, p| Ty::arrow(p, acc));
    let kcmp = arrows(vec![k.clone(), k.clone()], comparison);
    let expected: Vec<(&str, Ty)> = vec![
        (
            "init",
            arrows(vec![nat.clone(), nat.clone()], st.state.clone()),
        ),
        ("token0", arrows(vec![nat.clone()], st.token.clone())),
        (
            "put",
            arrows(
                vec![
                    kcmp.clone(),
                    st.state.clone(),
                    st.token.clone(),
                    k.clone(),
                    v.clone(),
                ],
                option(Ty::Tuple(vec![
                    Ty::Tuple(vec![st.state.clone(), st.token.clone()]),
                    st.msg.clone(),
                ]))?,
            ),
        ),
        (
            "get",
            arrows(
                vec![kcmp.clone(), st.state.clone(), st.token.clone(), k.clone()],
                option(Ty::Tuple(vec![option(v.clone())?, st.token.clone()]))?,
            ),
        ),
        (
            "deliverable",
            arrows(vec![st.state.clone(), st.msg.clone()], boolean.clone()),
        ),
        (
            "apply",
            arrows(
                vec![kcmp, st.state.clone(), st.msg.clone()],
                st.state.clone(),
            ),
        ),
    ];
    let mut calls: HashMap<&str, String> = HashMap::new();
    let (mut curried_cmp, mut uncurried_cmp) = (false, false);
    // What the wrapper has for each argument: owned or borrowed.
    use Arg::{Borrowed, Cmp, Owned};
    let args: HashMap<&str, Vec<Arg>> = [
        ("init", vec![Owned("replicas"), Owned("me")]),
        ("token0", vec![Owned("replicas")]),
        (
            "put",
            vec![
                Cmp,
                Owned("cur"),
                Borrowed("tok"),
                Owned("key"),
                Owned("val"),
            ],
        ),
        (
            "get",
            vec![
                Cmp,
                Borrowed("st.current()"),
                Borrowed("tok"),
                Borrowed("key"),
            ],
        ),
        (
            "deliverable",
            vec![Borrowed("st.current()"), Borrowed("msg")],
        ),
        ("apply", vec![Cmp, Owned("cur"), Owned("msg")]),
    ]
    .into_iter()
    .collect();
    let mut put_keeps = false;
    for (f, ty) in &expected {
        let g = t
            .prog
            .globals
            .get(*f)
            .ok_or_else(|| not_store(format!("no definition `{f}`")))?;
        let mut map = HashMap::new();
        if !match_ty(ty, &g.ty, &mut map) {
            return Err(not_store(format!(
                "`{f}` has type {} but the convention needs {}",
                crate::ir::show_ty(&g.ty),
                crate::ir::show_ty(ty)
            )));
        }
        let spec = &args[f];
        if g.arity > spec.len() {
            return Err(not_store(format!(
                "`{f}` takes {} arguments, more than {}",
                g.arity,
                spec.len()
            )));
        }
        let keep = t.keep.get(*f).filter(|k| k.1 == 1 && *f == "put");
        let mut a = Vec::new();
        for (i, x) in spec.iter().enumerate() {
            let bound = i < g.arity;
            a.push(match x {
                Cmp if bound && t.uncurried.contains_key(&(f.to_string(), 0)) => {
                    uncurried_cmp = true;
                    "&key_cmp_ref::<K>".to_string()
                }
                Cmp => {
                    curried_cmp = true;
                    "key_cmp()".to_string()
                }
                _ if !bound => x.by_value(),
                _ => match t.modes.get(&(f.to_string(), i)) {
                    Some(Mode::Ref) => x.by_ref(),
                    _ => x.by_value(),
                },
            });
        }
        let name = match keep {
            Some((rust, _)) => {
                put_keeps = true;
                rust.clone()
            }
            None => t.fn_names[*f].clone(),
        };
        let mut call = format!("extracted::{name}({})", a[..g.arity].join(", "));
        for x in &a[g.arity..] {
            call = format!("{call}({x})");
        }
        calls.insert(f, call);
    }
    let ty = |x: &Ty| t.rust_ty_in(x, "extracted::", "runtime::");
    let (state, token, msg) = (ty(&st.state), ty(&st.token), ty(&st.msg));
    // A state without closures derives serde (see `codegen::emit_ind`): it is
    // snapshotted with bincode; otherwise the `Store` defaults (no snapshot).
    let state_test = if ty_has_fn(t, &st.state) {
        String::new()
    } else {
        "
    #[test]
    fn state_snapshots_round_trip() {
        type S = Algorithm;
        let s = Algorithm;
        let mut r = <S as Store<B, B>>::init(&s, 3, 0);
        let t = <S as Store<B, B>>::initial_token(&s, 3);
        let _ = <S as Store<B, B>>::put(&s, &mut r, &t, b\"k\".to_vec(), b\"v\".to_vec());
        let bytes = <S as Store<B, B>>::encode_state(&s, &r).expect(\"encodable\");
        let back = <S as Store<B, B>>::decode_state(&s, 3, 0, &bytes).expect(\"decodes\");
        assert_eq!(<S as Store<B, B>>::encode_state(&s, &back), Some(bytes));
        let k = b\"k\".to_vec();
        let got = |r: &Replica<B, B>| <S as Store<B, B>>::get(&s, r, &t, &k).map(|x| x.0);
        assert_eq!(got(&back), got(&r));
        assert!(<S as Store<B, B>>::decode_state(&s, 3, 0, &[0xff; 3]).is_err());
    }
"
        .to_string()
    };
    let state_codec = if ty_has_fn(t, &st.state) {
        String::new()
    } else {
        "
    fn encode_state(&self, st: &Replica<K, V>) -> Option<Vec<u8>> {
        Some(kv_store_api::encode_plain(st.current()))
    }

    fn decode_state(&self, _replicas: u64, _me: ReplicaId, bytes: &[u8]) -> Result<Replica<K, V>, kv_store_api::DecodeError> {
        kv_store_api::decode_plain(\"state\", bytes).map(Replica::new)
    }
"
        .to_string()
    };
    let mut key_cmp_items = String::new();
    if curried_cmp {
        key_cmp_items.push_str(
            "/// Curried key comparison, as the extracted functions take it.
type KeyCmp<K> = Rc<dyn Fn(&K) -> Rc<dyn Fn(&K) -> std::cmp::Ordering>>;

fn key_cmp<K: Ord + Clone + 'static>() -> KeyCmp<K> {
    Rc::new(|a: &K| {
        let a = a.clone();
        Rc::new(move |b: &K| a.cmp(b)) as Rc<dyn Fn(&K) -> std::cmp::Ordering>
    })
}

",
        );
    }
    if uncurried_cmp {
        key_cmp_items.push_str(
            "/// Key comparison, passed uncurried and by reference.
fn key_cmp_ref<K: Ord>(a: &K, b: &K) -> std::cmp::Ordering {
    a.cmp(b)
}

",
        );
    }
    let put_body = if put_keeps {
        format!(
            "// The state is moved in, so the extracted code owns it uniquely and
        // updates it in place; on `None` (\"not yet\") it is handed back as it was.
        let cur = st.take();
        match {} {{
            Ok(((next, tok), msg)) => {{
                st.st = Some(next);
                Some((tok, msg))
            }}
            Err(cur) => {{
                st.st = Some(cur);
                None
            }}
        }}",
            calls["put"]
        )
    } else {
        format!(
            "// `None` (\"not yet\") must leave the state as it was, so `put` works on
        // a (shallow, `Rc`-sharing) copy.
        let cur = st.current().clone();
        let ((next, tok), msg) = {}?;
        st.st = Some(next);
        Some((tok, msg))",
            calls["put"]
        )
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "//! Store `{name}`: generated from {source} by miniml2rust; do not edit.\n//!\n//! [`Algorithm`] implements [`kv_store_api::Store`] by calling the\n//! extracted functions of [`extracted`] (translated from the verified\n//! Rocq module) at keys `K` and values `V`, with the key comparison\n//! `K::cmp`, a total order as `key_order` asks. Arguments the wrapper owns\n//! are moved in, the others lent.\n"
    );
    s.push_str("#![forbid(unsafe_code)]\n\n");
    s.push_str("pub mod extracted;\npub mod runtime;\n\n");
    s.push_str("use kv_store_api::{ReplicaId, Store};\nuse serde::{de::DeserializeOwned, Serialize};\nuse std::fmt::Debug;\nuse std::marker::PhantomData;\n");
    if curried_cmp {
        s.push_str("use std::rc::Rc;\n");
    }
    s.push('\n');
    let _ = write!(
        s,
        r#"/// The store algorithm (stateless; replica state is [`Replica`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Algorithm;

{key_cmp_items}/// State of one replica. It is taken out and put back around `put` and
/// `apply`, so the extracted code owns it uniquely and can update it in place.
pub struct Replica<K, V> {{
    st: Option<{state}>,
    _kv: PhantomData<fn() -> (K, V)>,
}}

impl<K, V> Replica<K, V> {{
    fn current(&self) -> &{state} {{
        self.st.as_ref().expect("replica state lost: extracted code panicked during put or apply")
    }}

    fn take(&mut self) -> {state} {{
        self.st.take().expect("replica state lost: extracted code panicked during put or apply")
    }}

    fn new(st: {state}) -> Self {{
        Replica {{
            st: Some(st),
            _kv: PhantomData,
        }}
    }}
}}

impl<K, V> Store<K, V> for Algorithm
where
    K: Clone + Ord + Debug + Serialize + DeserializeOwned + 'static,
    V: Clone + Debug + Serialize + DeserializeOwned + 'static,
{{
    type State = Replica<K, V>;
    type Token = {token};
    type Msg = {msg};

    fn name(&self) -> &'static str {{
        {name:?}
    }}

    fn init(&self, replicas: u64, me: ReplicaId) -> Replica<K, V> {{
        Replica::new({init})
    }}

    fn initial_token(&self, replicas: u64) -> Self::Token {{
        {token0}
    }}

    fn put(&self, st: &mut Replica<K, V>, tok: &Self::Token, key: K, val: V) -> Option<(Self::Token, Self::Msg)> {{
        {put_body}
    }}

    fn get(&self, st: &Replica<K, V>, tok: &Self::Token, key: &K) -> Option<(Option<V>, Self::Token)> {{
        {get}
    }}

    fn deliverable(&self, st: &Replica<K, V>, msg: &Self::Msg) -> bool {{
        {deliverable}
    }}

    fn apply(&self, st: &mut Replica<K, V>, msg: Self::Msg) {{
        let cur = st.take();
        st.st = Some({apply});
    }}
{state_codec}}}

#[cfg(test)]
mod tests {{
    use super::*;

    type B = Vec<u8>;

    #[test]
    fn fresh_replica_sees_nothing_and_tokens_round_trip() {{
        let s = Algorithm;
        let r = <Algorithm as Store<B, B>>::init(&s, 3, 0);
        let t = <Algorithm as Store<B, B>>::initial_token(&s, 3);
        let bytes = <Algorithm as Store<B, B>>::encode_token(&s, &t);
        let back = <Algorithm as Store<B, B>>::decode_token(&s, 3, &bytes).expect("decodes");
        assert_eq!(format!("{{t:?}}"), format!("{{back:?}}"));
        if let Some((v, _)) = s.get(&r, &t, &b"k".to_vec()) {{
            assert_eq!(v, None);
        }}
    }}
{state_test}}}
"#,
        key_cmp_items = key_cmp_items,
        state_codec = state_codec,
        state_test = state_test,
        init = calls["init"],
        token0 = calls["token0"],
        put_body = put_body,
        get = calls["get"],
        deliverable = calls["deliverable"],
        apply = calls["apply"],
    );
    Ok(s)
}

fn cargo_toml(name: &str, deps: &Deps) -> String {
    let deps = match deps {
        Deps::Workspace => "kv-store-api.workspace = true\nserde.workspace = true\n".to_string(),
        Deps::Standalone { store_api } => format!(
            "kv-store-api = {{ path = {:?} }}\nserde = {{ version = \"1\", features = [\"derive\", \"rc\"] }}\n",
            store_api.display().to_string()
        ),
    };
    let (edition, ws) = match deps.contains("workspace") {
        true => ("edition.workspace = true\nlicense.workspace = true\n", ""),
        false => ("edition = \"2021\"\n", "\n[workspace]\n"),
    };
    format!(
        "# generated by miniml2rust; do not edit\n[package]\nname = \"store-{name}\"\nversion = \"0.1.0\"\n{edition}publish = false\ndescription = \"Store `{name}`, extracted from its verified Rocq model.\"\n\n[dependencies]\n{deps}{ws}"
    )
}

/// Generate a store crate from extraction JSON into `out`; returns a report
/// including the line to add to the workspace members.
pub fn generate_store_crate(
    json: &str,
    source: &str,
    name: &str,
    out: &Path,
    deps: &Deps,
) -> Result<String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(not_store(format!(
            "bad store name `{name}` (use [A-Za-z0-9_-])"
        )));
    }
    let m = ast::parse_module(json)?;
    let t = translate_with(&m, &store_requests())?;
    let lib = wrapper_text(&t, source, name)?;
    let extracted = module_text(&t, source);
    let io = |e: std::io::Error| not_store(format!("writing {}: {e}", out.display()));
    std::fs::create_dir_all(out.join("src")).map_err(io)?;
    let files = [
        ("Cargo.toml", cargo_toml(name, deps)),
        ("src/lib.rs", format_rust(&lib)),
        ("src/extracted.rs", format_rust(&extracted)),
        ("src/runtime.rs", crate::runtime_source()),
    ];
    for (f, text) in &files {
        std::fs::write(out.join(f), text).map_err(io)?;
    }
    let natives: Vec<String> = {
        let mut v: Vec<String> = t
            .natives
            .iter()
            .map(|(k, op)| format!("{k} = {op:?}"))
            .collect();
        v.sort();
        v
    };
    Ok(format!(
        "generated crate store-{name} in {}\nnative nat operations: {}\nadd this line to [workspace] members of the root Cargo.toml:\n    \"{}\",",
        out.display(),
        if natives.is_empty() { "none".to_string() } else { natives.join(", ") },
        out.display()
    ))
}
