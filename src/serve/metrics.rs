//! The service's own counters, written as Prometheus text at `GET /metrics`: requests by route and
//! status, latency histograms by route, time to first token, rejections by reason, and (added by
//! the caller) tokens, decode rate and queue depths.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        for (c, b) in self.counts.iter_mut().zip(BUCKETS) {
            if secs <= b {
                *c += 1;
            }
        }
        self.count += 1;
        self.sum += secs;
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (c, b) in self.counts.iter().zip(BUCKETS) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {c}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", self.count);
    }
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(&'static str, u16), u64>,
    latency: BTreeMap<&'static str, Histogram>,
    first_token: Histogram,
    rejections: BTreeMap<&'static str, u64>,
    tokens: u64,
}

/// Counters shared by every request.
#[derive(Default)]
pub(crate) struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        f(&mut self.inner.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// One finished request (`route` is the matched route, or "other").
    pub(crate) fn request(&self, route: &'static str, status: u16, secs: f64) {
        self.with(|m| {
            *m.requests.entry((route, status)).or_default() += 1;
            m.latency.entry(route).or_default().observe(secs);
            let reason = match status {
                401 => Some("unauthorized"),
                413 => Some("too_large"),
                429 => Some("queue_full"),
                503 => Some("not_ready"),
                504 => Some("deadline"),
                _ => None,
            };
            if let Some(r) = reason {
                *m.rejections.entry(r).or_default() += 1;
            }
        });
    }

    /// Seconds from a chat request's arrival to its first token.
    pub(crate) fn first_token(&self, secs: f64) {
        self.with(|m| m.first_token.observe(secs));
    }

    /// Tokens of replies that were answered (open chat and villagers).
    pub(crate) fn tokens(&self, n: u64) {
        self.with(|m| m.tokens += n);
    }

    /// Prometheus text of these counters.
    pub(crate) fn render(&self, out: &mut String) {
        self.with(|m| {
            out.push_str("# HELP npc_minds_requests_total Requests by route and HTTP status.\n");
            out.push_str("# TYPE npc_minds_requests_total counter\n");
            for ((route, status), n) in &m.requests {
                let _ = writeln!(
                    out,
                    "npc_minds_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
            out.push_str("# HELP npc_minds_request_seconds Time to answer, by route.\n");
            out.push_str("# TYPE npc_minds_request_seconds histogram\n");
            for (route, h) in &m.latency {
                h.write(
                    out,
                    "npc_minds_request_seconds",
                    &format!("route=\"{route}\""),
                );
            }
            out.push_str("# HELP npc_minds_first_token_seconds Chat: arrival to first token.\n");
            out.push_str("# TYPE npc_minds_first_token_seconds histogram\n");
            m.first_token
                .write(out, "npc_minds_first_token_seconds", "");
            metric(
                out,
                "npc_minds_completion_tokens_total",
                "counter",
                "Tokens of chat replies sent.",
                &[("", m.tokens as f64)],
            );
            out.push_str("# HELP npc_minds_rejections_total Requests refused, by reason.\n");
            out.push_str("# TYPE npc_minds_rejections_total counter\n");
            for (reason, n) in &m.rejections {
                let _ = writeln!(out, "npc_minds_rejections_total{{reason=\"{reason}\"}} {n}");
            }
        });
    }
}

/// Writes one gauge or counter with its help and type lines.
pub(crate) fn metric(
    out: &mut String,
    name: &str,
    kind: &str,
    help: &str,
    samples: &[(&str, f64)],
) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    for (labels, v) in samples {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {v}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {v}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_requests_and_fills_cumulative_buckets() {
        let m = Metrics::default();
        m.request("/v1/embeddings", 200, 0.02);
        m.request("/v1/embeddings", 200, 3.0);
        m.request("/v1/chat/completions", 429, 0.001);
        let mut s = String::new();
        m.render(&mut s);
        assert!(s.contains("npc_minds_requests_total{route=\"/v1/embeddings\",status=\"200\"} 2"));
        assert!(s.contains("npc_minds_rejections_total{reason=\"queue_full\"} 1"));
        assert!(
            s.contains("npc_minds_request_seconds_bucket{route=\"/v1/embeddings\",le=\"0.025\"} 1")
        );
        assert!(
            s.contains("npc_minds_request_seconds_bucket{route=\"/v1/embeddings\",le=\"5\"} 2")
        );
        assert!(s.contains("npc_minds_request_seconds_count{route=\"/v1/embeddings\"} 2"));
    }
}
