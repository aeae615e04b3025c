//! A light Rocq sentence splitter, enough to find `Admitted` proofs.
//!
//! It understands nested comments, string literals, bullets and braces; it
//! does not parse notations (a `.` followed by whitespace ends a sentence).

/// One sentence of a Rocq source, without its final `.`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// The sentence text, comments removed, whitespace trimmed, bullets kept.
    pub text: String,
    /// Byte offset of the sentence start in the source.
    pub start: usize,
}

/// Splits `source` into sentences. Bullets (`-`, `+`, `*`) and braces at the
/// start of a sentence are kept in its text; use [`head`] to skip them.
pub fn sentences(source: &str) -> Vec<Sentence> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut text = String::new();
    let mut start = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'(' && bytes.get(i + 1) == Some(&b'*') {
            i = skip_comment(bytes, i);
            text.push(' ');
            continue;
        }
        if c == b'"' {
            let end = skip_string(bytes, i);
            start.get_or_insert(i);
            text.push_str(&source[i..end]);
            i = end;
            continue;
        }
        let ends_sentence = c == b'.'
            && (i == 0 || bytes[i - 1] != b'.')
            && !matches!(bytes.get(i + 1), Some(n) if !n.is_ascii_whitespace());
        if ends_sentence {
            out.push(Sentence {
                text: text.trim().to_string(),
                start: start.unwrap_or(i),
            });
            text.clear();
            start = None;
            i += 1;
            continue;
        }
        let ch = source[i..].chars().next().unwrap_or(' ');
        if !ch.is_whitespace() {
            start.get_or_insert(i);
        }
        text.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Index just past the comment opening at `i` (comments nest; strings inside
/// comments are skipped as Rocq does).
fn skip_comment(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < bytes.len() {
        if bytes[i] == b'(' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b')') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else if bytes[i] == b'"' {
            i = skip_string(bytes, i);
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// Index just past the string literal opening at `i` (`""` escapes a quote).
fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            if bytes.get(i + 1) == Some(&b'"') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// The sentence text without leading bullets, braces and attributes
/// (`#[...]`, `Local`, `Global`, `Polymorphic`, `Program`).
pub fn head(text: &str) -> &str {
    let mut t = text.trim_start_matches(|c: char| "-+*{} \t\r\n".contains(c));
    loop {
        if let Some(rest) = t.strip_prefix("#[") {
            t = rest.split_once(']').map_or("", |(_, r)| r).trim_start();
            continue;
        }
        let before = t;
        for attr in [
            "Local ",
            "Global ",
            "Polymorphic ",
            "Program ",
            "#[global] ",
        ] {
            if let Some(rest) = t.strip_prefix(attr) {
                t = rest.trim_start();
            }
        }
        if before == t {
            return t;
        }
    }
}

const PROOF_KEYWORDS: &[&str] = &[
    "Lemma",
    "Theorem",
    "Fact",
    "Remark",
    "Corollary",
    "Proposition",
    "Property",
    "Example",
];
const DEFINITION_KEYWORDS: &[&str] = &["Definition", "Fixpoint", "CoFixpoint", "Instance", "Let"];

/// If the sentence opens a proof, the name of what is being proved.
fn opened_proof(sentence: &str) -> Option<String> {
    let h = head(sentence);
    let (keyword, rest) = h.split_once(char::is_whitespace).unwrap_or((h, ""));
    if keyword == "Goal" {
        return Some("Unnamed_thm".to_string());
    }
    let is_proof = PROOF_KEYWORDS.contains(&keyword);
    let is_def = DEFINITION_KEYWORDS.contains(&keyword);
    if !is_proof && !is_def {
        return None;
    }
    // A definition given with a body needs no proof.
    if is_def && rest.contains(":=") {
        return None;
    }
    let name: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '\'' || *c == '.')
        .collect();
    Some(if name.is_empty() {
        "<anonymous>".to_string()
    } else {
        name
    })
}

/// Names of the lemmas/definitions of `source` closed with `Admitted`, in order.
pub fn admitted_names(source: &str) -> Vec<String> {
    let mut open: Option<String> = None;
    let mut admitted = Vec::new();
    for s in sentences(source) {
        let h = head(&s.text);
        if let Some(name) = opened_proof(&s.text) {
            open = Some(name);
        } else if h == "Admitted" {
            if let Some(name) = open.take() {
                admitted.push(name);
            }
        } else if matches!(h, "Qed" | "Defined" | "Abort" | "Abort All") || h.starts_with("Save ") {
            open = None;
        }
    }
    admitted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_with_comments_strings_and_bullets() {
        let src = "(* a. (* nested. *) b. *) Lemma x : True.\nProof.\n- exact I. (* \"q.\" *)\nQed.\nDefinition s := \"a. b\".";
        let texts: Vec<String> = sentences(src).into_iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            vec![
                "Lemma x : True",
                "Proof",
                "- exact I",
                "Qed",
                "Definition s := \"a. b\""
            ]
        );
    }

    #[test]
    fn finds_admitted_lemmas_and_definitions() {
        let src = "Lemma a : True. Proof. exact I. Qed.\n\
                   Theorem b : True.\nProof.\n  - idtac. Admitted.\n\
                   Definition c : nat := 3.\n\
                   Definition d : nat.\nAdmitted.\n\
                   #[local] Lemma e' : True. Admitted.\n\
                   (* Lemma f : True. Admitted. *)\n\
                   Goal False. Abort.\n";
        assert_eq!(admitted_names(src), vec!["b", "d", "e'"]);
    }
}
