//! The documentation a player or modder reads: every relative link and anchor in the README and
//! `docs/` resolves, and no page names the culprit of a shipped case.

use std::path::{Path, PathBuf};

use npc_minds::config::case::load_cases;

/// The README and every page in `docs/`.
fn pages() -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir("docs")
        .expect("docs/ is there")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    out.extend(docs);
    out
}

/// The text outside fenced code blocks.
fn prose(text: &str) -> String {
    let mut inside = false;
    let mut out = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
            continue;
        }
        if !inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(text: &str) -> Vec<String> {
    prose(text)
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| slug(l.trim_start_matches('#')))
        .collect()
}

/// Every `](target)` of a page's prose.
fn links(text: &str) -> Vec<String> {
    let prose = prose(text);
    let mut out = Vec::new();
    let mut rest = prose.as_str();
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        if let Some(end) = rest.find(')') {
            out.push(rest[..end].trim().to_string());
        }
    }
    out
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let dir = page.parent().unwrap_or(Path::new(""));
        for link in links(&text) {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (path, anchor) = link.split_once('#').unwrap_or((link.as_str(), ""));
            let target = if path.is_empty() {
                page.clone()
            } else {
                dir.join(path)
            };
            if !target.exists() {
                broken.push(format!("{}: {link} (no such file)", page.display()));
                continue;
            }
            if !anchor.is_empty() {
                let t = std::fs::read_to_string(&target).unwrap_or_default();
                if !anchors(&t).contains(&anchor.to_string()) {
                    broken.push(format!("{}: {link} (no such heading)", page.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(
        checked >= 20,
        "only {checked} links found: is the parser right?"
    );
}

#[test]
fn no_page_names_the_culprit_of_any_case() {
    let (cases, problems) = load_cases(&["assets/cases".into()]);
    assert!(problems.is_empty(), "{problems:?}");
    assert!(cases.len() >= 3, "the shipped cases load");
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for case in &cases {
            let culprit = case.culprit.to_lowercase();
            let named = text
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w.to_lowercase() == culprit);
            assert!(
                !named,
                "{} names the culprit of the case {}",
                page.display(),
                case.id
            );
        }
    }
}

#[test]
fn the_link_parser_finds_links_and_slugs_headings() {
    assert_eq!(
        links("see [a](b.md#c) and [d](http://e)"),
        ["b.md#c", "http://e"]
    );
    assert_eq!(links("```\n[x](y)\n```\n"), Vec::<String>::new());
    assert_eq!(
        slug(" Question sets and `npc-minds eval dialogue`"),
        "question-sets-and-npc-minds-eval-dialogue"
    );
}
