//! The learning curve as a PNG (plotters): mean reward per iteration, with the utility AI's episode
//! as a horizontal reference line. Axis labels need a TrueType font; a system DejaVu/Liberation
//! font is used when there is one (none is shipped), else the plot has lines only and says so.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::FontStyle;

/// Fonts looked for, in order.
const FONTS: [&str; 4] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
];

/// Registers a system font for plotters' "sans-serif" once; false when none was found.
fn font() -> bool {
    static FOUND: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *FOUND.get_or_init(|| {
        FONTS.iter().any(|p| match std::fs::read(p) {
            Ok(bytes) => plotters::style::register_font(
                "sans-serif",
                FontStyle::Normal,
                Box::leak(bytes.into_boxed_slice()),
            )
            .is_ok(),
            Err(_) => false,
        })
    })
}

/// Why the curve could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub(crate) struct PlotError {
    pub(crate) path: String,
    pub(crate) message: String,
}

/// Draws `points` (iteration, mean reward) and the `baseline` line into a PNG at `path`. Returns
/// a note when the axes could not be labelled.
pub(crate) fn learning_curve(
    points: &[(f64, f64)],
    baseline: Option<f64>,
    path: &Path,
) -> Result<Option<String>, PlotError> {
    let err = |e: &dyn std::fmt::Display| PlotError {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let points: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let baseline = baseline.filter(|b| b.is_finite());
    if points.is_empty() {
        return Err(err(&"no finite points to plot"));
    }
    let labelled = font();
    let root = BitMapBackend::new(path, (800, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let xs = points.iter().map(|p| p.0);
    let ys = points.iter().map(|p| p.1).chain(baseline);
    let x_max = xs.fold(1.0f64, f64::max);
    let (y_min, y_max) = ys.fold((f64::MAX, f64::MIN), |(lo, hi), y| (lo.min(y), hi.max(y)));
    let pad = ((y_max - y_min) * 0.1).max(0.01);
    let mut builder = ChartBuilder::on(&root);
    builder.margin(20);
    if labelled {
        builder
            .caption(
                "train-policy: mean reward per NPC per game second",
                ("sans-serif", 20),
            )
            .x_label_area_size(40)
            .y_label_area_size(60);
    }
    let mut chart = builder
        .build_cartesian_2d(0f64..x_max, (y_min - pad)..(y_max + pad))
        .map_err(|e| err(&e))?;
    if labelled {
        chart
            .configure_mesh()
            .x_labels(10)
            .y_labels(10)
            .x_desc("iteration")
            .y_desc("mean reward")
            .draw()
            .map_err(|e| err(&e))?;
    }
    if let Some(b) = baseline {
        chart
            .draw_series(LineSeries::new([(0.0, b), (x_max, b)], RED.stroke_width(1)))
            .map_err(|e| err(&e))?;
    }
    chart
        .draw_series(LineSeries::new(
            points.iter().copied(),
            BLUE.stroke_width(2),
        ))
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok((!labelled).then(|| "no TrueType font found: the plot has no axis labels".to_string()))
}
