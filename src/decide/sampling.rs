//! How a reply is sampled: plain data, per villager in its RON file, carried by every dialogue job.

use serde::{Deserialize, Serialize};

/// How to sample a reply; per NPC in its RON file, with defaults.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sampling {
    /// 0 means greedy.
    #[serde(default = "Sampling::default_temperature")]
    pub temperature: f32,
    #[serde(default = "Sampling::default_top_p")]
    pub top_p: f32,
    #[serde(default = "Sampling::default_repeat_penalty")]
    pub repeat_penalty: f32,
    /// Most tokens in one reply.
    #[serde(default = "Sampling::default_max_tokens")]
    pub max_tokens: usize,
}

impl Sampling {
    fn default_temperature() -> f32 {
        0.4
    }
    fn default_top_p() -> f32 {
        0.9
    }
    fn default_repeat_penalty() -> f32 {
        1.15
    }
    fn default_max_tokens() -> usize {
        80
    }
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling {
            temperature: Self::default_temperature(),
            top_p: Self::default_top_p(),
            repeat_penalty: Self::default_repeat_penalty(),
            max_tokens: Self::default_max_tokens(),
        }
    }
}
