//! The mood timeline of a sim report (`npc-minds sim --report json`), read by field name so that
//! music does not depend on the sim's types.

use std::path::Path;

use super::MusicError;
use super::mood::Mood;
use super::piece::MoodTimeline;

/// The report's mood over time and its simulated length in seconds.
pub(crate) fn read(path: &Path) -> Result<(MoodTimeline, f64), MusicError> {
    let bad = |message: String| MusicError::Io {
        path: path.display().to_string(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let json: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| bad(format!("not a JSON sim report: {e}")))?;
    let points = json["mood_timeline"].as_array().ok_or_else(|| {
        bad("no mood_timeline: write the report with `npc-minds sim --report json`".into())
    })?;
    let mut timeline = Vec::with_capacity(points.len());
    for p in points {
        let f = |k: &str| p[k].as_f64().map(|v| v as f32);
        match (
            p["second"].as_f64(),
            f("valence"),
            f("arousal"),
            f("dominance"),
        ) {
            (Some(t), Some(valence), Some(arousal), Some(dominance)) if t.is_finite() => {
                let mood = Mood {
                    valence,
                    arousal,
                    dominance,
                };
                timeline.push((t, mood.clamped()));
            }
            _ => return Err(bad(format!("a mood_timeline point is not a mood: {p}"))),
        }
    }
    if timeline.is_empty() {
        return Err(bad("mood_timeline is empty".into()));
    }
    timeline.sort_by(|a, b| a.0.total_cmp(&b.0));
    let seconds = json["simulated_seconds"]
        .as_f64()
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or_else(|| timeline.last().map_or(1.0, |p| p.0.max(1.0)));
    Ok((MoodTimeline(timeline), seconds))
}
