//! The player: WASD / arrow keys to walk, and a camera that follows it smoothly over the village
//! (which is larger than the window), never showing past the village's edge.

use bevy::prelude::*;

use crate::world::act::BOUNDS;
use crate::world::components::{Player, Position};

const SPEED: f32 = 180.0;
/// World units per window pixel: below 1 the village is drawn larger than life.
pub(super) const ZOOM: f32 = 0.8;
/// How quickly the camera catches up with the player (per second).
const CATCH_UP: f32 = 6.0;
/// Grass shown beyond the villagers' bounds.
const BORDER: f32 = 120.0;

/// The camera has followed the player this frame (UI placed over the world runs after it).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct FollowCamera;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_player).add_systems(
        Update,
        (
            walk.run_if(in_state(super::screens::Screen::Playing)),
            follow_camera.in_set(FollowCamera),
        )
            .chain(),
    );
}

fn spawn_player(mut commands: Commands) {
    commands.spawn((
        Camera2d,
        // Drawn straight into the window, without Bevy's full-window copy.
        super::direct::camera_graph(),
        // Multisampling would shade every pixel four times; with software rendering (Xvfb,
        // llvmpipe) that is most of a frame.
        Msaa::Off,
        // Dithering runs in every pixel's shader; the flat colours here have no bands to hide.
        bevy::core_pipeline::tonemapping::DebandDither::Disabled,
        Projection::Orthographic(OrthographicProjection {
            scale: ZOOM,
            ..OrthographicProjection::default_2d()
        }),
        Transform::from_xyz(0.0, -40.0, 0.0),
    ));
    commands.spawn((Player, Position(Vec2::new(0.0, -40.0))));
}

pub(super) fn walk(
    keys: Res<ButtonInput<KeyCode>>,
    time: Res<Time>,
    chat: Res<super::chat::ChatBox>,
    mut q: Query<&mut Position, With<Player>>,
) {
    if chat.with.is_some() || chat.grace > 0.0 {
        return; // typing in the chat box never moves the player
    }
    let mut dir = Vec2::ZERO;
    for (codes, d) in [
        ([KeyCode::KeyW, KeyCode::ArrowUp], Vec2::Y),
        ([KeyCode::KeyS, KeyCode::ArrowDown], Vec2::NEG_Y),
        ([KeyCode::KeyA, KeyCode::ArrowLeft], Vec2::NEG_X),
        ([KeyCode::KeyD, KeyCode::ArrowRight], Vec2::X),
    ] {
        if keys.any_pressed(codes) {
            dir += d;
        }
    }
    for mut pos in &mut q {
        pos.0 =
            (pos.0 + dir.normalize_or_zero() * SPEED * time.delta_secs()).clamp(-BOUNDS, BOUNDS);
    }
}

/// Where the camera should look to keep `player` in view without showing past the border.
fn camera_goal(player: Vec2, window: Vec2) -> Vec2 {
    let half_view = window * ZOOM / 2.0;
    let room = (BOUNDS + Vec2::splat(BORDER) - half_view).max(Vec2::ZERO);
    player.clamp(-room, room)
}

fn follow_camera(
    time: Res<Time<Real>>,
    player: Query<&Position, With<Player>>,
    windows: Query<&Window>,
    mut cam: Query<&mut Transform, With<Camera2d>>,
) {
    let (Ok(p), Ok(mut t)) = (player.single(), cam.single_mut()) else {
        return;
    };
    let window = windows.iter().next().map_or(Vec2::new(1280.0, 720.0), |w| {
        Vec2::new(w.width(), w.height())
    });
    let goal = camera_goal(p.0, window);
    let now = t.translation.truncate();
    let k = 1.0 - (-CATCH_UP * time.delta_secs()).exp();
    let next = if now.distance(goal) < 0.5 {
        goal
    } else {
        now + (goal - now) * k
    };
    if next != now {
        t.translation.x = next.x;
        t.translation.y = next.y;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_camera_stops_at_the_village_edge() {
        let window = Vec2::new(1280.0, 720.0);
        assert_eq!(
            camera_goal(Vec2::new(10.0, -20.0), window),
            Vec2::new(10.0, -20.0)
        );
        let corner = camera_goal(BOUNDS, window);
        // The view's edge is exactly the border beyond the bounds.
        assert_eq!(corner + window * ZOOM / 2.0, BOUNDS + Vec2::splat(BORDER));
    }
}
