//! Rust code generation from the typed IR.
//!
//! Representation choices (see the crate README for the trusted base):
//! * user inductives become enums (fields that can reach the enum itself are
//!   behind `Rc`); `bool`, `nat`, `option`, `prod`, `list`, `comparison` are
//!   native (`bool`, `u64`, `Option`, tuples, `rt::List`, `Ordering`);
//! * a function *value* of type `A -> B` is `Rc<dyn Fn(A) -> B>` (curried,
//!   one argument per closure, so that every MiniML type has exactly one
//!   representation); top-level definitions and local fixpoints become Rust
//!   `fn`s taking as many arguments as their leading lambda, and partial
//!   applications or uses as values build curried closure chains; a
//!   function-typed parameter that is only ever fully applied (or passed on
//!   to such a parameter) is `&dyn Fn(&A1, .., &An) -> R` instead, and its
//!   calls borrow their arguments (see [`uncurried_params`]);
//! * local fixpoints are lambda-lifted to top-level `fn`s taking their free
//!   variables first;
//! * values are passed by value: a variable used once on every path is moved
//!   (so `Rc`-shared structure is updated in place when uniquely owned, see
//!   `Rc::unwrap_or_clone` and `rt::List::uncons`), otherwise cloned
//!   (cloning is shallow: `Rc` counts, `u64`s).

use crate::error::{Loc, Result};
use crate::ir::{Body, Infer, Kind, NativeInd, Node, Pat, Program, Ty, VarId};
use crate::natives::NatOp;
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
    /// Per constructor, per field: behind `Rc`?
    pub boxed: Vec<Vec<bool>>,
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
    /// Rust items (types and functions), formatted later.
    pub items: String,
}

impl Translation {
    /// Rust text of a type, inside the generated module.
    pub fn rust_ty(&self, t: &Ty) -> String {
        self.rust_ty_in(t, "", "rt::")
    }

    /// Rust type of an uncurried parameter of type `A1 -> .. -> An -> R`:
    /// `&dyn Fn(&A1, .., &An) -> R`.
    pub fn uncurried_ty(&self, t: &Ty, n: usize) -> String {
        self.uncurried_ty_in(t, n, "", "rt::")
    }

    /// [`Translation::uncurried_ty`] with a prefix for generated types.
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
            Ty::Arrow(a, b) => format!("Rc<dyn Fn({}) -> {}>", rec(a), rec(b)),
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
                c.fields
                    .iter()
                    .map(|t| {
                        let mut s = BTreeSet::new();
                        inline_inds(prog, t, &mut s);
                        s.iter().any(|j| reaches(j, &i.name))
                    })
                    .collect()
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
    let mut typed = Vec::new();
    for (name, value) in bodies {
        typed.push((name, Infer::new(&t.prog, name).definition(value)?));
    }
    t.uncurried = uncurried_params(&t, &typed);
    for (name, body) in &typed {
        let mut g = FnGen::new(&t, name, body, &mut fns);
        let text = g.definition()?;
        items.push_str(&text);
        items.push_str(&g.lifted.concat());
    }
    t.items = items;
    Ok(t)
}

/// Number of arrows on the spine of a type (`A -> B -> C` has 2).
fn spine(t: &Ty) -> usize {
    match t {
        Ty::Arrow(_, b) => 1 + spine(b),
        _ => 0,
    }
}

/// Flatten nested applications: the head and all the arguments.
fn flatten_app(n: &Node) -> Option<(&Node, Vec<&Node>)> {
    let Kind::App(f, args) = &n.kind else {
        return None;
    };
    let mut head = &**f;
    let mut all: Vec<&Node> = args.iter().collect();
    while let Kind::App(g, more) = &head.kind {
        let mut v: Vec<&Node> = more.iter().collect();
        v.extend(all);
        all = v;
        head = g;
    }
    Some((head, all))
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
fn uncurried_params(
    t: &Translation,
    bodies: &[(&String, Body)],
) -> HashMap<(String, usize), usize> {
    let mut cand: HashMap<(String, usize), usize> = HashMap::new();
    for (name, body) in bodies {
        if t.natives.contains_key(name.as_str()) {
            continue;
        }
        for (i, &v) in body.params.iter().enumerate() {
            let n = spine(&body.vars[v].ty);
            if n > 0 {
                cand.insert(((*name).clone(), i), n);
            }
        }
    }
    loop {
        let mut drop = Vec::new();
        for (name, body) in bodies {
            for (i, &v) in body.params.iter().enumerate() {
                let Some(&n) = cand.get(&((*name).clone(), i)) else {
                    continue;
                };
                if !occurrences_ok(t, &cand, &body.body, v, n, false) {
                    drop.push(((*name).clone(), i));
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
        let fields: Vec<String> = c
            .fields
            .iter()
            .zip(&l.boxed[ci])
            .map(|(f, &b)| {
                let r = t.rust_ty(f);
                if b {
                    format!("Rc<{r}>")
                } else {
                    r
                }
            })
            .collect();
        if fields.is_empty() {
            let _ = writeln!(s, "    {},", l.variants[ci]);
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

/// Use summary of a variable (see [`FnGen::count`]).
#[derive(Debug, Clone, Copy, Default)]
struct Use {
    c: u8,
    borrow: bool,
    bad: bool,
}

#[derive(Debug, Clone)]
enum VKind {
    Value,
    Boxed,
    Lifted {
        rust: String,
        captures: Vec<VarId>,
        arity: usize,
    },
}

struct FnGen<'a> {
    t: &'a Translation,
    decl: &'a str,
    body: &'a Body,
    loc: Loc,
    names: Vec<String>,
    kinds: Vec<VKind>,
    uses: Vec<u8>,
    /// Uncurried parameters (passed as `&dyn Fn(&A1, ..) -> R`): arity.
    ucur: Vec<Option<usize>>,
    locals: NameSet,
    globals: &'a mut NameSet,
    generics: Vec<String>,
    lifted: Vec<String>,
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

impl<'a> FnGen<'a> {
    fn new(t: &'a Translation, decl: &'a str, body: &'a Body, globals: &'a mut NameSet) -> Self {
        let mut locals = NameSet::default();
        for n in t.fn_names.values() {
            locals.0.insert(n.clone());
        }
        for n in globals.0.iter() {
            locals.0.insert(n.clone());
        }
        let names = body
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
        let g = &t.prog.globals[decl];
        let mut ucur = vec![None; body.vars.len()];
        for (i, &v) in body.params.iter().enumerate() {
            ucur[v] = t.uncurried.get(&(decl.to_string(), i)).copied();
        }
        let mut s = FnGen {
            t,
            decl,
            body,
            loc: Loc::new(decl),
            names,
            kinds: vec![VKind::Value; body.vars.len()],
            uses: vec![0; body.vars.len()],
            ucur,
            locals,
            globals,
            generics: (1..=g.ntparams).map(|i| format!("T{i}")).collect(),
            lifted: Vec::new(),
        };
        let mut bind = vec![0u32; body.vars.len()];
        let mut acc = HashMap::new();
        s.count(&body.body, 0, &mut bind, &mut acc);
        for (v, u) in acc {
            // A borrow after a move (on some path) forces clones; a variable
            // that is only borrowed still needs its binder.
            s.uses[v] = if u.bad {
                2
            } else if u.c == 0 && u.borrow {
                1
            } else {
                u.c
            };
        }
        s
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

    // ---------- use counting ----------

    /// Use counting, in evaluation order: per variable, the number of
    /// consuming uses on the worst path (capped at 2; uses under a closure
    /// count 2), whether it is borrowed (argument of an uncurried call), and
    /// whether a borrow may follow a consuming use (then every use clones).
    fn count(&self, n: &Node, depth: u32, bind: &mut Vec<u32>, acc: &mut HashMap<VarId, Use>) {
        match &n.kind {
            Kind::Var(v) => {
                let k = if bind[*v] < depth { 2 } else { 1 };
                let e = acc.entry(*v).or_default();
                e.c = (e.c + k).min(2);
            }
            Kind::Global { .. } | Kind::Exn(_) | Kind::Dummy => {}
            Kind::App(f, a) => {
                if let Some((head, args)) = flatten_app(n) {
                    if let Kind::Var(h) = &head.kind {
                        if self.ucur[*h].is_some() {
                            for x in args {
                                match &x.kind {
                                    Kind::Var(u) => {
                                        let e = acc.entry(*u).or_default();
                                        e.bad |= e.c > 0;
                                        e.borrow = true;
                                    }
                                    _ => self.count(x, depth, bind, acc),
                                }
                            }
                            return;
                        }
                    }
                }
                self.count(f, depth, bind, acc);
                a.iter().for_each(|x| self.count(x, depth, bind, acc));
            }
            Kind::Lam(vs, b) => {
                for (i, &v) in vs.iter().enumerate() {
                    bind[v] = depth + 1 + i as u32;
                }
                self.count(b, depth + vs.len() as u32, bind, acc);
            }
            Kind::Let(v, a, b) => {
                self.count(a, depth, bind, acc);
                bind[*v] = depth;
                self.count(b, depth, bind, acc);
            }
            Kind::Ctor { args, .. } | Kind::Tuple(args) => {
                args.iter().for_each(|x| self.count(x, depth, bind, acc))
            }
            Kind::Case(s, arms) => {
                self.count(s, depth, bind, acc);
                let mut merged: HashMap<VarId, Use> = HashMap::new();
                for (p, b) in arms {
                    for v in pat_vars(p) {
                        bind[v] = depth;
                    }
                    let mut m = HashMap::new();
                    self.count(b, depth, bind, &mut m);
                    for (v, k) in m {
                        let e = merged.entry(v).or_default();
                        e.c = e.c.max(k.c);
                        e.borrow |= k.borrow;
                        e.bad |= k.bad;
                    }
                }
                for (v, k) in merged {
                    let e = acc.entry(v).or_default();
                    e.bad |= k.bad || (e.c > 0 && k.borrow);
                    e.borrow |= k.borrow;
                    e.c = (e.c + k.c).min(2);
                }
            }
            Kind::Fix(fs, _) => {
                let d = depth + 1;
                for (v, _) in fs {
                    bind[*v] = depth;
                }
                for (_, b) in fs {
                    match &b.kind {
                        Kind::Lam(ps, body) => {
                            for &p in ps {
                                bind[p] = d;
                            }
                            self.count(body, d, bind, acc);
                        }
                        _ => self.count(b, d, bind, acc),
                    }
                }
            }
            Kind::Coerce(x) => self.count(x, depth, bind, acc),
        }
    }

    // ---------- free variables ----------

    fn free(&self, n: &Node, bound: &mut Vec<VarId>, out: &mut BTreeSet<VarId>) {
        match &n.kind {
            Kind::Var(v) => {
                if !bound.contains(v) {
                    out.insert(*v);
                }
            }
            Kind::Global { .. } | Kind::Exn(_) | Kind::Dummy => {}
            Kind::App(f, a) => {
                self.free(f, bound, out);
                a.iter().for_each(|x| self.free(x, bound, out));
            }
            Kind::Lam(vs, b) => {
                let m = bound.len();
                bound.extend(vs);
                self.free(b, bound, out);
                bound.truncate(m);
            }
            Kind::Let(v, a, b) => {
                self.free(a, bound, out);
                bound.push(*v);
                self.free(b, bound, out);
                bound.pop();
            }
            Kind::Ctor { args, .. } | Kind::Tuple(args) => {
                args.iter().for_each(|x| self.free(x, bound, out))
            }
            Kind::Case(s, arms) => {
                self.free(s, bound, out);
                for (p, b) in arms {
                    let m = bound.len();
                    bound.extend(pat_vars(p));
                    self.free(b, bound, out);
                    bound.truncate(m);
                }
            }
            Kind::Fix(fs, _) => {
                let m = bound.len();
                bound.extend(fs.iter().map(|(v, _)| *v));
                fs.iter().for_each(|(_, b)| self.free(b, bound, out));
                bound.truncate(m);
            }
            Kind::Coerce(x) => self.free(x, bound, out),
        }
    }

    /// Free value variables (lifted functions replaced by their captures).
    fn captures_of(&self, nodes: &[&Node], exclude: &[VarId]) -> Vec<VarId> {
        let mut fv = BTreeSet::new();
        for n in nodes {
            self.free(n, &mut exclude.to_vec(), &mut fv);
        }
        let mut out = BTreeSet::new();
        for v in fv {
            match &self.kinds[v] {
                VKind::Lifted { captures, .. } => out.extend(captures.iter().copied()),
                _ => {
                    out.insert(v);
                }
            }
        }
        out.into_iter().filter(|v| !exclude.contains(v)).collect()
    }

    // ---------- declarations ----------

    fn definition(&mut self) -> Result<String> {
        let g = &self.t.prog.globals[self.decl];
        let name = &self.t.fn_names[self.decl];
        let (ptys, ret) = split_arrows(&g.ty, self.body.params.len()).ok_or_else(|| {
            self.loc
                .ill_formed("more lambda binders than arrows in the type")
        })?;
        let params: Vec<String> = self
            .body
            .params
            .iter()
            .zip(&ptys)
            .map(|(&v, t)| match self.ucur[v] {
                Some(n) => format!("{}: {}", self.names[v], self.t.uncurried_ty(t, n)),
                None => format!("{}: {}", self.names[v], self.t.rust_ty(t)),
            })
            .collect();
        let body = match self.t.natives.get(self.decl) {
            Some(op) => self.native_body(*op, &ret)?,
            None => self.expr(&self.body.body)?,
        };
        let native = if self.t.natives.contains_key(self.decl) {
            " (native)"
        } else {
            ""
        };
        Ok(format!(
            "/// `{}`{native}.\npub fn {name}{}({}) -> {} {{\n{body}\n}}\n\n",
            self.decl,
            generic_decl(&self.generics),
            params.join(", "),
            self.t.rust_ty(&ret)
        ))
    }

    fn native_body(&self, op: NatOp, ret: &Ty) -> Result<String> {
        let p: Vec<&String> = self.body.params.iter().map(|&v| &self.names[v]).collect();
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

    /// If `n` is a variable bound to a boxed field (held as an `Rc`), that
    /// `Rc` itself: moved when used once, else a reference-count clone.
    fn boxed_var(&self, n: &Node) -> Option<String> {
        match &n.kind {
            Kind::Var(v) if self.ucur[*v].is_none() => match self.kinds[*v] {
                VKind::Boxed => {
                    let name = &self.names[*v];
                    Some(if self.uses[*v] <= 1 {
                        name.clone()
                    } else {
                        format!("Rc::clone(&{name})")
                    })
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn use_var(&self, v: VarId) -> String {
        let n = &self.names[v];
        match (&self.kinds[v], self.uses[v] <= 1) {
            (VKind::Value, true) => n.clone(),
            (VKind::Value, false) => format!("{n}.clone()"),
            (VKind::Boxed, true) => format!("Rc::unwrap_or_clone({n})"),
            (VKind::Boxed, false) => format!("(*{n}).clone()"),
            (VKind::Lifted { .. }, _) => unreachable!("lifted functions are handled by callers"),
        }
    }

    fn expr(&mut self, n: &Node) -> Result<String> {
        match &n.kind {
            Kind::Var(v) if self.ucur[*v].is_some() => Ok(self.names[*v].clone()),
            Kind::Var(v) => match self.kinds[*v].clone() {
                VKind::Lifted { .. } => self.apply(n, &[]),
                _ => Ok(self.use_var(*v)),
            },
            Kind::Global { .. } => self.apply(n, &[]),
            Kind::App(f, args) => {
                // Flatten nested applications.
                let mut head = &**f;
                let mut all: Vec<&Node> = args.iter().collect();
                while let Kind::App(g, more) = &head.kind {
                    let mut v: Vec<&Node> = more.iter().collect();
                    v.extend(all);
                    all = v;
                    head = g;
                }
                let all: Vec<Node> = all.into_iter().cloned().collect();
                self.apply(head, &all)
            }
            Kind::Lam(vs, b) => {
                let caps = self.captures_of(&[n], &[]);
                let body = self.with("fun", |s| s.expr(b))?;
                let ptys: Vec<Ty> = vs.iter().map(|&v| self.body.vars[v].ty.clone()).collect();
                let pnames: Vec<String> = vs.iter().map(|&v| self.names[v].clone()).collect();
                let capn: Vec<String> = caps.iter().map(|&v| self.names[v].clone()).collect();
                Ok(self.closure_chain(&capn, &pnames, &ptys, &b.ty, body))
            }
            Kind::Let(v, a, b) => {
                let name = self.names[*v].clone();
                let a = self.with(format!("let {}", self.body.vars[*v].name), |s| s.expr(a))?;
                let b = self.expr(b)?;
                let ty = self.t.rust_ty(&self.body.vars[*v].ty);
                Ok(format!("{{\nlet {name}: {ty} = {a};\n{b}\n}}"))
            }
            Kind::Ctor {
                ind,
                idx,
                args,
                inst,
            } => self.ctor(ind, *idx, args, inst),
            Kind::Tuple(items) => {
                let mut xs = Vec::new();
                for (i, x) in items.iter().enumerate() {
                    xs.push(self.with(format!("tuple:{i}"), |s| s.expr(x))?);
                }
                Ok(if xs.len() == 1 {
                    format!("({},)", xs[0])
                } else {
                    format!("({})", xs.join(", "))
                })
            }
            Kind::Case(s, arms) => self.case(s, arms),
            Kind::Fix(fs, which) => {
                self.lift(fs)?;
                let head = Node {
                    kind: Kind::Var(fs[*which].0),
                    ty: n.ty.clone(),
                };
                self.apply(&head, &[])
            }
            Kind::Exn(msg) => Ok(format!("rt::exn::<{}>({msg:?})", self.t.rust_ty(&n.ty))),
            Kind::Dummy => Ok("rt::Dummy".to_string()),
            Kind::Coerce(x) => self.with("coerce", |s| s.expr(x)),
        }
    }

    /// A closure chain `Rc<dyn Fn(P1) -> Rc<dyn Fn(P2) -> ... R>>` whose
    /// innermost body is `body`; `caps` are captured (cloned) variables.
    fn closure_chain(
        &mut self,
        caps: &[String],
        params: &[String],
        ptys: &[Ty],
        ret: &Ty,
        body: String,
    ) -> String {
        // Build from the inside out.
        let mut inner = body;
        let mut rty = ret.clone();
        for j in (0..params.len()).rev() {
            let p = self.t.rust_ty(&ptys[j]);
            let r = self.t.rust_ty(&rty);
            let closure = format!(
                "Rc::new(move |{}: {p}| -> {r} {{\n{inner}\n}}) as Rc<dyn Fn({p}) -> {r}>",
                params[j]
            );
            // Before creating closure j (inside closure j-1, or outside for j = 0),
            // clone what it captures: the captures and the earlier parameters.
            let mut pre = String::new();
            for c in caps.iter().chain(params[..j.saturating_sub(1)].iter()) {
                let _ = writeln!(pre, "let {c} = {c}.clone();");
            }
            inner = if pre.is_empty() {
                closure
            } else {
                format!("{{\n{pre}{closure}\n}}")
            };
            rty = Ty::arrow(ptys[j].clone(), rty);
        }
        inner
    }

    fn lift(&mut self, fs: &[(VarId, Node)]) -> Result<()> {
        let fixvars: Vec<VarId> = fs.iter().map(|(v, _)| *v).collect();
        let bodies: Vec<&Node> = fs.iter().map(|(_, b)| b).collect();
        let caps = self.captures_of(&bodies, &fixvars);
        for (v, b) in fs {
            let arity = match &b.kind {
                Kind::Lam(ps, _) => ps.len(),
                _ => {
                    return Err(self.loc.unsupported(format!(
                        "local fixpoint `{}` is not a function",
                        self.body.vars[*v].name
                    )))
                }
            };
            let base = format!(
                "{}__{}",
                self.t.fn_names[self.decl],
                sanitize(&self.body.vars[*v].name)
            );
            let rust = self.globals.fresh(&base);
            self.locals.0.insert(rust.clone());
            self.kinds[*v] = VKind::Lifted {
                rust,
                captures: caps.clone(),
                arity,
            };
        }
        for (v, b) in fs {
            let Kind::Lam(ps, body) = &b.kind else {
                unreachable!()
            };
            let VKind::Lifted { rust, .. } = self.kinds[*v].clone() else {
                unreachable!()
            };
            let mut params = Vec::new();
            for &c in &caps {
                let ty = self.t.rust_ty(&self.body.vars[c].ty);
                let ty = match self.kinds[c] {
                    VKind::Boxed => format!("Rc<{ty}>"),
                    _ => ty,
                };
                params.push(format!("{}: {ty}", self.names[c]));
            }
            for &p in ps {
                params.push(format!(
                    "{}: {}",
                    self.names[p],
                    self.t.rust_ty(&self.body.vars[p].ty)
                ));
            }
            let text = self.with(format!("fix {}", self.body.vars[*v].name), |s| s.expr(body))?;
            self.lifted.push(format!(
                "/// Local fixpoint `{}` of `{}`.\nfn {rust}{}({}) -> {} {{\n{text}\n}}\n\n",
                self.body.vars[*v].name,
                self.decl,
                generic_decl(&self.generics),
                params.join(", "),
                self.t.rust_ty(&body.ty)
            ));
        }
        Ok(())
    }

    /// Apply `head` to `args` (possibly none: a function used as a value).
    fn apply(&mut self, head: &Node, args: &[Node]) -> Result<String> {
        // A call of an uncurried parameter: borrow the arguments.
        if let Kind::Var(h) = &head.kind {
            if let Some(n) = self.ucur[*h] {
                if args.len() != n {
                    return Err(self.loc.ill_formed("uncurried parameter not fully applied"));
                }
                let mut xs = Vec::new();
                for (i, a) in args.iter().enumerate() {
                    xs.push(match &a.kind {
                        Kind::Var(u) if self.ucur[*u].is_none() => match self.kinds[*u] {
                            VKind::Value => format!("&{}", self.names[*u]),
                            VKind::Boxed => format!("&*{}", self.names[*u]),
                            VKind::Lifted { .. } => {
                                format!("&({})", self.with(format!("apply:arg{i}"), |s| s.expr(a))?)
                            }
                        },
                        _ => format!("&({})", self.with(format!("apply:arg{i}"), |s| s.expr(a))?),
                    });
                }
                return Ok(format!("{}({})", self.names[*h], xs.join(", ")));
            }
        }
        // Uncurried parameter positions of a global callee.
        let ucpos: Vec<Option<usize>> = match &head.kind {
            Kind::Global { name, .. } => (0..self.t.prog.globals[name].arity)
                .map(|j| self.t.uncurried.get(&(name.clone(), j)).copied())
                .collect(),
            _ => Vec::new(),
        };
        // Known-arity callees: globals and lifted local fixpoints.
        let callee = match &head.kind {
            Kind::Global { name, inst } => {
                let g = &self.t.prog.globals[name];
                let tf = if inst.is_empty() {
                    String::new()
                } else {
                    format!(
                        "::<{}>",
                        inst.iter()
                            .map(|t| self.t.rust_ty(t))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                Some((
                    format!("{}{tf}", self.t.fn_names[name]),
                    Vec::new(),
                    g.arity,
                ))
            }
            Kind::Var(v) => match self.kinds[*v].clone() {
                VKind::Lifted {
                    rust,
                    captures,
                    arity,
                } => Some((format!("{rust}{}", self.turbofish()), captures, arity)),
                _ => None,
            },
            Kind::Fix(fs, which) => {
                self.lift(fs)?;
                let VKind::Lifted {
                    rust,
                    captures,
                    arity,
                } = self.kinds[fs[*which].0].clone()
                else {
                    unreachable!()
                };
                Some((format!("{rust}{}", self.turbofish()), captures, arity))
            }
            _ => None,
        };
        let mut xs = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let full = args.len() >= ucpos.len();
            match (ucpos.get(i).copied().flatten(), &a.kind) {
                (Some(_), Kind::Var(u)) if full && self.ucur[*u].is_some() => {
                    xs.push(self.names[*u].clone())
                }
                (Some(n), _) if full => {
                    let x = self.with(format!("apply:arg{i}"), |s| s.expr(a))?;
                    xs.push(self.adapter(x, &a.ty, n)?);
                }
                _ => xs.push(self.with(format!("apply:arg{i}"), |s| s.expr(a))?),
            }
        }
        if let Some((path, caps, arity)) = callee {
            let capx: Vec<String> = caps
                .iter()
                .map(|&c| format!("{}.clone()", self.names[c]))
                .collect();
            if xs.len() >= arity {
                let mut all = capx;
                all.extend(xs[..arity].iter().cloned());
                let mut call = format!("{path}({})", all.join(", "));
                for x in &xs[arity..] {
                    call = format!("{call}({x})");
                }
                return Ok(call);
            }
            // Partial application: bind the given arguments, then a closure
            // chain for the missing ones.
            let (ptys, ret) = split_arrows(&head.ty, arity).ok_or_else(|| {
                self.loc
                    .ill_formed("callee type has fewer arrows than its arity")
            })?;
            let mut pre = String::new();
            let mut bound = Vec::new();
            for x in &xs {
                let t = self.tmp("arg");
                let _ = writeln!(pre, "let {t} = {x};");
                bound.push(t);
            }
            let params: Vec<String> = (xs.len()..arity).map(|_| self.tmp("p")).collect();
            let mut callargs: Vec<String> = caps
                .iter()
                .map(|&c| format!("{}.clone()", self.names[c]))
                .collect();
            let ncaps = callargs.len();
            callargs.extend(bound.iter().map(|b| format!("{b}.clone()")));
            let last = params.len() - 1;
            callargs.extend(params.iter().enumerate().map(|(i, p)| {
                if i == last {
                    p.clone()
                } else {
                    format!("{p}.clone()")
                }
            }));
            for (j, n) in ucpos.iter().enumerate() {
                if let Some(n) = *n {
                    let x = std::mem::take(&mut callargs[ncaps + j]);
                    callargs[ncaps + j] = self.adapter(x, &ptys[j], n)?;
                }
            }
            let body = format!("{path}({})", callargs.join(", "));
            let mut capn: Vec<String> = caps.iter().map(|&c| self.names[c].clone()).collect();
            capn.extend(bound);
            let chain = self.closure_chain(&capn, &params, &ptys[xs.len()..], &ret, body);
            return Ok(if pre.is_empty() {
                chain
            } else {
                format!("{{\n{pre}{chain}\n}}")
            });
        }
        let f = match &head.kind {
            Kind::Var(v) => match self.kinds[*v] {
                VKind::Boxed => format!("(*{})", self.names[*v]),
                _ => self.names[*v].clone(),
            },
            Kind::Lam(vs, b) if !xs.is_empty() => {
                // A beta-redex: bind the arguments with `let`.
                let k = vs.len().min(xs.len());
                let mut pre = String::new();
                for (&v, x) in vs.iter().zip(&xs) {
                    let ty = self.t.rust_ty(&self.body.vars[v].ty);
                    let _ = writeln!(pre, "let {}: {ty} = {x};", self.names[v]);
                }
                let rest = if k < vs.len() {
                    let node = Node {
                        kind: Kind::Lam(vs[k..].to_vec(), b.clone()),
                        ty: split_arrows(&head.ty, k).expect("lambda type").1,
                    };
                    self.expr(&node)?
                } else {
                    self.expr(b)?
                };
                let mut call = format!("{{\n{pre}{rest}\n}}");
                for x in &xs[k..] {
                    call = format!("({call})({x})");
                }
                return Ok(call);
            }
            Kind::Exn(msg) => {
                return Ok(format!("rt::exn::<{}>({msg:?})", self.t.rust_ty(&head.ty)))
            }
            Kind::Dummy if !xs.is_empty() => {
                return Err(self
                    .loc
                    .unsupported("application of the erased value __ (a logical function)"))
            }
            _ => format!("({})", self.expr(head)?),
        };
        let mut call = f;
        for x in &xs {
            call = format!("{call}({x})");
        }
        Ok(call)
    }

    /// Pass the curried function `x` (of type `ty`) at an uncurried
    /// parameter position taking `n` arguments.
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
            call = format!("{call}({a}.clone())");
        }
        Ok(format!(
            "&{{\nlet {f} = {x};\nmove |{}| -> {} {{ {call} }}\n}}",
            params.join(", "),
            self.t.rust_ty(&r)
        ))
    }

    fn ctor(&mut self, ind: &str, idx: usize, args: &[Node], inst: &[Ty]) -> Result<String> {
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
            let inner = self.with("S", |s| s.expr(&args[0]))?;
            return Ok(format!("rt::succ({inner})"));
        }
        let mut xs = Vec::new();
        for (k, a) in args.iter().enumerate() {
            xs.push(self.with(format!("{cname}:arg{k}"), |s| s.expr(a))?);
        }
        Ok(match i.native {
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
                let tf = if inst.is_empty() {
                    String::new()
                } else {
                    format!(
                        "::<{}>",
                        inst.iter()
                            .map(|t| self.t.rust_ty(t))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                // A boxed field filled from a variable that is itself a boxed
                // field of a matched value reuses its `Rc` (no unwrap and
                // re-wrap, so no copy of a shared node and no allocation).
                let fields: Vec<String> = xs
                    .into_iter()
                    .zip(&l.boxed[idx])
                    .zip(args)
                    .map(|((x, &b), a)| match (b, self.boxed_var(a)) {
                        (true, Some(rc)) => rc,
                        (true, None) => format!("Rc::new({x})"),
                        (false, _) => x,
                    })
                    .collect();
                if fields.is_empty() {
                    format!("{}{tf}::{}", l.rust, l.variants[idx])
                } else {
                    format!("{}{tf}::{}({})", l.rust, l.variants[idx], fields.join(", "))
                }
            }
        })
    }

    fn binder(&self, v: Option<VarId>) -> String {
        match v {
            Some(v) if self.uses[v] > 0 => self.names[v].clone(),
            _ => "_".to_string(),
        }
    }

    fn case(&mut self, s: &Node, arms: &[(Pat, Node)]) -> Result<String> {
        let scrut = self.with("case:scrutinee", |st| st.expr(s))?;
        // What is matched: from the scrutinee type, or the first constructor pattern.
        let ind = match &s.ty {
            Ty::Con(n, _) => Some(n.clone()),
            _ => arms.iter().find_map(|(p, _)| match p {
                Pat::Ctor { ind, .. } => Some(ind.clone()),
                _ => None,
            }),
        };
        let native = ind.as_ref().and_then(|n| self.t.prog.ind(n).native);
        let has_var = arms.iter().any(|(p, _)| matches!(p, Pat::Var(_)));
        let (pre, subject) = if has_var {
            let t = self.tmp("s");
            (format!("let {t} = {scrut};\n"), Some(t))
        } else {
            (String::new(), None)
        };
        let base = match &subject {
            Some(t) => format!("{t}.clone()"),
            None => scrut,
        };
        let matched = if native == Some(NativeInd::List) {
            format!("({base}).uncons()")
        } else {
            base
        };
        let mut out = format!("{{\n{pre}match {matched} {{\n");
        for (i, (p, b)) in arms.iter().enumerate() {
            let mut arm_pre = String::new();
            let pat = match p {
                Pat::Wild => "_".to_string(),
                Pat::Var(v) => {
                    let _ = writeln!(
                        arm_pre,
                        "let {}: {} = {};",
                        self.names[*v],
                        self.t.rust_ty(&self.body.vars[*v].ty),
                        subject.as_ref().expect("bound")
                    );
                    "_".to_string()
                }
                Pat::Tuple(vs) => format!(
                    "({})",
                    vs.iter()
                        .map(|v| self.binder(*v))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Pat::Ctor { ind, idx, args } => match self.t.prog.ind(ind).native {
                    Some(NativeInd::Bool) => (if *idx == 0 { "true" } else { "false" }).to_string(),
                    Some(NativeInd::Nat) => {
                        if *idx == 0 {
                            "0".to_string()
                        } else if let Some(v) = args[0].filter(|v| self.uses[*v] > 0) {
                            let t = self.tmp("n");
                            let _ = writeln!(arm_pre, "let {} = {t} - 1;", self.names[v]);
                            format!("{t} @ 1..")
                        } else {
                            "1..".to_string()
                        }
                    }
                    Some(NativeInd::Option) => {
                        if *idx == 0 {
                            format!("Some({})", self.binder(args[0]))
                        } else {
                            "None".to_string()
                        }
                    }
                    Some(NativeInd::Prod) => {
                        format!("({}, {})", self.binder(args[0]), self.binder(args[1]))
                    }
                    Some(NativeInd::List) => {
                        if *idx == 0 {
                            "None".to_string()
                        } else {
                            format!("Some(({}, {}))", self.binder(args[0]), self.binder(args[1]))
                        }
                    }
                    Some(NativeInd::Comparison) => ORDERINGS[*idx].to_string(),
                    None => {
                        let l = &self.t.layouts[ind];
                        for (a, &bx) in args.iter().zip(&l.boxed[*idx]) {
                            if let (Some(v), true) = (a, bx) {
                                self.kinds[*v] = VKind::Boxed;
                            }
                        }
                        if args.is_empty() {
                            format!("{}::{}", l.rust, l.variants[*idx])
                        } else {
                            format!(
                                "{}::{}({})",
                                l.rust,
                                l.variants[*idx],
                                args.iter()
                                    .map(|v| self.binder(*v))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    }
                },
            };
            let body = self.with(format!("case:branch{i}"), |st| st.expr(b))?;
            let _ = writeln!(out, "{pat} => {{\n{arm_pre}{body}\n}}");
        }
        if let Some(n) = &ind {
            if let Some(l) = self.t.layouts.get(n) {
                if l.phantom {
                    let _ = writeln!(out, "{}::__Phantom(_, never) => match never {{}},", l.rust);
                }
            }
        }
        out.push_str("}\n}");
        Ok(out)
    }
}

fn pat_vars(p: &Pat) -> Vec<VarId> {
    match p {
        Pat::Ctor { args, .. } | Pat::Tuple(args) => args.iter().flatten().copied().collect(),
        Pat::Var(v) => vec![*v],
        Pat::Wild => vec![],
    }
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
}
