//! The layer rules of ARCHITECTURE.md, checked on the code as the compiler reads it: every source
//! file under `src/` is parsed (syn), and every `use` tree (groups and nesting included), every path
//! in code, types and attributes (`crate::engine::Engine::attach(…)`, `#[derive(clap::ValueEnum)]`),
//! every path inside a macro's tokens and every `extern crate` is resolved to the top-level module
//! or external crate it names (`super::` relative to the module the code is in). Each top-level
//! module may use only what its row of [`RULES`] allows, and the modules form no cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use proc_macro2::{Spacing, Span, TokenStream, TokenTree};
use syn::visit::{self, Visit};

/// Which of the crate's other top-level modules a module may use.
enum Uses {
    /// These and no others.
    Only(&'static [&'static str]),
    /// Any but these.
    AllBut(&'static [&'static str]),
}

/// One row of the layer table.
struct Rule {
    module: &'static str,
    uses: Uses,
    /// Whether it may use the UI toolkit ([`TOOLKIT`]).
    toolkit: bool,
    /// External crates it may not use.
    banned_crates: &'static [&'static str],
}

/// The UI toolkit and the file dialogs: only `app` and `ui` touch them.
const TOOLKIT: &[&str] = &[
    "egui",
    "eframe",
    "egui_extras",
    "egui_plot",
    "egui_kittest",
    "rfd",
];

const fn rule(
    module: &'static str,
    uses: Uses,
    toolkit: bool,
    banned_crates: &'static [&'static str],
) -> Rule {
    Rule {
        module,
        uses,
        toolkit,
        banned_crates,
    }
}

/// The layer table of ARCHITECTURE.md ("Layers"); keep the two in step.
#[rustfmt::skip]
const RULES: &[Rule] = &[
    //   module        crate modules it may use                                               toolkit crates it may not use
    rule("model",      Uses::Only(&[]),                                                       false,  &["datafusion", "datafusion_datasource", "tokio", "clap"]),
    rule("lake",       Uses::Only(&["model"]),                                                false,  &["clap"]),
    rule("sql",        Uses::Only(&["model", "lake"]),                                        false,  &[]),
    rule("series",     Uses::Only(&["model"]),                                                false,  &[]),
    rule("insights",   Uses::Only(&["model", "series"]),                                      false,  &["datafusion", "tokio"]),
    rule("alert",      Uses::Only(&["model", "series", "insights"]),                          false,  &["datafusion", "tokio"]),
    rule("refresh",    Uses::Only(&["model"]),                                                false,  &["datafusion", "tokio"]),
    rule("trust",      Uses::Only(&["model"]),                                                false,  &["datafusion", "tokio", "clap"]),
    rule("results",    Uses::Only(&["model"]),                                                false,  &["tokio"]),
    rule("command",    Uses::Only(&["model", "series", "results", "sql"]),                    false,  &["tokio"]),
    rule("engine",     Uses::Only(&["model", "lake", "sql"]),                                 false,  &[]),
    rule("jobs",       Uses::Only(&["model", "lake", "engine", "results"]),                   false,  &[]),
    rule("transform",  Uses::Only(&["model", "lake", "engine"]),                             false,  &[]),
    rule("sim",        Uses::Only(&["model"]),                                                false,  &[]),
    rule("cli",        Uses::AllBut(&["app", "ui"]),                                          false,  &[]),
    rule("ui",         Uses::Only(&["model", "lake", "sql", "series", "results", "command", "alert", "refresh", "trust", "insights"]), true, &["tokio", "rfd"]),
    rule("render",     Uses::Only(&["model", "series", "results", "alert", "ui", "command", "build_info", "insights"]), true, &["tokio", "rfd", "eframe"]),
    rule("app",        Uses::AllBut(&["cli"]),                                                true,   &["tokio"]),
    rule("build_info", Uses::Only(&[]),                                                       false,  &[]),
];

/// What a path names, once resolved.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    /// A top-level module of this crate.
    Module(String),
    /// An external crate (or, for a bare first segment, possibly a local name: only banned crate
    /// names ever matter).
    Crate(String),
}

/// A path found in the source.
#[derive(Clone, Debug)]
struct Reference {
    /// The file, relative to `src/`.
    file: String,
    line: usize,
    /// The top-level module the code is in (`None` for the crate roots).
    from: Option<String>,
    target: Target,
    /// The path as written.
    written: String,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "src/{}:{}: {}", self.file, self.line, self.written)
    }
}

/// Walks one file's syntax tree, collecting every path it names.
struct Collector<'a> {
    file: &'a str,
    /// The module the code being visited is in, from the crate root (inline `mod`s included).
    module: Vec<String>,
    found: Vec<Reference>,
}

impl Collector<'_> {
    /// Resolves `segments` (as written, `leading_colon` for `::name`) and records what it names.
    fn record(&mut self, leading_colon: bool, segments: &[String], span: Span) {
        let Some(first) = segments.first() else {
            return;
        };
        let written = format!(
            "{}{}",
            if leading_colon { "::" } else { "" },
            segments.join("::")
        );
        let target = if leading_colon {
            Some(Target::Crate(first.clone()))
        } else {
            match first.as_str() {
                "crate" => absolute(Vec::new(), &segments[1..]),
                "self" => absolute(self.module.clone(), &segments[1..]),
                "super" => {
                    let mut base = self.module.clone();
                    let mut rest = segments;
                    while rest.first().is_some_and(|s| s == "super") {
                        if base.pop().is_none() {
                            return; // Above the crate root: the compiler rejects it.
                        }
                        rest = &rest[1..];
                    }
                    absolute(base, rest)
                }
                "Self" => None,
                _ => Some(Target::Crate(first.clone())),
            }
        };
        if let Some(target) = target {
            self.found.push(Reference {
                file: self.file.to_owned(),
                line: span.start().line,
                from: self.module.first().cloned(),
                target,
                written,
            });
        }
    }

    /// Records the paths in a macro's or attribute's tokens: `a::b`, `::a::b`, `crate::a`.
    fn scan_tokens(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let is_path_sep = |i: usize| {
            matches!((tokens.get(i), tokens.get(i + 1)), (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
                if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':')
        };
        let mut i = 0;
        while i < tokens.len() {
            if let TokenTree::Group(group) = &tokens[i] {
                self.scan_tokens(group.stream());
                i += 1;
                continue;
            }
            let leading_colon = is_path_sep(i) && !(i > 0 && is_ident(&tokens[i - 1]));
            let start = if leading_colon { i + 2 } else { i };
            let mut segments = Vec::new();
            let mut j = start;
            while let Some(TokenTree::Ident(ident)) = tokens.get(j) {
                segments.push(ident.to_string());
                if !is_path_sep(j + 1) {
                    j += 1;
                    break;
                }
                j += 3;
            }
            if segments.len() > 1 || (leading_colon && !segments.is_empty()) {
                self.record(leading_colon, &segments, tokens[start].span());
                i = j;
            } else {
                i += 1;
            }
        }
    }
}

fn is_ident(token: &TokenTree) -> bool {
    matches!(token, TokenTree::Ident(_))
}

/// The target of `rest` below module `base`: the first segment from the crate root.
fn absolute(mut base: Vec<String>, rest: &[String]) -> Option<Target> {
    base.extend(rest.iter().filter(|s| *s != "self").cloned());
    base.into_iter().next().map(Target::Module)
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.module.push(item.ident.to_string());
        visit::visit_item_mod(self, item);
        self.module.pop();
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
        let mut paths = Vec::new();
        flatten_use(&item.tree, &mut Vec::new(), &mut paths);
        for (segments, span) in paths {
            self.record(item.leading_colon.is_some(), &segments, span);
        }
    }

    fn visit_item_extern_crate(&mut self, item: &'ast syn::ItemExternCrate) {
        self.record(true, &[item.ident.to_string()], item.ident.span());
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if let Some(first) = path.segments.first() {
            self.record(path.leading_colon.is_some(), &segments, first.ident.span());
        }
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        visit::visit_macro(self, mac);
        self.scan_tokens(mac.tokens.clone());
    }

    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        visit::visit_attribute(self, attr);
        if let syn::Meta::List(list) = &attr.meta {
            self.scan_tokens(list.tokens.clone());
        }
    }
}

/// Every path a `use` tree imports: `use a::{b, c::{self, d}}` gives `a::b`, `a::c`, `a::c::d`.
fn flatten_use(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, Span)>) {
    match tree {
        syn::UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            flatten_use(&path.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(name) => push_use(prefix, &name.ident, out),
        syn::UseTree::Rename(rename) => push_use(prefix, &rename.ident, out),
        syn::UseTree::Glob(glob) => {
            if !prefix.is_empty() {
                out.push((prefix.clone(), glob.star_token.span));
            }
        }
        syn::UseTree::Group(group) => {
            for tree in &group.items {
                flatten_use(tree, prefix, out);
            }
        }
    }
}

fn push_use(prefix: &[String], ident: &syn::Ident, out: &mut Vec<(Vec<String>, Span)>) {
    let mut path = prefix.to_vec();
    // `a::{self}` imports `a` itself.
    if ident != "self" || path.is_empty() {
        path.push(ident.to_string());
    }
    out.push((path, ident.span()));
}

/// The module path of a file relative to `src/`: `sql/completion.rs` is `sql::completion`,
/// `sql/mod.rs` is `sql`, `lib.rs` and `main.rs` are the crate roots.
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if parts.last().is_some_and(|p| p == "mod") || matches!(file, "lib.rs" | "main.rs") {
        parts.pop();
    }
    parts
}

/// Every path named in `files` (`(path relative to src/, source)`).
fn references(files: &[(String, String)]) -> Vec<Reference> {
    let mut found = Vec::new();
    for (file, source) in files {
        // `main.rs` is the binary, another crate: its `crate::` is not the library's.
        if file == "main.rs" {
            continue;
        }
        let syntax = syn::parse_file(source).unwrap_or_else(|e| panic!("src/{file}: {e}"));
        let mut collector = Collector {
            file,
            module: module_of(file),
            found: Vec::new(),
        };
        collector.visit_file(&syntax);
        found.extend(collector.found);
    }
    found
}

/// Each reference that breaks its module's rule, with why.
fn violations(references: &[Reference]) -> Vec<String> {
    let mut out = Vec::new();
    for reference in references {
        let Some(from) = &reference.from else {
            continue;
        };
        let Some(rule) = RULES.iter().find(|r| r.module == from) else {
            out.push(format!("{reference}: module `{from}` has no row in RULES"));
            continue;
        };
        let broken = match &reference.target {
            Target::Module(to) if to == from => None,
            Target::Module(to) => {
                let allowed = match rule.uses {
                    Uses::Only(modules) => modules.contains(&to.as_str()),
                    Uses::AllBut(modules) => !modules.contains(&to.as_str()),
                };
                (!allowed).then(|| format!("`{from}` may not use `{to}`"))
            }
            Target::Crate(name) => {
                let banned = rule.banned_crates.contains(&name.as_str())
                    || (!rule.toolkit && TOOLKIT.contains(&name.as_str()));
                banned.then(|| format!("`{from}` may not use the `{name}` crate"))
            }
        };
        if let Some(why) = broken {
            out.push(format!("{reference}: {why}"));
        }
    }
    out
}

/// Module-to-module edges, with the first reference that makes each.
fn module_graph(references: &[Reference]) -> BTreeMap<&str, BTreeMap<&str, &Reference>> {
    let mut graph: BTreeMap<&str, BTreeMap<&str, &Reference>> = BTreeMap::new();
    for reference in references {
        if let (Some(from), Target::Module(to)) = (&reference.from, &reference.target)
            && from != to
        {
            graph
                .entry(from.as_str())
                .or_default()
                .entry(to.as_str())
                .or_insert(reference);
        }
    }
    graph
}

/// A cycle among the modules, as `a -> b (why) -> a (why)`, if there is one.
fn find_cycle(graph: &BTreeMap<&str, BTreeMap<&str, &Reference>>) -> Option<String> {
    fn visit<'g>(
        node: &'g str,
        graph: &'g BTreeMap<&str, BTreeMap<&str, &Reference>>,
        path: &mut Vec<&'g str>,
        done: &mut BTreeSet<&'g str>,
    ) -> Option<Vec<&'g str>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node);
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flat_map(BTreeMap::keys) {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node);
        None
    }
    let mut done = BTreeSet::new();
    for start in graph.keys() {
        if let Some(cycle) = visit(start, graph, &mut Vec::new(), &mut done) {
            let hops: Vec<String> = cycle
                .windows(2)
                .map(|hop| format!("{} ({})", hop[1], graph[hop[0]][hop[1]]))
                .collect();
            return Some(format!("{} -> {}", cycle[0], hops.join(" -> ")));
        }
    }
    None
}

fn source_files() -> Vec<(String, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("readable src folder")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(root).expect("under src");
                let relative = relative.to_string_lossy().replace('\\', "/");
                let text = std::fs::read_to_string(&path).expect("readable source");
                out.push((relative, text));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &root, &mut files);
    files
}

#[test]
fn every_module_uses_only_what_its_layer_allows() {
    let references = references(&source_files());
    assert!(
        references.len() > 100,
        "the parser found too few paths to be reading the code"
    );
    let broken = violations(&references);
    assert!(
        broken.is_empty(),
        "layer rules broken (see ARCHITECTURE.md, Layers):\n{}",
        broken.join("\n")
    );
}

#[test]
fn modules_form_no_cycle() {
    let references = references(&source_files());
    if let Some(cycle) = find_cycle(&module_graph(&references)) {
        panic!("the top-level modules use each other in a cycle: {cycle}");
    }
}

#[test]
fn every_top_level_module_has_a_rule() {
    let modules: BTreeSet<String> = source_files()
        .iter()
        .filter_map(|(file, _)| module_of(file).into_iter().next())
        .collect();
    let missing: Vec<&String> = modules
        .iter()
        .filter(|m| !RULES.iter().any(|r| r.module == *m))
        .collect();
    assert!(
        missing.is_empty(),
        "add these modules to RULES and ARCHITECTURE.md: {missing:?}"
    );
}

#[test]
fn only_app_and_ui_use_the_ui_toolkit() {
    let toolkit: Vec<&str> = RULES
        .iter()
        .filter(|r| r.toolkit)
        .map(|r| r.module)
        .collect();
    assert_eq!(toolkit, ["ui", "render", "app"]);
    let references = references(&source_files());
    let users: BTreeSet<&str> = references
        .iter()
        .filter(|r| matches!(&r.target, Target::Crate(c) if c == "egui" || c == "eframe"))
        .filter_map(|r| r.from.as_deref())
        .collect();
    assert!(
        users.is_subset(&BTreeSet::from(["app", "ui", "render"])),
        "egui/eframe used in {users:?}"
    );
}

/// The checker itself, on planted code: each way of naming a module is caught, and allowed uses
/// pass.
#[test]
fn the_checker_catches_every_way_of_naming_a_module() {
    let files: Vec<(String, String)> = [
        (
            "sql/planted.rs",
            "use crate::{lake::Catalog, engine::{self, Engine}};\n\
             use super::text::word_before;\n\
             fn f() { super::super::engine::Engine::attach(); }",
        ),
        // `super::super` from `sql/nested/deeper.rs` is `sql`: its own `jobs`, allowed.
        (
            "sql/nested/deeper.rs",
            "use super::super::jobs::Local;\nuse super::super::super::jobs::Jobs;",
        ),
        (
            "model/format.rs",
            "#[derive(Clone, clap::ValueEnum)]\npub enum Format { Csv }",
        ),
        (
            "ui/results.rs",
            "use crate::app::results::ResultSet;\nuse crate::series::ChartSpec;\n\
             fn f(ui: &mut egui::Ui) { tokio::spawn(async {}); }",
        ),
        (
            "series/mod.rs",
            "fn f() { println!(\"{}\", crate::engine::VERSION); }",
        ),
        (
            "lake/mod.rs",
            "mod inner { fn f() { super::super::sql::x(); } }\n\
             #[cfg(test)] mod tests { use super::*; use crate::model::SourceSpec; }",
        ),
        (
            "engine/mod.rs",
            "use crate::sql::text;\nuse ::eframe::App;\nfn f(x: Vec<egui_plot::Line>) {}",
        ),
        ("jobs/mod.rs", "#[tokio::test] async fn t() {}"),
        ("app/mod.rs", "use crate::{cli::run, jobs::Jobs};"),
        ("lib.rs", "pub mod app;\npub use crate::app::run_native;"),
    ]
    .into_iter()
    .map(|(file, text)| (file.to_owned(), text.to_owned()))
    .collect();
    let references = references(&files);
    let broken = violations(&references);
    let expected = [
        "src/sql/planted.rs:1: crate::engine: `sql` may not use `engine`",
        "src/sql/planted.rs:1: crate::engine::Engine: `sql` may not use `engine`",
        "src/sql/planted.rs:3: super::super::engine::Engine::attach: `sql` may not use `engine`",
        "src/sql/nested/deeper.rs:2: super::super::super::jobs::Jobs: `sql` may not use `jobs`",
        "src/model/format.rs:1: clap::ValueEnum: `model` may not use the `clap` crate",
        "src/ui/results.rs:1: crate::app::results::ResultSet: `ui` may not use `app`",
        "src/ui/results.rs:3: tokio::spawn: `ui` may not use the `tokio` crate",
        "src/series/mod.rs:1: crate::engine::VERSION: `series` may not use `engine`",
        "src/lake/mod.rs:1: super::super::sql::x: `lake` may not use `sql`",
        "src/engine/mod.rs:2: ::eframe::App: `engine` may not use the `eframe` crate",
        "src/engine/mod.rs:3: egui_plot::Line: `engine` may not use the `egui_plot` crate",
        "src/app/mod.rs:1: crate::cli::run: `app` may not use `cli`",
    ];
    assert_eq!(broken, expected, "got:\n{}", broken.join("\n"));
    let cycle = find_cycle(&module_graph(&references)).expect("engine <-> sql");
    assert!(
        cycle.starts_with("engine -> sql (src/engine/mod.rs:1: crate::sql::text) -> engine"),
        "{cycle}"
    );
}
