//! The village map: named places with a kind and a position, and what being "at" one means. Plain
//! data, shared by game, sim and configs.

use bevy::math::Vec2;

pub use crate::decide::AT_PLACE as AT;

/// What a place is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PlaceKind {
    Home,
    Smithy,
    Market,
    Tavern,
    Fields,
    ForestEdge,
    Mill,
    Chapel,
    TownHall,
    Square,
}

/// A named spot in the village.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Place {
    pub(crate) name: &'static str,
    pub(crate) kind: PlaceKind,
    pub(crate) pos: [f32; 2],
}

const fn p(name: &'static str, kind: PlaceKind, x: f32, y: f32) -> Place {
    Place {
        name,
        kind,
        pos: [x, y],
    }
}

/// Every place, in a fixed order. The village spans about x ∈ [-800, 800], y ∈ [-500, 500];
/// the forest lies to the north-west.
pub(crate) const PLACES: &[Place] = &[
    p("square", PlaceKind::Square, 0.0, 0.0),
    p("market", PlaceKind::Market, 160.0, -60.0),
    p("tavern", PlaceKind::Tavern, -180.0, -90.0),
    p("smithy", PlaceKind::Smithy, 260.0, 150.0),
    p("town_hall", PlaceKind::TownHall, 0.0, 210.0),
    p("chapel", PlaceKind::Chapel, -260.0, 230.0),
    p("mill", PlaceKind::Mill, 560.0, -300.0),
    p("fields", PlaceKind::Fields, 520.0, -80.0),
    p("forest_edge", PlaceKind::ForestEdge, -640.0, 380.0),
    p("mayor_house", PlaceKind::Home, 120.0, 320.0),
    p("smith_house", PlaceKind::Home, 380.0, 260.0),
    p("baker_house", PlaceKind::Home, 250.0, -220.0),
    p("tavern_rooms", PlaceKind::Home, -320.0, -170.0),
    p("farm_house", PlaceKind::Home, 660.0, 40.0),
    p("chapel_house", PlaceKind::Home, -400.0, 300.0),
    p("woodcutter_cabin", PlaceKind::Home, -520.0, 200.0),
    p("herbalist_hut", PlaceKind::Home, -460.0, -300.0),
    p("miller_cottage", PlaceKind::Home, 430.0, -380.0),
    p("weaver_house", PlaceKind::Home, -80.0, -300.0),
];

/// Looks a place up by name.
pub(crate) fn find(name: &str) -> Option<&'static Place> {
    PLACES.iter().find(|p| p.name == name)
}

/// All place names, for error messages.
pub(crate) fn names() -> Vec<&'static str> {
    PLACES.iter().map(|p| p.name).collect()
}

/// The first place of a kind.
pub(crate) fn of_kind(kind: PlaceKind) -> &'static Place {
    PLACES
        .iter()
        .find(|p| p.kind == kind)
        .expect("the map has every kind")
}

/// Places where an NPC can eat besides home.
pub(crate) fn eating_places() -> impl Iterator<Item = &'static Place> {
    PLACES
        .iter()
        .filter(|p| matches!(p.kind, PlaceKind::Tavern | PlaceKind::Market))
}

/// Places where NPCs meet.
pub(crate) fn social_places() -> impl Iterator<Item = &'static Place> {
    PLACES.iter().filter(|p| {
        matches!(
            p.kind,
            PlaceKind::Tavern | PlaceKind::Market | PlaceKind::Square
        )
    })
}

/// True when `pos` is at one of `spots` (within [`AT`]).
pub(crate) fn at_any<'a>(pos: Vec2, mut spots: impl Iterator<Item = &'a Place>) -> bool {
    spots.any(|p| pos.distance(Vec2::from(p.pos)) <= AT)
}

/// The place nearest `pos`.
pub(crate) fn nearest(pos: Vec2) -> &'static Place {
    PLACES
        .iter()
        .min_by(|a, b| {
            pos.distance_squared(Vec2::from(a.pos))
                .total_cmp(&pos.distance_squared(Vec2::from(b.pos)))
        })
        .expect("the map has places")
}

/// How a villager says a place's name ("the town hall", "the miller's cottage").
pub(crate) fn spoken(name: &str) -> String {
    let owned = |who: &str, what: &str| format!("the {who}'s {what}");
    match name {
        "mayor_house" => owned("mayor", "house"),
        "smith_house" => owned("smith", "house"),
        "baker_house" => owned("baker", "house"),
        "woodcutter_cabin" => owned("woodcutter", "cabin"),
        "herbalist_hut" => owned("herbalist", "hut"),
        "miller_cottage" => owned("miller", "cottage"),
        "weaver_house" => owned("weaver", "house"),
        "tavern_rooms" => "the tavern".into(),
        "farm_house" => "the farm".into(),
        _ => format!("the {}", name.replace('_', " ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_place_is_said_in_words() {
        let p = nearest(Vec2::new(-630.0, 370.0));
        assert_eq!(spoken(p.name), "the forest edge");
        assert_eq!(
            spoken(nearest(Vec2::new(430.0, -370.0)).name),
            "the miller's cottage"
        );
        assert_eq!(spoken("town_hall"), "the town hall");
    }
}
