//! Rust code generation from the typed IR.
//!
//! Representation choices (see the crate README for the trusted base):
//! * user inductives become enums; a constructor with a field that can
//!   contain the enum itself keeps its payload behind one `Rc`; `bool`,
//!   `nat`, `option`, `prod`, `list`, `comparison` are native (`bool`,
//!   `u64`, `Option`, tuples, `rt::List`, `Ordering`);
//! * a function *value* of type `A -> B` is `Rc<dyn Fn(&A) -> B>` (curried,
//!   one argument per closure, by reference, so that every MiniML type has
//!   exactly one representation); top-level definitions and local
//!   fixpoints become Rust `fn`s taking as many arguments as their leading
//!   lambda, and partial applications or uses as values build curried
//!   closure chains; a function-typed parameter that is only ever fully
//!   applied (or passed on to such a parameter) is `&impl Fn(&A1, ..) -> R`
//!   (or `&dyn Fn`) instead (see [`uncurried_params`]);
//! * local fixpoints are lambda-lifted to top-level `fn`s taking their
//!   captured variables first, by reference;
//! * parameters are taken by value or by reference as
//!   [`crate::ownership::infer_modes`] decides; inside a function, variables
//!   are moved at their last use and cloned before it ([`FnGen`]); a node
//!   taken apart and rebuilt is updated in place when uniquely owned.

use crate::error::{Loc, Result};
use crate::ir::{Body, Infer, Kind, NativeInd, Node, Pat, Program, Ty, VarId};
use crate::natives::NatOp;
use crate::ownership::{flatten_app, is_copy, pat_vars, strip, Ctx, Prepared};
pub use crate::ownership::{Mode, Need, Requests};
use crate::{ast, ir};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write;

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen", "union",
];

const ORDERINGS: [&str; 3] = [
    "std::cmp::Ordering::Equal",
    "std::cmp::Ordering::Less",
    "std::cmp::Ordering::Greater",
];

/// Names generated code relies on, which extracted names must not shadow.
const RESERVED: &[&str] = &[
    "Some",
    "None",
    "Ok",
    "Err",
    "Rc",
    "Ordering",
    "rt",
    "List",
    "Box",
    "Vec",
    "String",
    "Option",
    "Result",
    "serde",
    "std",
    "core",
    "alloc",
    "Clone",
    "Copy",
    "Debug",
    "PartialEq",
    "Eq",
    "Fn",
    "Dummy",
    "Serialize",
    "Deserialize",
    "Default",
    "Send",
    "Sync",
    "Sized",
    "Drop",
];

/// Make an ML identifier a Rust identifier (no uniqueness).
fn sanitize(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if c == '\'' {
            out.push_str("_p");
        } else {
            let _ = write!(out, "_u{:x}", c as u32);
        }
    }
    if out.is_empty() || out.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        out.insert(0, 'x');
    }
    if out.starts_with("__") {
        out.insert(0, 'v');
    }
    out
}

fn camel(s: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for c in sanitize(s).chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    if out.is_empty() {
        out.push('X');
    }
    out
}

/// A registry of used names handing out unique variants.
#[derive(Debug, Clone, Default)]
struct NameSet(HashSet<String>);

impl NameSet {
    fn fresh(&mut self, base: &str) -> String {
        let mut n = base.to_string();
        let mut i = 0;
        while self.0.contains(&n)
            || KEYWORDS.contains(&n.as_str())
            || RESERVED.contains(&n.as_str())
            || is_generic_name(&n)
        {
            i += 1;
            n = format!("{base}_{i}");
        }
        self.0.insert(n.clone());
        n
    }
}

fn is_generic_name(n: &str) -> bool {
    n.len() > 1 && n.starts_with('T') && n[1..].chars().all(|c| c.is_ascii_digit())
}

/// Layout facts about an inductive.
#[derive(Debug, Clone)]
pub struct IndLayout {
    /// Rust type name.
    pub rust: String,
    /// Rust variant names.
    pub variants: Vec<String>,
    /// Per constructor: is its payload (all its fields, as one tuple) behind
    /// one `Rc`? (It is when a field can contain the inductive itself.)
    pub boxed: Vec<bool>,
    /// Contains functions (only `Clone` is derived).
    pub has_fn: bool,
    /// Parameters not used by any field (a phantom variant is added).
    pub phantom: bool,
}

/// A translated module.
pub struct Translation {
    /// The program (types of all declarations).
    pub prog: Program,
    /// Definitions replaced by native operations.
    pub natives: HashMap<String, NatOp>,
    /// Layout of every non-native inductive.
    pub layouts: HashMap<String, IndLayout>,
    /// Rust names of the globals.
    pub fn_names: HashMap<String, String>,
    /// Function-typed parameters passed uncurried and by reference:
    /// `(global, parameter index)` -> number of arguments (see
    /// [`uncurried_params`]).
    pub uncurried: HashMap<(String, usize), usize>,
    /// Uncurried parameters passed as `&dyn Fn` rather than generic `&impl
    /// Fn`: those to which a call inside the same recursive group passes a
    /// function other than one of its own uncurried parameters (a closure
    /// made there would have a new type at every level of recursion).
    pub dyn_uncurried: HashSet<(String, usize)>,
    /// Parameter passing of the globals: `(global, parameter index)` ->
    /// by value or by reference (see [`crate::ownership::infer_modes`]);
    /// absent for parameters that are `Copy`, functions or uncurried (by
    /// value, or `&dyn Fn`).
    pub modes: HashMap<(String, usize), Mode>,
    /// Keep variants generated: global -> (Rust name, parameter index) (see
    /// [`FnGen`], "keep variants").
    pub keep: HashMap<String, (String, usize)>,
    /// Rust items (types and functions), formatted later.
    pub items: String,
}

impl Translation {
    /// Rust text of a type, inside the generated module.
    pub fn rust_ty(&self, t: &Ty) -> String {
        self.rust_ty_in(t, "", "rt::")
    }

    /// Rust type of an uncurried parameter of type `A1 -> .. -> An -> R`:
    /// `&(impl Fn(&A1, .., &An) -> R + ?Sized)` (static dispatch: each
    /// caller's function is called directly), or `&dyn Fn(&A1, .., &An) ->
    /// R` for the parameters in [`Translation::dyn_uncurried`].
    pub fn uncurried_ty(&self, t: &Ty, n: usize, dynamic: bool) -> String {
        let d = self.uncurried_ty_in(t, n, "", "rt::");
        if dynamic {
            d
        } else {
            format!("&(impl {} + ?Sized)", &d["&dyn ".len()..])
        }
    }

    /// `&dyn Fn(&A1, .., &An) -> R`, with a prefix for generated types.
    pub fn uncurried_ty_in(&self, t: &Ty, n: usize, prefix: &str, rt: &str) -> String {
        let (ps, r) = split_arrows(t, n).expect("uncurried parameter type");
        let ps: Vec<String> = ps
            .iter()
            .map(|p| format!("&{}", self.rust_ty_in(p, prefix, rt)))
            .collect();
        format!(
            "&dyn Fn({}) -> {}",
            ps.join(", "),
            self.rust_ty_in(&r, prefix, rt)
        )
    }

    /// Rust text of a type, naming generated types with `prefix` and the
    /// runtime module as `rt`.
    pub fn rust_ty_in(&self, t: &Ty, prefix: &str, rt: &str) -> String {
        let rec = |x: &Ty| self.rust_ty_in(x, prefix, rt);
        match t {
            Ty::Meta(_) | Ty::Dummy => format!("{rt}Dummy"),
            Ty::Param(p) => p.clone(),
            Ty::Tuple(a) if a.len() == 1 => format!("({},)", rec(&a[0])),
            Ty::Tuple(a) => format!("({})", a.iter().map(rec).collect::<Vec<_>>().join(", ")),
            Ty::Arrow(a, b) => format!("Rc<dyn Fn(&{}) -> {}>", rec(a), rec(b)),
            Ty::Con(n, a) => {
                let args: Vec<String> = a.iter().map(rec).collect();
                match self.prog.ind(n).native {
                    Some(NativeInd::Bool) => "bool".to_string(),
                    Some(NativeInd::Nat) => "u64".to_string(),
                    Some(NativeInd::Comparison) => "std::cmp::Ordering".to_string(),
                    Some(NativeInd::Option) => format!("Option<{}>", args[0]),
                    Some(NativeInd::List) => format!("{rt}List<{}>", args[0]),
                    Some(NativeInd::Prod) => format!("({}, {})", args[0], args[1]),
                    None => {
                        let r = format!("{prefix}{}", self.layouts[n].rust);
                        if args.is_empty() {
                            r.clone()
                        } else {
                            format!("{r}<{}>", args.join(", "))
                        }
                    }
                }
            }
        }
    }
}

/// Inductives mentioned inline (not behind a function or a list) by a type.
fn inline_inds(prog: &Program, t: &Ty, out: &mut BTreeSet<String>) {
    match t {
        Ty::Con(n, a) => {
            if prog.ind(n).native == Some(NativeInd::List) {
                return;
            }
            if prog.ind(n).native.is_none() {
                out.insert(n.clone());
            }
            for x in a {
                inline_inds(prog, x, out);
            }
        }
        Ty::Tuple(a) => a.iter().for_each(|x| inline_inds(prog, x, out)),
        _ => {}
    }
}

fn all_inds(t: &Ty, out: &mut BTreeSet<String>) {
    match t {
        Ty::Con(n, a) => {
            out.insert(n.clone());
            a.iter().for_each(|x| all_inds(x, out));
        }
        Ty::Tuple(a) => a.iter().for_each(|x| all_inds(x, out)),
        Ty::Arrow(a, b) => {
            all_inds(a, out);
            all_inds(b, out);
        }
        _ => {}
    }
}

fn params_of(t: &Ty, out: &mut HashSet<String>) {
    match t {
        Ty::Param(p) => {
            out.insert(p.clone());
        }
        Ty::Con(_, a) | Ty::Tuple(a) => a.iter().for_each(|x| params_of(x, out)),
        Ty::Arrow(a, b) => {
            params_of(a, out);
            params_of(b, out);
        }
        _ => {}
    }
}

fn layouts(prog: &Program, types: &mut NameSet) -> HashMap<String, IndLayout> {
    // Inline edges and reachability for boxing.
    let mut edges: HashMap<&str, BTreeSet<String>> = HashMap::new();
    for i in &prog.inds {
        let mut s = BTreeSet::new();
        for c in &i.ctors {
            for f in &c.fields {
                inline_inds(prog, f, &mut s);
            }
        }
        edges.insert(&i.name, s);
    }
    let reaches = |from: &str, to: &str| -> bool {
        let mut seen = HashSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(x) = stack.pop() {
            if x == to {
                return true;
            }
            if seen.insert(x.clone()) {
                if let Some(e) = edges.get(x.as_str()) {
                    stack.extend(e.iter().cloned());
                }
            }
        }
        false
    };
    // Function-containing inductives (fixpoint).
    let mut has_fn: HashSet<String> = HashSet::new();
    loop {
        let before = has_fn.len();
        for i in &prog.inds {
            let f = i.ctors.iter().flat_map(|c| &c.fields).any(|t| {
                let mut s = BTreeSet::new();
                all_inds(t, &mut s);
                t.has_arrow() || s.iter().any(|n| has_fn.contains(n))
            });
            if f {
                has_fn.insert(i.name.clone());
            }
        }
        if has_fn.len() == before {
            break;
        }
    }
    let mut out = HashMap::new();
    for i in prog.inds.iter().filter(|i| i.native.is_none()) {
        let boxed = i
            .ctors
            .iter()
            .map(|c| {
                c.fields.iter().any(|t| {
                    let mut s = BTreeSet::new();
                    inline_inds(prog, t, &mut s);
                    s.iter().any(|j| reaches(j, &i.name))
                })
            })
            .collect();
        let mut used = HashSet::new();
        i.ctors
            .iter()
            .flat_map(|c| &c.fields)
            .for_each(|t| params_of(t, &mut used));
        let mut vnames = NameSet::default();
        vnames.0.insert("__Phantom".into());
        out.insert(
            i.name.clone(),
            IndLayout {
                rust: types.fresh(&camel(&i.name)),
                variants: i
                    .ctors
                    .iter()
                    .map(|c| vnames.fresh(&camel(&c.name)))
                    .collect(),
                boxed,
                has_fn: has_fn.contains(&i.name),
                phantom: i.params.iter().any(|p| !used.contains(p)),
            },
        );
    }
    out
}

/// Translate a parsed module to Rust items.
pub fn translate(m: &ast::Module) -> Result<Translation> {
    translate_with(m, &Requests::default())
}

/// Translate a parsed module, with parameter modes and keep variants asked
/// for by the caller (see [`Requests`]).
pub fn translate_with(m: &ast::Module, req: &Requests) -> Result<Translation> {
    let prog = Program::new(m)?;
    let natives = crate::natives::recognise(m);
    let mut types = NameSet::default();
    let layouts = layouts(&prog, &mut types);
    let mut fns = NameSet::default();
    let mut fn_names = HashMap::new();
    for g in &prog.global_order {
        fn_names.insert(g.clone(), fns.fresh(&sanitize(g)));
    }
    let mut t = Translation {
        prog,
        natives,
        layouts,
        fn_names,
        uncurried: HashMap::new(),
        dyn_uncurried: HashSet::new(),
        modes: HashMap::new(),
        keep: HashMap::new(),
        items: String::new(),
    };
    let mut items = String::new();
    for i in &t.prog.inds {
        if i.native.is_none() {
            items.push_str(&emit_ind(&t, i));
        }
    }
    let mut bodies = Vec::new();
    for d in &m.declarations {
        match d {
            ast::Decl::Term { name, value, .. } => bodies.push((name, value)),
            ast::Decl::FixGroup { fixlist } => {
                bodies.extend(fixlist.iter().map(|f| (&f.name, &f.value)))
            }
            _ => {}
        }
    }
    let mut inferred = Vec::new();
    for (name, value) in bodies {
        inferred.push((name.clone(), Infer::new(&t.prog, name).definition(value)?));
    }
    let mut typed = Vec::new();
    for (name, body) in crate::inline::inline_module(&t, inferred) {
        let (body, splits) = crate::ownership::prepare(&t, &body);
        typed.push((name, body, splits));
    }
    t.uncurried = uncurried_params(&t, typed.iter().map(|(n, b, _)| (n.as_str(), b)));
    let prepared: Vec<Prepared> = typed
        .into_iter()
        .map(|(name, body, splits)| {
            let mut ucur = vec![None; body.vars.len()];
            for (i, &v) in body.params.iter().enumerate() {
                ucur[v] = t.uncurried.get(&(name.clone(), i)).copied();
            }
            let mut fixcaps = HashMap::new();
            crate::ownership::fix_captures(&body.body, &mut fixcaps);
            Prepared {
                name,
                body,
                splits,
                ucur,
                fixcaps,
            }
        })
        .collect();
    t.dyn_uncurried = dyn_uncurried(&t, &prepared);
    t.modes = crate::ownership::infer_modes(&t, &prepared, req);
    for (g, i) in &req.keep {
        let Some(p) = prepared.iter().find(|p| &p.name == g) else {
            continue;
        };
        let ok = p.body.params.get(*i).is_some_and(|&v| p.ucur[v].is_none())
            && option_payload(&t, &t.prog.globals[g].ty, p.body.params.len()).is_some()
            && !t.natives.contains_key(g);
        if ok && !t.keep.contains_key(g) {
            let rust = fns.fresh(&format!("{}__keep", t.fn_names[g]));
            t.keep.insert(g.clone(), (rust, *i));
        }
    }
    for p in &prepared {
        let mut g = FnGen::new(&t, p, &mut fns, None);
        items.push_str(&g.definition()?);
        items.push_str(&g.out_lifted.concat());
        if let Some((_, i)) = t.keep.get(&p.name) {
            let mut g = FnGen::new(&t, p, &mut fns, Some(*i));
            items.push_str(&g.definition()?);
            items.push_str(&g.out_lifted.concat());
        }
    }
    t.items = items;
    Ok(t)
}

/// The uncurried parameters that must be `&dyn Fn` (see
/// [`Translation::dyn_uncurried`]).
fn dyn_uncurried(t: &Translation, bodies: &[Prepared]) -> HashSet<(String, usize)> {
    let calls: HashMap<&str, BTreeSet<String>> = bodies
        .iter()
        .map(|p| {
            let mut s = BTreeSet::new();
            fn globals(n: &Node, out: &mut BTreeSet<String>) {
                if let Kind::Global { name, .. } = &n.kind {
                    out.insert(name.clone());
                }
                crate::ownership::for_children(n, &mut |c| globals(c, out));
            }
            globals(&p.body.body, &mut s);
            (p.name.as_str(), s)
        })
        .collect();
    let reaches = |from: &str, to: &str| -> bool {
        let mut seen = HashSet::new();
        let mut stack: Vec<String> = calls.get(from).into_iter().flatten().cloned().collect();
        while let Some(x) = stack.pop() {
            if x == to {
                return true;
            }
            if seen.insert(x.clone()) {
                stack.extend(calls.get(x.as_str()).into_iter().flatten().cloned());
            }
        }
        false
    };
    let mut out = HashSet::new();
    for p in bodies {
        fn visit(
            t: &Translation,
            p: &Prepared,
            n: &Node,
            same_group: &dyn Fn(&str) -> bool,
            out: &mut HashSet<(String, usize)>,
        ) {
            if let Some((head, args)) = flatten_app(n) {
                if let Kind::Global { name, .. } = &head.kind {
                    if same_group(name) {
                        for (j, a) in args.iter().enumerate() {
                            let key = (name.clone(), j);
                            if !t.uncurried.contains_key(&key) {
                                continue;
                            }
                            let passed_on =
                                matches!(&strip(a).kind, Kind::Var(u) if p.ucur[*u].is_some());
                            if !passed_on {
                                out.insert(key);
                            }
                        }
                    }
                }
            }
            crate::ownership::for_children(n, &mut |c| visit(t, p, c, same_group, out));
        }
        let me = p.name.as_str();
        let same = |g: &str| reaches(g, me) && reaches(me, g);
        visit(t, p, &p.body.body, &same, &mut out);
    }
    out
}

/// The payload type `R` of a global of type `A1 -> .. -> An -> option R`
/// (`n` parameters), if that is its type.
fn option_payload(t: &Translation, ty: &Ty, n: usize) -> Option<Ty> {
    let (_, r) = split_arrows(ty, n)?;
    match r {
        Ty::Con(o, mut a) if t.prog.ind(&o).native == Some(NativeInd::Option) => a.pop(),
        _ => None,
    }
}

/// Number of arrows on the spine of a type (`A -> B -> C` has 2).
fn spine(t: &Ty) -> usize {
    match t {
        Ty::Arrow(_, b) => 1 + spine(b),
        _ => 0,
    }
}

/// The uncurrying rule. A function-typed parameter `f : A1 -> .. -> An -> R`
/// (R not an arrow) of a top-level definition is passed as
/// `&dyn Fn(&A1, .., &An) -> R` when every occurrence of `f` in the body is,
/// outside any closure or local fixpoint, either
/// * applied to exactly `n` arguments (the call `f(&a1, .., &an)` borrows
///   its arguments instead of building `n - 1` closures and cloning them), or
/// * passed as an argument of a full call of a global at a parameter that is
///   itself uncurried with the same `n` (greatest fixpoint over all globals).
///
/// Everything else (partial application, capture by a closure, storage in a
/// data structure, return) keeps the curried `Rc<dyn Fn>` representation.
/// Callers that pass a curried value at an uncurried position go through an
/// adapter closure `|a1, .., an| f(a1.clone())..(an.clone())`.
fn uncurried_params<'b>(
    t: &Translation,
    bodies: impl Iterator<Item = (&'b str, &'b Body)>,
) -> HashMap<(String, usize), usize> {
    let bodies: Vec<(&str, &Body)> = bodies.collect();
    let mut cand: HashMap<(String, usize), usize> = HashMap::new();
    for &(name, body) in &bodies {
        if t.natives.contains_key(name) {
            continue;
        }
        for (i, &v) in body.params.iter().enumerate() {
            let n = spine(&body.vars[v].ty);
            if n > 0 {
                cand.insert((name.to_string(), i), n);
            }
        }
    }
    loop {
        let mut drop = Vec::new();
        for &(name, body) in &bodies {
            for (i, &v) in body.params.iter().enumerate() {
                let Some(&n) = cand.get(&(name.to_string(), i)) else {
                    continue;
                };
                if !occurrences_ok(t, &cand, &body.body, v, n, false) {
                    drop.push((name.to_string(), i));
                }
            }
        }
        if drop.is_empty() {
            return cand;
        }
        for d in drop {
            cand.remove(&d);
        }
    }
}

/// Are all occurrences of `v` (uncurried with `n` arguments) allowed in `e`?
fn occurrences_ok(
    t: &Translation,
    cand: &HashMap<(String, usize), usize>,
    e: &Node,
    v: VarId,
    n: usize,
    closure: bool,
) -> bool {
    let rec = |x: &Node, c: bool| occurrences_ok(t, cand, x, v, n, c);
    match &e.kind {
        Kind::Var(u) => *u != v,
        Kind::Global { .. } | Kind::Exn(_) | Kind::Dummy => true,
        Kind::App(..) => {
            let (head, args) = flatten_app(e).expect("application");
            match &head.kind {
                Kind::Var(u) if *u == v => {
                    !closure && args.len() == n && args.iter().all(|a| rec(a, closure))
                }
                Kind::Global { name, .. } => {
                    let arity = t.prog.globals[name].arity;
                    args.iter().enumerate().all(|(j, a)| match &a.kind {
                        Kind::Var(u) if *u == v => {
                            !closure
                                && args.len() >= arity
                                && j < arity
                                && cand.get(&(name.clone(), j)) == Some(&n)
                                && spine(&a.ty) == n
                        }
                        _ => rec(a, closure),
                    })
                }
                _ => rec(head, closure) && args.iter().all(|a| rec(a, closure)),
            }
        }
        Kind::Lam(_, b) => rec(b, true),
        Kind::Let(_, a, b) => rec(a, closure) && rec(b, closure),
        Kind::Ctor { args, .. } | Kind::Tuple(args) => args.iter().all(|a| rec(a, closure)),
        Kind::Case(s, arms) => rec(s, closure) && arms.iter().all(|(_, b)| rec(b, closure)),
        Kind::Fix(fs, _) => fs.iter().all(|(_, b)| rec(b, true)),
        Kind::Coerce(x) => rec(x, closure),
    }
}

fn emit_ind(t: &Translation, i: &ir::Inductive) -> String {
    let l = &t.layouts[&i.name];
    let mut s = String::new();
    let _ = writeln!(s, "/// Inductive `{}`.", i.name);
    if l.has_fn {
        s.push_str("#[derive(Clone)]\n");
    } else {
        s.push_str("#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]\n");
    }
    let generics = if i.params.is_empty() {
        String::new()
    } else {
        format!("<{}>", i.params.join(", "))
    };
    let _ = writeln!(s, "pub enum {}{generics} {{", l.rust);
    for (ci, c) in i.ctors.iter().enumerate() {
        let fields: Vec<String> = c.fields.iter().map(|f| t.rust_ty(f)).collect();
        if fields.is_empty() {
            let _ = writeln!(s, "    {},", l.variants[ci]);
        } else if l.boxed[ci] {
            let payload = if fields.len() == 1 {
                fields[0].clone()
            } else {
                format!("({})", fields.join(", "))
            };
            let _ = writeln!(s, "    {}(Rc<{payload}>),", l.variants[ci]);
        } else {
            let _ = writeln!(s, "    {}({}),", l.variants[ci], fields.join(", "));
        }
    }
    if l.phantom {
        let ser = if l.has_fn { "" } else { "#[serde(skip)] " };
        let _ = writeln!(
            s,
            "    #[doc(hidden)] {ser}__Phantom(std::marker::PhantomData<({},)>, std::convert::Infallible),",
            i.params.join(", ")
        );
    }
    s.push_str("}\n\n");
    s
}

/// The type parameters of a definition, `<T1: Clone + 'static, ...>`.
fn generic_decl(gs: &[String]) -> String {
    if gs.is_empty() {
        String::new()
    } else {
        format!(
            "<{}>",
            gs.iter()
                .map(|g| format!("{g}: Clone + 'static"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

fn split_arrows(t: &Ty, n: usize) -> Option<(Vec<Ty>, Ty)> {
    let mut ps = Vec::new();
    let mut cur = t.clone();
    for _ in 0..n {
        match cur {
            Ty::Arrow(a, b) => {
                ps.push(*a);
                cur = *b;
            }
            _ => return None,
        }
    }
    Some((ps, cur))
}

/// Variables used later, in evaluation order, on some path (liveness).
type Live = BTreeSet<VarId>;

/// A lifted local fixpoint.
struct Lifted {
    rust: String,
    arity: usize,
}

/// How a `match` holds its scrutinee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MatchMode {
    /// A `Copy` value, matched by value.
    Copy,
    /// By reference: binders are references into the scrutinee.
    ByRef,
    /// By value: the scrutinee is consumed, binders own its parts.
    ByVal,
}

/// Code generation for one top-level definition (or its keep variant).
///
/// Emission walks each term *backwards* in evaluation order, carrying the
/// set of variables used later (`Live`): a variable needed by value is moved
/// where it is not live afterwards (nor borrowed by a live binder of a
/// `match` on it, nor captured by the enclosing closure) and cloned
/// otherwise; a variable needed by reference is lent (`&x`, or `x` if it is
/// a reference already). Arguments that only borrow a variable that an
/// earlier argument moves are evaluated first (MiniML is pure, so the order
/// is unobservable).
///
/// Keep variants. For a function returning `option R` and one of its
/// parameters `p`, the variant returns `Result<R, P>`: every `Some x` in
/// tail position becomes `Ok x`, every `None` becomes `Err p` (a split `p`
/// is rebuilt from its fields), any other tail expression `e` becomes
/// `match e { Some(x) => Ok(x), None => Err(p) }`. `p` is then live at every
/// `None`, so liveness makes any consumption of `p` on a path to a `None`
/// a clone: `Err` always hands back the parameter as it was given. The store
/// wrapper uses it for `put`, so that the state can be moved in (and updated
/// in place) and still be kept when the answer is "not yet".
struct FnGen<'a> {
    t: &'a Translation,
    p: &'a Prepared,
    decl: &'a str,
    loc: Loc,
    names: Vec<String>,
    lifted: HashMap<VarId, Lifted>,
    mode: Vec<Mode>,
    /// Captured by the closure being emitted: never moved.
    pinned: Vec<bool>,
    /// For a binder of a by-reference `match` on an owned variable: that
    /// variable (it cannot be moved while the binder is live).
    dep: Vec<Option<VarId>>,
    locals: NameSet,
    globals: &'a mut NameSet,
    generics: Vec<String>,
    out_lifted: Vec<String>,
    keep: Option<VarId>,
    keep_ty: String,
    /// A binder of a node reused in place: (its token, the place `m.i`).
    place: Vec<Option<(VarId, String)>>,
    /// Reuse tokens (pseudo-variables), by id.
    tokens: HashMap<VarId, Token>,
    /// Tokens usable at the current point (innermost last).
    active: Vec<VarId>,
}

/// A matched node whose `Rc` box can be reused (see [`FnGen`], "reuse").
struct Token {
    ind: String,
    idx: usize,
    /// The `&mut` to the payload.
    m: String,
    /// The `Rc`.
    rc: String,
    /// The binder of each field.
    fields: Vec<Option<VarId>>,
    /// A cons cell of a native list (`rt::Cell`) rather than an enum node.
    list: bool,
}

type Saved = Vec<(VarId, Mode, bool, Option<VarId>)>;

fn wrap_pre(pre: String, e: String) -> String {
    if pre.is_empty() {
        e
    } else {
        format!("{{\n{pre}{e}\n}}")
    }
}

impl<'a> FnGen<'a> {
    fn new(
        t: &'a Translation,
        p: &'a Prepared,
        globals: &'a mut NameSet,
        keep: Option<usize>,
    ) -> Self {
        let mut locals = NameSet::default();
        for n in t.fn_names.values() {
            locals.0.insert(n.clone());
        }
        for n in globals.0.iter() {
            locals.0.insert(n.clone());
        }
        let names = p
            .body
            .vars
            .iter()
            .map(|v| {
                if v.name == "_" {
                    locals.fresh("_x")
                } else {
                    locals.fresh(&sanitize(&v.name))
                }
            })
            .collect();
        let g = &t.prog.globals[&p.name];
        let nv = p.body.vars.len();
        FnGen {
            t,
            p,
            decl: &p.name,
            loc: Loc::new(&p.name),
            names,
            lifted: HashMap::new(),
            mode: vec![Mode::Own; nv],
            pinned: vec![false; nv],
            dep: vec![None; nv],
            locals,
            globals,
            generics: (1..=g.ntparams).map(|i| format!("T{i}")).collect(),
            out_lifted: Vec::new(),
            keep: keep.map(|i| p.body.params[i]),
            keep_ty: String::new(),
            place: vec![None; nv],
            tokens: HashMap::new(),
            active: Vec::new(),
        }
    }

    /// A fresh pseudo-variable (a reuse token) named `name`.
    fn pseudo(&mut self, name: String) -> VarId {
        self.names.push(name);
        self.mode.push(Mode::Own);
        self.pinned.push(false);
        self.dep.push(None);
        self.place.push(None);
        self.names.len() - 1
    }

    /// The Rust place holding `v`.
    fn var_text(&self, v: VarId) -> String {
        match &self.place[v] {
            Some((_, t)) => t.clone(),
            None => self.names[v].clone(),
        }
    }

    /// A cheap value of type `ty` to leave in a field moved out of a reused
    /// node (a constructor without arguments), if there is one.
    fn placeholder(&self, ty: &Ty) -> Option<String> {
        let Ty::Con(n, a) = ty else {
            return None;
        };
        match self.t.prog.ind(n).native {
            Some(NativeInd::List) => Some(format!("rt::List::<{}>::nil()", self.t.rust_ty(&a[0]))),
            Some(NativeInd::Option) => Some(format!("Option::<{}>::None", self.t.rust_ty(&a[0]))),
            Some(_) => None,
            None => {
                let i = self.t.prog.ind(n);
                let c = i.ctors.iter().position(|c| c.fields.is_empty())?;
                let l = &self.t.layouts[n];
                Some(format!(
                    "{}{}::{}",
                    l.rust,
                    self.inst_turbofish(a),
                    l.variants[c]
                ))
            }
        }
    }

    /// Is nothing that borrows from token `tok`'s node live?
    fn token_free(&self, tok: VarId, live: &Live) -> bool {
        let of_tok = |u: VarId| u == tok || self.place[u].as_ref().is_some_and(|p| p.0 == tok);
        !live
            .iter()
            .any(|&v| of_tok(v) || self.dep[v].is_some_and(of_tok))
    }

    /// Run `f` with no reuse token usable (inside a closure or a lifted
    /// function).
    fn without_tokens<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = std::mem::take(&mut self.active);
        let r = f(self);
        self.active = saved;
        r
    }

    fn cx(&self) -> Ctx<'a> {
        self.p.ctx(self.t, &self.t.modes)
    }

    fn tmp(&mut self, base: &str) -> String {
        self.locals.fresh(&format!("__{base}"))
    }

    fn turbofish(&self) -> String {
        if self.generics.is_empty() {
            String::new()
        } else {
            format!("::<{}>", self.generics.join(", "))
        }
    }

    fn ty_of(&self, v: VarId) -> &'a Ty {
        &self.p.body.vars[v].ty
    }

    fn is_copy_var(&self, v: VarId) -> bool {
        is_copy(&self.t.prog, self.ty_of(v))
    }

    fn save(&self, vs: &[VarId]) -> Saved {
        vs.iter()
            .map(|&v| (v, self.mode[v], self.pinned[v], self.dep[v]))
            .collect()
    }

    fn restore(&mut self, s: Saved) {
        for (v, m, p, d) in s.into_iter().rev() {
            self.mode[v] = m;
            self.pinned[v] = p;
            self.dep[v] = d;
        }
    }

    fn set(&mut self, v: VarId, m: Mode, pinned: bool, dep: Option<VarId>) {
        self.mode[v] = m;
        self.pinned[v] = pinned;
        self.dep[v] = dep;
    }

    fn with<T>(
        &mut self,
        seg: impl Into<String>,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        self.loc.path.push(seg.into());
        let r = f(self);
        self.loc.path.pop();
        r
    }

    // ---------- variables ----------

    /// Can owned `v` be moved here (`live`: used later)?
    fn movable(&self, v: VarId, live: &Live) -> bool {
        self.mode[v] == Mode::Own
            && !self.pinned[v]
            && !live.contains(&v)
            && !live.iter().any(|u| self.dep[*u] == Some(v))
    }

    /// `v` by value: moved at its last use, else cloned.
    fn var_own(&self, v: VarId, live: &mut Live) -> String {
        if let Some((_, pl)) = &self.place[v] {
            let s = if self.is_copy_var(v) {
                pl.clone()
            } else {
                match self.placeholder(self.ty_of(v)) {
                    Some(ph) if self.movable(v, live) => {
                        format!("std::mem::replace(&mut {pl}, {ph})")
                    }
                    _ => format!("{pl}.clone()"),
                }
            };
            live.insert(v);
            return s;
        }
        let n = &self.names[v];
        let s = match (self.mode[v], self.is_copy_var(v)) {
            (Mode::Own, true) => n.clone(),
            (Mode::Ref, true) => format!("*{n}"),
            (Mode::Own, false) if self.movable(v, live) => n.clone(),
            _ => format!("{n}.clone()"),
        };
        live.insert(v);
        s
    }

    /// `v` by reference.
    fn var_borrow(&self, v: VarId, live: &mut Live) -> String {
        live.insert(v);
        if let Some((_, pl)) = &self.place[v] {
            return format!("&{pl}");
        }
        match self.mode[v] {
            Mode::Own => format!("&{}", self.names[v]),
            Mode::Ref => self.names[v].clone(),
        }
    }

    /// Give the fields of a split variable the mode of the variable.
    fn bind_split(&mut self, v: VarId) {
        if let Some(sp) = self.p.splits.get(&v) {
            let dep = match self.mode[v] {
                Mode::Ref => self.dep[v],
                Mode::Own => None,
            };
            for &f in &sp.fields {
                self.set(f, self.mode[v], self.pinned[v], dep);
            }
        }
    }

    /// Wrap `rest` (the scope of split variable `v`) in the destructuring of
    /// `v` into its fields.
    fn destructure(&self, v: VarId, rest: String, live: &mut Live) -> String {
        let Some(sp) = self.p.splits.get(&v) else {
            return rest;
        };
        let used: Vec<bool> = sp.fields.iter().map(|f| live.contains(f)).collect();
        for f in &sp.fields {
            live.remove(f);
        }
        if !used.iter().any(|u| *u) {
            return rest;
        }
        live.insert(v);
        let binders: Vec<String> = sp
            .fields
            .iter()
            .zip(&used)
            .map(|(f, u)| {
                if *u {
                    self.names[*f].clone()
                } else {
                    "_".to_string()
                }
            })
            .collect();
        let x = &self.names[v];
        match &sp.ind {
            None => {
                let comma = if binders.len() == 1 { "," } else { "" };
                format!("{{\nlet ({}{comma}) = {x};\n{rest}\n}}", binders.join(", "))
            }
            Some(ind) => {
                let l = &self.t.layouts[ind];
                let pat = format!("{}::{}({})", l.rust, l.variants[0], binders.join(", "));
                if l.phantom {
                    let never = match self.mode[v] {
                        Mode::Ref => "*__never",
                        Mode::Own => "__never",
                    };
                    format!(
                        "match {x} {{\n{pat} => {{\n{rest}\n}}\n{}::__Phantom(_, __never) => match {never} {{}},\n}}",
                        l.rust
                    )
                } else {
                    format!("{{\nlet {pat} = {x};\n{rest}\n}}")
                }
            }
        }
    }

    // ---------- declarations ----------

    fn definition(&mut self) -> Result<String> {
        let p = self.p;
        let g = &self.t.prog.globals[self.decl];
        let (ptys, ret) = split_arrows(&g.ty, p.body.params.len()).ok_or_else(|| {
            self.loc
                .ill_formed("more lambda binders than arrows in the type")
        })?;
        let mut params = Vec::new();
        for (i, (&v, t)) in p.body.params.iter().zip(&ptys).enumerate() {
            let ty = match p.ucur[v] {
                Some(n) => {
                    let dynamic = self.t.dyn_uncurried.contains(&(self.decl.to_string(), i));
                    self.t.uncurried_ty(t, n, dynamic)
                }
                None => {
                    let m = if self.keep == Some(v) {
                        Mode::Own
                    } else {
                        self.t
                            .modes
                            .get(&(self.decl.to_string(), i))
                            .copied()
                            .unwrap_or(Mode::Own)
                    };
                    self.set(v, m, false, None);
                    match m {
                        Mode::Own => self.t.rust_ty(t),
                        Mode::Ref => format!("&{}", self.t.rust_ty(t)),
                    }
                }
            };
            params.push(format!("{}: {ty}", self.names[v]));
            self.bind_split(v);
        }
        let (name, ret_text, doc) = match self.keep {
            Some(kv) => {
                let payload = option_payload(self.t, &g.ty, p.body.params.len())
                    .ok_or_else(|| self.loc.ill_formed("keep variant of a non-option function"))?;
                let rt = format!(
                    "Result<{}, {}>",
                    self.t.rust_ty(&payload),
                    self.t.rust_ty(self.ty_of(kv))
                );
                self.keep_ty = rt.clone();
                (
                    self.t.keep[self.decl].0.clone(),
                    rt,
                    format!(
                        "/// `{}`, answering `Ok(x)` for `Some x` and handing `{}` back (`Err`) for `None`.",
                        self.decl, p.body.vars[kv].name
                    ),
                )
            }
            None => {
                let native = if self.t.natives.contains_key(self.decl) {
                    " (native)"
                } else {
                    ""
                };
                (
                    self.t.fn_names[self.decl].clone(),
                    self.t.rust_ty(&ret),
                    format!("/// `{}`{native}.", self.decl),
                )
            }
        };
        let body = match self.t.natives.get(self.decl) {
            Some(op) if self.keep.is_none() => self.native_body(*op, &ret)?,
            _ => {
                let mut live = Live::new();
                let mut text = self.emit(&p.body.body, Need::Own, true, &mut live)?;
                for &v in p.body.params.iter().rev() {
                    text = self.destructure(v, text, &mut live);
                }
                text
            }
        };
        Ok(format!(
            "{doc}\npub fn {name}{}({}) -> {ret_text} {{\n{body}\n}}\n\n",
            generic_decl(&self.generics),
            params.join(", "),
        ))
    }

    fn native_body(&self, op: NatOp, ret: &Ty) -> Result<String> {
        let p: Vec<&String> = self.p.body.params.iter().map(|&v| &self.names[v]).collect();
        let need = match op {
            NatOp::Pred => 1,
            _ => 2,
        };
        if p.len() != need {
            return Err(self
                .loc
                .ill_formed("native operation with unexpected arity"));
        }
        Ok(match op {
            NatOp::Add => format!("rt::nat_add({}, {})", p[0], p[1]),
            NatOp::Sub => format!("rt::nat_sub({}, {})", p[0], p[1]),
            NatOp::Mul => format!("rt::nat_mul({}, {})", p[0], p[1]),
            NatOp::Pow => format!("rt::nat_pow({}, {})", p[0], p[1]),
            NatOp::Eqb => format!("{} == {}", p[0], p[1]),
            NatOp::Leb => format!("{} <= {}", p[0], p[1]),
            NatOp::Ltb => format!("{} < {}", p[0], p[1]),
            NatOp::Max => format!("std::cmp::max({}, {})", p[0], p[1]),
            NatOp::Min => format!("std::cmp::min({}, {})", p[0], p[1]),
            NatOp::Compare => format!("{}.cmp(&{})", p[0], p[1]),
            NatOp::Pred => format!("rt::nat_pred({})", p[0]),
            NatOp::EqDec => {
                let Ty::Con(sb, _) = ret else {
                    return Err(self.loc.ill_formed("eq_dec does not return an inductive"));
                };
                let l = &self.t.layouts[sb];
                format!(
                    "if {} == {} {{ {r}::{} }} else {{ {r}::{} }}",
                    p[0],
                    p[1],
                    l.variants[0],
                    l.variants[1],
                    r = l.rust
                )
            }
        })
    }

    // ---------- expressions ----------

    /// The text of `n`, needed as `need`; `tail`: in tail position of the
    /// function (matters for keep variants). `live`: on entry the variables
    /// used after `n`, on exit those used from `n` on.
    fn emit(&mut self, n: &Node, need: Need, tail: bool, live: &mut Live) -> Result<String> {
        let tail = tail && self.keep.is_some();
        if need == Need::Borrow {
            return self.emit_borrow(n, live);
        }
        match &n.kind {
            Kind::Let(v, a, b) => self.emit_let(*v, a, b, tail, live),
            Kind::Case(s, arms) => self.case(s, arms, tail, live),
            Kind::Coerce(x) => self.with("coerce", |s| s.emit(x, need, tail, live)),
            Kind::Ctor { ind, idx, args, .. }
                if tail && self.t.prog.ind(ind).native == Some(NativeInd::Option) =>
            {
                if *idx == 0 {
                    let x = self.with("Some:arg0", |s| s.emit(&args[0], Need::Own, false, live))?;
                    Ok(format!("Ok({x})"))
                } else {
                    Ok(format!("Err({})", self.keep_value(live)))
                }
            }
            Kind::Exn(msg) if tail => Ok(format!("rt::exn::<{}>({msg:?})", self.keep_ty)),
            _ if tail => {
                let k = self.keep_value(live);
                let e = self.emit(n, Need::Own, false, live)?;
                let x = self.tmp("x");
                Ok(format!(
                    "match {e} {{\nSome({x}) => Ok({x}),\nNone => Err({k}),\n}}"
                ))
            }
            Kind::Var(v) if self.p.fixcaps.contains_key(v) => self.apply(n, &[], &n.ty, live),
            Kind::Var(v) if self.p.ucur[*v].is_some() => {
                Err(self.loc.ill_formed("uncurried parameter used as a value"))
            }
            Kind::Var(v) => Ok(self.var_own(*v, live)),
            Kind::Global { .. } => self.apply(n, &[], &n.ty, live),
            Kind::App(..) => {
                let (head, args) = flatten_app(n).expect("application");
                self.apply(head, &args, &n.ty, live)
            }
            Kind::Lam(vs, b) => self.lambda(vs, b, live),
            Kind::Ctor {
                ind,
                idx,
                args,
                inst,
            } => self.ctor(ind, *idx, args, inst, live),
            Kind::Tuple(items) => {
                let its: Vec<(&Node, Need)> = items.iter().map(|x| (x, Need::Own)).collect();
                let (pre, xs) = self.args(&its, "tuple:", live)?;
                let t = if xs.len() == 1 {
                    format!("({},)", xs[0])
                } else {
                    format!("({})", xs.join(", "))
                };
                Ok(wrap_pre(pre, t))
            }
            Kind::Fix(fs, which) => {
                self.lift(fs)?;
                let head = Node {
                    kind: Kind::Var(fs[*which].0),
                    ty: n.ty.clone(),
                };
                self.apply(&head, &[], &n.ty, live)
            }
            Kind::Exn(msg) => Ok(format!("rt::exn::<{}>({msg:?})", self.t.rust_ty(&n.ty))),
            Kind::Dummy => Ok("rt::Dummy".to_string()),
        }
    }

    /// `n` by reference: a variable is lent, anything else is evaluated to
    /// a temporary.
    fn emit_borrow(&mut self, n: &Node, live: &mut Live) -> Result<String> {
        match self.cx().var_of(n) {
            Some(v) => Ok(self.var_borrow(v, live)),
            None => {
                let e = self.emit(n, Need::Own, false, live)?;
                Ok(format!("&({e})"))
            }
        }
    }

    /// The kept parameter, by value (rebuilt from its fields if split).
    fn keep_value(&self, live: &mut Live) -> String {
        let v = self.keep.expect("keep variant");
        match self.p.splits.get(&v) {
            None => self.var_own(v, live),
            Some(sp) => {
                let mut xs: Vec<String> = sp
                    .fields
                    .iter()
                    .rev()
                    .map(|&f| self.var_own(f, live))
                    .collect();
                xs.reverse();
                match &sp.ind {
                    None => format!("({})", xs.join(", ")),
                    Some(ind) => {
                        let l = &self.t.layouts[ind];
                        let tf = if sp.inst.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "::<{}>",
                                sp.inst
                                    .iter()
                                    .map(|t| self.t.rust_ty(t))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        };
                        format!("{}{tf}::{}({})", l.rust, l.variants[0], xs.join(", "))
                    }
                }
            }
        }
    }

    fn emit_let(
        &mut self,
        v: VarId,
        a: &Node,
        b: &Node,
        tail: bool,
        live: &mut Live,
    ) -> Result<String> {
        self.set(v, Mode::Own, false, None);
        self.bind_split(v);
        let bs = self.emit(b, Need::Own, tail, live)?;
        let bs = self.destructure(v, bs, live);
        live.remove(&v);
        let name = self.names[v].clone();
        let seg = format!("let {}", self.p.body.vars[v].name);
        let a_s = self.with(seg, |s| s.emit(a, Need::Own, false, live))?;
        let ty = self.t.rust_ty(self.ty_of(v));
        Ok(format!("{{\nlet {name}: {ty} = {a_s};\n{bs}\n}}"))
    }

    /// Emit the arguments of one call or constructor (each needed as given)
    /// in evaluation order. Returns `let`s to put before the call and the
    /// texts of the arguments. An argument that consumes nothing but borrows
    /// a variable an earlier argument consumes is evaluated first, into a
    /// temporary; variables lent directly stay borrowed until the call, so
    /// they count as used after every argument.
    fn args(
        &mut self,
        items: &[(&Node, Need)],
        label: &str,
        live: &mut Live,
    ) -> Result<(String, Vec<String>)> {
        let cx = self.cx();
        let n = items.len();
        let direct: Vec<bool> = items
            .iter()
            .map(|(a, need)| *need == Need::Borrow && cx.var_of(a).is_some())
            .collect();
        let info: Vec<_> = items.iter().map(|(a, need)| cx.uses_of(a, *need)).collect();
        let hoist: Vec<bool> = (0..n)
            .map(|i| {
                !direct[i]
                    && info[i].0.is_empty()
                    && (0..i).any(|j| !info[i].1.is_disjoint(&info[j].0))
            })
            .collect();
        let mut texts = vec![String::new(); n];
        for i in 0..n {
            if direct[i] {
                texts[i] = self.emit_borrow(items[i].0, live)?;
            }
        }
        let order: Vec<usize> = (0..n)
            .filter(|&i| hoist[i])
            .chain((0..n).filter(|&i| !hoist[i] && !direct[i]))
            .collect();
        let mut lets = Vec::new();
        for &i in order.iter().rev() {
            let (a, need) = items[i];
            let seg = format!("{label}{i}");
            if hoist[i] {
                let e = self.with(seg, |s| s.emit(a, Need::Own, false, live))?;
                let h = self.tmp("h");
                texts[i] = match need {
                    Need::Borrow => format!("&{h}"),
                    Need::Own => h.clone(),
                };
                lets.push(format!("let {h} = {e};\n"));
            } else {
                texts[i] = self.with(seg, |s| s.emit(a, need, false, live))?;
            }
        }
        lets.reverse();
        Ok((lets.concat(), texts))
    }

    /// A closure chain `Rc<dyn Fn(&P1) -> Rc<dyn Fn(&P2) -> .. R>>` whose
    /// innermost body is `body`. `caps` are captured: `(name, clone)`, the
    /// outermost closure clones those marked (the others are moved in); the
    /// inner closures clone everything they capture. Inside `body`, the
    /// last parameter is a reference, the earlier ones owned copies.
    fn closure_chain(
        &self,
        caps: &[(String, bool)],
        params: &[String],
        ptys: &[Ty],
        ret: &Ty,
        body: String,
    ) -> String {
        let mut inner = body;
        let mut rty = ret.clone();
        for j in (0..params.len()).rev() {
            let p = self.t.rust_ty(&ptys[j]);
            let r = self.t.rust_ty(&rty);
            let closure = format!(
                "Rc::new(move |{}: &{p}| -> {r} {{\n{inner}\n}}) as Rc<dyn Fn(&{p}) -> {r}>",
                params[j]
            );
            let mut pre = String::new();
            if j == 0 {
                for (c, clone) in caps {
                    if *clone {
                        let _ = writeln!(pre, "let {c} = {c}.clone();");
                    }
                }
            } else {
                for c in caps.iter().map(|c| &c.0).chain(&params[..j]) {
                    let _ = writeln!(pre, "let {c} = {c}.clone();");
                }
            }
            inner = wrap_pre(pre, closure);
            rty = Ty::arrow(ptys[j].clone(), rty);
        }
        inner
    }

    fn lambda(&mut self, vs: &[VarId], b: &Node, live: &mut Live) -> Result<String> {
        let caps = self.cx().captures(&[b], vs);
        let all: Vec<VarId> = caps.iter().chain(vs).copied().collect();
        let saved = self.save(&all);
        for &c in &caps {
            self.set(c, Mode::Own, true, None);
        }
        for (i, &v) in vs.iter().enumerate() {
            if i + 1 == vs.len() {
                self.set(v, Mode::Ref, false, None);
            } else {
                self.set(v, Mode::Own, true, None);
            }
        }
        let mut inner = Live::new();
        let body =
            self.without_tokens(|s| s.with("fun", |s| s.emit(b, Need::Own, false, &mut inner)));
        self.restore(saved);
        let body = body?;
        let mut capn = Vec::new();
        for &c in caps.iter().rev() {
            let clone = !self.movable(c, live);
            live.insert(c);
            capn.push((self.names[c].clone(), clone));
        }
        capn.reverse();
        let ptys: Vec<Ty> = vs.iter().map(|&v| self.ty_of(v).clone()).collect();
        let pnames: Vec<String> = vs.iter().map(|&v| self.names[v].clone()).collect();
        Ok(self.closure_chain(&capn, &pnames, &ptys, &b.ty, body))
    }

    fn lift(&mut self, fs: &[(VarId, Node)]) -> Result<()> {
        if self.lifted.contains_key(&fs[0].0) {
            return Ok(());
        }
        let caps = self.p.fixcaps[&fs[0].0].clone();
        for (v, b) in fs {
            let arity = match &b.kind {
                Kind::Lam(ps, _) => ps.len(),
                _ => {
                    return Err(self.loc.unsupported(format!(
                        "local fixpoint `{}` is not a function",
                        self.p.body.vars[*v].name
                    )))
                }
            };
            let base = format!(
                "{}__{}",
                self.t.fn_names[self.decl],
                sanitize(&self.p.body.vars[*v].name)
            );
            let rust = self.globals.fresh(&base);
            self.locals.0.insert(rust.clone());
            self.lifted.insert(*v, Lifted { rust, arity });
        }
        for (v, b) in fs {
            let Kind::Lam(ps, body) = &b.kind else {
                unreachable!()
            };
            let all: Vec<VarId> = caps.iter().chain(ps).copied().collect();
            let saved = self.save(&all);
            for &c in &caps {
                self.set(c, Mode::Ref, false, None);
            }
            for &q in ps {
                self.set(q, Mode::Own, false, None);
            }
            let mut l = Live::new();
            let seg = format!("fix {}", self.p.body.vars[*v].name);
            let text =
                self.without_tokens(|s| s.with(seg, |s| s.emit(body, Need::Own, false, &mut l)));
            self.restore(saved);
            let text = text?;
            let mut params = Vec::new();
            for &c in &caps {
                params.push(format!(
                    "{}: &{}",
                    self.names[c],
                    self.t.rust_ty(self.ty_of(c))
                ));
            }
            for &q in ps {
                params.push(format!(
                    "{}: {}",
                    self.names[q],
                    self.t.rust_ty(self.ty_of(q))
                ));
            }
            self.out_lifted.push(format!(
                "/// Local fixpoint `{}` of `{}`.\nfn {}{}({}) -> {} {{\n{text}\n}}\n\n",
                self.p.body.vars[*v].name,
                self.decl,
                self.lifted[v].rust,
                generic_decl(&self.generics),
                params.join(", "),
                self.t.rust_ty(&body.ty)
            ));
        }
        Ok(())
    }

    /// Apply `head` to `args` (possibly none: a function used as a value);
    /// `ty` is the type of the application.
    fn apply(&mut self, head: &Node, args: &[&Node], ty: &Ty, live: &mut Live) -> Result<String> {
        match &head.kind {
            Kind::Var(f) if self.p.ucur[*f].is_some() => {
                if Some(args.len()) != self.p.ucur[*f] {
                    return Err(self.loc.ill_formed("uncurried parameter not fully applied"));
                }
                let items: Vec<(&Node, Need)> = args.iter().map(|a| (*a, Need::Borrow)).collect();
                let (pre, xs) = self.args(&items, "apply:arg", live)?;
                Ok(wrap_pre(
                    pre,
                    format!("{}({})", self.names[*f], xs.join(", ")),
                ))
            }
            Kind::Global { name, inst } => self.call_global(name, inst, head, args, live),
            Kind::Var(f) if self.p.fixcaps.contains_key(f) => {
                self.call_lifted(*f, head, args, live)
            }
            Kind::Fix(fs, w) => {
                self.lift(fs)?;
                self.call_lifted(fs[*w].0, head, args, live)
            }
            Kind::Lam(vs, b) if !args.is_empty() => self.beta(head, vs, b, args, live),
            Kind::Exn(msg) => Ok(format!("rt::exn::<{}>({msg:?})", self.t.rust_ty(ty))),
            Kind::Dummy if !args.is_empty() => Err(self
                .loc
                .unsupported("application of the erased value __ (a logical function)")),
            _ if args.is_empty() => self.emit(head, Need::Own, false, live),
            _ => {
                // A function value, called with its arguments by reference.
                let hv = self.cx().var_of(head);
                if let Some(v) = hv {
                    live.insert(v);
                }
                let items: Vec<(&Node, Need)> = args.iter().map(|a| (*a, Need::Borrow)).collect();
                let (pre, xs) = self.args(&items, "apply:arg", live)?;
                let mut call = match hv {
                    Some(v) => self.names[v].clone(),
                    None => {
                        let h =
                            self.with("apply:func", |s| s.emit(head, Need::Own, false, live))?;
                        format!("({h})")
                    }
                };
                for x in xs {
                    call = format!("{call}({x})");
                }
                Ok(wrap_pre(pre, call))
            }
        }
    }

    /// An argument at an uncurried parameter taking `n` arguments, when it
    /// needs no evaluation of its own: an uncurried parameter (passed on), a
    /// variable holding a function (lent to a closure made on the spot), a
    /// lambda of `n` binders (a closure borrowing what it uses), a global of
    /// arity `n` without uncurried parameters (called directly).
    fn ucur_arg(
        &mut self,
        a: &Node,
        n: usize,
        to_dyn: bool,
        live: &mut Live,
    ) -> Result<Option<String>> {
        let cx = self.cx();
        let s = strip(a);
        Ok(match &s.kind {
            Kind::Var(u) if self.p.ucur[*u].is_some() => {
                // A generic `&F` (maybe unsized) becomes `&dyn Fn` as `&&F`.
                let pos = self.p.body.params.iter().position(|p| p == u);
                let from_dyn =
                    pos.is_some_and(|i| self.t.dyn_uncurried.contains(&(self.decl.to_string(), i)));
                Some(if to_dyn && !from_dyn {
                    format!("&{}", self.names[*u])
                } else {
                    self.names[*u].clone()
                })
            }
            Kind::Var(u) if cx.value_var(*u) => {
                let (ps, r) = split_arrows(&a.ty, n).ok_or_else(|| {
                    self.loc
                        .ill_formed("uncurried argument type has too few arrows")
                })?;
                let names: Vec<String> = (0..n).map(|_| self.tmp("a")).collect();
                let params: Vec<String> = names
                    .iter()
                    .zip(&ps)
                    .map(|(x, p)| format!("{x}: &{}", self.t.rust_ty(p)))
                    .collect();
                let mut call = self.names[*u].clone();
                for x in &names {
                    call = format!("{call}({x})");
                }
                live.insert(*u);
                Some(format!(
                    "&|{}| -> {} {{ {call} }}",
                    params.join(", "),
                    self.t.rust_ty(&r)
                ))
            }
            Kind::Lam(vs, b) if vs.len() == n => {
                let caps = cx.captures(&[&**b], vs);
                let all: Vec<VarId> = caps.iter().chain(vs).copied().collect();
                let saved = self.save(&all);
                for &c in &caps {
                    self.pinned[c] = true;
                }
                for &v in vs {
                    self.set(v, Mode::Ref, false, None);
                }
                let mut inner = Live::new();
                let body = self
                    .without_tokens(|s| s.with("fun", |s| s.emit(b, Need::Own, false, &mut inner)));
                self.restore(saved);
                let body = body?;
                live.extend(caps);
                let params: Vec<String> = vs
                    .iter()
                    .map(|&v| format!("{}: &{}", self.names[v], self.t.rust_ty(self.ty_of(v))))
                    .collect();
                Some(format!(
                    "&|{}| -> {} {{\n{body}\n}}",
                    params.join(", "),
                    self.t.rust_ty(&b.ty)
                ))
            }
            Kind::Global { name, inst }
                if self.t.prog.globals[name].arity == n
                    && (0..n).all(|j| !self.t.uncurried.contains_key(&(name.clone(), j))) =>
            {
                let (ps, r) = split_arrows(&a.ty, n).ok_or_else(|| {
                    self.loc
                        .ill_formed("uncurried argument type has too few arrows")
                })?;
                let names: Vec<String> = (0..n).map(|_| self.tmp("a")).collect();
                let params: Vec<String> = names
                    .iter()
                    .zip(&ps)
                    .map(|(x, p)| format!("{x}: &{}", self.t.rust_ty(p)))
                    .collect();
                let pass: Vec<String> = names
                    .iter()
                    .enumerate()
                    .map(|(j, x)| match cx.param_need(name, j) {
                        Need::Borrow => x.clone(),
                        Need::Own => format!("{x}.clone()"),
                    })
                    .collect();
                Some(format!(
                    "&|{}| -> {} {{ {}{}({}) }}",
                    params.join(", "),
                    self.t.rust_ty(&r),
                    self.t.fn_names[name],
                    self.inst_turbofish(inst),
                    pass.join(", ")
                ))
            }
            _ => None,
        })
    }

    fn inst_turbofish(&self, inst: &[Ty]) -> String {
        if inst.is_empty() {
            String::new()
        } else {
            format!(
                "::<{}>",
                inst.iter()
                    .map(|t| self.t.rust_ty(t))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }

    /// Pass the curried function `x` (of type `ty`) at an uncurried
    /// parameter taking `n` arguments.
    fn adapter(&mut self, x: String, ty: &Ty, n: usize) -> Result<String> {
        let (ps, r) = split_arrows(ty, n).ok_or_else(|| {
            self.loc
                .ill_formed("uncurried argument type has too few arrows")
        })?;
        let f = self.tmp("f");
        let names: Vec<String> = (0..n).map(|_| self.tmp("a")).collect();
        let params: Vec<String> = names
            .iter()
            .zip(&ps)
            .map(|(a, p)| format!("{a}: &{}", self.t.rust_ty(p)))
            .collect();
        let mut call = f.clone();
        for a in &names {
            call = format!("{call}({a})");
        }
        Ok(format!(
            "&{{\nlet {f} = {x};\nmove |{}| -> {} {{ {call} }}\n}}",
            params.join(", "),
            self.t.rust_ty(&r)
        ))
    }

    fn call_global(
        &mut self,
        name: &str,
        inst: &[Ty],
        head: &Node,
        args: &[&Node],
        live: &mut Live,
    ) -> Result<String> {
        let cx = self.cx();
        let arity = self.t.prog.globals[name].arity;
        let path = format!("{}{}", self.t.fn_names[name], self.inst_turbofish(inst));
        let modes: Vec<Need> = (0..arity).map(|j| cx.param_need(name, j)).collect();
        let ucpos: Vec<Option<usize>> = (0..arity)
            .map(|j| self.t.uncurried.get(&(name.to_string(), j)).copied())
            .collect();
        if args.len() < arity {
            return self.partial_with_caps(&path, &[], &modes, &ucpos, &head.ty, args, live);
        }
        let mut texts: Vec<Option<String>> = vec![None; args.len()];
        let mut wrapped: Vec<Option<usize>> = vec![None; args.len()];
        for (j, a) in args.iter().enumerate().take(arity) {
            if let Some(n) = ucpos[j] {
                let to_dyn = self.t.dyn_uncurried.contains(&(name.to_string(), j));
                match self.with(format!("apply:arg{j}"), |s| s.ucur_arg(a, n, to_dyn, live))? {
                    Some(t) => texts[j] = Some(t),
                    None => wrapped[j] = Some(n),
                }
            }
        }
        let plain: Vec<usize> = (0..args.len()).filter(|&j| texts[j].is_none()).collect();
        let items: Vec<(&Node, Need)> = plain
            .iter()
            .map(|&j| {
                let need = if j >= arity {
                    Need::Borrow
                } else if wrapped[j].is_some() {
                    Need::Own
                } else {
                    modes[j]
                };
                (args[j], need)
            })
            .collect();
        let (pre, xs) = self.args(&items, "apply:arg", live)?;
        for (&j, x) in plain.iter().zip(xs) {
            texts[j] = Some(match wrapped[j] {
                Some(n) => self.adapter(x, &args[j].ty, n)?,
                None => x,
            });
        }
        let texts: Vec<String> = texts.into_iter().map(|t| t.expect("argument")).collect();
        let mut call = format!("{path}({})", texts[..arity].join(", "));
        for x in &texts[arity..] {
            call = format!("{call}({x})");
        }
        Ok(wrap_pre(pre, call))
    }

    fn call_lifted(
        &mut self,
        f: VarId,
        head: &Node,
        args: &[&Node],
        live: &mut Live,
    ) -> Result<String> {
        let arity = self.lifted[&f].arity;
        let path = format!("{}{}", self.lifted[&f].rust, self.turbofish());
        let caps = self.p.fixcaps[&f].clone();
        if args.len() < arity {
            let modes = vec![Need::Own; arity];
            let ucpos = vec![None; arity];
            return self.partial_with_caps(&path, &caps, &modes, &ucpos, &head.ty, args, live);
        }
        let capnodes: Vec<Node> = caps
            .iter()
            .map(|&c| Node {
                kind: Kind::Var(c),
                ty: self.ty_of(c).clone(),
            })
            .collect();
        let mut items: Vec<(&Node, Need)> = capnodes.iter().map(|c| (c, Need::Borrow)).collect();
        for (j, a) in args.iter().enumerate() {
            items.push((a, if j < arity { Need::Own } else { Need::Borrow }));
        }
        let (pre, xs) = self.args(&items, "apply:arg", live)?;
        let k = caps.len() + arity;
        let mut call = format!("{path}({})", xs[..k].join(", "));
        for x in &xs[k..] {
            call = format!("{call}({x})");
        }
        Ok(wrap_pre(pre, call))
    }

    /// Partial application (or use as a value) of a known function `path`
    /// of arity `modes.len()`: the given arguments are evaluated now, then a
    /// closure chain takes the missing ones. `caps`: captures of a lifted
    /// function (passed first, by reference).
    #[allow(clippy::too_many_arguments)]
    fn partial_with_caps(
        &mut self,
        path: &str,
        caps: &[VarId],
        modes: &[Need],
        ucpos: &[Option<usize>],
        fty: &Ty,
        args: &[&Node],
        live: &mut Live,
    ) -> Result<String> {
        let arity = modes.len();
        let (ptys, ret) = split_arrows(fty, arity).ok_or_else(|| {
            self.loc
                .ill_formed("callee type has fewer arrows than its arity")
        })?;
        // The captures are taken when the closure is made, after the
        // arguments are evaluated.
        let mut capn = Vec::new();
        for &c in caps.iter().rev() {
            let clone = !self.movable(c, live);
            live.insert(c);
            capn.push((self.names[c].clone(), clone));
        }
        capn.reverse();
        let items: Vec<(&Node, Need)> = args.iter().map(|a| (*a, Need::Own)).collect();
        let (pre, xs) = self.args(&items, "apply:arg", live)?;
        let mut lets = pre;
        let mut bound = Vec::new();
        for x in &xs {
            let t = self.tmp("arg");
            let _ = writeln!(lets, "let {t} = {x};");
            bound.push(t);
        }
        let k = bound.len();
        let params: Vec<String> = (k..arity).map(|_| self.tmp("p")).collect();
        let last = arity - 1;
        let mut callargs: Vec<String> = capn.iter().map(|(c, _)| format!("&{c}")).collect();
        for j in 0..arity {
            let (src, is_ref) = if j < k {
                (bound[j].clone(), false)
            } else {
                (params[j - k].clone(), j == last)
            };
            let a = match (ucpos[j], modes[j]) {
                (Some(n), _) => {
                    let (ps, r) = split_arrows(&ptys[j], n).ok_or_else(|| {
                        self.loc
                            .ill_formed("uncurried argument type has too few arrows")
                    })?;
                    let names: Vec<String> = (0..n).map(|_| self.tmp("a")).collect();
                    let params: Vec<String> = names
                        .iter()
                        .zip(&ps)
                        .map(|(x, p)| format!("{x}: &{}", self.t.rust_ty(p)))
                        .collect();
                    let mut call = src.clone();
                    for x in &names {
                        call = format!("{call}({x})");
                    }
                    format!(
                        "&|{}| -> {} {{ {call} }}",
                        params.join(", "),
                        self.t.rust_ty(&r)
                    )
                }
                (None, Need::Borrow) if is_ref => src,
                (None, Need::Borrow) => format!("&{src}"),
                (None, Need::Own) => format!("{src}.clone()"),
            };
            callargs.push(a);
        }
        let body = format!("{path}({})", callargs.join(", "));
        let mut allcaps = capn;
        allcaps.extend(bound.into_iter().map(|b| (b, false)));
        let chain = self.closure_chain(&allcaps, &params, &ptys[k..], &ret, body);
        Ok(if lets.is_empty() {
            chain
        } else {
            format!("{{\n{lets}{chain}\n}}")
        })
    }

    /// `(fun x1 .. xn => b) a1 .. am`: the arguments are bound by `let`.
    fn beta(
        &mut self,
        head: &Node,
        vs: &[VarId],
        b: &Node,
        args: &[&Node],
        live: &mut Live,
    ) -> Result<String> {
        let k = vs.len().min(args.len());
        for &v in &vs[..k] {
            self.set(v, Mode::Own, false, None);
        }
        let extra: Vec<(&Node, Need)> = args[k..].iter().map(|a| (*a, Need::Borrow)).collect();
        let (xpre, xs) = self.args(&extra, "apply:arg", live)?;
        let rest = if k < vs.len() {
            let node = Node {
                kind: Kind::Lam(vs[k..].to_vec(), Box::new(b.clone())),
                ty: split_arrows(&head.ty, k).expect("lambda type").1,
            };
            self.emit(&node, Need::Own, false, live)?
        } else {
            self.emit(b, Need::Own, false, live)?
        };
        for &v in &vs[..k] {
            live.remove(&v);
        }
        let mut lets = Vec::new();
        for i in (0..k).rev() {
            let x = self.with(format!("apply:arg{i}"), |s| {
                s.emit(args[i], Need::Own, false, live)
            })?;
            let v = vs[i];
            lets.push(format!(
                "let {}: {} = {x};\n",
                self.names[v],
                self.t.rust_ty(self.ty_of(v))
            ));
        }
        lets.reverse();
        let mut call = format!("{{\n{}{rest}\n}}", lets.concat());
        for x in &xs {
            call = format!("({call})({x})");
        }
        Ok(wrap_pre(xpre, call))
    }

    fn ctor(
        &mut self,
        ind: &str,
        idx: usize,
        args: &[Node],
        inst: &[Ty],
        live: &mut Live,
    ) -> Result<String> {
        let i = self.t.prog.ind(ind);
        let cname = i.ctors[idx].name.clone();
        // Nat literals.
        if i.native == Some(NativeInd::Nat) {
            let mut k = 0u64;
            let mut cur = args.first();
            if idx == 0 {
                return Ok("0u64".into());
            }
            k += 1;
            while let Some(Node {
                kind:
                    Kind::Ctor {
                        ind: j,
                        idx: ci,
                        args: a,
                        ..
                    },
                ..
            }) = cur
            {
                if j != ind {
                    break;
                }
                if *ci == 0 {
                    return Ok(format!("{k}u64"));
                }
                k += 1;
                cur = a.first();
            }
            let inner = self.with("S", |s| s.emit(&args[0], Need::Own, false, live))?;
            return Ok(format!("rt::succ({inner})"));
        }
        if let Some(tok) = self.reuse_token(ind, idx, live) {
            return self.reuse(tok, &cname, args, live);
        }
        let items: Vec<(&Node, Need)> = args.iter().map(|a| (a, Need::Own)).collect();
        let (pre, xs) = self.args(&items, &format!("{cname}:arg"), live)?;
        let text = match i.native {
            Some(NativeInd::Bool) => (if idx == 0 { "true" } else { "false" }).to_string(),
            Some(NativeInd::Nat) => unreachable!(),
            Some(NativeInd::Option) => {
                if idx == 0 {
                    format!("Some({})", xs[0])
                } else {
                    format!("Option::<{}>::None", self.t.rust_ty(&inst[0]))
                }
            }
            Some(NativeInd::Prod) => format!("({}, {})", xs[0], xs[1]),
            Some(NativeInd::List) => {
                if idx == 0 {
                    format!("rt::List::<{}>::nil()", self.t.rust_ty(&inst[0]))
                } else {
                    format!("rt::List::cons({}, {})", xs[0], xs[1])
                }
            }
            Some(NativeInd::Comparison) => ORDERINGS[idx].to_string(),
            None => {
                let l = &self.t.layouts[ind];
                let tf = self.inst_turbofish(inst);
                if xs.is_empty() {
                    format!("{}{tf}::{}", l.rust, l.variants[idx])
                } else if l.boxed[idx] {
                    let payload = if xs.len() == 1 {
                        xs[0].clone()
                    } else {
                        format!("({})", xs.join(", "))
                    };
                    format!("{}{tf}::{}(Rc::new({payload}))", l.rust, l.variants[idx])
                } else {
                    format!("{}{tf}::{}({})", l.rust, l.variants[idx], xs.join(", "))
                }
            }
        };
        Ok(wrap_pre(pre, text))
    }

    /// A token for building constructor `idx` of `ind` here, if one is
    /// usable: same constructor, not used later on this path, and nothing
    /// borrowing from its node live afterwards.
    fn reuse_token(&self, ind: &str, idx: usize, live: &Live) -> Option<VarId> {
        self.active.iter().rev().copied().find(|&tok| {
            let t = &self.tokens[&tok];
            t.ind == ind && t.idx == idx && self.token_free(tok, live)
        })
    }

    /// Build the constructor of token `tok` in its own node: fields that are
    /// the node's own binders stay in place, the others are evaluated first
    /// and then written.
    fn reuse(&mut self, tok: VarId, cname: &str, args: &[Node], live: &mut Live) -> Result<String> {
        live.insert(tok);
        let fields = self.tokens[&tok].fields.clone();
        let mut inplace = vec![false; args.len()];
        for (i, a) in args.iter().enumerate() {
            if let Kind::Var(b) = &strip(a).kind {
                if fields[i] == Some(*b) {
                    inplace[i] = true;
                    live.insert(*b);
                }
            }
        }
        let idx: Vec<usize> = (0..args.len()).filter(|&i| !inplace[i]).collect();
        let items: Vec<(&Node, Need)> = idx.iter().map(|&i| (&args[i], Need::Own)).collect();
        let (pre, xs) = self.args(&items, &format!("{cname}:arg"), live)?;
        let t = &self.tokens[&tok];
        let (m, rc, list) = (t.m.clone(), t.rc.clone(), t.list);
        let rebuilt = if list {
            format!("{rc}.into_list()")
        } else {
            let l = &self.t.layouts[&t.ind];
            format!("{}::{}({rc})", l.rust, l.variants[t.idx])
        };
        let mut out = pre;
        let mut assigns = String::new();
        for (&i, x) in idx.iter().zip(xs) {
            let tv = self.tmp("w");
            let _ = writeln!(out, "let {tv} = {x};");
            let place = if list {
                format!("{m}.{}", ["head", "tail"][i])
            } else if args.len() == 1 {
                format!("*{m}")
            } else {
                format!("{m}.{i}")
            };
            let _ = writeln!(assigns, "{place} = {tv};");
        }
        Ok(format!("{{\n{out}{assigns}{rebuilt}\n}}"))
    }

    /// May the arm of constructor `idx` of `ind` with `binders` rebuild its
    /// node in place: it builds the same constructor outside any closure,
    /// and no binder is captured by a closure or is a function?
    fn reuse_arm(&self, ind: &str, idx: usize, binders: &[Option<VarId>], body: &Node) -> bool {
        fn builds(n: &Node, ind: &str, idx: usize) -> bool {
            match &n.kind {
                Kind::Ctor { ind: i, idx: j, .. } if i == ind && *j == idx => true,
                Kind::Lam(..) | Kind::Fix(..) => false,
                _ => {
                    let mut f = false;
                    crate::ownership::for_children(n, &mut |c| f |= builds(c, ind, idx));
                    f
                }
            }
        }
        fn captured(n: &Node, out: &mut BTreeSet<VarId>) {
            match &n.kind {
                Kind::Lam(..) | Kind::Fix(..) => {
                    crate::ownership::free_vars(n, &mut Vec::new(), out)
                }
                _ => crate::ownership::for_children(n, &mut |c| captured(c, out)),
            }
        }
        if !builds(body, ind, idx) {
            return false;
        }
        let mut caps = BTreeSet::new();
        captured(body, &mut caps);
        binders
            .iter()
            .flatten()
            .all(|b| !caps.contains(b) && !self.ty_of(*b).has_arrow())
    }

    fn binder(&self, v: Option<VarId>, used: &HashSet<VarId>) -> String {
        match v {
            Some(v) if used.contains(&v) => self.names[v].clone(),
            _ => "_".to_string(),
        }
    }

    fn case(
        &mut self,
        s: &Node,
        arms: &[(Pat, Node)],
        tail: bool,
        live: &mut Live,
    ) -> Result<String> {
        let cx = self.cx();
        // What is matched: from the scrutinee type, or the first constructor pattern.
        let ind = match &s.ty {
            Ty::Con(n, _) => Some(n.clone()),
            _ => arms.iter().find_map(|(p, _)| match p {
                Pat::Ctor { ind, .. } => Some(ind.clone()),
                _ => None,
            }),
        };
        let native = ind.as_ref().and_then(|n| self.t.prog.ind(n).native);
        let sv = cx.var_of(s);
        let mm = if is_copy(&self.t.prog, &s.ty) {
            MatchMode::Copy
        } else {
            match sv {
                None => MatchMode::ByVal,
                Some(x) if self.mode[x] == Mode::Ref => MatchMode::ByRef,
                Some(x) => {
                    let by_val = self.movable(x, live)
                        && !arms.iter().any(|(_, b)| cx.mentions(b, x))
                        && arms
                            .iter()
                            .any(|(p, b)| cx.consumes_parts(b, Need::Own, &pat_vars(p)));
                    if by_val {
                        MatchMode::ByVal
                    } else {
                        MatchMode::ByRef
                    }
                }
            }
        };
        let root = sv.and_then(|x| match self.mode[x] {
            Mode::Own => Some(x),
            Mode::Ref => self.dep[x],
        });
        for (p, _) in arms {
            for b in pat_vars(p) {
                match mm {
                    MatchMode::ByRef => self.set(b, Mode::Ref, false, root),
                    _ => self.set(b, Mode::Own, false, None),
                }
            }
        }
        // Arms that rebuild their (owned) node: its box is reused in place.
        let mut toks: Vec<Option<VarId>> = vec![None; arms.len()];
        if mm == MatchMode::ByVal {
            for (i, (p, b)) in arms.iter().enumerate() {
                let Pat::Ctor { ind, idx, args } = p else {
                    continue;
                };
                let list = self.t.prog.ind(ind).native == Some(NativeInd::List);
                let boxed = self.t.layouts.get(ind).is_some_and(|l| l.boxed[*idx]);
                if !(boxed || list && *idx == 1) || !self.reuse_arm(ind, *idx, args, b) {
                    continue;
                }
                let rc = self.tmp("p");
                let m = self.tmp("m");
                let tok = self.pseudo(rc.clone());
                for (j, a) in args.iter().enumerate() {
                    if let Some(v) = a {
                        let pl = if list {
                            format!("{m}.{}", ["head", "tail"][j])
                        } else if args.len() == 1 {
                            format!("(*{m})")
                        } else {
                            format!("{m}.{j}")
                        };
                        self.place[*v] = Some((tok, pl));
                    }
                }
                self.tokens.insert(
                    tok,
                    Token {
                        ind: ind.clone(),
                        idx: *idx,
                        m,
                        rc,
                        fields: args.clone(),
                        list,
                    },
                );
                toks[i] = Some(tok);
            }
        }
        let after = live.clone();
        let mut before = Live::new();
        let mut bodies = Vec::new();
        for (i, (p, b)) in arms.iter().enumerate() {
            let mut l = after.clone();
            if let Some(tok) = toks[i] {
                self.active.push(tok);
            }
            let text = self.with(format!("case:branch{i}"), |st| {
                st.emit(b, Need::Own, tail, &mut l)
            });
            if toks[i].is_some() {
                self.active.pop();
            }
            let text = text?;
            let mut used = HashSet::new();
            for v in pat_vars(p) {
                if l.remove(&v) {
                    used.insert(v);
                }
            }
            if let Some(tok) = toks[i] {
                l.remove(&tok);
            }
            before.extend(l);
            bodies.push((text, used));
        }
        *live = before;
        let list = native == Some(NativeInd::List);
        // A list whose cons arm rebuilds its cell is taken apart as a cell.
        let take = if list && toks.iter().any(|t| t.is_some()) {
            "into_cell"
        } else {
            "uncons"
        };
        let matched = match (mm, sv) {
            (MatchMode::Copy, Some(x)) => {
                live.insert(x);
                match self.mode[x] {
                    Mode::Own => self.var_text(x),
                    Mode::Ref => format!("*{}", self.names[x]),
                }
            }
            (MatchMode::ByRef, Some(x)) => {
                live.insert(x);
                let n = &self.var_text(x);
                match (list, self.mode[x]) {
                    (true, _) => format!("{n}.view()"),
                    (false, Mode::Own) => format!("&{n}"),
                    (false, Mode::Ref) => n.clone(),
                }
            }
            (_, Some(x)) => {
                let e = self.var_own(x, live);
                if list {
                    format!("({e}).{take}()")
                } else {
                    e
                }
            }
            (_, None) => {
                let e = self.with("case:scrutinee", |st| st.emit(s, Need::Own, false, live))?;
                if list {
                    format!("({e}).{take}()")
                } else {
                    e
                }
            }
        };
        let by_ref = mm == MatchMode::ByRef;
        let mut out = format!("{{\nmatch {matched} {{\n");
        for (((p, _), (body, used)), tok) in arms.iter().zip(bodies).zip(&toks) {
            let mut arm_pre = String::new();
            let pat = match (p, tok) {
                (Pat::Ctor { .. }, Some(tok)) if self.tokens[tok].list => {
                    let t = &self.tokens[tok];
                    let _ = writeln!(arm_pre, "let {} = {}.parts();", t.m, t.rc);
                    format!("Some(mut {})", t.rc)
                }
                (Pat::Ctor { ind, idx, .. }, Some(tok)) => {
                    let t = &self.tokens[tok];
                    let l = &self.t.layouts[ind];
                    let _ = writeln!(arm_pre, "let {} = Rc::make_mut(&mut {});", t.m, t.rc);
                    format!("{}::{}(mut {})", l.rust, l.variants[*idx], t.rc)
                }
                _ => match p {
                    Pat::Wild => "_".to_string(),
                    Pat::Var(_) => unreachable!("eliminated by ownership::prepare"),
                    Pat::Tuple(vs) => {
                        let bs: Vec<String> = vs.iter().map(|v| self.binder(*v, &used)).collect();
                        if bs.len() == 1 {
                            format!("({},)", bs[0])
                        } else {
                            format!("({})", bs.join(", "))
                        }
                    }
                    Pat::Ctor { ind, idx, args } => match self.t.prog.ind(ind).native {
                        Some(NativeInd::Bool) => {
                            (if *idx == 0 { "true" } else { "false" }).to_string()
                        }
                        Some(NativeInd::Nat) => {
                            if *idx == 0 {
                                "0".to_string()
                            } else if let Some(v) = args[0].filter(|v| used.contains(v)) {
                                let t = self.tmp("n");
                                let _ = writeln!(arm_pre, "let {} = {t} - 1;", self.names[v]);
                                format!("{t} @ 1..")
                            } else {
                                "1..".to_string()
                            }
                        }
                        Some(NativeInd::Option) => {
                            if *idx == 0 {
                                format!("Some({})", self.binder(args[0], &used))
                            } else {
                                "None".to_string()
                            }
                        }
                        Some(NativeInd::Prod) => {
                            format!(
                                "({}, {})",
                                self.binder(args[0], &used),
                                self.binder(args[1], &used)
                            )
                        }
                        Some(NativeInd::List) => {
                            if *idx == 0 {
                                "None".to_string()
                            } else {
                                format!(
                                    "Some(({}, {}))",
                                    self.binder(args[0], &used),
                                    self.binder(args[1], &used)
                                )
                            }
                        }
                        Some(NativeInd::Comparison) => ORDERINGS[*idx].to_string(),
                        None => {
                            let l = &self.t.layouts[ind];
                            let bs: Vec<String> =
                                args.iter().map(|v| self.binder(*v, &used)).collect();
                            if args.is_empty() {
                                format!("{}::{}", l.rust, l.variants[*idx])
                            } else if !l.boxed[*idx] {
                                format!("{}::{}({})", l.rust, l.variants[*idx], bs.join(", "))
                            } else if bs.iter().all(|b| b == "_") {
                                format!("{}::{}(_)", l.rust, l.variants[*idx])
                            } else {
                                let pv = self.tmp("p");
                                let _ = writeln!(arm_pre, "{}", unbox(&pv, &bs, by_ref));
                                format!("{}::{}({pv})", l.rust, l.variants[*idx])
                            }
                        }
                    },
                },
            };
            let _ = writeln!(out, "{pat} => {{\n{arm_pre}{body}\n}}");
        }
        if let Some(n) = &ind {
            if let Some(l) = self.t.layouts.get(n) {
                if l.phantom {
                    let never = if by_ref { "*__never" } else { "__never" };
                    let _ = writeln!(
                        out,
                        "{}::__Phantom(_, __never) => match {never} {{}},",
                        l.rust
                    );
                }
            }
        }
        out.push_str("}\n}");
        Ok(out)
    }
}

/// Bind the fields of a boxed constructor's payload `p` (an `Rc` of the
/// field, or of the tuple of fields) to `bs` (`_`: unused). By reference:
/// references into the payload. By value: the payload is moved out when
/// `p` is its only owner, else the used fields are cloned.
fn unbox(p: &str, bs: &[String], by_ref: bool) -> String {
    if bs.len() == 1 {
        return if by_ref {
            format!("let {} = &**{p};", bs[0])
        } else {
            format!("let {} = Rc::unwrap_or_clone({p});", bs[0])
        };
    }
    let all = format!("({})", bs.join(", "));
    if by_ref {
        return format!("let {all} = &**{p};");
    }
    if bs.iter().all(|b| b != "_") {
        return format!("let {all} = Rc::unwrap_or_clone({p});");
    }
    let used: Vec<(usize, &String)> = bs.iter().enumerate().filter(|(_, b)| *b != "_").collect();
    let names: Vec<&str> = used.iter().map(|(_, b)| b.as_str()).collect();
    let clones: Vec<String> = used
        .iter()
        .map(|(i, _)| format!("{p}.{i}.clone()"))
        .collect();
    let (lhs, ok, err) = if used.len() == 1 {
        (
            names[0].to_string(),
            names[0].to_string(),
            clones[0].clone(),
        )
    } else {
        (
            format!("({})", names.join(", ")),
            format!("({})", names.join(", ")),
            format!("({})", clones.join(", ")),
        )
    };
    format!("let {lhs} = match Rc::try_unwrap({p}) {{\nOk({all}) => {ok},\nErr({p}) => {err},\n}};")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_sanitised() {
        assert_eq!(sanitize("n'"), "n_p");
        assert_eq!(sanitize("__x"), "v__x");
        assert_eq!(sanitize("1a"), "x1a");
        assert_eq!(camel("my_state"), "MyState");
        let mut ns = NameSet::default();
        assert_eq!(ns.fresh("match"), "match_1");
        assert_eq!(ns.fresh("x"), "x");
        assert_eq!(ns.fresh("x"), "x_1");
        assert_eq!(ns.fresh("T1"), "T1_1");
        assert_eq!(ns.fresh("Some"), "Some_1");
    }

    #[test]
    fn boxed_payloads_are_unboxed_by_reference_moved_or_cloned() {
        assert_eq!(
            unbox("p", &["l".into(), "_".into()], true),
            "let (l, _) = &**p;"
        );
        assert_eq!(
            unbox("p", &["l".into(), "r".into()], false),
            "let (l, r) = Rc::unwrap_or_clone(p);"
        );
        assert_eq!(
            unbox("p", &["_".into(), "x".into(), "_".into()], false),
            "let x = match Rc::try_unwrap(p) {\nOk((_, x, _)) => x,\nErr(p) => p.1.clone(),\n};"
        );
        assert_eq!(unbox("p", &["t".into()], true), "let t = &**p;");
    }
}
