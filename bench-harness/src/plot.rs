//! SVG plots of a results file (plotters):
//!
//! * `bench-throughput.svg`: median ops/s per store and workload, whiskers
//!   from the minimum to the maximum over the repetitions;
//! * `bench-latency.svg`: latency CDF per store under the primary (first)
//!   workload, log latency axis;
//! * `bench-history.svg`: median ops/s against history length (puts before
//!   the measurement), per store.

use crate::results::ResultsFile;
use anyhow::Context;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

const SIZE: (u32, u32) = (1000, 560);

/// Draw every plot that has data into `dir`; returns the written paths.
pub fn draw_all(file: &ResultsFile, dir: &Path) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut out = Vec::new();
    if !file.runs.is_empty() {
        let p = dir.join("bench-throughput.svg");
        throughput(file, &p)?;
        out.push(p);
        let p = dir.join("bench-latency.svg");
        latency_cdf(file, &p)?;
        out.push(p);
    }
    if file.history.iter().any(|h| h.run.is_some()) {
        let p = dir.join("bench-history.svg");
        history(file, &p)?;
        out.push(p);
    }
    Ok(out.iter().map(|p| p.display().to_string()).collect())
}

fn stores_of(file: &ResultsFile) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for r in &file.runs {
        if !v.contains(&r.store) {
            v.push(r.store.clone());
        }
    }
    v
}

fn workloads_of(file: &ResultsFile) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for r in &file.runs {
        if !v.contains(&r.workload_name) {
            v.push(r.workload_name.clone());
        }
    }
    v
}

fn color(i: usize) -> RGBColor {
    let c = Palette99::pick(i).to_rgba();
    RGBColor(c.0, c.1, c.2)
}

/// Grouped bars: one group per workload, one bar per store.
pub fn throughput(file: &ResultsFile, path: &PathBuf) -> anyhow::Result<()> {
    let stores = stores_of(file);
    let workloads = workloads_of(file);
    let ymax = file
        .runs
        .iter()
        .map(|r| r.figures.ops_per_s.max)
        .fold(1.0, f64::max)
        * 1.15;
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let groups = workloads.len() as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "Throughput, {} replicas (median of repetitions, whiskers min..max)",
                file.runs[0].replicas
            ),
            ("sans-serif", 18),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..groups, 0f64..ymax)?;
    let names = workloads.clone();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(workloads.len() * 2 + 1)
        .x_label_formatter(&move |x| {
            let i = x.floor() as usize;
            if (x - i as f64 - 0.5).abs() < 1e-6 {
                names.get(i).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc("ops/s")
        .draw()?;
    let width = 0.8 / stores.len().max(1) as f64;
    for (si, store) in stores.iter().enumerate() {
        let c = color(si);
        let mut bars = Vec::new();
        let mut whiskers = Vec::new();
        for (wi, w) in workloads.iter().enumerate() {
            if let Some(r) = file.run(store, w) {
                let x0 = wi as f64 + 0.1 + si as f64 * width;
                let s = r.figures.ops_per_s;
                bars.push(Rectangle::new(
                    [(x0, 0.0), (x0 + width * 0.9, s.median)],
                    c.filled(),
                ));
                let xm = x0 + width * 0.45;
                whiskers.push(PathElement::new(vec![(xm, s.min), (xm, s.max)], BLACK));
            }
        }
        chart
            .draw_series(bars)?
            .label(store.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
        chart.draw_series(whiskers)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Latency CDF per store under the first workload.
pub fn latency_cdf(file: &ResultsFile, path: &PathBuf) -> anyhow::Result<()> {
    let primary = &file.runs[0].workload_name;
    let runs: Vec<_> = file
        .runs
        .iter()
        .filter(|r| &r.workload_name == primary && !r.latency_cdf_ms.is_empty())
        .collect();
    let lo = runs
        .iter()
        .flat_map(|r| r.latency_cdf_ms.iter().map(|p| p[1]))
        .fold(f64::INFINITY, f64::min)
        .max(0.001);
    let hi = runs
        .iter()
        .flat_map(|r| r.latency_cdf_ms.iter().map(|p| p[1]))
        .fold(lo * 10.0, f64::max);
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Latency CDF, {primary} (all repetitions)"),
            ("sans-serif", 18),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d((lo * 0.9..hi * 1.1).log_scale(), 0f64..1.0)?;
    chart
        .configure_mesh()
        .x_desc("latency, ms (log)")
        .y_desc("fraction of operations")
        .draw()?;
    for (i, r) in runs.iter().enumerate() {
        let c = color(i);
        chart
            .draw_series(LineSeries::new(
                r.latency_cdf_ms.iter().map(|p| (p[1].max(lo), p[0])),
                c.stroke_width(2),
            ))?
            .label(r.store.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Median ops/s against history length, per store.
pub fn history(file: &ResultsFile, path: &PathBuf) -> anyhow::Result<()> {
    let mut stores: Vec<&str> = Vec::new();
    for h in file.history.iter().filter(|h| h.run.is_some()) {
        if !stores.contains(&h.store.as_str()) {
            stores.push(&h.store);
        }
    }
    let points = |s: &str| -> Vec<(f64, f64)> {
        file.history
            .iter()
            .filter(|h| h.store == s)
            .filter_map(|h| {
                h.run
                    .as_ref()
                    .map(|r| (h.history_puts.max(1) as f64, r.figures.ops_per_s.median))
            })
            .collect()
    };
    let all: Vec<(f64, f64)> = stores.iter().flat_map(|s| points(s)).collect();
    let xmin = all.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let xmax = all.iter().map(|p| p.0).fold(xmin * 10.0, f64::max);
    let ymax = all.iter().map(|p| p.1).fold(1.0, f64::max) * 1.15;
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Throughput after N puts (one per key), median of repetitions",
            ("sans-serif", 18),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d((xmin * 0.8..xmax * 1.25).log_scale(), 0f64..ymax)?;
    chart
        .configure_mesh()
        .x_desc("history length N (puts before measuring, log)")
        .y_desc("ops/s")
        .draw()?;
    for (i, s) in stores.iter().enumerate() {
        let c = color(i);
        let pts = points(s);
        chart
            .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))?
            .label(*s)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
        chart.draw_series(pts.into_iter().map(|p| Circle::new(p, 4, c.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
