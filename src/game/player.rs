//! The player: WASD / arrow keys to walk, a camera that follows.

use bevy::prelude::*;

use crate::world::act::BOUNDS;
use crate::world::components::{Player, Position};

const SPEED: f32 = 180.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_player).add_systems(
        Update,
        (
            walk.run_if(in_state(super::screens::Screen::Playing)),
            follow_camera,
        )
            .chain(),
    );
}

fn spawn_player(mut commands: Commands) {
    commands.spawn(Camera2d);
    commands.spawn((
        Player,
        Position(Vec2::new(0.0, -40.0)),
        Sprite::from_color(Color::srgb(0.2, 0.45, 0.95), Vec2::splat(18.0)),
        Transform::from_xyz(0.0, -40.0, 11.0),
    ));
}

fn walk(
    keys: Res<ButtonInput<KeyCode>>,
    time: Res<Time>,
    chat: Res<super::chat::ChatBox>,
    mut q: Query<&mut Position, With<Player>>,
) {
    if chat.with.is_some() {
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

fn follow_camera(
    player: Query<&Position, With<Player>>,
    mut cam: Query<&mut Transform, With<Camera2d>>,
) {
    let (Ok(p), Ok(mut t)) = (player.single(), cam.single_mut()) else {
        return;
    };
    t.translation.x = p.0.x;
    t.translation.y = p.0.y;
}
