//! Where a problem is: every problem in `kiosk.toml` is reported as `FILE:LINE:COL: key: what is
//! wrong`, so a technician can go straight to it. The key map remembers, for every key of the
//! document, where its name and its value stand.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// One problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key = if self.key.is_empty() {
            "(file)"
        } else {
            &self.key
        };
        write!(
            f,
            "{}:{}:{}: {key}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// Every key of the document with the span of its name and of its value.
pub(super) struct KeyMap(Vec<(String, Range<usize>, Range<usize>)>);

impl KeyMap {
    pub(super) fn build(root: &DeTable<'_>) -> KeyMap {
        fn walk(
            prefix: &str,
            table: &DeTable<'_>,
            out: &mut Vec<(String, Range<usize>, Range<usize>)>,
        ) {
            for (key, value) in table.iter() {
                let path = if prefix.is_empty() {
                    key.get_ref().to_string()
                } else {
                    format!("{prefix}.{}", key.get_ref())
                };
                out.push((path.clone(), key.span(), value.span()));
                if let DeValue::Table(inner) = value.get_ref() {
                    walk(&path, inner, out);
                }
            }
        }
        let mut out = Vec::new();
        walk("", root, &mut out);
        KeyMap(out)
    }

    /// Span of a key's name, or of its nearest existing parent.
    pub(super) fn key_span(&self, path: &str) -> Option<Range<usize>> {
        let mut p = path;
        loop {
            if let Some((_, k, _)) = self.0.iter().find(|(name, _, _)| name == p) {
                return Some(k.clone());
            }
            p = &p[..p.rfind('.')?];
        }
    }

    /// Where the first key of the table `name` (the table itself, or a key under it) is.
    pub(super) fn table_span(&self, name: &str) -> Option<Range<usize>> {
        let under = format!("{name}.");
        self.0
            .iter()
            .find(|(key, _, _)| key == name || key.starts_with(&under))
            .map(|(_, k, _)| k.clone())
    }

    /// Where a key's value starts (the file's start for a key that is not written: a default).
    pub(super) fn value_start(&self, path: &str) -> usize {
        self.0
            .iter()
            .find(|(name, _, _)| name == path)
            .map_or(0, |(_, _, v)| v.start)
    }

    /// The innermost key whose value contains `span`.
    pub(super) fn key_at(&self, span: &Range<usize>) -> Option<&str> {
        self.0
            .iter()
            .filter(|(_, k, v)| {
                (v.start <= span.start && span.end <= v.end)
                    || (k.start <= span.start && span.end <= k.end)
            })
            .min_by_key(|(_, _, v)| v.end - v.start)
            .map(|(name, _, _)| name.as_str())
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.chars().count(), |i| before[i + 1..].chars().count())
        + 1;
    (line, col)
}

/// Collects the problems of one file.
pub(super) struct Reporter<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<ConfigError>,
}

impl<'a> Reporter<'a> {
    pub(super) fn new(file: &'a str, text: &'a str) -> Reporter<'a> {
        Reporter {
            file,
            text,
            errors: Vec::new(),
        }
    }

    pub(super) fn at(&mut self, offset: usize, key: &str, message: impl Into<String>) {
        let (line, column) = line_col(self.text, offset);
        self.errors.push(ConfigError {
            file: self.file.to_string(),
            line,
            column,
            key: key.to_string(),
            message: message.into(),
        });
    }

    pub(super) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub(super) fn into_errors(self) -> Vec<ConfigError> {
        self.errors
    }
}
