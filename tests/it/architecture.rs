//! Keeps `docs/ARCHITECTURE.md` true to the code: the document's "Rooms" table is this test's
//! data, so the rules are written down once.
//!
//! Each row of the table names a room (a module path under `src/`, such as `devices/card`), its
//! job, and the rooms it may use. The test walks `src/**/*.rs`, collects every path into our own
//! code (`use crate::…` trees, inline `crate::…`, `super::…` and `self::…` paths, and `kiosk::…`
//! in the binaries) and fails on a reference the table does not allow, on a file that no room
//! claims (so a new directory cannot escape the rules) and on import circles between files.
//!
//! It reads the source as text with a small tokenizer, no parser crate: comments and literals are
//! blanked first, and test code is left out (from a top-level `#[cfg(test)]` to the end of the
//! file — test modules sit last in this project — and `tests.rs` files), because tests may use
//! whatever they need to set a scene.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::repo;

/// The document that holds the table, as named in failure messages.
const DOC: &str = "docs/ARCHITECTURE.md";

#[test]
fn rooms_use_only_what_the_architecture_allows() {
    let doc = std::fs::read_to_string(repo().join(DOC)).expect("read the architecture document");
    let table = Table::parse(&doc).unwrap_or_else(|e| panic!("{DOC}: {e}"));
    let missing = table.missing_rooms(&repo().join("src"));
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    let breaks = rule_breaks(&table, &source_files());
    assert!(
        breaks.is_empty(),
        "{} break(s) of the rules in {DOC}; move the code, or change the rule in the \
         table if the design changed:\n{}",
        breaks.len(),
        breaks.join("\n")
    );
}

#[test]
fn no_import_circles() {
    let circles = circles(&source_files());
    assert!(
        circles.is_empty(),
        "import circles between files (a module and its parent or children do not count):\n{}",
        circles.join("\n")
    );
}

/// Crates only the development tools need: the development central's server stack and the
/// development PKI. The appliance build (`--no-default-features --features kiosk,camera-v4l`)
/// must not contain them (docs/ARCHITECTURE.md, "Development-only code").
const DEV_ONLY: [&str; 4] = [
    "axum",
    "rcgen",
    "hyper feature \"server\"",
    "hyper-util feature \"server\"",
];

#[test]
fn the_appliance_build_has_no_development_crates() {
    let tree = |features: &str| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = std::process::Command::new(cargo)
            .current_dir(repo())
            .args(["tree", "-e", "normal,features", "--prefix", "none"])
            .args(["--no-default-features", "--features", features])
            .output()
            .expect("run cargo tree");
        assert!(
            out.status.success(),
            "cargo tree: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("cargo tree prints UTF-8")
    };
    let has = |tree: &str, item: &str| tree.lines().any(|l| l.starts_with(item));
    let appliance = tree("kiosk,camera-v4l");
    let found: Vec<_> = DEV_ONLY.iter().filter(|c| has(&appliance, c)).collect();
    assert!(found.is_empty(), "the appliance build contains {found:?}");
    // The same question asked of a development build finds them: the check can fail.
    let development = tree("kiosk,camera-v4l,dev");
    for c in DEV_ONLY {
        assert!(
            has(&development, c),
            "{c} missing from the development build"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The table

/// The "Rooms" table: every declared room and what it may use.
struct Table {
    rooms: BTreeMap<String, MayUse>,
}

/// A room's "May use" cell.
enum MayUse {
    /// `everything`: the composition root.
    Everything,
    /// `—` (empty) or a list of rooms.
    Listed(Vec<Allowance>),
}

/// One entry of a "May use" list.
enum Allowance {
    /// `` `devices/card` ``: exactly that room.
    Room(String),
    /// `` `devices/*` ``: every room under `devices/`.
    Under(String),
}

impl Allowance {
    fn admits(&self, room: &str) -> bool {
        match self {
            Allowance::Room(name) => name == room,
            Allowance::Under(prefix) => room
                .strip_prefix(prefix.as_str())
                .is_some_and(|rest| rest.starts_with('/')),
        }
    }
}

impl Table {
    /// Reads the table under the `## Rooms` heading, checking that it is well-formed and that
    /// every "May use" entry names a declared room; errors name the document's line.
    fn parse(doc: &str) -> Result<Table, String> {
        let mut lines = doc
            .lines()
            .enumerate()
            .skip_while(|(_, l)| l.trim_end() != "## Rooms");
        lines.next().ok_or("no \"## Rooms\" section")?;
        let mut lines = lines
            .take_while(|(_, l)| !l.starts_with("## "))
            .skip_while(|(_, l)| !l.starts_with('|'))
            .take_while(|(_, l)| l.starts_with('|'));
        let (_, header) = lines.next().ok_or("no table in the \"## Rooms\" section")?;
        if cells(header) != ["Room", "Job", "May use"] {
            return Err(format!(
                "the Rooms table's header must be `| Room | Job | May use |`, found `{header}`"
            ));
        }
        lines.next(); // |---|---|---|
        let mut rows = Vec::new();
        for (n, line) in lines {
            let at = n + 1;
            let [room, _, may_use] = cells(line)[..] else {
                return Err(format!("line {at}: not three cells: `{line}`"));
            };
            let path = backticked(room).filter(|r| is_room_path(r));
            let room = path.ok_or_else(|| {
                format!(
                    "line {at}: the Room cell must be one backticked path under src/ without \
                     extension, like `devices/card`; found `{room}`"
                )
            })?;
            let may_use =
                may_use_cell(may_use).map_err(|e| format!("line {at} (room `{room}`): {e}"))?;
            rows.push((room.to_string(), may_use));
        }
        let mut rooms = BTreeMap::new();
        for (room, may_use) in rows {
            if rooms.insert(room.clone(), may_use).is_some() {
                return Err(format!("room `{room}` is declared twice"));
            }
        }
        if rooms.is_empty() {
            return Err("the table declares no room".into());
        }
        for (room, may_use) in &rooms {
            let MayUse::Listed(allowances) = may_use else {
                continue;
            };
            for allowance in allowances {
                if !rooms.keys().any(|r| allowance.admits(r)) {
                    let entry = match allowance {
                        Allowance::Room(r) => r.clone(),
                        Allowance::Under(r) => format!("{r}/*"),
                    };
                    return Err(format!(
                        "room `{room}` may use `{entry}`, which names no declared room"
                    ));
                }
            }
        }
        Ok(Table { rooms })
    }

    /// The rooms whose path is neither a directory nor a `.rs` file under `src`.
    fn missing_rooms(&self, src: &Path) -> Vec<String> {
        self.rooms
            .keys()
            .filter(|room| !src.join(room).is_dir() && !src.join(format!("{room}.rs")).is_file())
            .map(|room| format!("{DOC}: room `{room}` is neither src/{room}/ nor src/{room}.rs"))
            .collect()
    }

    /// The room a module path belongs to: the longest declared room that is a prefix of it.
    fn room_of(&self, module: &[String]) -> Option<&str> {
        (1..=module.len())
            .rev()
            .map(|n| module[..n].join("/"))
            .find_map(|prefix| self.rooms.get_key_value(&prefix).map(|(k, _)| k.as_str()))
    }

    /// Whether code in room `from` may refer to room `to` (`None`: a module in no room).
    fn allows(&self, from: &str, to: Option<&str>) -> bool {
        match (&self.rooms[from], to) {
            (MayUse::Everything, _) => true,
            (_, Some(to)) if to == from => true,
            (MayUse::Listed(allowances), Some(to)) => allowances.iter().any(|a| a.admits(to)),
            (MayUse::Listed(_), None) => false,
        }
    }
}

/// The trimmed cells of a table row (`| a | b |` → `["a", "b"]`).
fn cells(line: &str) -> Vec<&str> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(str::trim).collect()
}

/// The text between one pair of backticks making up the whole cell entry.
fn backticked(entry: &str) -> Option<&str> {
    entry
        .strip_prefix('`')?
        .strip_suffix('`')
        .filter(|s| !s.contains('`'))
}

/// `devices/card`: lowercase identifiers joined by `/`.
fn is_room_path(path: &str) -> bool {
    path.split('/').all(|segment| {
        segment.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && segment
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    })
}

/// Parses a "May use" cell: `everything`, `—`, or backticked rooms separated by commas, where
/// `` `devices/*` `` stands for every room under `devices/`.
fn may_use_cell(cell: &str) -> Result<MayUse, String> {
    match cell {
        "everything" => return Ok(MayUse::Everything),
        "—" => return Ok(MayUse::Listed(Vec::new())),
        _ => {}
    }
    cell.split(',')
        .map(|entry| {
            let entry = entry.trim();
            let path = backticked(entry).ok_or_else(|| {
                format!(
                    "the May use cell must be `everything`, `—` or backticked rooms separated by \
                     commas; found `{entry}`"
                )
            })?;
            match path.strip_suffix("/*") {
                Some(prefix) if is_room_path(prefix) => Ok(Allowance::Under(prefix.into())),
                None if is_room_path(path) => Ok(Allowance::Room(path.into())),
                _ => Err(format!(
                    "`{path}` is not a room path like `devices/card` or `devices/*`"
                )),
            }
        })
        .collect::<Result<_, _>>()
        .map(MayUse::Listed)
}

// ---------------------------------------------------------------------------------------------
// The source tree

/// One source file under `src/` and the references it makes into our own code.
struct SourceFile {
    /// `src/sync/fleet.rs`, for messages.
    shown: String,
    /// The module the file defines (`["sync", "fleet"]`); empty for the crate roots `src/lib.rs`
    /// and `src/main.rs`, which hold module declarations and `main` and belong to no room.
    module: Vec<String>,
    /// Declares submodules and nothing else (like `src/devices/mod.rs`): such a file cannot break
    /// a rule, so it may stay outside every room.
    only_declares_modules: bool,
    /// Paths into our own code outside test code, in source order.
    references: Vec<Reference>,
}

/// A path into our own code, resolved to the module path of what it names.
struct Reference {
    line: usize,
    /// As written, with `use` groups expanded: `crate::devices::card::CardReader`.
    written: String,
    /// From `src/`: `["devices", "card", "CardReader"]`.
    target: Vec<String>,
}

/// Where a file sits, which decides how its `crate::`, `super::` and `self::` paths resolve.
struct Scope {
    module: Vec<String>,
    /// What `crate::` means: empty for the library (and `src/main.rs`, which sits at the same
    /// place), `["bin", "vcard"]` for the binary `src/bin/vcard.rs` or `src/bin/vcard/main.rs`.
    crate_root: Vec<String>,
    /// In a binary, `kiosk::` is the library.
    binary: bool,
}

impl Scope {
    /// The scope of the file at `relative` (to `src/`, `/`-separated, with `.rs`).
    fn of(relative: &str) -> Scope {
        let mut module: Vec<String> = relative
            .trim_end_matches(".rs")
            .split('/')
            .map(String::from)
            .collect();
        let crate_root = match module.as_slice() {
            [bin, name, ..] if bin == "bin" => vec![bin.clone(), name.clone()],
            _ => Vec::new(),
        };
        let binary = !crate_root.is_empty() || relative == "main.rs";
        // `lib.rs`, `main.rs` and `bin/NAME/main.rs` are crate roots, `mod.rs` its directory.
        let root_file = matches!(relative, "lib.rs" | "main.rs")
            || (module.len() == 3 && crate_root.len() == 2 && module[2] == "main");
        if root_file || module.last().is_some_and(|m| m == "mod") {
            module.pop();
        }
        Scope {
            module,
            crate_root,
            binary,
        }
    }
}

/// Every `.rs` file under `src/` except `tests.rs` files, sorted by path.
fn source_files() -> Vec<SourceFile> {
    let src = repo().join("src");
    let paths: Vec<_> = crate::support::rust_sources()
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "tests.rs"))
        .collect();
    paths
        .iter()
        .map(|path| {
            let relative = path
                .strip_prefix(&src)
                .expect("under src")
                .to_string_lossy();
            let relative = relative.replace(std::path::MAIN_SEPARATOR, "/");
            let source = std::fs::read_to_string(path).expect("read a source file");
            let code = blank_comments_and_literals(&source);
            let code = without_tests(&code);
            let scope = Scope::of(&relative);
            SourceFile {
                shown: format!("src/{relative}"),
                only_declares_modules: only_declares_modules(code),
                references: references(&tokenize(code), &scope),
                module: scope.module,
            }
        })
        .collect()
}

/// The references each room's files make that the table does not allow, and the files no room
/// claims.
fn rule_breaks(table: &Table, files: &[SourceFile]) -> Vec<String> {
    let mut breaks = Vec::new();
    for file in files {
        let Some(room) = table.room_of(&file.module) else {
            if !file.module.is_empty() && !file.only_declares_modules {
                breaks.push(format!(
                    "{}: belongs to no room; declare its room in {DOC}",
                    file.shown
                ));
            }
            continue;
        };
        for reference in &file.references {
            let target = table.room_of(&reference.target);
            if table.allows(room, target) {
                continue;
            }
            let what = match target {
                Some(target) => format!("`{target}`"),
                None => "a module in no room".into(),
            };
            breaks.push(format!(
                "{}:{}: room `{room}` uses {what} ({}), which {DOC} does not allow",
                file.shown, reference.line, reference.written
            ));
        }
    }
    breaks
}

/// The strongly connected components of more than one file in the graph of references between
/// files, each with the references that close it. References between a module and its parent
/// or children (re-exports in `mod.rs`, a submodule using its parent's types) are normal in Rust
/// and are left out; sibling and cross-directory references count.
fn circles(files: &[SourceFile]) -> Vec<String> {
    let by_module: BTreeMap<&[String], usize> = files
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.module.is_empty())
        .map(|(i, f)| (f.module.as_slice(), i))
        .collect();
    // (from, to) → the first line in `from` that refers to `to`.
    let mut edges: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for (from, file) in files.iter().enumerate() {
        if file.module.is_empty() {
            continue;
        }
        for reference in &file.references {
            let target = &reference.target;
            let Some(&to) = (1..=target.len())
                .rev()
                .find_map(|n| by_module.get(&target[..n]))
            else {
                continue;
            };
            let (a, b) = (&file.module, &files[to].module);
            if !a.starts_with(b) && !b.starts_with(a) {
                edges.entry((from, to)).or_insert(reference.line);
            }
        }
    }
    let mut successors = vec![Vec::new(); files.len()];
    for &(from, to) in edges.keys() {
        successors[from].push(to);
    }
    strongly_connected(&successors)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|mut component| {
            component.sort_unstable();
            let names: Vec<&str> = component.iter().map(|&i| files[i].shown.as_str()).collect();
            let closing: Vec<String> = edges
                .iter()
                .filter(|((from, to), _)| component.contains(from) && component.contains(to))
                .map(|(&(from, to), line)| {
                    format!("{}:{line} uses {}", files[from].shown, files[to].shown)
                })
                .collect();
            format!("{} ({})", names.join(" ⇄ "), closing.join("; "))
        })
        .collect()
}

/// Tarjan's algorithm: the strongly connected components of a graph given as successor lists.
fn strongly_connected(successors: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct Walk<'a> {
        successors: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        components: Vec<Vec<usize>>,
    }
    impl Walk<'_> {
        fn visit(&mut self, v: usize) {
            self.index[v] = Some(self.next);
            self.low[v] = self.next;
            self.next += 1;
            self.stack.push(v);
            self.on_stack[v] = true;
            for &w in &self.successors[v] {
                match self.index[w] {
                    None => {
                        self.visit(w);
                        self.low[v] = self.low[v].min(self.low[w]);
                    }
                    Some(index) if self.on_stack[w] => self.low[v] = self.low[v].min(index),
                    Some(_) => {}
                }
            }
            if Some(self.low[v]) == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                self.components.push(component);
            }
        }
    }
    let n = successors.len();
    let mut walk = Walk {
        successors,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        components: Vec::new(),
    };
    for v in 0..n {
        if walk.index[v].is_none() {
            walk.visit(v);
        }
    }
    walk.components
}

// ---------------------------------------------------------------------------------------------
// Reading Rust source

/// Blanks comments (line, doc and nested block comments) and string, byte-string, raw-string
/// and character literals, keeping line breaks so that line numbers stay right. Lifetimes
/// (`'a`) are kept.
fn blank_comments_and_literals(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        match comment_or_literal_end(&chars, i) {
            Some(end) => {
                let end = end.min(chars.len());
                out.extend(
                    chars[i..end]
                        .iter()
                        .map(|&c| if c == '\n' { c } else { ' ' }),
                );
                i = end;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    out
}

/// Where the comment or literal starting at `chars[i]` ends (exclusive), if one starts there.
fn comment_or_literal_end(chars: &[char], i: usize) -> Option<usize> {
    let at = |j: usize| chars.get(j).copied().unwrap_or('\0');
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let after = |from: usize, what: char| (from..chars.len()).find(|&j| chars[j] == what);
    match (at(i), at(i + 1)) {
        ('/', '/') => Some(after(i, '\n').unwrap_or(chars.len())),
        ('/', '*') => {
            let (mut j, mut depth) = (i, 0);
            while j < chars.len() {
                match (at(j), at(j + 1)) {
                    ('/', '*') => (depth, j) = (depth + 1, j + 2),
                    ('*', '/') => (depth, j) = (depth - 1, j + 2),
                    _ => j += 1,
                }
                if depth == 0 {
                    break;
                }
            }
            Some(j)
        }
        ('"', _) => {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            Some(j + 1)
        }
        // A raw string `r#"…"#` (also after `b` or `c`), not the raw identifier `r#name`.
        ('r', '#' | '"') => {
            let prefix = if matches!(at(i.wrapping_sub(1)), 'b' | 'c') {
                2
            } else {
                1
            };
            let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
            let body = i + 2 + hashes;
            (!is_ident(at(i.wrapping_sub(prefix))) && at(body - 1) == '"').then(|| {
                (body..chars.len())
                    .find(|&j| chars[j] == '"' && (1..=hashes).all(|k| at(j + k) == '#'))
                    .map_or(chars.len(), |j| j + 1 + hashes)
            })
        }
        // A character literal: `'\''`, `'\u{…}'` or `'x'`; `'a` alone is a lifetime.
        ('\'', '\\') => Some(after(i + 3, '\'').map_or(chars.len(), |j| j + 1)),
        ('\'', _) if at(i + 2) == '\'' => Some(i + 3),
        _ => None,
    }
}

/// The code before the first top-level `#[cfg(test)]` or `#[cfg(all(test, …))]`: test modules
/// sit at the end of files in this project.
fn without_tests(code: &str) -> &str {
    let mut offset = 0;
    for line in code.split_inclusive('\n') {
        let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        if line.starts_with('#')
            && (compact.starts_with("#[cfg(test)]") || compact.starts_with("#[cfg(all(test,"))
        {
            return &code[..offset];
        }
        offset += line.len();
    }
    code
}

/// Whether the (blanked) code holds nothing but attributes and `mod name;` declarations.
fn only_declares_modules(code: &str) -> bool {
    code.lines().map(str::trim).all(|line| {
        let declaration = line
            .strip_prefix("pub ")
            .or_else(|| line.strip_prefix("pub(crate) "))
            .unwrap_or(line);
        line.is_empty()
            || (line.starts_with("#[") && line.ends_with(']'))
            || declaration
                .strip_prefix("mod ")
                .and_then(|rest| rest.strip_suffix(';'))
                .is_some_and(|name| name.chars().all(|c| c.is_alphanumeric() || c == '_'))
    })
}

/// The tokens the reference finder needs; everything else is `Other`.
#[derive(PartialEq)]
enum Tok {
    Ident(String),
    PathSep,
    Open,
    Close,
    Comma,
    Star,
    Other,
}

struct Token {
    tok: Tok,
    line: usize,
}

/// Splits blanked code into tokens, each with its line number.
fn tokenize(code: &str) -> Vec<Token> {
    let chars: Vec<char> = code.chars().collect();
    let mut tokens = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = chars[i];
        let (tok, len) = match c {
            '\n' => {
                line += 1;
                i += 1;
                continue;
            }
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            c if c.is_alphanumeric() || c == '_' => {
                let len = chars[i..]
                    .iter()
                    .take_while(|c| c.is_alphanumeric() || **c == '_')
                    .count();
                (Tok::Ident(chars[i..i + len].iter().collect()), len)
            }
            ':' if chars.get(i + 1) == Some(&':') => (Tok::PathSep, 2),
            '{' => (Tok::Open, 1),
            '}' => (Tok::Close, 1),
            ',' => (Tok::Comma, 1),
            '*' => (Tok::Star, 1),
            _ => (Tok::Other, 1),
        };
        tokens.push(Token { tok, line });
        i += len;
    }
    tokens
}

/// The references into our own code: the leaves of `use` trees and inline paths starting with
/// `crate`, `super`, `self` (or `kiosk` in a binary), resolved from the module they appear in,
/// inline `mod name { … }` blocks included.
fn references(tokens: &[Token], scope: &Scope) -> Vec<Reference> {
    let ident = |i: usize| match tokens.get(i).map(|t| &t.tok) {
        Some(Tok::Ident(name)) => Some(name.as_str()),
        _ => None,
    };
    let is = |i: usize, tok: Tok| tokens.get(i).is_some_and(|t| t.tok == tok);
    let mut found = Vec::new();
    let mut here = scope.module.clone();
    // Inline modules open around the current token, with the brace depth of their body.
    let mut inline: Vec<usize> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < tokens.len() {
        let mut paths = Vec::new();
        match (&tokens[i].tok, ident(i + 1)) {
            (Tok::Ident(m), Some(name)) if m == "mod" && is(i + 2, Tok::Open) => {
                here.push(name.to_string());
                depth += 1;
                inline.push(depth);
                i += 3;
                continue;
            }
            (Tok::Open, _) => depth += 1,
            (Tok::Close, _) => {
                if inline.last() == Some(&depth) {
                    inline.pop();
                    here.pop();
                }
                depth -= 1;
            }
            (Tok::Ident(u), _) if u == "use" => {
                let mut leaves = Vec::new();
                i = use_tree(tokens, i + 1, &[], &mut leaves);
                paths = leaves;
            }
            (Tok::Ident(root), _)
                if is(i + 1, Tok::PathSep)
                    && (i == 0 || !is(i - 1, Tok::PathSep))
                    && is_root(root, scope) =>
            {
                let mut path = vec![root.clone()];
                let mut line = tokens[i].line;
                while let (true, Some(segment)) = (is(i + 1, Tok::PathSep), ident(i + 2)) {
                    path.push(segment.to_string());
                    line = tokens[i + 2].line;
                    i += 2;
                }
                paths.push((path, line));
            }
            _ => {}
        }
        for (path, line) in paths {
            if let Some(target) = resolve(&path, &here, scope) {
                found.push(Reference {
                    line,
                    written: path.join("::"),
                    target,
                });
            }
        }
        i += 1;
    }
    found
}

/// Whether a path starting with `first` leads into our own code.
fn is_root(first: &str, scope: &Scope) -> bool {
    matches!(first, "crate" | "super" | "self") || (first == "kiosk" && scope.binary)
}

/// Expands the use tree starting at `tokens[i]` into `leaves` (each path with the line of its
/// last segment), below `prefix`; returns the index of the token after the tree.
fn use_tree(
    tokens: &[Token],
    mut i: usize,
    prefix: &[String],
    leaves: &mut Vec<(Vec<String>, usize)>,
) -> usize {
    let mut path = prefix.to_vec();
    let mut line = tokens.get(i).map_or(0, |t| t.line);
    while let Some(token) = tokens.get(i) {
        match &token.tok {
            Tok::Ident(word) if word == "as" => {
                i += 2;
                break;
            }
            Tok::Ident(segment) => {
                // `use a::{self, b}`: `self` names `a` itself.
                if segment != "self" || path.is_empty() {
                    path.push(segment.clone());
                }
                line = token.line;
            }
            Tok::PathSep => {}
            Tok::Star => {
                line = token.line;
                i += 1;
                break;
            }
            Tok::Open => {
                i += 1;
                while tokens.get(i).is_some_and(|t| t.tok != Tok::Close) {
                    let next = use_tree(tokens, i, &path, leaves);
                    i = if tokens.get(next).is_some_and(|t| t.tok == Tok::Comma) {
                        next + 1
                    } else {
                        next.max(i + 1)
                    };
                }
                return i + 1;
            }
            _ => break,
        }
        i += 1;
    }
    leaves.push((path, line));
    i
}

/// The module path (from `src/`) a path written in module `here` names, or `None` when it does
/// not lead into our own code.
fn resolve(path: &[String], here: &[String], scope: &Scope) -> Option<Vec<String>> {
    let (first, rest) = path.split_first()?;
    let mut target = match first.as_str() {
        "crate" => scope.crate_root.clone(),
        "kiosk" if scope.binary => Vec::new(),
        "self" => here.to_vec(),
        "super" => here[..here.len().checked_sub(1)?].to_vec(),
        _ => return None,
    };
    let leading_supers = if first == "super" {
        rest.iter().take_while(|s| *s == "super").count()
    } else {
        0
    };
    target.truncate(target.len().checked_sub(leading_supers)?);
    target.extend_from_slice(&rest[leading_supers..]);
    Some(target)
}

// ---------------------------------------------------------------------------------------------
// The readers' own tests

mod readers {
    use super::*;

    fn refs(source: &str, file: &str) -> Vec<(usize, String, String)> {
        let code = blank_comments_and_literals(source);
        references(&tokenize(without_tests(&code)), &Scope::of(file))
            .into_iter()
            .map(|r| (r.line, r.written, r.target.join("/")))
            .collect()
    }

    fn s(items: &[(usize, &str, &str)]) -> Vec<(usize, String, String)> {
        items
            .iter()
            .map(|&(l, w, t)| (l, w.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn grouped_use_trees_expand_to_their_leaves() {
        let source = "use crate::{a::b, c::{d, e}};\n\
                      pub use crate::devices::{card::X, printer::Y as Z};\n\
                      use crate::flow::{\n    self,\n    Event::*,\n};\n\
                      use std::{fs, io::Write};\n\
                      pub(crate) use ::serde::Serialize;\n";
        assert_eq!(
            refs(source, "ui/view.rs"),
            s(&[
                (1, "crate::a::b", "a/b"),
                (1, "crate::c::d", "c/d"),
                (1, "crate::c::e", "c/e"),
                (2, "crate::devices::card::X", "devices/card/X"),
                (2, "crate::devices::printer::Y", "devices/printer/Y"),
                (4, "crate::flow", "flow"),
                (5, "crate::flow::Event", "flow/Event"),
            ])
        );
    }

    #[test]
    fn inline_paths_are_found_once_and_stop_at_generics() {
        let source = "fn f() -> crate::store::Store {\n    \
                      let x = crate::domain::nation::Nation::parse::<u8>(1);\n    \
                      Self::new(); self.go(); pub(crate) fn g() {}\n}\n";
        assert_eq!(
            refs(source, "ui/view.rs"),
            s(&[
                (1, "crate::store::Store", "store/Store"),
                (
                    2,
                    "crate::domain::nation::Nation::parse",
                    "domain/nation/Nation/parse"
                ),
            ])
        );
    }

    #[test]
    fn super_and_self_resolve_from_the_files_module() {
        let source = "use super::a::A;\nuse super::super::b::B;\nfn f() { self::g(); }\n";
        assert_eq!(
            refs(source, "foo/mod.rs"),
            s(&[(1, "super::a::A", "a/A"), (3, "self::g", "foo/g")])
        );
        assert_eq!(
            refs(source, "foo/bar.rs"),
            s(&[
                (1, "super::a::A", "foo/a/A"),
                (2, "super::super::b::B", "b/B"),
                (3, "self::g", "foo/bar/g"),
            ])
        );
        let inline = "mod inner {\n    use super::Field;\n}\nuse super::Other;\n";
        assert_eq!(
            refs(inline, "devices/card/idcard/cnid.rs"),
            s(&[
                (2, "super::Field", "devices/card/idcard/cnid/Field"),
                (4, "super::Other", "devices/card/idcard/Other"),
            ])
        );
    }

    #[test]
    fn binaries_resolve_crate_to_their_own_root_and_kiosk_to_the_library() {
        let source = "use crate::routes::AppState;\nuse kiosk::sync::api::Heartbeat;\n";
        assert_eq!(
            refs(source, "bin/central_dev/faults.rs"),
            s(&[
                (
                    1,
                    "crate::routes::AppState",
                    "bin/central_dev/routes/AppState"
                ),
                (2, "kiosk::sync::api::Heartbeat", "sync/api/Heartbeat"),
            ])
        );
        assert_eq!(
            Scope::of("bin/central_dev/main.rs").module,
            ["bin", "central_dev"]
        );
        assert_eq!(Scope::of("bin/vcard.rs").module, ["bin", "vcard"]);
        assert!(Scope::of("main.rs").module.is_empty() && Scope::of("lib.rs").module.is_empty());
        assert_eq!(
            refs(source, "sync/fleet.rs").len(),
            1,
            "kiosk:: is no root in the library"
        );
    }

    #[test]
    fn comments_literals_and_test_code_are_left_out() {
        let source = "//! see crate::a\n\
                      /// crate::b\n\
                      /* crate::c /* nested crate::d */ crate::e */\n\
                      let s = \"crate::f \\\" crate::g\";\n\
                      let r = r#\"crate::h \"quoted\" crate::i\"#;\n\
                      let b = br\"crate::j\"; let c = '\"'; let q = '\\'';\n\
                      fn f<'a>(x: &'a str) -> crate::k::K { todo!() } // crate::l\n\
                      #[cfg(all(test, feature = \"x\"))]\n\
                      mod tests { use crate::m::M; }\n";
        assert_eq!(refs(source, "x.rs"), s(&[(7, "crate::k::K", "k/K")]));
        let blanked = blank_comments_and_literals(source);
        assert_eq!(blanked.lines().count(), source.lines().count());
    }

    #[test]
    fn module_only_files_are_recognised() {
        let declares = |source: &str| only_declares_modules(&blank_comments_and_literals(source));
        assert!(declares(
            "//! Ports.\n\npub mod camera;\n#[cfg(feature = \"x\")]\nmod v4l;\n"
        ));
        assert!(!declares("pub mod camera;\npub use camera::Camera;\n"));
    }

    const TABLE: &str = "# A\n\n## Rooms\n\nIntro.\n\n\
        | Room | Job | May use |\n|---|---|---|\n\
        | `domain` | Rules | — |\n\
        | `devices/card` | Cards | `domain` |\n\
        | `devices/card/icao` | Chips | `devices/card` |\n\
        | `devices/printer` | Receipts | `domain`, `devices/card` |\n\
        | `ui` | Screen | `devices/*`, `domain` |\n\
        | `cli` | Commands | everything |\n\n## Threads\n\n| a | b |\n";

    #[test]
    fn the_table_decides_by_the_longest_room() {
        let table = Table::parse(TABLE).expect("the sample table parses");
        let module = |p: &str| p.split('/').map(String::from).collect::<Vec<_>>();
        assert_eq!(
            table.room_of(&module("devices/card/icao/mrz/Mrz")),
            Some("devices/card/icao")
        );
        assert_eq!(
            table.room_of(&module("devices/card/readers/sim")),
            Some("devices/card")
        );
        assert_eq!(table.room_of(&module("devices/cardx")), None);
        assert!(table.allows("devices/card", Some("devices/card")));
        assert!(table.allows("devices/card", Some("domain")));
        assert!(!table.allows("devices/card", Some("devices/card/icao")));
        assert!(table.allows("ui", Some("devices/card/icao")));
        assert!(!table.allows("ui", Some("cli")));
        assert!(!table.allows("ui", None));
        assert!(table.allows("cli", None));
        assert!(!table.allows("domain", Some("devices/card")));
    }

    #[test]
    fn a_malformed_table_is_refused_with_the_reason() {
        let broken = |from: &str, to: &str| {
            Table::parse(&TABLE.replace(from, to))
                .err()
                .expect("the table is refused")
        };
        assert!(broken("## Rooms", "## Rules").contains("no \"## Rooms\" section"));
        assert!(broken("| May use |", "| Knows |").contains("header"));
        assert!(broken("`domain` | Rules", "domain/ | Rules").contains("Room cell"));
        assert!(broken("| Cards |", "| Cards | x |").contains("not three cells"));
        assert!(broken("`devices/*`", "`device/*`").contains("`device/*`, which names no"));
        assert!(broken("everything", "`store`").contains("`store`, which names no"));
        assert!(broken("`domain`, `devices/card`", "`domain` `devices/card`").contains("May use"));
        assert!(broken("`cli` | Commands", "`ui` | Commands").contains("declared twice"));
    }
}
