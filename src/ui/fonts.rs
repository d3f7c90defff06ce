//! The fonts every view draws with, in the window and in exported images alike: egui's own
//! (Ubuntu Light, Hack, emoji and icons), then `DejaVu Sans` for symbols they lack (▲, ▼, ℹ, arrows,
//! box drawing) and `Droid Sans Fallback` for Chinese, Japanese and Korean, so no label is drawn as
//! a box. The files are bundled (`assets/fonts`, with their licences); nothing is read from the
//! system, so an image is the same on every machine.

use std::sync::Arc;

use egui::{FontData, FontDefinitions, FontFamily};

/// `DejaVu Sans` (Bitstream Vera licence): symbols and wide Latin, Greek and Cyrillic coverage.
const DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// `Droid Sans Fallback` (Apache 2.0): CJK.
const DROID_SANS_FALLBACK: &[u8] = include_bytes!("../../assets/fonts/DroidSansFallbackFull.ttf");

/// The fallbacks added after egui's fonts, in the order they are tried.
const FALLBACKS: [(&str, &[u8]); 2] = [
    ("DejaVuSans", DEJAVU_SANS),
    ("DroidSansFallback", DROID_SANS_FALLBACK),
];

/// egui's default fonts with the bundled fallbacks after them, for both families.
pub fn definitions() -> FontDefinitions {
    let mut fonts = FontDefinitions::default();
    for (name, bytes) in FALLBACKS {
        fonts
            .font_data
            .insert(name.to_owned(), Arc::new(FontData::from_static(bytes)));
        for family in [FontFamily::Proportional, FontFamily::Monospace] {
            fonts
                .families
                .entry(family)
                .or_default()
                .push(name.to_owned());
        }
    }
    fonts
}

/// Makes `ctx` draw with [`definitions`].
pub fn install(ctx: &egui::Context) {
    ctx.set_fonts(definitions());
}
