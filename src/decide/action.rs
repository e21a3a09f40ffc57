//! The actions an NPC can take: plain data shared by the world, the brain and the policy backends.

use serde::{Deserialize, Serialize};

/// What an NPC is doing. The world's `act` systems carry it out; the policy lane chooses it.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub enum Action {
    #[default]
    Idle,
    Wander,
    Work,
    GoHome,
    Eat,
    Sleep,
    Socialize,
    ApproachPlayer,
    AvoidPlayer,
    Flee,
}

impl Action {
    /// Every action, in a fixed order (the index order used by policy outputs and histograms).
    pub const ALL: [Action; 10] = [
        Action::Idle,
        Action::Wander,
        Action::Work,
        Action::GoHome,
        Action::Eat,
        Action::Sleep,
        Action::Socialize,
        Action::ApproachPlayer,
        Action::AvoidPlayer,
        Action::Flee,
    ];

    /// Position of this action in [`Action::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Short lower-case name used in reports and on screen.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Action::Idle => "idle",
            Action::Wander => "wander",
            Action::Work => "work",
            Action::GoHome => "go_home",
            Action::Eat => "eat",
            Action::Sleep => "sleep",
            Action::Socialize => "socialize",
            Action::ApproachPlayer => "approach_player",
            Action::AvoidPlayer => "avoid_player",
            Action::Flee => "flee",
        }
    }
}
