//! The key cache's tiles: a cache cut back to fewer positions is the cache that read only those.

use npc_kernels::attention::{TILE, push_key, truncate_keys};

fn key(p: usize, kv_dim: usize) -> Vec<f32> {
    (0..kv_dim)
        .map(|c| (p * 31 + c) as f32 * 0.25 - 7.0)
        .collect()
}

fn pushed(positions: &[usize], kv_dim: usize) -> Vec<f32> {
    let mut tiles = Vec::new();
    for (len, &p) in positions.iter().enumerate() {
        push_key(&mut tiles, len, &key(p, kv_dim));
    }
    tiles
}

#[test]
fn cutting_back_and_pushing_again_equals_never_having_pushed_the_cut_keys() {
    let kv_dim = 8;
    // Cut inside a tile, at a tile's end, and to nothing; then other keys pushed after the cut.
    for (first, keep) in [
        (2 * TILE + 5, TILE + 3),
        (2 * TILE + 1, TILE),
        (7, 0),
        (TILE + 2, TILE + 2),
    ] {
        let all: Vec<usize> = (0..first).collect();
        let mut tiles = pushed(&all, kv_dim);
        truncate_keys(&mut tiles, keep, kv_dim);
        for (i, p) in (1000..1004).enumerate() {
            push_key(&mut tiles, keep + i, &key(p, kv_dim));
        }
        let expected: Vec<usize> = (0..keep).chain(1000..1004).collect();
        assert_eq!(
            tiles,
            pushed(&expected, kv_dim),
            "first {first}, kept {keep}"
        );
    }
}
