//! Text visuals: Markdown (headings, paragraphs, bold, italic, inline code, links, lists, block
//! quotes, code blocks, rules) parsed with `pulldown-cmark` and drawn as egui rich text.

use egui::{FontId, RichText};
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

/// A run of text in one style, or a link.
enum Run {
    Text(RichText),
    Link(RichText, String),
}

#[derive(Default)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "one flag per Markdown style that can be open"
)]
struct Inline {
    bold: bool,
    italic: bool,
    strike: bool,
    heading: Option<HeadingLevel>,
    link: Option<String>,
    quote: bool,
}

impl Inline {
    fn rich(&self, text: &str, ui: &egui::Ui) -> RichText {
        let mut rich = RichText::new(text);
        if let Some(level) = self.heading {
            let size = match level {
                HeadingLevel::H1 => 22.0,
                HeadingLevel::H2 => 18.0,
                HeadingLevel::H3 => 15.5,
                _ => 14.0,
            };
            rich = rich.font(FontId::proportional(size)).strong();
        }
        if self.bold {
            rich = rich.strong();
        }
        if self.italic {
            rich = rich.italics();
        }
        if self.strike {
            rich = rich.strikethrough();
        }
        if self.quote {
            rich = rich.color(ui.visuals().weak_text_color());
        }
        rich
    }
}

fn flush(ui: &mut egui::Ui, runs: &mut Vec<Run>, prefix: Option<String>, indent: usize) {
    if runs.is_empty() {
        return;
    }
    let runs = std::mem::take(runs);
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 0.0;
        if indent > 0 || prefix.is_some() {
            ui.add_space(indent as f32 * 16.0);
        }
        if let Some(prefix) = prefix {
            ui.label(format!("{prefix} "));
        }
        for run in runs {
            match run {
                Run::Text(rich) => {
                    ui.label(rich);
                }
                Run::Link(rich, url) => {
                    ui.hyperlink_to(rich, url);
                }
            }
        }
    });
}

/// Draws `markdown`.
pub fn markdown_ui(ui: &mut egui::Ui, markdown: &str) {
    let mut inline = Inline::default();
    let mut runs: Vec<Run> = Vec::new();
    // Open lists: the next number of an ordered list, `None` for bullets.
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut prefix: Option<String> = None;
    let mut code_block: Option<String> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => inline.heading = Some(level),
            Event::End(TagEnd::Heading(_)) => {
                flush(ui, &mut runs, None, 0);
                inline.heading = None;
                ui.add_space(4.0);
            }
            Event::End(TagEnd::Paragraph) => {
                flush(ui, &mut runs, prefix.take(), lists.len());
                ui.add_space(4.0);
            }
            Event::Start(Tag::Strong) => inline.bold = true,
            Event::End(TagEnd::Strong) => inline.bold = false,
            Event::Start(Tag::Emphasis) => inline.italic = true,
            Event::End(TagEnd::Emphasis) => inline.italic = false,
            Event::Start(Tag::Strikethrough) => inline.strike = true,
            Event::End(TagEnd::Strikethrough) => inline.strike = false,
            Event::Start(Tag::BlockQuote(_)) => inline.quote = true,
            Event::End(TagEnd::BlockQuote(_)) => inline.quote = false,
            Event::Start(Tag::Link { dest_url, .. }) => inline.link = Some(dest_url.to_string()),
            Event::End(TagEnd::Link) => inline.link = None,
            Event::Start(Tag::List(first)) => lists.push(first),
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                flush(ui, &mut runs, prefix.take(), lists.len());
                prefix = Some(match lists.last_mut() {
                    Some(Some(number)) => {
                        *number += 1;
                        format!("{}.", *number - 1)
                    }
                    _ => "•".to_owned(),
                });
            }
            Event::End(TagEnd::Item) | Event::HardBreak => {
                flush(ui, &mut runs, prefix.take(), lists.len());
            }
            Event::Start(Tag::CodeBlock(_)) => code_block = Some(String::new()),
            Event::End(TagEnd::CodeBlock) => {
                let code = code_block.take().unwrap_or_default();
                egui::Frame::new()
                    .fill(ui.visuals().extreme_bg_color)
                    .inner_margin(6.0)
                    .corner_radius(4.0)
                    .show(ui, |ui| {
                        ui.label(RichText::new(code.trim_end()).monospace())
                    });
            }
            Event::Text(text) => {
                if let Some(code) = &mut code_block {
                    code.push_str(&text);
                } else {
                    let rich = inline.rich(&text, ui);
                    runs.push(match &inline.link {
                        Some(url) => Run::Link(rich, url.clone()),
                        None => Run::Text(rich),
                    });
                }
            }
            Event::Code(code) => runs.push(Run::Text(RichText::new(code.as_ref()).code())),
            Event::SoftBreak => runs.push(Run::Text(RichText::new(" "))),
            Event::Rule => {
                ui.separator();
            }
            _ => {}
        }
    }
    flush(ui, &mut runs, prefix, lists.len());
}
