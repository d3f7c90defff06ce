//! What image to make of a dashboard or one of its visuals ([`ImageOptions`]): PNG or SVG, the
//! scale or a pixel size, the theme, the footer and provenance. Shared by `lakesight export`, the
//! window's "Export image…" dialog and `[[exports]]` in dashboard files.

/// The largest scale an image may be drawn at.
pub const MAX_SCALE: f32 = 8.0;
/// The longest side an image may have, in pixels.
pub const MAX_SIDE: u32 = 16_384;
/// The shortest side an image may have, in pixels.
pub const MIN_SIDE: u32 = 16;
/// The most pixels an image may have (40 megapixels, such as 8000 x 5000): its canvas alone is
/// 4 bytes a pixel, so this keeps an export under about 160 MiB of pixels.
pub const MAX_PIXELS: u64 = 40_000_000;

/// An image file's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// A raster image.
    Png,
    /// A vector image, its text as text.
    Svg,
}

impl ImageFormat {
    /// The format a file name's extension names (`.png`, `.svg`), if it names one.
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "png" => Some(Self::Png),
            "svg" => Some(Self::Svg),
            _ => None,
        }
    }

    /// The extension files of this format take.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Svg => "svg",
        }
    }
}

/// Light or dark, as the window's themes draw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Dark text on white tiles.
    #[default]
    Light,
    /// Light text on dark tiles.
    Dark,
}

/// How big an image is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ImageSize {
    /// The natural size (1600 points wide for a dashboard) at this many pixels per point.
    Scale(f32),
    /// This many pixels wide (at one pixel per point), and high if given (else what fits).
    Pixels {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: Option<u32>,
    },
}

/// What image to make of a [`Picture`].
#[derive(Clone, Debug, PartialEq)]
pub struct ImageOptions {
    /// One visual (its id), else the whole dashboard.
    pub visual: Option<String>,
    /// PNG or SVG.
    pub format: ImageFormat,
    /// The scale or the pixel size.
    pub size: ImageSize,
    /// Light or dark.
    pub theme: Theme,
    /// A footer naming the dashboard, the range and when the data was read.
    pub footer: bool,
    /// The SQL and the source in the file's metadata.
    pub provenance: bool,
}

impl Default for ImageOptions {
    fn default() -> Self {
        Self {
            visual: None,
            format: ImageFormat::Png,
            size: ImageSize::Scale(1.0),
            theme: Theme::Light,
            footer: true,
            provenance: true,
        }
    }
}
