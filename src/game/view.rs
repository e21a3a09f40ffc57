//! What the camera sees: world positions to window positions (for the UI placed over the world:
//! bubbles, markers), and text made safe for the game's font.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;

/// How big villagers and the player are drawn (1: a figure 30 world units tall); what keeps
/// clear of them (labels, bubbles, walls, personal space) is sized by the same.
pub(super) const VILLAGER_SCALE: f32 = 1.3;
pub(super) const PLAYER_SCALE: f32 = 1.45;

/// The camera and the window, read together.
#[derive(SystemParam)]
pub(super) struct View<'w, 's> {
    camera: Query<'w, 's, (&'static Transform, &'static Projection), With<Camera2d>>,
    window: Query<'w, 's, &'static Window, With<PrimaryWindow>>,
}

/// One frame's view: the camera's centre and zoom, the window's logical size.
#[derive(Clone, Copy, Debug)]
pub(super) struct Frame {
    centre: Vec2,
    scale: f32,
    pub(crate) size: Vec2,
}

impl View<'_, '_> {
    pub(crate) fn get(&self) -> Option<Frame> {
        let (t, projection) = self.camera.single().ok()?;
        let window = self.window.single().ok()?;
        let scale = match projection {
            Projection::Orthographic(o) => o.scale,
            _ => 1.0,
        };
        Some(Frame {
            centre: t.translation.truncate(),
            scale,
            size: Vec2::new(window.width(), window.height()),
        })
    }
}

impl Frame {
    /// A world position in window coordinates (origin top left, y down, logical pixels).
    pub(crate) fn to_screen(self, world: Vec2) -> Vec2 {
        let d = (world - self.centre) / self.scale;
        Vec2::new(self.size.x / 2.0 + d.x, self.size.y / 2.0 - d.y)
    }

    /// A window position (logical pixels, y down) in the world.
    pub(crate) fn to_world(self, screen: Vec2) -> Vec2 {
        let d = Vec2::new(screen.x - self.size.x / 2.0, self.size.y / 2.0 - screen.y);
        self.centre + d * self.scale
    }

    /// A window rectangle in the world.
    pub(crate) fn rect_to_world(self, r: Rect) -> Rect {
        Rect::from_corners(self.to_world(r.min), self.to_world(r.max))
    }

    /// True when `at` (window coordinates) is inside the window, `margin` pixels beyond it allowed.
    pub(crate) fn contains(self, at: Vec2, margin: f32) -> bool {
        at.x >= -margin
            && at.y >= -margin
            && at.x <= self.size.x + margin
            && at.y <= self.size.y + margin
    }
}

/// A UI panel that world text (villagers' labels) keeps clear of: the HUD, the chat, the journal,
/// the tutorial.
#[derive(Component)]
pub(super) struct Covers;

/// Where the visible [`Covers`] panels are, in window coordinates (logical pixels).
pub(super) fn covered(
    panels: &Query<(&ComputedNode, &UiGlobalTransform, &InheritedVisibility), With<Covers>>,
) -> Vec<Rect> {
    panels
        .iter()
        .filter(|(c, _, vis)| vis.get() && c.size().x > 0.0)
        .map(|(c, at, _)| {
            let scale = c.inverse_scale_factor();
            Rect::from_center_size(at.translation * scale, c.size() * scale)
        })
        .collect()
}

/// Shown (inheriting its parent's visibility) or hidden.
/// A panel stacked down from the top of the window (the HUD, the tutorial): what goes below them
/// (the journal, the clue notice) reads where they end. `hud`: the HUD itself.
#[derive(Component)]
pub(super) struct Stacked {
    pub(crate) hud: bool,
}

/// The top edge of the stack when the HUD is short.
pub(super) const TOP: f32 = 64.0;
/// Space kept between stacked panels.
pub(super) const GAP: f32 = 8.0;

/// The bottom edge of a UI node, in logical pixels from the window's top.
pub(super) fn bottom_of(computed: &ComputedNode, at: &UiGlobalTransform) -> f32 {
    (at.translation.y + computed.size().y / 2.0) * computed.inverse_scale_factor()
}

pub(super) fn shown(on: bool) -> Visibility {
    if on {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    }
}

/// Text for the game's font, which has no curly quotes, dashes or ellipsis.
pub(super) fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201b}' => out.push('\''),
            '\u{201c}' | '\u{201d}' => out.push('"'),
            '\u{2013}' | '\u{2014}' => out.push('-'),
            '\u{2026}' => out.push_str("..."),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_to_window_and_back_inside() {
        let f = Frame {
            centre: Vec2::new(100.0, 50.0),
            scale: 0.5,
            size: Vec2::new(1280.0, 720.0),
        };
        assert_eq!(f.to_screen(Vec2::new(100.0, 50.0)), Vec2::new(640.0, 360.0));
        // Zoomed in twice: 10 world units right and up are 20 pixels right and up (y down).
        assert_eq!(f.to_screen(Vec2::new(110.0, 60.0)), Vec2::new(660.0, 340.0));
        assert!(f.contains(Vec2::new(0.0, 0.0), 0.0));
        assert!(!f.contains(Vec2::new(-5.0, 10.0), 0.0));
        assert!(f.contains(Vec2::new(-5.0, 10.0), 10.0));
        for p in [
            Vec2::new(3.0, -7.0),
            Vec2::new(640.0, 360.0),
            Vec2::new(1279.0, 2.5),
        ] {
            assert!(f.to_screen(f.to_world(p)).distance(p) < 1e-3, "{p}");
        }
        // The window's top left corner is up and left of the centre in the world.
        let r = f.rect_to_world(Rect::new(0.0, 0.0, 20.0, 10.0));
        assert_eq!(r.min, Vec2::new(100.0 - 320.0, 50.0 + 180.0 - 5.0));
        assert_eq!(r.max, Vec2::new(100.0 - 310.0, 50.0 + 180.0));
    }

    #[test]
    fn plain_text_keeps_words_and_swaps_punctuation() {
        assert_eq!(
            plain("It\u{2019}s \u{201c}odd\u{201d} \u{2014} well\u{2026}"),
            "It's \"odd\" - well..."
        );
    }
}
