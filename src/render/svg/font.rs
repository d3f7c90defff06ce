//! The fonts of an SVG file: which of the bundled fonts egui draws each character with (the first
//! of its family's fonts that has it, as egui picks), and each used font embedded as a subset
//! holding only the characters drawn (`@font-face` with a `data:` URL).
//!
//! The `subsetter` crate keeps the outlines, metrics and names but drops the character map (it is
//! made for PDF, where the file maps characters itself); a browser needs one, so a `cmap` (formats
//! 4 and 12) for the subset's glyph ids and the original `OS/2` table are added back here.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

use base64::Engine as _;
use egui::{FontData, FontFamily};
use skrifa::{FontRef, MetadataProvider, string::StringId};

/// One bundled font as the SVG names it.
struct Face {
    /// egui's name for it.
    name: String,
    data: Arc<FontData>,
    /// Its family names (typographic, then legacy): where `@font-face` is not read (resvg, some
    /// editors) the installed or loaded font of that name is used.
    families: Vec<String>,
    /// Its weight (OS/2), 400 when it has none.
    weight: u16,
    /// The characters drawn with it, and their glyph ids in the font.
    used: BTreeMap<char, u16>,
}

/// The fonts an SVG file uses, collected while its text is written.
pub struct Fonts {
    faces: Vec<Face>,
    /// Each family's faces, in the order a character is looked for.
    families: HashMap<FontFamily, Vec<usize>>,
    /// Which face draws a character in a family (`None`: none has it).
    picked: HashMap<(FontFamily, char), Option<usize>>,
}

impl Fonts {
    /// The bundled fonts ([`crate::ui::fonts::definitions`]).
    pub fn bundled() -> Self {
        let definitions = crate::ui::fonts::definitions();
        let mut faces: Vec<Face> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut families = HashMap::new();
        for (family, names) in &definitions.families {
            let mut chain = Vec::new();
            for name in names {
                let Some(data) = definitions.font_data.get(name) else {
                    continue;
                };
                let at = *index.entry(name.clone()).or_insert_with(|| {
                    faces.push(Face::new(name, Arc::clone(data)));
                    faces.len() - 1
                });
                chain.push(at);
            }
            families.insert(family.clone(), chain);
        }
        Self {
            faces,
            families,
            picked: HashMap::new(),
        }
    }

    /// The face egui draws `chr` with in `family`, noting the character as used.
    pub fn face_for(&mut self, family: &FontFamily, chr: char) -> Option<usize> {
        if let Some(picked) = self.picked.get(&(family.clone(), chr)) {
            return *picked;
        }
        let chain = self
            .families
            .get(family)
            .or_else(|| self.families.get(&FontFamily::Proportional))
            .cloned()
            .unwrap_or_default();
        let mut picked = None;
        for at in chain {
            if let Some(glyph) = self.faces[at].glyph(chr) {
                self.faces[at].used.insert(chr, glyph);
                picked = Some(at);
                break;
            }
        }
        self.picked.insert((family.clone(), chr), picked);
        picked
    }

    /// The face's size factor and vertical offset (egui's tweak for it), as a fraction of the size.
    pub fn tweak(&self, face: usize) -> (f32, f32) {
        let tweak = &self.faces[face].data.tweak;
        (tweak.scale, tweak.y_offset_factor)
    }

    /// The `font-family` and `font-weight` attributes of text drawn with `face`.
    pub fn attributes(&self, face: usize) -> String {
        let face = &self.faces[face];
        let mut families = vec![format!("ls-{}", css_name(&face.name))];
        families.extend(face.families.iter().map(|f| css_name(f)));
        let quoted: Vec<String> = families.iter().map(|f| format!("'{f}'")).collect();
        format!(
            "font-family=\"{}\" font-weight=\"{}\"",
            quoted.join(", "),
            face.weight
        )
    }

    /// The `@font-face` rules of every face used, each a subset of the characters drawn with it.
    pub fn style(&self) -> String {
        let mut css = String::new();
        for face in self.faces.iter().filter(|f| !f.used.is_empty()) {
            let Some(subset) = face.subset() else {
                continue;
            };
            let data = base64::engine::general_purpose::STANDARD.encode(subset);
            let _ = writeln!(
                css,
                "@font-face {{ font-family: 'ls-{}'; font-weight: {}; src: url(data:font/ttf;base64,{data}) format('truetype'); }}",
                css_name(&face.name),
                face.weight
            );
        }
        css
    }
}

impl Face {
    fn new(name: &str, data: Arc<FontData>) -> Self {
        let mut face = Self {
            name: name.to_owned(),
            data,
            families: Vec::new(),
            weight: 400,
            used: BTreeMap::new(),
        };
        if let Some(font) = face.font() {
            let mut families = Vec::new();
            for id in [StringId::TYPOGRAPHIC_FAMILY_NAME, StringId::FAMILY_NAME] {
                if let Some(name) = font.localized_strings(id).english_or_first() {
                    let name = name.to_string();
                    if !families.contains(&name) {
                        families.push(name);
                    }
                }
            }
            let weight = font.attributes().weight.value().round() as u16;
            (face.families, face.weight) = (families, weight);
        }
        face
    }

    fn font(&self) -> Option<FontRef<'_>> {
        FontRef::from_index((*self.data.font).as_ref(), self.data.index).ok()
    }

    fn glyph(&self, chr: char) -> Option<u16> {
        let glyph = self.font()?.charmap().map(chr)?;
        u16::try_from(glyph.to_u32()).ok().filter(|g| *g != 0)
    }

    /// The font cut down to the characters used, with a character map for them.
    fn subset(&self) -> Option<Vec<u8>> {
        let bytes: &[u8] = (*self.data.font).as_ref();
        let mut remapper = subsetter::GlyphRemapper::new();
        let map: Vec<(char, u16)> = self
            .used
            .iter()
            .map(|(chr, glyph)| (*chr, remapper.remap(*glyph)))
            .collect();
        let subset = subsetter::subset(bytes, self.data.index, &remapper).ok()?;
        let os2 = self
            .font()?
            .table_data(skrifa::Tag::new(b"OS/2"))
            .map(|data| data.as_bytes().to_vec());
        let mut extra = vec![(*b"cmap", cmap(&map))];
        if let Some(os2) = os2 {
            extra.push((*b"OS/2", os2));
        }
        with_tables(&subset, extra)
    }
}

/// A name safe inside a quoted CSS string and an XML attribute.
fn css_name(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .collect()
}

/// A `cmap` table mapping `map`'s characters to glyph ids: format 4 (the characters below
/// U+10000) for platform 3 encoding 1, and format 12 (all) for platform 3 encoding 10.
fn cmap(map: &[(char, u16)]) -> Vec<u8> {
    let bmp: Vec<(u16, u16)> = map
        .iter()
        .filter_map(|(c, g)| Some((u16::try_from(u32::from(*c)).ok()?, *g)))
        .filter(|(c, _)| *c != 0xFFFF)
        .collect();
    // Format 4: one segment per character, then the closing 0xFFFF segment.
    let segments = bmp.len() + 1;
    let seg_x2 = (segments * 2) as u16;
    let selector = (segments as f32).log2().floor() as u16;
    let search = 2 * (1u16 << selector);
    let mut f4 = Vec::new();
    let put = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_be_bytes());
    put(&mut f4, 4);
    put(&mut f4, (16 + segments * 8) as u16);
    put(&mut f4, 0);
    put(&mut f4, seg_x2);
    put(&mut f4, search);
    put(&mut f4, selector);
    put(&mut f4, seg_x2 - search);
    for (c, _) in &bmp {
        put(&mut f4, *c);
    }
    put(&mut f4, 0xFFFF);
    put(&mut f4, 0);
    for (c, _) in &bmp {
        put(&mut f4, *c);
    }
    put(&mut f4, 0xFFFF);
    for (c, g) in &bmp {
        put(&mut f4, g.wrapping_sub(*c));
    }
    put(&mut f4, 1);
    for _ in 0..segments {
        put(&mut f4, 0);
    }
    let mut f12 = Vec::new();
    put(&mut f12, 12);
    put(&mut f12, 0);
    f12.extend_from_slice(&((16 + map.len() * 12) as u32).to_be_bytes());
    f12.extend_from_slice(&0u32.to_be_bytes());
    f12.extend_from_slice(&(map.len() as u32).to_be_bytes());
    for (c, g) in map {
        let (c, g) = (u32::from(*c), u32::from(*g));
        for v in [c, c, g] {
            f12.extend_from_slice(&v.to_be_bytes());
        }
    }
    let mut table = Vec::new();
    put(&mut table, 0);
    put(&mut table, 2);
    for (encoding, offset) in [(1u16, 20u32), (10, 20 + f4.len() as u32)] {
        put(&mut table, 3);
        put(&mut table, encoding);
        table.extend_from_slice(&offset.to_be_bytes());
    }
    table.extend_from_slice(&f4);
    table.extend_from_slice(&f12);
    table
}

/// The OpenType font `font` with the tables `extra` added (replacing any of the same tag): the
/// table directory rebuilt in tag order, every table 4-byte aligned and checksummed, and the
/// `head` table's checksum adjustment set.
fn with_tables(font: &[u8], extra: Vec<([u8; 4], Vec<u8>)>) -> Option<Vec<u8>> {
    let be16 = |at: usize| Some(u16::from_be_bytes(font.get(at..at + 2)?.try_into().ok()?));
    let be32 = |at: usize| Some(u32::from_be_bytes(font.get(at..at + 4)?.try_into().ok()?));
    let count = usize::from(be16(4)?);
    let mut tables: BTreeMap<[u8; 4], Vec<u8>> = BTreeMap::new();
    for i in 0..count {
        let record = 12 + i * 16;
        let tag: [u8; 4] = font.get(record..record + 4)?.try_into().ok()?;
        let (offset, length) = (be32(record + 8)? as usize, be32(record + 12)? as usize);
        tables.insert(tag, font.get(offset..offset + length)?.to_vec());
    }
    tables.extend(extra);
    let count = tables.len() as u16;
    let selector = f32::from(count).log2().floor() as u16;
    let search = (1u16 << selector) * 16;
    let mut out = Vec::new();
    out.extend_from_slice(&font[0..4]);
    for v in [count, search, selector, count * 16 - search] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + usize::from(count) * 16;
    let mut head_at = None;
    for (tag, data) in &mut tables {
        if tag == b"head" && data.len() >= 12 {
            data[8..12].fill(0);
            head_at = Some(offset + 8);
        }
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        offset += data.len().next_multiple_of(4);
    }
    for data in tables.values() {
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    if let Some(at) = head_at {
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at..at + 4].copy_from_slice(&adjustment.to_be_bytes());
    }
    Some(out)
}

/// The OpenType checksum: the sum of big-endian u32 words, the last padded with zeros.
fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_subset_keeps_only_the_characters_drawn_and_maps_them() {
        let mut fonts = Fonts::bundled();
        let latin = fonts.face_for(&FontFamily::Proportional, 'A').unwrap();
        let cjk = fonts.face_for(&FontFamily::Proportional, '日').unwrap();
        let arrow = fonts.face_for(&FontFamily::Proportional, '▲').unwrap();
        assert_ne!(latin, cjk, "CJK comes from the fallback");
        assert!(
            fonts.faces[cjk]
                .families
                .iter()
                .any(|f| f.contains("Droid"))
        );
        assert_ne!(
            arrow, latin,
            "▲ is not in the first font; a fallback has it"
        );
        for face in [latin, cjk] {
            let subset = fonts.faces[face].subset().unwrap();
            let original = (*fonts.faces[face].data.font).as_ref().len();
            assert!(
                subset.len() * 10 < original,
                "{} of {original}",
                subset.len()
            );
            let font = FontRef::new(&subset).unwrap();
            let charmap = font.charmap();
            for chr in fonts.faces[face].used.keys() {
                let glyph = charmap.map(*chr).unwrap();
                assert_ne!(glyph.to_u32(), 0, "{chr} maps to a glyph");
                let outline = font.outline_glyphs().get(glyph);
                assert!(outline.is_some(), "{chr} has an outline");
            }
            assert!(
                charmap.map('Z').is_none(),
                "characters not drawn are left out"
            );
        }
    }
}
