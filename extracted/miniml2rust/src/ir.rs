//! Typed intermediate representation: the extracted program with every local
//! binder resolved to a [`VarId`], every node carrying a type, and the types
//! inferred by first-order unification against the declared types of the
//! globals (Hindley-Milner without let-generalisation, which MiniML terms
//! inside a declaration never need).

use crate::ast;
use crate::error::{Loc, Result};
use std::collections::HashMap;

/// Types. Native `prod` is represented as [`Ty::Tuple`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    /// Unification variable.
    Meta(u32),
    /// A rigid type parameter (of an inductive, or `T<i>` of a declaration).
    Param(String),
    /// An inductive applied to arguments (ML name).
    Con(String, Vec<Ty>),
    /// Tuple (also native pairs).
    Tuple(Vec<Ty>),
    /// Function.
    Arrow(Box<Ty>, Box<Ty>),
    /// Erased type (`__`).
    Dummy,
}

impl Ty {
    /// `a -> b`.
    pub fn arrow(a: Ty, b: Ty) -> Ty {
        Ty::Arrow(Box::new(a), Box::new(b))
    }

    /// Replace parameters by the given types.
    pub fn subst_params(&self, s: &HashMap<String, Ty>) -> Ty {
        match self {
            Ty::Param(p) => s.get(p).cloned().unwrap_or_else(|| self.clone()),
            Ty::Con(n, a) => Ty::Con(n.clone(), a.iter().map(|t| t.subst_params(s)).collect()),
            Ty::Tuple(a) => Ty::Tuple(a.iter().map(|t| t.subst_params(s)).collect()),
            Ty::Arrow(a, b) => Ty::arrow(a.subst_params(s), b.subst_params(s)),
            Ty::Meta(_) | Ty::Dummy => self.clone(),
        }
    }

    /// Does the type mention a function type?
    pub fn has_arrow(&self) -> bool {
        match self {
            Ty::Arrow(..) => true,
            Ty::Con(_, a) | Ty::Tuple(a) => a.iter().any(Ty::has_arrow),
            _ => false,
        }
    }
}

/// Inductive types recognised as native Rust types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NativeInd {
    /// `bool` -> `bool`.
    Bool,
    /// `nat` -> `u64` (checked).
    Nat,
    /// `option` -> `Option`.
    Option,
    /// `prod` -> tuple.
    Prod,
    /// `list` -> `rt::List`.
    List,
    /// `comparison` -> `std::cmp::Ordering`.
    Comparison,
}

/// A constructor of an inductive.
#[derive(Debug, Clone)]
pub struct CtorInfo {
    /// ML name.
    pub name: String,
    /// Field types, in terms of the inductive's parameters.
    pub fields: Vec<Ty>,
}

/// An inductive declaration.
#[derive(Debug, Clone)]
pub struct Inductive {
    /// ML name.
    pub name: String,
    /// Parameter names.
    pub params: Vec<String>,
    /// Constructors.
    pub ctors: Vec<CtorInfo>,
    /// Native mapping, if any.
    pub native: Option<NativeInd>,
}

/// A global term (function or constant).
#[derive(Debug, Clone)]
pub struct Global {
    /// ML name.
    pub name: String,
    /// Number of type parameters `T1..Tn`.
    pub ntparams: u32,
    /// Declared type (parameters `T<i>`).
    pub ty: Ty,
    /// Number of leading lambda binders of the value (the Rust arity).
    pub arity: usize,
}

/// Index of a local variable in a declaration's variable table.
pub type VarId = usize;

/// A local variable.
#[derive(Debug, Clone)]
pub struct Var {
    /// ML name.
    pub name: String,
    /// Its type.
    pub ty: Ty,
}

/// A typed term.
#[derive(Debug, Clone)]
pub struct Node {
    /// The construct.
    pub kind: Kind,
    /// Its type.
    pub ty: Ty,
}

/// Term constructs.
#[derive(Debug, Clone)]
pub enum Kind {
    /// Local variable.
    Var(VarId),
    /// Global, with the instantiation of its type parameters.
    Global {
        /// ML name.
        name: String,
        /// Instantiation of `T1..Tn`.
        inst: Vec<Ty>,
    },
    /// Application.
    App(Box<Node>, Vec<Node>),
    /// Lambda (curried binders).
    Lam(Vec<VarId>, Box<Node>),
    /// Let.
    Let(VarId, Box<Node>, Box<Node>),
    /// Fully applied constructor.
    Ctor {
        /// Inductive ML name.
        ind: String,
        /// Constructor index.
        idx: usize,
        /// Arguments.
        args: Vec<Node>,
        /// Instantiation of the inductive's parameters.
        inst: Vec<Ty>,
    },
    /// Tuple.
    Tuple(Vec<Node>),
    /// Pattern matching.
    Case(Box<Node>, Vec<(Pat, Node)>),
    /// Local fixpoint group; denotes function `which`.
    Fix(Vec<(VarId, Node)>, usize),
    /// Raise (unreachable code).
    Exn(String),
    /// Erased value.
    Dummy,
    /// `Obj.magic` (translated as identity; rustc checks the types).
    Coerce(Box<Node>),
}

/// Patterns (shallow: sub-patterns are binders or wildcards).
#[derive(Debug, Clone)]
pub enum Pat {
    /// Constructor pattern.
    Ctor {
        /// Inductive ML name.
        ind: String,
        /// Constructor index.
        idx: usize,
        /// Binders of the fields (`None`: wildcard).
        args: Vec<Option<VarId>>,
    },
    /// Tuple pattern.
    Tuple(Vec<Option<VarId>>),
    /// Wildcard.
    Wild,
    /// Binds the whole value.
    Var(VarId),
}

/// A translated declaration body.
#[derive(Debug, Clone)]
pub struct Body {
    /// Variable table.
    pub vars: Vec<Var>,
    /// Parameters (the top-level lambda binders).
    pub params: Vec<VarId>,
    /// Body after the parameters.
    pub body: Node,
}

/// The whole program: declarations in scope.
#[derive(Debug, Default)]
pub struct Program {
    /// Inductives by ML name, in order of appearance.
    pub inds: Vec<Inductive>,
    /// Index into `inds` by name.
    pub ind_index: HashMap<String, usize>,
    /// Constructor name -> (inductive index, constructor index).
    pub ctor_index: HashMap<String, (usize, usize)>,
    /// Type aliases: name -> (params, body).
    pub aliases: HashMap<String, (Vec<String>, Ty)>,
    /// Alias names in order of appearance.
    pub alias_order: Vec<String>,
    /// Globals by name.
    pub globals: HashMap<String, Global>,
    /// Global names in order of appearance.
    pub global_order: Vec<String>,
}

/// Is this inductive (name, parameters, constructors) one of the natively mapped ones?
pub(crate) fn native_shape(
    name: &str,
    params: &[String],
    ctors: &[ast::Constructor],
) -> Option<NativeInd> {
    let glob = |t: &ast::Type, n: &str, args: &[&str]| match t {
        ast::Type::Glob { name, args: a } => {
            name == n
                && a.len() == args.len()
                && a.iter()
                    .zip(args)
                    .all(|(x, v)| matches!(x, ast::Type::Var { name } if name == v))
        }
        _ => false,
    };
    let var = |t: &ast::Type, v: &str| matches!(t, ast::Type::Var { name } if name == v);
    let names: Vec<&str> = ctors.iter().map(|c| c.name.as_str()).collect();
    let arity: Vec<usize> = ctors.iter().map(|c| c.argtypes.len()).collect();
    match (name, params.len(), names.as_slice(), arity.as_slice()) {
        ("bool", 0, ["True", "False"], [0, 0]) => Some(NativeInd::Bool),
        ("nat", 0, ["O", "S"], [0, 1]) if glob(&ctors[1].argtypes[0], "nat", &[]) => {
            Some(NativeInd::Nat)
        }
        ("option", 1, ["Some", "None"], [1, 0]) if var(&ctors[0].argtypes[0], &params[0]) => {
            Some(NativeInd::Option)
        }
        ("prod", 2, ["Pair"], [2])
            if var(&ctors[0].argtypes[0], &params[0]) && var(&ctors[0].argtypes[1], &params[1]) =>
        {
            Some(NativeInd::Prod)
        }
        ("list", 1, ["Nil", "Cons"], [0, 2])
            if var(&ctors[1].argtypes[0], &params[0])
                && glob(&ctors[1].argtypes[1], "list", &[&params[0]]) =>
        {
            Some(NativeInd::List)
        }
        ("comparison", 0, ["Eq", "Lt", "Gt"], [0, 0, 0]) => Some(NativeInd::Comparison),
        _ => None,
    }
}

/// Peel the leading lambda of a definition's value.
pub fn split_lambda(e: &ast::Expr) -> (&[String], &ast::Expr) {
    match e {
        ast::Expr::Lambda { argnames, body } => (argnames, body),
        other => (&[], other),
    }
}

impl Program {
    /// Collect the declarations of a module (types of all globals, inductives, aliases).
    pub fn new(m: &ast::Module) -> Result<Program> {
        let mut p = Program::default();
        for d in &m.declarations {
            match d {
                ast::Decl::Ind {
                    name,
                    argnames,
                    constructors,
                } => {
                    let idx = p.inds.len();
                    p.ind_index.insert(name.clone(), idx);
                    for (ci, c) in constructors.iter().enumerate() {
                        p.ctor_index.insert(c.name.clone(), (idx, ci));
                    }
                    p.inds.push(Inductive {
                        name: name.clone(),
                        params: argnames.clone(),
                        ctors: Vec::new(),
                        native: native_shape(name, argnames, constructors),
                    });
                }
                ast::Decl::Type { name, .. } => p.alias_order.push(name.clone()),
                _ => {}
            }
        }
        // Aliases (in order: an alias only refers to earlier ones).
        for d in &m.declarations {
            if let ast::Decl::Type {
                name,
                argnames,
                value,
            } = d
            {
                let loc = Loc::new(name);
                let t = p.conv_type(value, &loc, &mut |_| None)?;
                p.aliases.insert(name.clone(), (argnames.clone(), t));
            }
        }
        // Constructor field types (may refer to aliases and later inductives).
        for d in &m.declarations {
            if let ast::Decl::Ind {
                name, constructors, ..
            } = d
            {
                let idx = p.ind_index[name];
                let mut ctors = Vec::new();
                for c in constructors {
                    let loc = Loc {
                        decl: name.clone(),
                        path: vec![format!("constructor {}", c.name)],
                    };
                    let fields = c
                        .argtypes
                        .iter()
                        .map(|t| p.conv_type(t, &loc, &mut |_| None))
                        .collect::<Result<Vec<_>>>()?;
                    ctors.push(CtorInfo {
                        name: c.name.clone(),
                        fields,
                    });
                }
                p.inds[idx].ctors = ctors;
            }
        }
        fn add_global(
            p: &mut Program,
            name: &str,
            ty: &ast::Type,
            value: &ast::Expr,
        ) -> Result<()> {
            let loc = Loc::new(name);
            let mut max = 0;
            let t = p.conv_type(ty, &loc, &mut |i| {
                max = max.max(i);
                Some(Ty::Param(format!("T{i}")))
            })?;
            // Make the parameter count the largest index used.
            let ntparams = max;
            if p.globals.contains_key(name) {
                return Err(loc.ill_formed("global defined twice"));
            }
            p.global_order.push(name.to_string());
            p.globals.insert(
                name.to_string(),
                Global {
                    name: name.to_string(),
                    ntparams,
                    ty: t,
                    arity: split_lambda(value).0.len(),
                },
            );
            Ok(())
        }
        for d in &m.declarations {
            match d {
                ast::Decl::Term { name, ty, value } => add_global(&mut p, name, ty, value)?,
                ast::Decl::FixGroup { fixlist } => {
                    for f in fixlist {
                        add_global(&mut p, &f.name, &f.ty, &f.value)?;
                    }
                }
                _ => {}
            }
        }
        Ok(p)
    }

    /// The inductive named `n`.
    pub fn ind(&self, n: &str) -> &Inductive {
        &self.inds[self.ind_index[n]]
    }

    /// Convert a JSON type. `varidx` resolves `type:varidx` (None: refuse);
    /// `type:var` become parameters; aliases are expanded.
    pub fn conv_type(
        &self,
        t: &ast::Type,
        loc: &Loc,
        varidx: &mut dyn FnMut(u32) -> Option<Ty>,
    ) -> Result<Ty> {
        Ok(match t {
            ast::Type::Arrow { left, right } => Ty::arrow(
                self.conv_type(left, loc, varidx)?,
                self.conv_type(right, loc, varidx)?,
            ),
            ast::Type::Var { name } => Ty::Param(name.clone()),
            ast::Type::VarIdx { name } => varidx(*name).ok_or_else(|| {
                loc.unsupported(format!("type variable #{name} outside a term type"))
            })?,
            ast::Type::Dummy => Ty::Dummy,
            ast::Type::Unknown => {
                return Err(loc.unsupported(
                    "type:unknown (a type extraction could not express, Obj.t in OCaml)",
                ))
            }
            ast::Type::Axiom => {
                return Err(loc.unsupported("type:axiom (a type without implementation)"))
            }
            ast::Type::Glob { name, args } => {
                let args = args
                    .iter()
                    .map(|a| self.conv_type(a, loc, varidx))
                    .collect::<Result<Vec<_>>>()?;
                if let Some((params, body)) = self.aliases.get(name) {
                    if params.len() != args.len() {
                        return Err(loc.ill_formed(format!(
                            "alias `{name}` applied to {} arguments",
                            args.len()
                        )));
                    }
                    let s: HashMap<String, Ty> = params.iter().cloned().zip(args).collect();
                    body.subst_params(&s)
                } else if let Some(&i) = self.ind_index.get(name) {
                    let ind = &self.inds[i];
                    if ind.params.len() != args.len() {
                        return Err(loc.ill_formed(format!(
                            "type `{name}` applied to {} arguments",
                            args.len()
                        )));
                    }
                    if ind.native == Some(NativeInd::Prod) {
                        Ty::Tuple(args)
                    } else {
                        Ty::Con(name.clone(), args)
                    }
                } else if self.alias_order.contains(name) {
                    return Err(
                        loc.ill_formed(format!("alias `{name}` used before its definition"))
                    );
                } else {
                    return Err(loc.unsupported(format!(
                        "type `{name}` is neither an extracted inductive nor an alias (realized axiom or custom extraction?)"
                    )));
                }
            }
        })
    }

    /// The type of constructor `idx` of `ind` instantiated with `inst`:
    /// (field types, result type).
    pub fn ctor_type(&self, ind: &str, idx: usize, inst: &[Ty]) -> (Vec<Ty>, Ty) {
        let i = self.ind(ind);
        let s: HashMap<String, Ty> = i.params.iter().cloned().zip(inst.iter().cloned()).collect();
        let fields = i.ctors[idx]
            .fields
            .iter()
            .map(|t| t.subst_params(&s))
            .collect();
        let res = if i.native == Some(NativeInd::Prod) {
            Ty::Tuple(inst.to_vec())
        } else {
            Ty::Con(ind.to_string(), inst.to_vec())
        };
        (fields, res)
    }
}

/// Unifier and term converter for one declaration.
pub struct Infer<'p> {
    prog: &'p Program,
    subst: Vec<Option<Ty>>,
    /// Variable table being built.
    pub vars: Vec<Var>,
    loc: Loc,
}

impl<'p> Infer<'p> {
    /// A fresh context for declaration `decl`.
    pub fn new(prog: &'p Program, decl: &str) -> Self {
        Infer {
            prog,
            subst: Vec::new(),
            vars: Vec::new(),
            loc: Loc::new(decl),
        }
    }

    fn fresh(&mut self) -> Ty {
        self.subst.push(None);
        Ty::Meta((self.subst.len() - 1) as u32)
    }

    fn new_var(&mut self, name: &str) -> VarId {
        let ty = self.fresh();
        self.vars.push(Var {
            name: name.to_string(),
            ty,
        });
        self.vars.len() - 1
    }

    fn shallow(&self, t: &Ty) -> Ty {
        let mut t = t.clone();
        while let Ty::Meta(m) = t {
            match &self.subst[m as usize] {
                Some(u) => t = u.clone(),
                None => break,
            }
        }
        t
    }

    /// Fully resolve a type; unconstrained variables become [`Ty::Dummy`]
    /// (their values are never inspected).
    pub fn resolve(&self, t: &Ty) -> Ty {
        match self.shallow(t) {
            Ty::Meta(_) => Ty::Dummy,
            Ty::Con(n, a) => Ty::Con(n, a.iter().map(|x| self.resolve(x)).collect()),
            Ty::Tuple(a) => Ty::Tuple(a.iter().map(|x| self.resolve(x)).collect()),
            Ty::Arrow(a, b) => Ty::arrow(self.resolve(&a), self.resolve(&b)),
            other => other,
        }
    }

    fn occurs(&self, m: u32, t: &Ty) -> bool {
        match self.shallow(t) {
            Ty::Meta(n) => n == m,
            Ty::Con(_, a) | Ty::Tuple(a) => a.iter().any(|x| self.occurs(m, x)),
            Ty::Arrow(a, b) => self.occurs(m, &a) || self.occurs(m, &b),
            _ => false,
        }
    }

    fn unify(&mut self, a: &Ty, b: &Ty) -> Result<()> {
        let (a, b) = (self.shallow(a), self.shallow(b));
        match (&a, &b) {
            (Ty::Meta(x), Ty::Meta(y)) if x == y => Ok(()),
            (Ty::Meta(x), t) | (t, Ty::Meta(x)) => {
                if self.occurs(*x, t) {
                    return Err(self.loc.unsupported(
                        "a recursive type (needs Obj.magic in OCaml); not translatable to Rust",
                    ));
                }
                self.subst[*x as usize] = Some(t.clone());
                Ok(())
            }
            (Ty::Param(x), Ty::Param(y)) if x == y => Ok(()),
            (Ty::Dummy, Ty::Dummy) => Ok(()),
            (Ty::Con(n, xs), Ty::Con(m, ys)) if n == m && xs.len() == ys.len() => {
                for (x, y) in xs.iter().zip(ys) {
                    self.unify(x, y)?;
                }
                Ok(())
            }
            (Ty::Tuple(xs), Ty::Tuple(ys)) if xs.len() == ys.len() => {
                for (x, y) in xs.iter().zip(ys) {
                    self.unify(x, y)?;
                }
                Ok(())
            }
            (Ty::Arrow(a1, b1), Ty::Arrow(a2, b2)) => {
                self.unify(a1, a2)?;
                self.unify(b1, b2)
            }
            _ => Err(self.loc.unsupported(format!(
                "type mismatch: {} vs {} (ill-typed as ML without Obj.magic)",
                show_ty(&self.resolve(&a)),
                show_ty(&self.resolve(&b))
            ))),
        }
    }

    fn push(&mut self, s: impl Into<String>) {
        self.loc.path.push(s.into());
    }
    fn pop(&mut self) {
        self.loc.path.pop();
    }

    /// Convert and type a top-level definition against its declared type.
    pub fn definition(mut self, value: &ast::Expr) -> Result<Body> {
        let g = &self.prog.globals[&self.loc.decl];
        let declared = g.ty.clone();
        let (args, body) = split_lambda(value);
        let mut env = Vec::new();
        let mut params = Vec::new();
        for a in args {
            let v = self.new_var(a);
            env.push((a.clone(), v));
            params.push(v);
        }
        let body = self.expr(body, &mut env)?;
        let mut t = body.ty.clone();
        for &v in params.iter().rev() {
            t = Ty::arrow(self.vars[v].ty.clone(), t);
        }
        self.unify(&t, &declared)?;
        let body = self.zonk(body);
        let vars = self.vars.iter().map(|v| Var {
            name: v.name.clone(),
            ty: self.resolve(&v.ty),
        });
        Ok(Body {
            vars: vars.collect(),
            params,
            body,
        })
    }

    fn zonk(&self, n: Node) -> Node {
        let ty = self.resolve(&n.ty);
        let kind = match n.kind {
            Kind::Global { name, inst } => Kind::Global {
                name,
                inst: inst.iter().map(|t| self.resolve(t)).collect(),
            },
            Kind::App(f, a) => Kind::App(
                Box::new(self.zonk(*f)),
                a.into_iter().map(|x| self.zonk(x)).collect(),
            ),
            Kind::Lam(v, b) => Kind::Lam(v, Box::new(self.zonk(*b))),
            Kind::Let(v, a, b) => Kind::Let(v, Box::new(self.zonk(*a)), Box::new(self.zonk(*b))),
            Kind::Ctor {
                ind,
                idx,
                args,
                inst,
            } => Kind::Ctor {
                ind,
                idx,
                args: args.into_iter().map(|x| self.zonk(x)).collect(),
                inst: inst.iter().map(|t| self.resolve(t)).collect(),
            },
            Kind::Tuple(a) => Kind::Tuple(a.into_iter().map(|x| self.zonk(x)).collect()),
            Kind::Case(s, arms) => Kind::Case(
                Box::new(self.zonk(*s)),
                arms.into_iter().map(|(p, b)| (p, self.zonk(b))).collect(),
            ),
            Kind::Fix(fs, w) => {
                Kind::Fix(fs.into_iter().map(|(v, b)| (v, self.zonk(b))).collect(), w)
            }
            Kind::Coerce(b) => Kind::Coerce(Box::new(self.zonk(*b))),
            k @ (Kind::Var(_) | Kind::Exn(_) | Kind::Dummy) => k,
        };
        Node { kind, ty }
    }

    fn lookup(&self, env: &[(String, VarId)], name: &str) -> Result<VarId> {
        env.iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| self.loc.ill_formed(format!("unbound variable `{name}`")))
    }

    fn expr(&mut self, e: &ast::Expr, env: &mut Vec<(String, VarId)>) -> Result<Node> {
        let ty = self.fresh();
        let kind = match e {
            ast::Expr::Rel { name } => {
                let v = self.lookup(env, name)?;
                let vt = self.vars[v].ty.clone();
                self.unify(&ty, &vt)?;
                Kind::Var(v)
            }
            ast::Expr::Global { name } => {
                let g = self.prog.globals.get(name).ok_or_else(|| {
                    self.loc.unsupported(format!(
                        "global `{name}` has no extracted definition (axiom, or a custom extraction)"
                    ))
                })?;
                let (n, gty) = (g.ntparams, g.ty.clone());
                let inst: Vec<Ty> = (0..n).map(|_| self.fresh()).collect();
                let s: HashMap<String, Ty> = (1..=n)
                    .map(|i| format!("T{i}"))
                    .zip(inst.iter().cloned())
                    .collect();
                self.unify(&ty, &gty.subst_params(&s))?;
                Kind::Global {
                    name: name.clone(),
                    inst,
                }
            }
            ast::Expr::Apply { func, args } => {
                self.push("apply:func");
                let f = self.expr(func, env)?;
                self.pop();
                let mut xs = Vec::new();
                for (i, a) in args.iter().enumerate() {
                    self.push(format!("apply:arg{i}"));
                    xs.push(self.expr(a, env)?);
                    self.pop();
                }
                let mut t = ty.clone();
                for x in xs.iter().rev() {
                    t = Ty::arrow(x.ty.clone(), t);
                }
                self.push("apply");
                self.unify(&f.ty, &t)?;
                self.pop();
                if xs.is_empty() {
                    return Ok(f);
                }
                Kind::App(Box::new(f), xs)
            }
            ast::Expr::Lambda { argnames, body } => {
                let mark = env.len();
                let mut vs = Vec::new();
                for a in argnames {
                    let v = self.new_var(a);
                    env.push((a.clone(), v));
                    vs.push(v);
                }
                self.push(format!("fun {}", argnames.join(" ")));
                let b = self.expr(body, env)?;
                self.pop();
                env.truncate(mark);
                let mut t = b.ty.clone();
                for &v in vs.iter().rev() {
                    t = Ty::arrow(self.vars[v].ty.clone(), t);
                }
                self.unify(&ty, &t)?;
                if vs.is_empty() {
                    return Ok(b);
                }
                Kind::Lam(vs, Box::new(b))
            }
            ast::Expr::Let {
                name,
                nameval,
                body,
            } => {
                self.push(format!("let {name}"));
                let a = self.expr(nameval, env)?;
                let v = self.new_var(name);
                let vt = self.vars[v].ty.clone();
                self.unify(&vt, &a.ty)?;
                env.push((name.clone(), v));
                let b = self.expr(body, env)?;
                env.pop();
                self.pop();
                self.unify(&ty, &b.ty)?;
                Kind::Let(v, Box::new(a), Box::new(b))
            }
            ast::Expr::Constructor { name, args } => {
                let &(ii, ci) = self.prog.ctor_index.get(name).ok_or_else(|| {
                    self.loc
                        .unsupported(format!("unknown constructor `{name}`"))
                })?;
                let ind = self.prog.inds[ii].name.clone();
                let np = self.prog.inds[ii].params.len();
                let inst: Vec<Ty> = (0..np).map(|_| self.fresh()).collect();
                let (fields, res) = self.prog.ctor_type(&ind, ci, &inst);
                if fields.len() != args.len() {
                    return Err(self.loc.unsupported(format!(
                        "constructor `{name}` applied to {} arguments, expects {}",
                        args.len(),
                        fields.len()
                    )));
                }
                let mut xs = Vec::new();
                for (i, (a, ft)) in args.iter().zip(&fields).enumerate() {
                    self.push(format!("{name}:arg{i}"));
                    let x = self.expr(a, env)?;
                    self.unify(&x.ty, ft)?;
                    self.pop();
                    xs.push(x);
                }
                self.unify(&ty, &res)?;
                Kind::Ctor {
                    ind,
                    idx: ci,
                    args: xs,
                    inst,
                }
            }
            ast::Expr::Tuple { items } => {
                let mut xs = Vec::new();
                for (i, a) in items.iter().enumerate() {
                    self.push(format!("tuple:{i}"));
                    xs.push(self.expr(a, env)?);
                    self.pop();
                }
                let t = Ty::Tuple(xs.iter().map(|x| x.ty.clone()).collect());
                self.unify(&ty, &t)?;
                Kind::Tuple(xs)
            }
            ast::Expr::Case { expr, cases } => {
                self.push("case:scrutinee");
                let s = self.expr(expr, env)?;
                self.pop();
                let mut arms = Vec::new();
                for (i, c) in cases.iter().enumerate() {
                    self.push(format!("case:branch{i}"));
                    let mark = env.len();
                    let p = self.pattern(&c.pat, &s.ty, env)?;
                    let b = self.expr(&c.body, env)?;
                    self.unify(&ty, &b.ty)?;
                    env.truncate(mark);
                    self.pop();
                    arms.push((p, b));
                }
                Kind::Case(Box::new(s), arms)
            }
            ast::Expr::Fix { funcs, which } => {
                if *which >= funcs.len() {
                    return Err(self.loc.ill_formed("fix index out of range"));
                }
                let mark = env.len();
                let vs: Vec<VarId> = funcs
                    .iter()
                    .map(|f| {
                        let v = self.new_var(&f.name);
                        env.push((f.name.clone(), v));
                        v
                    })
                    .collect();
                let mut fs = Vec::new();
                for (f, &v) in funcs.iter().zip(&vs) {
                    self.push(format!("fix {}", f.name));
                    let b = self.expr(&f.body, env)?;
                    let vt = self.vars[v].ty.clone();
                    self.unify(&vt, &b.ty)?;
                    self.pop();
                    fs.push((v, b));
                }
                env.truncate(mark);
                let vt = self.vars[vs[*which]].ty.clone();
                self.unify(&ty, &vt)?;
                Kind::Fix(fs, *which)
            }
            ast::Expr::Exception { msg } => Kind::Exn(msg.clone()),
            ast::Expr::Dummy => {
                self.unify(&ty, &Ty::Dummy)?;
                Kind::Dummy
            }
            ast::Expr::Coerce { value } => {
                self.push("coerce");
                let v = self.expr(value, env)?;
                self.pop();
                Kind::Coerce(Box::new(v))
            }
            ast::Expr::Axiom => {
                return Err(self
                    .loc
                    .unsupported("axiom (no implementation to translate)"))
            }
            ast::Expr::Int { int } => {
                return Err(self.loc.unsupported(format!("primitive integer {int}")))
            }
            ast::Expr::Float { float } => {
                return Err(self.loc.unsupported(format!("primitive float {float}")))
            }
            ast::Expr::Array { .. } => return Err(self.loc.unsupported("primitive array")),
        };
        Ok(Node { kind, ty })
    }

    fn bind_pat_arg(
        &mut self,
        a: Option<&str>,
        t: &Ty,
        env: &mut Vec<(String, VarId)>,
    ) -> Option<VarId> {
        let name = a?;
        let v = self.new_var(name);
        self.vars[v].ty = t.clone();
        env.push((name.to_string(), v));
        Some(v)
    }

    fn pattern(
        &mut self,
        p: &ast::Pattern,
        sty: &Ty,
        env: &mut Vec<(String, VarId)>,
    ) -> Result<Pat> {
        Ok(match p {
            ast::Pattern::Wild => Pat::Wild,
            ast::Pattern::Rel { name } => {
                let v = self.bind_pat_arg(Some(name), sty, env).expect("named");
                Pat::Var(v)
            }
            ast::Pattern::Constructor { name, argnames } => {
                let &(ii, ci) = self.prog.ctor_index.get(name).ok_or_else(|| {
                    self.loc
                        .unsupported(format!("unknown constructor `{name}` in pattern"))
                })?;
                let ind = self.prog.inds[ii].name.clone();
                let np = self.prog.inds[ii].params.len();
                let inst: Vec<Ty> = (0..np).map(|_| self.fresh()).collect();
                let (fields, res) = self.prog.ctor_type(&ind, ci, &inst);
                self.unify(sty, &res)?;
                if fields.len() != argnames.len() {
                    return Err(self
                        .loc
                        .ill_formed(format!("pattern `{name}` has {} arguments", argnames.len())));
                }
                let mut args = Vec::new();
                for (a, ft) in argnames.iter().zip(&fields) {
                    let n = self.sub_pattern_name(a, name)?;
                    args.push(self.bind_pat_arg(n.as_deref(), ft, env));
                }
                Pat::Ctor { ind, idx: ci, args }
            }
            ast::Pattern::Tuple { items } => {
                let tys: Vec<Ty> = items.iter().map(|_| self.fresh()).collect();
                self.unify(sty, &Ty::Tuple(tys.clone()))?;
                let mut args = Vec::new();
                for (it, t) in items.iter().zip(&tys) {
                    let n = self.sub_pattern_name(&ast::PatArg::Pat(it.clone()), "tuple")?;
                    args.push(self.bind_pat_arg(n.as_deref(), t, env));
                }
                Pat::Tuple(args)
            }
        })
    }

    /// A sub-pattern must be a binder or a wildcard (extraction produces
    /// shallow patterns; nested ones are refused rather than guessed).
    fn sub_pattern_name(&self, a: &ast::PatArg, ctor: &str) -> Result<Option<String>> {
        match a {
            ast::PatArg::Name(n) if n == "_" => Ok(None),
            ast::PatArg::Name(n) => Ok(Some(n.clone())),
            ast::PatArg::Pat(ast::Pattern::Wild) => Ok(None),
            ast::PatArg::Pat(ast::Pattern::Rel { name }) => Ok(Some(name.clone())),
            ast::PatArg::Pat(_) => Err(self.loc.unsupported(format!(
                "nested pattern under `{ctor}` (only binders and wildcards are supported)"
            ))),
        }
    }
}

/// Human-readable type (for error messages).
pub fn show_ty(t: &Ty) -> String {
    match t {
        Ty::Meta(m) => format!("?{m}"),
        Ty::Param(p) => p.clone(),
        Ty::Con(n, a) if a.is_empty() => n.clone(),
        Ty::Con(n, a) => format!(
            "({n} {})",
            a.iter().map(show_ty).collect::<Vec<_>>().join(" ")
        ),
        Ty::Tuple(a) => format!(
            "({})",
            a.iter().map(show_ty).collect::<Vec<_>>().join(" * ")
        ),
        Ty::Arrow(a, b) => format!("({} -> {})", show_ty(a), show_ty(b)),
        Ty::Dummy => "__".to_string(),
    }
}
