//! Plain data shared by every layer: where a lake lives. No I/O, no DataFusion, no egui.
//!
//! Dashboard files (visuals, KPIs, alert rules) will live here too; they refer to a lake through a
//! [`SourceSpec`], so a dashboard can never name data outside its declared source.

mod source;

pub use source::{SourceLocation, SourceSpec, SourceSpecError};
