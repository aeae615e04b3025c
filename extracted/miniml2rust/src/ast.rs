//! The MiniML syntax printed by Rocq's `Extraction Language JSON`
//! (`plugins/extraction/json.ml`), as typed serde structures.
//!
//! Every node carries a `"what"` tag; the enums below are internally tagged
//! on it. Unknown fields are ignored, unknown tags are a parse error.

use serde::Deserialize;

/// A whole extracted file (`"what": "module"`); nested Rocq modules are
/// already flattened into `declarations` by the printer.
#[derive(Debug, Clone, Deserialize)]
pub struct Module {
    /// Name of the extracted file's module.
    pub name: String,
    /// Whether the extraction needed `Obj.magic` (coercions).
    #[serde(default)]
    pub need_magic: bool,
    /// Whether the extraction needed the dummy value `__`.
    #[serde(default)]
    pub need_dummy: bool,
    /// Top-level declarations in dependency order.
    pub declarations: Vec<Decl>,
}

/// A top-level declaration.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "what")]
pub enum Decl {
    /// An inductive type (records are single-constructor inductives).
    #[serde(rename = "decl:ind")]
    Ind {
        /// Type name.
        name: String,
        /// Type parameters (referred to by `type:var`).
        argnames: Vec<String>,
        /// Constructors in declaration order.
        constructors: Vec<Constructor>,
    },
    /// A type abbreviation.
    #[serde(rename = "decl:type")]
    Type {
        /// Alias name.
        name: String,
        /// Parameters (referred to by `type:var`).
        argnames: Vec<String>,
        /// The aliased type.
        value: Type,
    },
    /// A (non-recursive) term definition.
    #[serde(rename = "decl:term")]
    Term {
        /// Definition name.
        name: String,
        /// Its type (type variables are `type:varidx`).
        #[serde(rename = "type")]
        ty: Type,
        /// Its value (always an `expr:lambda`, possibly with no arguments).
        value: Expr,
    },
    /// A group of (mutually) recursive definitions.
    #[serde(rename = "decl:fixgroup")]
    FixGroup {
        /// The functions of the group.
        fixlist: Vec<FixItem>,
    },
}

/// A constructor of an inductive.
#[derive(Debug, Clone, Deserialize)]
pub struct Constructor {
    /// Constructor name.
    pub name: String,
    /// Argument types.
    pub argtypes: Vec<Type>,
}

/// One function of a top-level fixpoint group.
#[derive(Debug, Clone, Deserialize)]
pub struct FixItem {
    /// Function name.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub ty: Type,
    /// Its value (an `expr:lambda`).
    pub value: Expr,
}

/// A MiniML type.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "what")]
pub enum Type {
    /// `left -> right`.
    #[serde(rename = "type:arrow")]
    Arrow {
        /// Domain.
        left: Box<Type>,
        /// Codomain.
        right: Box<Type>,
    },
    /// An applied type constructor (inductive or alias).
    #[serde(rename = "type:glob")]
    Glob {
        /// Name of the inductive or alias.
        name: String,
        /// Type arguments.
        args: Vec<Type>,
    },
    /// A named type variable (parameter of an inductive or alias).
    #[serde(rename = "type:var")]
    Var {
        /// Parameter name.
        name: String,
    },
    /// A numbered type variable of a term's type scheme (1-based).
    #[serde(rename = "type:varidx")]
    VarIdx {
        /// Index (1-based).
        name: u32,
    },
    /// An erased (logical) type.
    #[serde(rename = "type:dummy")]
    Dummy,
    /// A type extraction could not express.
    #[serde(rename = "type:unknown")]
    Unknown,
    /// A type axiom (no implementation).
    #[serde(rename = "type:axiom")]
    Axiom,
}

/// A MiniML expression.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "what")]
pub enum Expr {
    /// A local variable.
    #[serde(rename = "expr:rel")]
    Rel {
        /// Variable name (already disambiguated by the printer).
        name: String,
    },
    /// Application.
    #[serde(rename = "expr:apply")]
    Apply {
        /// The function.
        func: Box<Expr>,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// `fun a1 .. an => body` (n may be 0 at the top of a definition).
    #[serde(rename = "expr:lambda")]
    Lambda {
        /// Binders.
        argnames: Vec<String>,
        /// Body.
        body: Box<Expr>,
    },
    /// `let name := nameval in body`.
    #[serde(rename = "expr:let")]
    Let {
        /// Binder.
        name: String,
        /// Bound value.
        nameval: Box<Expr>,
        /// Body.
        body: Box<Expr>,
    },
    /// A global definition.
    #[serde(rename = "expr:global")]
    Global {
        /// Its name.
        name: String,
    },
    /// A fully applied constructor.
    #[serde(rename = "expr:constructor")]
    Constructor {
        /// Constructor name.
        name: String,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// A tuple.
    #[serde(rename = "expr:tuple")]
    Tuple {
        /// Components.
        items: Vec<Expr>,
    },
    /// Pattern matching.
    #[serde(rename = "expr:case")]
    Case {
        /// Scrutinee.
        expr: Box<Expr>,
        /// Branches, tried in order.
        cases: Vec<Case>,
    },
    /// A local group of (mutually) recursive functions.
    #[serde(rename = "expr:fix")]
    Fix {
        /// The functions.
        funcs: Vec<FixFunc>,
        /// Index of the function this expression denotes.
        #[serde(rename = "for")]
        which: usize,
    },
    /// An exception (unreachable code, `assert false`).
    #[serde(rename = "expr:exception")]
    Exception {
        /// Message.
        msg: String,
    },
    /// The erased value `__`.
    #[serde(rename = "expr:dummy")]
    Dummy,
    /// `Obj.magic value`.
    #[serde(rename = "expr:coerce")]
    Coerce {
        /// Coerced value.
        value: Box<Expr>,
    },
    /// An axiom (no implementation).
    #[serde(rename = "expr:axiom")]
    Axiom,
    /// A primitive 63-bit integer.
    #[serde(rename = "expr:int")]
    Int {
        /// Its decimal text.
        int: String,
    },
    /// A primitive float.
    #[serde(rename = "expr:float")]
    Float {
        /// Its text.
        float: String,
    },
    /// A primitive persistent array.
    #[serde(rename = "expr:array")]
    Array {
        /// Elements.
        elems: Vec<Expr>,
        /// Default element.
        default: Box<Expr>,
    },
}

/// One branch of a case.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    /// The pattern.
    pub pat: Pattern,
    /// The branch body.
    pub body: Expr,
}

/// A local fixpoint function.
#[derive(Debug, Clone, Deserialize)]
pub struct FixFunc {
    /// Its name (bound in all bodies of the group and after).
    pub name: String,
    /// Its body (an `expr:lambda`).
    pub body: Expr,
}

/// A pattern.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "what")]
pub enum Pattern {
    /// `C x1 .. xn` (names) or `C p1 .. pn` (nested patterns).
    #[serde(rename = "pat:constructor")]
    Constructor {
        /// Constructor name.
        name: String,
        /// Arguments: binder names or sub-patterns.
        argnames: Vec<PatArg>,
    },
    /// A tuple pattern.
    #[serde(rename = "pat:tuple")]
    Tuple {
        /// Components.
        items: Vec<Pattern>,
    },
    /// `_`.
    #[serde(rename = "pat:wild")]
    Wild,
    /// A variable bound to the whole matched value.
    #[serde(rename = "pat:rel")]
    Rel {
        /// Variable name.
        name: String,
    },
}

/// An argument of a constructor pattern.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PatArg {
    /// A binder name.
    Name(String),
    /// A nested pattern.
    Pat(Pattern),
}

/// Parse an extracted JSON file. Deeply nested terms (long literals) are
/// supported: the recursion limit is lifted, so call this on a thread with a
/// large stack (see [`crate::with_big_stack`]).
pub fn parse_module(text: &str) -> Result<Module, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let m = Module::deserialize(&mut de)?;
    de.end()?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_small_module() {
        let j = r#"{"what":"module","name":"Main","need_magic":false,"need_dummy":false,"used_modules":[],
        "declarations":[
         {"what":"decl:ind","name":"nat","argnames":[],"constructors":[{"name":"O","argtypes":[]},{"name":"S","argtypes":[{"what":"type:glob","name":"nat","args":[]}]}]},
         {"what":"decl:term","name":"two","type":{"what":"type:glob","name":"nat","args":[]},
          "value":{"what":"expr:lambda","argnames":[],"body":{"what":"expr:case","expr":{"what":"expr:dummy"},
            "cases":[{"what":"case","pat":{"what":"pat:constructor","name":"S","argnames":[{"what":"pat:wild"}]},"body":{"what":"expr:rel","name":"x"}},
                     {"what":"case","pat":{"what":"pat:constructor","name":"O","argnames":["y"]},"body":{"what":"expr:fix","funcs":[],"for":0}}]}}}]}"#;
        let m = parse_module(j).unwrap();
        assert_eq!(m.declarations.len(), 2);
        match &m.declarations[1] {
            Decl::Term {
                value: Expr::Lambda { argnames, body },
                ..
            } => {
                assert!(argnames.is_empty());
                match &**body {
                    Expr::Case { cases, .. } => {
                        assert!(matches!(
                            &cases[0].pat,
                            Pattern::Constructor { argnames, .. } if matches!(argnames[0], PatArg::Pat(Pattern::Wild))
                        ));
                        assert!(matches!(
                            &cases[1].pat,
                            Pattern::Constructor { argnames, .. } if matches!(&argnames[0], PatArg::Name(n) if n == "y")
                        ));
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn unknown_tags_are_errors() {
        let j = r#"{"what":"module","name":"M","declarations":[{"what":"decl:weird"}]}"#;
        assert!(parse_module(j).is_err());
    }

    #[test]
    fn deep_terms_parse() {
        let mut s = String::from(r#"{"what":"expr:constructor","name":"O","args":[]}"#);
        for _ in 0..2000 {
            s = format!(r#"{{"what":"expr:constructor","name":"S","args":[{s}]}}"#);
        }
        let j = format!(
            r#"{{"what":"module","name":"M","declarations":[{{"what":"decl:term","name":"n","type":{{"what":"type:dummy"}},"value":{s}}}]}}"#
        );
        let m = crate::with_big_stack(move || parse_module(&j)).unwrap();
        assert_eq!(m.declarations.len(), 1);
    }
}
