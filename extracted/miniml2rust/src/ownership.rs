//! Ownership: how the generated Rust holds and passes values.
//!
//! MiniML values are immutable, so a Rust function may receive any argument
//! either by value (it owns it: it may move parts of it into its result, and
//! a uniquely owned `Rc` node is then reused instead of copied) or by
//! reference (it only inspects it, or clones the parts it keeps). Neither
//! choice changes what is computed; they only change what is copied. This
//! module makes the choices:
//!
//! * [`prepare`] rewrites a body so that ownership can be tracked per value:
//!   a variable of a record type (one constructor, or a tuple) that is only
//!   ever projected (`match x with C a b => ..`) is *split* into one variable
//!   per field, bound once where `x` is bound, so each field is moved at its
//!   own last use; a pattern binding the whole scrutinee (`| y => ..`) is
//!   replaced by the scrutinee variable;
//! * [`infer_modes`] decides, for every parameter of every top-level
//!   function, [`Mode::Own`] or [`Mode::Ref`] (see there);
//! * [`Ctx::parts`] is the one description of how each construct uses its
//!   sub-terms (evaluated by value, by reference, later in a closure, or as
//!   alternatives), shared by the analyses here and by code generation.
//!
//! Code generation then moves a variable at its last use on every path and
//! clones it at earlier uses (liveness, computed while emitting), so no
//! choice made here can make the output wrong: it can only make it copy more
//! or less. rustc's borrow checker checks the result again.

use crate::codegen::Translation;
use crate::ir::{Body, Kind, NativeInd, Node, Pat, Program, Ty, Var, VarId};
use std::collections::{BTreeSet, HashMap, HashSet};

/// How a parameter (or a local variable) holds its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// An owned value `T`.
    Own,
    /// A reference `&T`.
    Ref,
}

/// How a sub-term's value is needed by its context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// An owned value.
    Own,
    /// A reference to a value that outlives the use.
    Borrow,
}

/// Parameter modes asked for by the caller of the translator (the store
/// wrapper knows what it owns): `(global, parameter index)`. `keep` asks for
/// a variant of a function returning `option` that takes the parameter by
/// value and hands it back where the function answers `None` (see
/// `codegen`, "keep variants").
#[derive(Debug, Clone, Default)]
pub struct Requests {
    /// Parameters to take by reference.
    pub borrow: Vec<(String, usize)>,
    /// Parameters to take by value.
    pub own: Vec<(String, usize)>,
    /// Keep variants to generate.
    pub keep: Vec<(String, usize)>,
}

/// Is a value of this type `Copy` in the generated Rust (`nat`, `bool`,
/// `comparison`, erased values, and options and tuples of those)?
pub fn is_copy(prog: &Program, t: &Ty) -> bool {
    match t {
        Ty::Con(n, a) => match prog.ind(n).native {
            Some(NativeInd::Bool | NativeInd::Nat | NativeInd::Comparison) => true,
            Some(NativeInd::Option) => is_copy(prog, &a[0]),
            _ => false,
        },
        Ty::Tuple(a) => a.iter().all(|x| is_copy(prog, x)),
        Ty::Dummy | Ty::Meta(_) => true,
        Ty::Param(_) | Ty::Arrow(..) => false,
    }
}

/// A variable split into its fields (see [`prepare`]).
#[derive(Debug, Clone)]
pub struct Split {
    /// The inductive (`None`: a tuple).
    pub ind: Option<String>,
    /// Its type arguments.
    pub inst: Vec<Ty>,
    /// One variable per field.
    pub fields: Vec<VarId>,
}

/// The variables occurring in a pattern.
pub fn pat_vars(p: &Pat) -> Vec<VarId> {
    match p {
        Pat::Ctor { args, .. } | Pat::Tuple(args) => args.iter().flatten().copied().collect(),
        Pat::Var(v) => vec![*v],
        Pat::Wild => vec![],
    }
}

/// Rename variable occurrences (binders are unique, so no capture).
pub fn rename(n: Node, m: &HashMap<VarId, VarId>) -> Node {
    map_children(n, &mut |c| rename(c, m), &mut |v| *m.get(&v).unwrap_or(&v))
}

/// Rebuild `n` with `f` applied to its direct sub-terms and `var` to a
/// variable occurrence at the root.
fn map_children(
    n: Node,
    f: &mut dyn FnMut(Node) -> Node,
    var: &mut dyn FnMut(VarId) -> VarId,
) -> Node {
    let ty = n.ty;
    let kind = match n.kind {
        Kind::Var(v) => Kind::Var(var(v)),
        k @ (Kind::Global { .. } | Kind::Exn(_) | Kind::Dummy) => k,
        Kind::App(h, a) => Kind::App(Box::new(f(*h)), a.into_iter().map(&mut *f).collect()),
        Kind::Lam(vs, b) => Kind::Lam(vs, Box::new(f(*b))),
        Kind::Let(v, a, b) => Kind::Let(v, Box::new(f(*a)), Box::new(f(*b))),
        Kind::Ctor {
            ind,
            idx,
            args,
            inst,
        } => Kind::Ctor {
            ind,
            idx,
            args: args.into_iter().map(&mut *f).collect(),
            inst,
        },
        Kind::Tuple(a) => Kind::Tuple(a.into_iter().map(&mut *f).collect()),
        Kind::Case(s, arms) => Kind::Case(
            Box::new(f(*s)),
            arms.into_iter().map(|(p, b)| (p, f(b))).collect(),
        ),
        Kind::Fix(fs, w) => Kind::Fix(fs.into_iter().map(|(v, b)| (v, f(b))).collect(), w),
        Kind::Coerce(x) => Kind::Coerce(Box::new(f(*x))),
    };
    Node { kind, ty }
}

fn new_var(vars: &mut Vec<Var>, name: &str, ty: Ty) -> VarId {
    vars.push(Var {
        name: name.to_string(),
        ty,
    });
    vars.len() - 1
}

/// A pattern binding the whole scrutinee (`| y => b`) becomes a wildcard
/// with `y` renamed to the scrutinee variable (a non-variable scrutinee is
/// first bound by a `let`).
fn elim_pat_var(n: Node, vars: &mut Vec<Var>) -> Node {
    let n = map_children(n, &mut |c| elim_pat_var(c, vars), &mut |v| v);
    let Node { kind, ty } = n;
    match kind {
        Kind::Case(s, arms) if arms.iter().any(|(p, _)| matches!(p, Pat::Var(_))) => {
            let sty = s.ty.clone();
            let (x, wrap) = match &s.kind {
                Kind::Var(x) => (*x, None),
                _ => (new_var(vars, "s", sty.clone()), Some(*s)),
            };
            let arms = arms
                .into_iter()
                .map(|(p, b)| match p {
                    Pat::Var(y) => (Pat::Wild, rename(b, &HashMap::from([(y, x)]))),
                    p => (p, b),
                })
                .collect();
            let case = Node {
                kind: Kind::Case(
                    Box::new(Node {
                        kind: Kind::Var(x),
                        ty: sty,
                    }),
                    arms,
                ),
                ty: ty.clone(),
            };
            match wrap {
                None => case,
                Some(s) => Node {
                    kind: Kind::Let(x, Box::new(s), Box::new(case)),
                    ty,
                },
            }
        }
        kind => Node { kind, ty },
    }
}

/// Is `arms` a projection: one arm, a constructor, tuple or wildcard pattern?
fn projection(arms: &[(Pat, Node)]) -> bool {
    arms.len() == 1 && matches!(arms[0].0, Pat::Ctor { .. } | Pat::Tuple(_) | Pat::Wild)
}

/// Occurrences of every variable: (all, as the scrutinee of a projection),
/// and the first binder name seen for each field.
fn count_projections(
    n: &Node,
    counts: &mut HashMap<VarId, (usize, usize)>,
    names: &mut HashMap<(VarId, usize), VarId>,
) {
    match &n.kind {
        Kind::Var(v) => counts.entry(*v).or_default().0 += 1,
        Kind::Case(s, arms) => {
            match &s.kind {
                Kind::Var(x) if projection(arms) => {
                    let e = counts.entry(*x).or_default();
                    e.0 += 1;
                    e.1 += 1;
                    if let Pat::Ctor { args, .. } | Pat::Tuple(args) = &arms[0].0 {
                        for (i, a) in args.iter().enumerate() {
                            if let Some(b) = a {
                                names.entry((*x, i)).or_insert(*b);
                            }
                        }
                    }
                }
                _ => count_projections(s, counts, names),
            }
            for (_, b) in arms {
                count_projections(b, counts, names);
            }
        }
        _ => for_children(n, &mut |c| count_projections(c, counts, names)),
    }
}

/// Apply `f` to every direct sub-term.
pub fn for_children(n: &Node, f: &mut dyn FnMut(&Node)) {
    match &n.kind {
        Kind::Var(_) | Kind::Global { .. } | Kind::Exn(_) | Kind::Dummy => {}
        Kind::App(h, a) => {
            f(h);
            a.iter().for_each(f);
        }
        Kind::Lam(_, b) | Kind::Coerce(b) => f(b),
        Kind::Let(_, a, b) => {
            f(a);
            f(b);
        }
        Kind::Ctor { args, .. } | Kind::Tuple(args) => args.iter().for_each(f),
        Kind::Case(s, arms) => {
            f(s);
            arms.iter().for_each(|(_, b)| f(b));
        }
        Kind::Fix(fs, _) => fs.iter().for_each(|(_, b)| f(b)),
    }
}

fn let_vars(n: &Node, out: &mut Vec<VarId>) {
    if let Kind::Let(v, _, _) = &n.kind {
        out.push(*v);
    }
    for_children(n, &mut |c| let_vars(c, out));
}

/// The field types of a record-like type (one constructor whose payload is
/// not behind `Rc`, or a tuple), if it is one.
fn record_fields(t: &Translation, ty: &Ty) -> Option<(Option<String>, Vec<Ty>, Vec<Ty>)> {
    match ty {
        Ty::Tuple(items) if !items.is_empty() => Some((None, Vec::new(), items.clone())),
        Ty::Con(n, inst) => {
            let i = t.prog.ind(n);
            let l = t.layouts.get(n)?;
            if i.native.is_some()
                || i.ctors.len() != 1
                || l.boxed[0]
                || i.ctors[0].fields.is_empty()
            {
                return None;
            }
            Some((
                Some(n.clone()),
                inst.clone(),
                t.prog.ctor_type(n, 0, inst).0,
            ))
        }
        _ => None,
    }
}

/// Replace every projection of a split variable by its arm, with the
/// binders renamed to the field variables.
fn rewrite_projections(n: Node, splits: &HashMap<VarId, Split>) -> Node {
    if let Kind::Case(s, arms) = &n.kind {
        if let Kind::Var(x) = &s.kind {
            if let Some(sp) = splits.get(x) {
                if projection(arms) {
                    let Kind::Case(_, mut arms) = n.kind else {
                        unreachable!()
                    };
                    let (p, b) = arms.pop().expect("one arm");
                    let mut m = HashMap::new();
                    if let Pat::Ctor { args, .. } | Pat::Tuple(args) = &p {
                        for (i, a) in args.iter().enumerate() {
                            if let Some(v) = a {
                                m.insert(*v, sp.fields[i]);
                            }
                        }
                    }
                    return rewrite_projections(rename(b, &m), splits);
                }
            }
        }
    }
    map_children(n, &mut |c| rewrite_projections(c, splits), &mut |v| v)
}

/// Prepare a body for ownership tracking (see the module documentation):
/// returns the rewritten body and the split variables (parameters and
/// `let`-bound variables only ever projected).
pub fn prepare(t: &Translation, body: &Body) -> (Body, HashMap<VarId, Split>) {
    let mut vars = body.vars.clone();
    let root = elim_pat_var(body.body.clone(), &mut vars);
    let mut counts = HashMap::new();
    let mut names = HashMap::new();
    count_projections(&root, &mut counts, &mut names);
    let mut cands = body.params.clone();
    let_vars(&root, &mut cands);
    let mut splits = HashMap::new();
    for x in cands {
        let Some(&(all, proj)) = counts.get(&x) else {
            continue;
        };
        if all == 0 || all != proj {
            continue;
        }
        let Some((ind, inst, ftys)) = record_fields(t, &vars[x].ty) else {
            continue;
        };
        let fields = ftys
            .into_iter()
            .enumerate()
            .map(|(i, fty)| {
                let name = match names.get(&(x, i)) {
                    Some(&b) => vars[b].name.clone(),
                    None => format!("{}_{i}", vars[x].name),
                };
                new_var(&mut vars, &name, fty)
            })
            .collect();
        splits.insert(x, Split { ind, inst, fields });
    }
    let root = rewrite_projections(root, &splits);
    (
        Body {
            vars,
            params: body.params.clone(),
            body: root,
        },
        splits,
    )
}

/// Free variables of `n` (not bound inside it), in `out`.
pub fn free_vars(n: &Node, bound: &mut Vec<VarId>, out: &mut BTreeSet<VarId>) {
    match &n.kind {
        Kind::Var(v) => {
            if !bound.contains(v) {
                out.insert(*v);
            }
        }
        Kind::Lam(vs, b) => {
            let m = bound.len();
            bound.extend(vs);
            free_vars(b, bound, out);
            bound.truncate(m);
        }
        Kind::Let(v, a, b) => {
            free_vars(a, bound, out);
            bound.push(*v);
            free_vars(b, bound, out);
            bound.pop();
        }
        Kind::Case(s, arms) => {
            free_vars(s, bound, out);
            for (p, b) in arms {
                let m = bound.len();
                bound.extend(pat_vars(p));
                free_vars(b, bound, out);
                bound.truncate(m);
            }
        }
        Kind::Fix(fs, _) => {
            let m = bound.len();
            bound.extend(fs.iter().map(|(v, _)| *v));
            fs.iter().for_each(|(_, b)| free_vars(b, bound, out));
            bound.truncate(m);
        }
        _ => for_children(n, &mut |c| free_vars(c, bound, out)),
    }
}

/// The captures of every local fixpoint (lambda-lifted: its free value
/// variables, a reference to an enclosing lifted function standing for that
/// function's captures), by fixpoint variable.
pub fn fix_captures(n: &Node, out: &mut HashMap<VarId, Vec<VarId>>) {
    if let Kind::Fix(fs, _) = &n.kind {
        let fixvars: Vec<VarId> = fs.iter().map(|(v, _)| *v).collect();
        let mut fv = BTreeSet::new();
        for (_, b) in fs {
            free_vars(b, &mut fixvars.clone(), &mut fv);
        }
        let mut caps = BTreeSet::new();
        for v in fv {
            match out.get(&v) {
                Some(c) => caps.extend(c.iter().copied()),
                None => {
                    caps.insert(v);
                }
            }
        }
        let caps: Vec<VarId> = caps.into_iter().filter(|v| !fixvars.contains(v)).collect();
        for v in fixvars {
            out.insert(v, caps.clone());
        }
    }
    for_children(n, &mut |c| fix_captures(c, out));
}

/// How a construct uses one of its parts.
pub enum Part<'n> {
    /// Evaluated now, on every path through the construct.
    Eval(&'n Node, Need),
    /// An implicit use of a variable (the captures of a closure or of a
    /// lifted local function).
    Use(VarId, Need),
    /// A body evaluated later, maybe many times (closure, lifted function).
    Later(&'n Node),
}

/// Events of [`Ctx::walk`].
pub enum Ev {
    /// A use of a variable: how it is needed, and whether inside a closure
    /// or a lifted function of the walked term.
    Use(VarId, Need, bool),
    /// A `match` on a variable binds these variables to its parts.
    Derive(VarId, Vec<VarId>),
}

/// Flatten nested applications: the head and all the arguments.
pub fn flatten_app(n: &Node) -> Option<(&Node, Vec<&Node>)> {
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

/// Strip `Obj.magic` coercions (identities).
pub fn strip(n: &Node) -> &Node {
    match &n.kind {
        Kind::Coerce(x) => strip(x),
        _ => n,
    }
}

/// What the analyses of one body need to know.
pub struct Ctx<'a> {
    /// The module.
    pub t: &'a Translation,
    /// Parameter modes of the globals.
    pub modes: &'a HashMap<(String, usize), Mode>,
    /// The (prepared) body.
    pub body: &'a Body,
    /// Uncurried function parameters of this body, by variable.
    pub ucur: &'a [Option<usize>],
    /// Captures of the local fixpoints, by fixpoint variable.
    pub fixcaps: &'a HashMap<VarId, Vec<VarId>>,
}

impl<'a> Ctx<'a> {
    /// How parameter `j` of global `g` is passed (uncurried parameters are
    /// handled separately).
    pub fn param_need(&self, g: &str, j: usize) -> Need {
        match self.modes.get(&(g.to_string(), j)) {
            Some(Mode::Ref) => Need::Borrow,
            _ => Need::Own,
        }
    }

    /// Is `v` a variable holding a value (not a lifted local function, not
    /// an uncurried parameter)?
    pub fn value_var(&self, v: VarId) -> bool {
        !self.fixcaps.contains_key(&v) && self.ucur[v].is_none()
    }

    /// The variable `n` is, if it is a value variable (through coercions).
    pub fn var_of(&self, n: &Node) -> Option<VarId> {
        match &strip(n).kind {
            Kind::Var(v) if self.value_var(*v) => Some(*v),
            _ => None,
        }
    }

    /// Free value variables of `nodes` (lifted functions standing for their
    /// captures), minus `exclude`.
    pub fn captures(&self, nodes: &[&Node], exclude: &[VarId]) -> Vec<VarId> {
        let mut fv = BTreeSet::new();
        for n in nodes {
            free_vars(n, &mut exclude.to_vec(), &mut fv);
        }
        let mut out = BTreeSet::new();
        for v in fv {
            match self.fixcaps.get(&v) {
                Some(c) => out.extend(c.iter().copied()),
                None if self.ucur[v].is_none() => {
                    out.insert(v);
                }
                None => {}
            }
        }
        out.into_iter().filter(|v| !exclude.contains(v)).collect()
    }

    /// The parts of an application (see [`Part`]); `Case` and variables are
    /// handled by the callers.
    pub fn app_parts<'n>(&self, head: &'n Node, args: &[&'n Node]) -> Vec<Part<'n>> {
        let mut out = Vec::new();
        match &head.kind {
            Kind::Var(v) if self.ucur[*v].is_some() => {
                out.extend(args.iter().map(|a| Part::Eval(a, Need::Borrow)));
            }
            Kind::Global { name, .. } => {
                let arity = self.t.prog.globals[name].arity;
                if args.len() < arity {
                    out.extend(args.iter().map(|a| Part::Eval(a, Need::Own)));
                    return out;
                }
                for (j, a) in args.iter().enumerate() {
                    if j >= arity {
                        out.push(Part::Eval(a, Need::Borrow));
                    } else if let Some(&n) = self.t.uncurried.get(&(name.clone(), j)) {
                        out.extend(self.uncurried_arg_parts(a, n));
                    } else {
                        out.push(Part::Eval(a, self.param_need(name, j)));
                    }
                }
            }
            Kind::Var(v) if self.fixcaps.contains_key(v) => self.lifted_parts(*v, args, &mut out),
            Kind::Fix(fs, w) => {
                out.extend(fs.iter().map(|(_, b)| Part::Later(b)));
                self.lifted_parts(fs[*w].0, args, &mut out);
            }
            Kind::Lam(vs, b) => {
                out.extend(args.iter().take(vs.len()).map(|a| Part::Eval(a, Need::Own)));
                if args.len() >= vs.len() {
                    out.push(Part::Eval(b, Need::Own));
                    out.extend(args[vs.len()..].iter().map(|a| Part::Eval(a, Need::Borrow)));
                } else {
                    let caps = self.captures(&[&**b], &vs[args.len()..]);
                    out.extend(caps.into_iter().map(|c| Part::Use(c, Need::Own)));
                    out.push(Part::Later(b));
                }
            }
            Kind::Exn(_) | Kind::Dummy => {}
            _ => {
                match self.var_of(head) {
                    Some(v) => out.push(Part::Use(v, Need::Borrow)),
                    None => out.push(Part::Eval(head, Need::Own)),
                }
                out.extend(args.iter().map(|a| Part::Eval(a, Need::Borrow)));
            }
        }
        out
    }

    fn lifted_parts<'n>(&self, f: VarId, args: &[&'n Node], out: &mut Vec<Part<'n>>) {
        let caps = &self.fixcaps[&f];
        let arity = self.lifted_arity(f);
        let full = args.len() >= arity;
        let cap_need = if full { Need::Borrow } else { Need::Own };
        out.extend(caps.iter().map(|&c| Part::Use(c, cap_need)));
        for (j, a) in args.iter().enumerate() {
            let need = if j < arity { Need::Own } else { Need::Borrow };
            out.push(Part::Eval(a, need));
        }
    }

    /// Number of leading lambda binders of a local fixpoint's body.
    pub fn lifted_arity(&self, f: VarId) -> usize {
        fn find(n: &Node, f: VarId) -> Option<usize> {
            if let Kind::Fix(fs, _) = &n.kind {
                for (v, b) in fs {
                    if *v == f {
                        return Some(match &b.kind {
                            Kind::Lam(ps, _) => ps.len(),
                            _ => 0,
                        });
                    }
                }
            }
            let mut r = None;
            for_children(n, &mut |c| {
                if r.is_none() {
                    r = find(c, f);
                }
            });
            r
        }
        find(&self.body.body, f).unwrap_or(0)
    }

    /// Parts of an argument passed at an uncurried parameter with `n`
    /// arguments: an uncurried parameter is passed on as is, a variable or
    /// a lambda of `n` binders is borrowed by a closure made on the spot,
    /// anything else is evaluated and wrapped.
    pub fn uncurried_arg_parts<'n>(&self, a: &'n Node, n: usize) -> Vec<Part<'n>> {
        match &strip(a).kind {
            Kind::Var(v) if self.ucur[*v].is_some() => Vec::new(),
            Kind::Var(v) if self.value_var(*v) => vec![Part::Use(*v, Need::Borrow)],
            Kind::Lam(vs, b) if vs.len() == n => {
                let mut out: Vec<Part<'n>> = self
                    .captures(&[&**b], vs)
                    .into_iter()
                    .map(|c| Part::Use(c, Need::Borrow))
                    .collect();
                out.push(Part::Later(b));
                out
            }
            _ => vec![Part::Eval(a, Need::Own)],
        }
    }

    /// The parts of a construct other than a variable or a `match`.
    pub fn parts<'n>(&self, n: &'n Node) -> Vec<Part<'n>> {
        match &n.kind {
            Kind::Var(_) | Kind::Case(..) => unreachable!("handled by the callers"),
            Kind::Global { .. } | Kind::Exn(_) | Kind::Dummy => Vec::new(),
            Kind::App(..) => {
                let (head, args) = flatten_app(n).expect("application");
                self.app_parts(head, &args)
            }
            Kind::Lam(vs, b) => {
                let mut out: Vec<Part<'n>> = self
                    .captures(&[&**b], vs)
                    .into_iter()
                    .map(|c| Part::Use(c, Need::Own))
                    .collect();
                out.push(Part::Later(b));
                out
            }
            Kind::Let(_, a, b) => vec![Part::Eval(a, Need::Own), Part::Eval(b, Need::Own)],
            Kind::Ctor { args, .. } | Kind::Tuple(args) => {
                args.iter().map(|a| Part::Eval(a, Need::Own)).collect()
            }
            Kind::Fix(fs, w) => {
                let mut out: Vec<Part<'n>> = self.fixcaps[&fs[*w].0]
                    .iter()
                    .map(|&c| Part::Use(c, Need::Own))
                    .collect();
                out.extend(fs.iter().map(|(_, b)| Part::Later(b)));
                out
            }
            Kind::Coerce(x) => vec![Part::Eval(x, Need::Own)],
        }
    }

    /// Walk `n` (needed as `need`; `later`: inside a closure or lifted
    /// function of the outer term), reporting variable uses and matches.
    pub fn walk(&self, n: &Node, need: Need, later: bool, f: &mut dyn FnMut(Ev)) {
        match &n.kind {
            Kind::Var(v) => {
                if let Some(caps) = self.fixcaps.get(v) {
                    // A lifted function used as a value: a closure capturing
                    // its captures.
                    for &c in caps {
                        f(Ev::Use(c, Need::Own, later));
                    }
                } else if self.ucur[*v].is_none() {
                    f(Ev::Use(*v, need, later));
                }
            }
            Kind::Case(s, arms) => {
                match self.var_of(s) {
                    Some(x) => {
                        f(Ev::Use(x, Need::Borrow, later));
                        let bs: Vec<VarId> = arms.iter().flat_map(|(p, _)| pat_vars(p)).collect();
                        f(Ev::Derive(x, bs));
                    }
                    None => self.walk(s, Need::Own, later, f),
                }
                for (_, b) in arms {
                    self.walk(b, need, later, f);
                }
            }
            Kind::Coerce(x) => self.walk(x, need, later, f),
            Kind::Let(_, a, b) => {
                self.walk(a, Need::Own, later, f);
                self.walk(b, need, later, f);
            }
            _ => {
                for p in self.parts(n) {
                    match p {
                        Part::Eval(c, nd) => self.walk(c, nd, later, f),
                        Part::Use(v, nd) => f(Ev::Use(v, nd, later)),
                        Part::Later(b) => self.walk(b, Need::Own, true, f),
                    }
                }
            }
        }
    }

    /// Is `p` consumed (used by value) on every path through `n`?
    pub fn consumed_on_all_paths(&self, n: &Node, need: Need, p: VarId) -> bool {
        match &n.kind {
            Kind::Var(v) => {
                (*v == p && need == Need::Own)
                    || self.fixcaps.get(v).is_some_and(|c| c.contains(&p))
            }
            Kind::Exn(_) => true,
            Kind::Case(s, arms) => {
                (self.var_of(s).is_none() && self.consumed_on_all_paths(s, Need::Own, p))
                    || arms
                        .iter()
                        .all(|(_, b)| self.consumed_on_all_paths(b, need, p))
            }
            Kind::Coerce(x) => self.consumed_on_all_paths(x, need, p),
            Kind::Let(_, a, b) => {
                self.consumed_on_all_paths(a, Need::Own, p)
                    || self.consumed_on_all_paths(b, need, p)
            }
            _ => self.parts(n).into_iter().any(|part| match part {
                Part::Eval(c, nd) => self.consumed_on_all_paths(c, nd, p),
                Part::Use(v, nd) => v == p && nd == Need::Own,
                Part::Later(_) => false,
            }),
        }
    }

    /// Variables `n` consumes and borrows, syntactically (ignoring which
    /// use is the last): for ordering the arguments of a call.
    pub fn uses_of(&self, n: &Node, need: Need) -> (BTreeSet<VarId>, BTreeSet<VarId>) {
        let (mut own, mut borrow) = (BTreeSet::new(), BTreeSet::new());
        self.walk(n, need, false, &mut |e| {
            if let Ev::Use(v, nd, later) = e {
                if nd == Need::Own && !later && !is_copy(&self.t.prog, &self.body.vars[v].ty) {
                    own.insert(v);
                } else {
                    borrow.insert(v);
                }
            }
        });
        (own, borrow)
    }

    /// Does `n` use `x` at all?
    pub fn mentions(&self, n: &Node, x: VarId) -> bool {
        let mut found = false;
        self.walk(n, Need::Own, false, &mut |e| match e {
            Ev::Use(v, _, _) | Ev::Derive(v, _) if v == x => found = true,
            _ => {}
        });
        found
    }

    /// Does `n` consume one of `vars` (or a part of one, through matches)
    /// whose type is not `Copy`?
    pub fn consumes_parts(&self, n: &Node, need: Need, vars: &[VarId]) -> bool {
        let mut d: HashSet<VarId> = vars.iter().copied().collect();
        let mut found = false;
        self.walk(n, need, false, &mut |e| match e {
            Ev::Derive(x, bs) if d.contains(&x) => d.extend(bs),
            Ev::Use(v, Need::Own, false)
                if d.contains(&v) && !is_copy(&self.t.prog, &self.body.vars[v].ty) =>
            {
                found = true
            }
            _ => {}
        });
        found
    }
}

/// A body ready for code generation.
pub struct Prepared {
    /// Global name.
    pub name: String,
    /// The rewritten body.
    pub body: Body,
    /// Split variables.
    pub splits: HashMap<VarId, Split>,
    /// Uncurried parameters, by variable.
    pub ucur: Vec<Option<usize>>,
    /// Captures of local fixpoints.
    pub fixcaps: HashMap<VarId, Vec<VarId>>,
}

impl Prepared {
    /// The analysis context of this body under `modes`.
    pub fn ctx<'a>(
        &'a self,
        t: &'a Translation,
        modes: &'a HashMap<(String, usize), Mode>,
    ) -> Ctx<'a> {
        Ctx {
            t,
            modes,
            body: &self.body,
            ucur: &self.ucur,
            fixcaps: &self.fixcaps,
        }
    }
}

/// Can parameter `v` of a body take a mode at all (it is neither `Copy`,
/// nor a function, nor uncurried)?
fn has_mode(t: &Translation, p: &Prepared, v: VarId) -> bool {
    let ty = &p.body.vars[v].ty;
    p.ucur[v].is_none() && !is_copy(&t.prog, ty) && !matches!(ty, Ty::Arrow(..))
}

/// The parameter modes of all top-level functions.
///
/// Parameters that are `Copy`, functions or uncurried have no mode (they
/// are passed by value, or as `&dyn Fn`). Requested modes are taken as
/// given. For the others, two fixpoints over the whole module:
///
/// 1. a parameter whose type is not a type variable is borrowed unless the
///    body consumes it (uses it by value: returns it, stores it in a
///    constructor, passes it to a by-value parameter, captures it in a
///    closure), or consumes a part of it (bound by a `match` on it, or a
///    field of a split record) that is neither `Copy`, nor a function, nor
///    of a type variable; a record field counts as the record itself.
///    Owning such a parameter lets a uniquely owned structure be taken apart
///    and rebuilt in place; borrowing the rest avoids copying what is only
///    inspected (`find`, `height`, `nth`, `vle` take their structures by
///    reference; `add`, `bal`, `create`, `vset` by value). Least fixpoint:
///    everything starts borrowed.
/// 2. a parameter of a type-variable type (a key, a value: opaque, so never
///    updated in place) is taken by value only if the body consumes it on
///    every path; if some paths only inspect it, a reference is passed and
///    the consuming paths clone it (e.g. a key that is stored only when it
///    is new). Greatest fixpoint: everything starts owned.
pub fn infer_modes(
    t: &Translation,
    bodies: &[Prepared],
    req: &Requests,
) -> HashMap<(String, usize), Mode> {
    let mut modes: HashMap<(String, usize), Mode> = HashMap::new();
    let forced: HashMap<(String, usize), Mode> = req
        .borrow
        .iter()
        .map(|k| (k.clone(), Mode::Ref))
        .chain(req.own.iter().map(|k| (k.clone(), Mode::Own)))
        .collect();
    let mut phase1 = Vec::new();
    let mut phase2 = Vec::new();
    for (bi, p) in bodies.iter().enumerate() {
        if t.natives.contains_key(&p.name) {
            continue;
        }
        for (i, &v) in p.body.params.iter().enumerate() {
            if !has_mode(t, p, v) {
                continue;
            }
            let key = (p.name.clone(), i);
            if let Some(&m) = forced.get(&key) {
                modes.insert(key, m);
            } else if matches!(p.body.vars[v].ty, Ty::Param(_)) {
                modes.insert(key, Mode::Own);
                phase2.push((bi, i, v));
            } else {
                modes.insert(key, Mode::Ref);
                phase1.push((bi, i, v));
            }
        }
    }
    loop {
        let mut changed = false;
        for &(bi, i, v) in &phase1 {
            let p = &bodies[bi];
            let key = (p.name.clone(), i);
            if modes[&key] == Mode::Own {
                continue;
            }
            if demands_ownership(&p.ctx(t, &modes), &p.splits, v) {
                modes.insert(key, Mode::Own);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    loop {
        let mut changed = false;
        for &(bi, i, v) in &phase2 {
            let p = &bodies[bi];
            let key = (p.name.clone(), i);
            if modes[&key] == Mode::Ref {
                continue;
            }
            if !p
                .ctx(t, &modes)
                .consumed_on_all_paths(&p.body.body, Need::Own, v)
            {
                modes.insert(key, Mode::Ref);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    modes
}

/// Rule 1 of [`infer_modes`] for parameter `p`.
fn demands_ownership(cx: &Ctx, splits: &HashMap<VarId, Split>, p: VarId) -> bool {
    let prog = &cx.t.prog;
    let whole: HashSet<VarId> = std::iter::once(p)
        .chain(
            splits
                .get(&p)
                .into_iter()
                .flat_map(|s| s.fields.iter().copied()),
        )
        .collect();
    let mut derived: HashSet<VarId> = whole.clone();
    let mut found = false;
    cx.walk(&cx.body.body, Need::Own, false, &mut |e| match e {
        Ev::Derive(x, bs) if derived.contains(&x) => derived.extend(bs),
        Ev::Use(v, Need::Own, false) if derived.contains(&v) => {
            let ty = &cx.body.vars[v].ty;
            let cheap = is_copy(prog, ty) || matches!(ty, Ty::Arrow(..));
            if !cheap && (whole.contains(&v) || !matches!(ty, Ty::Param(_))) {
                found = true;
            }
        }
        _ => {}
    });
    found
}
