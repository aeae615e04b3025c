//! Recognition of Rocq's `Nat` functions, to replace their unary definitions
//! by native `u64` operations.
//!
//! The JSON printer uses short, possibly renamed names (`add`, `add0`, ...),
//! so a name alone proves nothing. A definition is mapped to a native
//! operation only if its *body* is the body Rocq 8.16's standard library
//! gives that operation, up to renaming of binders, of the definition itself,
//! and of the globals and constructors it refers to (compared by identity:
//! native inductives by shape, other globals by what they were recognised
//! as). The reference bodies are in `data/natives.json`, produced by
//! `Extraction Language JSON` from `Nat.add Nat.sub ...`. A definition that
//! differs in any way is translated as written instead, which is slower but
//! never wrong.

use crate::ast::{self, Decl, Expr, PatArg, Pattern, Type};
use crate::ir::native_shape;
use std::collections::HashMap;
use std::fmt::Write;

/// Native operations on `nat` (`u64`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NatOp {
    /// `Nat.add`: checked `+`.
    Add,
    /// `Nat.sub`: truncated (saturating) `-`.
    Sub,
    /// `Nat.mul`: checked `*`.
    Mul,
    /// `Nat.eqb`: `==`.
    Eqb,
    /// `Nat.leb`: `<=`.
    Leb,
    /// `Nat.ltb`: `<`.
    Ltb,
    /// `Nat.max`.
    Max,
    /// `Nat.min`.
    Min,
    /// `Nat.compare`: `Ord::cmp`.
    Compare,
    /// `Nat.pred`: saturating `- 1`.
    Pred,
    /// `Nat.eq_dec`: `==`, returning `left`/`right`.
    EqDec,
    /// `Nat.pow`: checked power.
    Pow,
}

/// Reference definitions, keyed by their name in `data/natives.json`.
const REFERENCE: &str = include_str!("data/natives.json");
const REFERENCE_NAMES: [(&str, NatOp); 12] = [
    ("add", NatOp::Add),
    ("sub", NatOp::Sub),
    ("mul", NatOp::Mul),
    ("eqb", NatOp::Eqb),
    ("leb", NatOp::Leb),
    ("ltb", NatOp::Ltb),
    ("max", NatOp::Max),
    ("min", NatOp::Min),
    ("compare", NatOp::Compare),
    ("pred", NatOp::Pred),
    ("eq_dec", NatOp::EqDec),
    ("pow", NatOp::Pow),
];

/// Canonical names of constructors and types of a module.
struct Names {
    ctors: HashMap<String, String>,
    types: HashMap<String, String>,
}

impl Names {
    fn of(m: &ast::Module) -> Names {
        let mut ctors = HashMap::new();
        let mut types = HashMap::new();
        for d in &m.declarations {
            if let Decl::Ind {
                name,
                argnames,
                constructors,
            } = d
            {
                let canon = match native_shape(name, argnames, constructors) {
                    Some(n) => format!("{n:?}"),
                    None => format!("ind:{name}"),
                };
                for (i, c) in constructors.iter().enumerate() {
                    ctors.insert(c.name.clone(), format!("{canon}#{i}"));
                }
                types.insert(name.clone(), canon);
            }
        }
        Names { ctors, types }
    }
}

struct Fp<'a> {
    names: &'a Names,
    known: &'a HashMap<String, NatOp>,
    selfs: &'a [String],
    scope: Vec<String>,
    out: String,
}

impl Fp<'_> {
    fn ty(&mut self, t: &Type) {
        match t {
            Type::Arrow { left, right } => {
                self.out.push_str("(->");
                self.ty(left);
                self.ty(right);
                self.out.push(')');
            }
            Type::Glob { name, args } => {
                let n = self
                    .names
                    .types
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| format!("t:{name}"));
                let _ = write!(self.out, "({n}");
                for a in args {
                    self.ty(a);
                }
                self.out.push(')');
            }
            Type::Var { name } => {
                let _ = write!(self.out, "'{name}");
            }
            Type::VarIdx { name } => {
                let _ = write!(self.out, "'#{name}");
            }
            Type::Dummy => self.out.push_str("__"),
            Type::Unknown => self.out.push('?'),
            Type::Axiom => self.out.push('!'),
        }
    }

    fn bind(&mut self, n: &str) {
        self.scope.push(n.to_string());
    }

    fn var(&mut self, n: &str) {
        match self.scope.iter().rev().position(|x| x == n) {
            Some(i) => {
                let _ = write!(self.out, "#{i}");
            }
            None => {
                let _ = write!(self.out, "free:{n}");
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Rel { name } => self.var(name),
            Expr::Apply { func, args } => {
                self.out.push_str("(@");
                self.expr(func);
                for a in args {
                    self.out.push(' ');
                    self.expr(a);
                }
                self.out.push(')');
            }
            Expr::Lambda { argnames, body } => {
                let mark = self.scope.len();
                let _ = write!(self.out, "(fun{}", argnames.len());
                for a in argnames {
                    self.bind(a);
                }
                self.expr(body);
                self.scope.truncate(mark);
                self.out.push(')');
            }
            Expr::Let {
                name,
                nameval,
                body,
            } => {
                self.out.push_str("(let ");
                self.expr(nameval);
                self.bind(name);
                self.expr(body);
                self.scope.pop();
                self.out.push(')');
            }
            Expr::Global { name } => {
                if let Some(i) = self.selfs.iter().position(|s| s == name) {
                    let _ = write!(self.out, "self{i}");
                } else if let Some(op) = self.known.get(name) {
                    let _ = write!(self.out, "native:{op:?}");
                } else {
                    let _ = write!(self.out, "g:{name}");
                }
            }
            Expr::Constructor { name, args } => {
                let c = self
                    .names
                    .ctors
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| format!("c:{name}"));
                let _ = write!(self.out, "({c}");
                for a in args {
                    self.out.push(' ');
                    self.expr(a);
                }
                self.out.push(')');
            }
            Expr::Case { expr, cases } => {
                self.out.push_str("(case ");
                self.expr(expr);
                for c in cases {
                    let mark = self.scope.len();
                    self.out.push_str(" [");
                    self.pat(&c.pat);
                    self.out.push_str("=>");
                    self.expr(&c.body);
                    self.out.push(']');
                    self.scope.truncate(mark);
                }
                self.out.push(')');
            }
            // Anything else never occurs in the reference bodies: make it
            // unique so it cannot match.
            other => {
                let _ = write!(self.out, "<{other:?}>");
            }
        }
    }

    fn pat(&mut self, p: &Pattern) {
        match p {
            Pattern::Constructor { name, argnames } => {
                let c = self
                    .names
                    .ctors
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| format!("c:{name}"));
                let _ = write!(self.out, "{c}/{}", argnames.len());
                for a in argnames {
                    match a {
                        PatArg::Name(n) => self.bind(n),
                        PatArg::Pat(p) => {
                            let _ = write!(self.out, "<{p:?}>");
                        }
                    }
                }
            }
            other => {
                let _ = write!(self.out, "<{other:?}>");
            }
        }
    }
}

/// Candidate definitions of a module: (names of the group, type, value) for
/// single definitions and single-function fixpoints.
fn candidates(m: &ast::Module) -> Vec<(String, bool, &Type, &Expr)> {
    let mut v = Vec::new();
    for d in &m.declarations {
        match d {
            Decl::Term { name, ty, value } => v.push((name.clone(), false, ty, value)),
            Decl::FixGroup { fixlist } if fixlist.len() == 1 => v.push((
                fixlist[0].name.clone(),
                true,
                &fixlist[0].ty,
                &fixlist[0].value,
            )),
            _ => {}
        }
    }
    v
}

fn fingerprint(
    names: &Names,
    known: &HashMap<String, NatOp>,
    name: &str,
    fix: bool,
    ty: &Type,
    e: &Expr,
) -> String {
    let selfs = if fix { vec![name.to_string()] } else { vec![] };
    let mut f = Fp {
        names,
        known,
        selfs: &selfs,
        scope: Vec::new(),
        out: String::new(),
    };
    f.out.push_str(if fix { "fix:" } else { "def:" });
    f.ty(ty);
    f.out.push_str("::");
    f.expr(e);
    f.out
}

/// Which definitions of `m` are (alpha-equivalent to) the standard `Nat` operations.
pub fn recognise(m: &ast::Module) -> HashMap<String, NatOp> {
    let reference = ast::parse_module(REFERENCE).expect("embedded reference parses");
    let rnames = Names::of(&reference);
    let rknown: HashMap<String, NatOp> = REFERENCE_NAMES
        .iter()
        .map(|(n, o)| (n.to_string(), *o))
        .collect();
    let mut by_fp: HashMap<String, NatOp> = HashMap::new();
    for (name, fix, ty, e) in candidates(&reference) {
        if let Some(op) = rknown.get(&name) {
            by_fp.insert(fingerprint(&rnames, &rknown, &name, fix, ty, e), *op);
        }
    }
    let names = Names::of(m);
    let cands = candidates(m);
    let mut known = HashMap::new();
    loop {
        let mut changed = false;
        for (name, fix, ty, e) in &cands {
            if known.contains_key(name) {
                continue;
            }
            if let Some(op) = by_fp.get(&fingerprint(&names, &known, name, *fix, ty, e)) {
                known.insert(name.clone(), *op);
                changed = true;
            }
        }
        if !changed {
            return known;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_recognises_itself() {
        let m = ast::parse_module(REFERENCE).unwrap();
        let k = recognise(&m);
        for (n, op) in REFERENCE_NAMES {
            assert_eq!(k.get(n), Some(&op), "{n}");
        }
    }

    #[test]
    fn renamed_copies_are_recognised_but_changed_bodies_are_not() {
        // `add` renamed to `plus0` with other binder names: still Add.
        // `sub` with its branches swapped: not Sub.
        let text = REFERENCE
            .replace("\"add\"", "\"plus0\"")
            .replace("\"n\"", "\"x\"")
            .replace("\"m\"", "\"y\"");
        let mut m = ast::parse_module(&text).unwrap();
        for d in &mut m.declarations {
            if let Decl::FixGroup { fixlist } = d {
                if fixlist[0].name == "sub" {
                    if let Expr::Lambda { body, .. } = &mut fixlist[0].value {
                        if let Expr::Case { cases, .. } = &mut **body {
                            cases.reverse();
                        }
                    }
                }
            }
        }
        let k = recognise(&m);
        assert_eq!(k.get("plus0"), Some(&NatOp::Add));
        assert_eq!(k.get("sub"), None);
        assert_eq!(k.get("mul"), Some(&NatOp::Mul), "mul uses the renamed add");
    }
}
