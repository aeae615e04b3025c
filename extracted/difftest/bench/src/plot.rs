//! SVG plot of get latency against history length (plotters).

use anyhow::{anyhow, Result};
use plotters::prelude::*;
use std::path::Path;

/// One line of the plot.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// `(history length, ns per get)`, increasing history.
    pub points: Vec<(usize, f64)>,
}

const COLORS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// Draw `series` (log-log axes) into the SVG file `out`.
pub fn latency_svg(out: &Path, title: &str, series: &[Series]) -> Result<()> {
    let pts = series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, 1.0f64, f64::MAX, 1.0f64);
    for &(x, y) in pts {
        x0 = x0.min(x as f64);
        x1 = x1.max(x as f64);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 || y0 > y1 {
        return Err(anyhow!("nothing to plot"));
    }
    let (x0, x1) = (x0.max(1.0) / 1.5, x1 * 1.5);
    // Head room above the data for the legend.
    let (y0, y1) = (y0.max(0.1) / 2.0, y1 * 30.0);
    let root = SVGBackend::new(out, (900, 560)).into_drawing_area();
    let e = |e: &dyn std::fmt::Display| anyhow!("plotting {}: {e}", out.display());
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
        .map_err(|x| e(&x))?;
    chart
        .configure_mesh()
        .x_desc("history length (puts applied at the replica)")
        .y_desc("ns per get")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()
        .map_err(|x| e(&x))?;
    for (i, s) in series.iter().enumerate() {
        let c = COLORS[i % COLORS.len()];
        let data: Vec<(f64, f64)> = s.points.iter().map(|&(x, y)| (x as f64, y)).collect();
        chart
            .draw_series(LineSeries::new(data.clone(), c.stroke_width(2)))
            .map_err(|x| e(&x))?
            .label(s.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        chart
            .draw_series(data.into_iter().map(|p| Circle::new(p, 3, c.filled())))
            .map_err(|x| e(&x))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|x| e(&x))?;
    root.present().map_err(|x| e(&x))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_an_svg_with_every_label() {
        let d =
            std::env::temp_dir().join(format!("extraction-check-plot-{}.svg", std::process::id()));
        let s = vec![
            Series {
                label: "a-store".into(),
                points: vec![(1000, 50.0), (10000, 60.0)],
            },
            Series {
                label: "b-store".into(),
                points: vec![(1000, 500.0), (10000, 6000.0)],
            },
        ];
        latency_svg(&d, "t", &s).unwrap();
        let svg = std::fs::read_to_string(&d).unwrap();
        std::fs::remove_file(&d).ok();
        assert!(svg.starts_with("<svg") && svg.contains("a-store") && svg.contains("b-store"));
        assert!(latency_svg(&d, "t", &[]).is_err());
    }
}
