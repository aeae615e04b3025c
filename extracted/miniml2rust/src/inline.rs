//! Inlining of small constructor functions, so that a function that takes a
//! node apart and rebuilds it through a helper (`add` calling `bal` calling
//! `create`) builds the new node itself and can reuse the old one in place
//! (see `codegen`, "reuse").
//!
//! The rule: a call of a global `g` is replaced by `g`'s body when
//! * `g` is not recursive (directly or through other globals), is not a
//!   native operation, takes no function parameter, contains no local
//!   fixpoint, is fully applied, and its body (after its own inlining) has
//!   at most [`MAX_SIZE`] nodes;
//! * `g` builds a constructor whose payload is behind `Rc` (a recursive
//!   type), and the calling function takes that type apart (`match`);
//! * the call is not inside a closure.
//!
//! The parameters of `g` become the arguments: a variable argument is
//! substituted (values are immutable, so sharing the name is the same
//! value), any other argument is bound by a `let` before the body. `g`'s
//! type parameters are instantiated as at the call. This is beta-reduction,
//! so the program computes the same values; only the order of evaluation of
//! pure arguments can change.

use crate::codegen::Translation;
use crate::ir::{Body, Kind, Node, Pat, Ty, Var, VarId};
use crate::ownership::{flatten_app, for_children};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Largest body (in nodes) inlined.
pub const MAX_SIZE: usize = 400;

fn size(n: &Node) -> usize {
    let mut s = 1;
    for_children(n, &mut |c| s += size(c));
    s
}

fn globals_of(n: &Node, out: &mut BTreeSet<String>) {
    if let Kind::Global { name, .. } = &n.kind {
        out.insert(name.clone());
    }
    for_children(n, &mut |c| globals_of(c, out));
}

fn has_fix(n: &Node) -> bool {
    let mut f = matches!(n.kind, Kind::Fix(..));
    for_children(n, &mut |c| f |= has_fix(c));
    f
}

/// Inductives whose boxed constructors `n` builds.
fn builds(t: &Translation, n: &Node, out: &mut BTreeSet<String>) {
    if let Kind::Ctor { ind, idx, .. } = &n.kind {
        if t.layouts.get(ind).is_some_and(|l| l.boxed[*idx]) {
            out.insert(ind.clone());
        }
    }
    for_children(n, &mut |c| builds(t, c, out));
}

/// Inductives `n` takes apart.
fn matches_on(n: &Node, out: &mut BTreeSet<String>) {
    if let Kind::Case(s, _) = &n.kind {
        if let Ty::Con(i, _) = &s.ty {
            out.insert(i.clone());
        }
    }
    for_children(n, &mut |c| matches_on(c, out));
}

fn subst_ty(t: &Ty, s: &HashMap<String, Ty>) -> Ty {
    if s.is_empty() {
        t.clone()
    } else {
        t.subst_params(s)
    }
}

/// A copy of `n` with variables renumbered by `vm` and types instantiated.
fn copy(n: &Node, vm: &HashMap<VarId, VarId>, ts: &HashMap<String, Ty>) -> Node {
    let v = |x: &VarId| *vm.get(x).unwrap_or(x);
    let c = |x: &Node| copy(x, vm, ts);
    let pv = |p: &Pat| match p {
        Pat::Ctor { ind, idx, args } => Pat::Ctor {
            ind: ind.clone(),
            idx: *idx,
            args: args.iter().map(|a| a.map(|x| v(&x))).collect(),
        },
        Pat::Tuple(a) => Pat::Tuple(a.iter().map(|x| x.map(|y| v(&y))).collect()),
        Pat::Var(x) => Pat::Var(v(x)),
        Pat::Wild => Pat::Wild,
    };
    let kind = match &n.kind {
        Kind::Var(x) => Kind::Var(v(x)),
        Kind::Global { name, inst } => Kind::Global {
            name: name.clone(),
            inst: inst.iter().map(|t| subst_ty(t, ts)).collect(),
        },
        Kind::App(h, a) => Kind::App(Box::new(c(h)), a.iter().map(c).collect()),
        Kind::Lam(vs, b) => Kind::Lam(vs.iter().map(v).collect(), Box::new(c(b))),
        Kind::Let(x, a, b) => Kind::Let(v(x), Box::new(c(a)), Box::new(c(b))),
        Kind::Ctor {
            ind,
            idx,
            args,
            inst,
        } => Kind::Ctor {
            ind: ind.clone(),
            idx: *idx,
            args: args.iter().map(c).collect(),
            inst: inst.iter().map(|t| subst_ty(t, ts)).collect(),
        },
        Kind::Tuple(a) => Kind::Tuple(a.iter().map(c).collect()),
        Kind::Case(s, arms) => Kind::Case(
            Box::new(c(s)),
            arms.iter().map(|(p, b)| (pv(p), c(b))).collect(),
        ),
        Kind::Fix(fs, w) => Kind::Fix(fs.iter().map(|(x, b)| (v(x), c(b))).collect(), *w),
        Kind::Exn(m) => Kind::Exn(m.clone()),
        Kind::Dummy => Kind::Dummy,
        Kind::Coerce(x) => Kind::Coerce(Box::new(c(x))),
    };
    Node {
        kind,
        ty: subst_ty(&n.ty, ts),
    }
}

struct Inliner<'a> {
    eligible: &'a HashMap<String, Body>,
    want: &'a BTreeSet<String>,
    builds: &'a HashMap<String, BTreeSet<String>>,
    vars: Vec<Var>,
    changed: bool,
}

impl Inliner<'_> {
    fn node(&mut self, n: Node) -> Node {
        match &n.kind {
            Kind::Lam(..) | Kind::Fix(..) => return n,
            Kind::App(..) => {
                let (head, args) = flatten_app(&n).expect("application");
                if let Kind::Global { name, inst } = &head.kind {
                    if let Some(g) = self.eligible.get(name) {
                        let wanted = self.builds[name].iter().any(|i| self.want.contains(i));
                        if wanted && args.len() >= g.params.len() {
                            let args: Vec<Node> = args.into_iter().cloned().collect();
                            let (name, inst) = (name.clone(), inst.clone());
                            return self.inline(&name, &inst, args, n.ty);
                        }
                    }
                }
            }
            _ => {}
        }
        let Node { kind, ty } = n;
        let kind = match kind {
            Kind::App(h, a) => Kind::App(
                Box::new(self.node(*h)),
                a.into_iter().map(|x| self.node(x)).collect(),
            ),
            Kind::Let(v, a, b) => Kind::Let(v, Box::new(self.node(*a)), Box::new(self.node(*b))),
            Kind::Ctor {
                ind,
                idx,
                args,
                inst,
            } => Kind::Ctor {
                ind,
                idx,
                args: args.into_iter().map(|x| self.node(x)).collect(),
                inst,
            },
            Kind::Tuple(a) => Kind::Tuple(a.into_iter().map(|x| self.node(x)).collect()),
            Kind::Case(s, arms) => Kind::Case(
                Box::new(self.node(*s)),
                arms.into_iter().map(|(p, b)| (p, self.node(b))).collect(),
            ),
            Kind::Coerce(x) => Kind::Coerce(Box::new(self.node(*x))),
            k => k,
        };
        Node { kind, ty }
    }

    fn inline(&mut self, g: &str, inst: &[Ty], args: Vec<Node>, ty: Ty) -> Node {
        self.changed = true;
        let body = &self.eligible[g];
        let ts: HashMap<String, Ty> = inst
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("T{}", i + 1), t.clone()))
            .collect();
        let base = self.vars.len();
        let mut vm: HashMap<VarId, VarId> = HashMap::new();
        for (i, v) in body.vars.iter().enumerate() {
            vm.insert(i, base + i);
            self.vars.push(Var {
                name: v.name.clone(),
                ty: subst_ty(&v.ty, &ts),
            });
        }
        let np = body.params.len();
        let mut lets = Vec::new();
        for (p, a) in body.params.iter().zip(args.iter().take(np)) {
            match &a.kind {
                Kind::Var(x) => {
                    vm.insert(*p, *x);
                }
                _ => lets.push((base + *p, self.node(a.clone()))),
            }
        }
        let mut out = copy(&body.body, &vm, &ts);
        for (v, a) in lets.into_iter().rev() {
            let t = out.ty.clone();
            out = Node {
                kind: Kind::Let(v, Box::new(a), Box::new(out)),
                ty: t,
            };
        }
        let extra: Vec<Node> = args.into_iter().skip(np).map(|a| self.node(a)).collect();
        if extra.is_empty() {
            out
        } else {
            Node {
                kind: Kind::App(Box::new(out), extra),
                ty,
            }
        }
    }
}

/// Inline the eligible calls of every body (see the module documentation).
pub fn inline_module(t: &Translation, bodies: Vec<(String, Body)>) -> Vec<(String, Body)> {
    let names: HashSet<String> = bodies.iter().map(|(n, _)| n.clone()).collect();
    let calls: HashMap<String, BTreeSet<String>> = bodies
        .iter()
        .map(|(n, b)| {
            let mut s = BTreeSet::new();
            globals_of(&b.body, &mut s);
            s.retain(|g| names.contains(g));
            (n.clone(), s)
        })
        .collect();
    let reaches = |from: &str, to: &str| -> bool {
        let mut seen = HashSet::new();
        let mut stack: Vec<String> = calls[from].iter().cloned().collect();
        while let Some(x) = stack.pop() {
            if x == to {
                return true;
            }
            if seen.insert(x.clone()) {
                stack.extend(calls[&x].iter().cloned());
            }
        }
        false
    };
    let recursive: HashSet<String> = names.iter().filter(|n| reaches(n, n)).cloned().collect();
    // Callees before callers.
    let mut order = Vec::new();
    let mut done = HashSet::new();
    fn visit(
        n: &str,
        calls: &HashMap<String, BTreeSet<String>>,
        done: &mut HashSet<String>,
        order: &mut Vec<String>,
    ) {
        if !done.insert(n.to_string()) {
            return;
        }
        for c in &calls[n] {
            visit(c, calls, done, order);
        }
        order.push(n.to_string());
    }
    for (n, _) in &bodies {
        visit(n, &calls, &mut done, &mut order);
    }
    let mut by_name: HashMap<String, Body> = bodies.iter().cloned().collect();
    let mut eligible: HashMap<String, Body> = HashMap::new();
    let mut built: HashMap<String, BTreeSet<String>> = HashMap::new();
    for n in &order {
        let b = by_name.remove(n).expect("body");
        let mut want = BTreeSet::new();
        matches_on(&b.body, &mut want);
        let mut inl = Inliner {
            eligible: &eligible,
            want: &want,
            builds: &built,
            vars: b.vars.clone(),
            changed: false,
        };
        let root = inl.node(b.body.clone());
        let b = if inl.changed {
            Body {
                vars: inl.vars,
                params: b.params.clone(),
                body: root,
            }
        } else {
            b
        };
        let mut bs = BTreeSet::new();
        builds(t, &b.body, &mut bs);
        let ok = !recursive.contains(n)
            && !t.natives.contains_key(n)
            && !b.params.is_empty()
            && t.prog.globals[n].arity == b.params.len()
            && !b.params.iter().any(|&p| b.vars[p].ty.has_arrow())
            && !has_fix(&b.body)
            && size(&b.body) <= MAX_SIZE
            && !bs.is_empty();
        if ok {
            eligible.insert(n.clone(), b.clone());
        }
        built.insert(n.clone(), bs);
        by_name.insert(n.clone(), b);
    }
    bodies
        .into_iter()
        .map(|(n, _)| {
            let b = by_name.remove(&n).expect("body");
            (n, b)
        })
        .collect()
}
