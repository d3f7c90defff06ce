//! PNG files of rendered images: straight (not premultiplied) RGBA, the scale's DPI in `pHYs`,
//! and provenance in text chunks (`tEXt` for Latin-1 keys such as `Title` and `Software`,
//! `iTXt` for UTF-8 text such as the JSON description).

use super::Canvas;

/// Dots per inch of an image drawn at one pixel per point (egui's point is a CSS pixel).
const DPI_PER_SCALE: f32 = 96.0;

/// A text chunk: its keyword (1-79 Latin-1 characters) and text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextChunk {
    pub keyword: String,
    pub text: String,
}

impl TextChunk {
    pub fn new(keyword: &str, text: &str) -> Self {
        Self {
            keyword: keyword.to_owned(),
            text: text.to_owned(),
        }
    }
}

/// `canvas` as a PNG file's bytes, drawn at `scale` pixels per point, with `chunks`.
pub fn encode(canvas: &Canvas, scale: f32, chunks: &[TextChunk]) -> Result<Vec<u8>, String> {
    let (Ok(width), Ok(height)) = (u32::try_from(canvas.width), u32::try_from(canvas.height))
    else {
        return Err(format!(
            "{}x{} pixels is too large for a PNG",
            canvas.width, canvas.height
        ));
    };
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let per_metre = (DPI_PER_SCALE * scale / 0.0254).round() as u32;
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: per_metre,
        yppu: per_metre,
        unit: png::Unit::Meter,
    }));
    for chunk in chunks {
        let latin1 = chunk.text.chars().all(|c| u32::from(c) < 256);
        let added = if latin1 {
            encoder.add_text_chunk(chunk.keyword.clone(), chunk.text.clone())
        } else {
            encoder.add_itxt_chunk(chunk.keyword.clone(), chunk.text.clone())
        };
        added.map_err(|e| format!("PNG text chunk `{}`: {e}", chunk.keyword))?;
    }
    let failed = |e: &dyn std::fmt::Display| format!("cannot write the PNG: {e}");
    let mut writer = encoder.write_header().map_err(|e| failed(&e))?;
    // Row by row into the encoder: no second copy of the whole image beside the canvas.
    let mut stream = writer.stream_writer().map_err(|e| failed(&e))?;
    let mut row = Vec::with_capacity(canvas.width * 4);
    for pixels in canvas.pixels.chunks(canvas.width.max(1)) {
        row.clear();
        row.extend(pixels.iter().flat_map(egui::Color32::to_srgba_unmultiplied));
        std::io::Write::write_all(&mut stream, &row).map_err(|e| failed(&e))?;
    }
    stream.finish().map_err(|e| failed(&e))?;
    writer.finish().map_err(|e| failed(&e))?;
    Ok(bytes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use egui::Color32;

    use super::*;

    #[test]
    fn pixels_are_straight_rgba_with_the_scale_dpi_and_the_text_chunks() {
        let mut canvas = Canvas::new(3, 2, Color32::WHITE);
        // Half-transparent red, premultiplied: stored as straight red at alpha 128.
        canvas.pixels[1] = Color32::from_rgba_premultiplied(128, 0, 0, 128);
        let description = "{\"dashboard\":\"Orders – €\",\"visual\":\"revenue\"}";
        let bytes = encode(
            &canvas,
            2.0,
            &[
                TextChunk::new("Title", "Orders and revenue"),
                TextChunk::new("Description", description),
            ],
        )
        .unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut data = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut data).unwrap();
        assert_eq!(&data[..8], &[255, 255, 255, 255, 255, 0, 0, 128]);
        let info = reader.info();
        assert_eq!((info.width, info.height), (3, 2));
        // 192 dpi = 7559 pixels per metre.
        let dims = info.pixel_dims.unwrap();
        assert_eq!((dims.xppu, dims.unit), (7559, png::Unit::Meter));
        let title = &info.uncompressed_latin1_text[0];
        assert_eq!(
            (title.keyword.as_str(), title.text.as_str()),
            ("Title", "Orders and revenue")
        );
        let utf8 = &info.utf8_text[0];
        assert_eq!(utf8.keyword, "Description");
        assert_eq!(utf8.get_text().unwrap(), description);
    }
}
