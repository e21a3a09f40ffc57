//! Standard MIDI files (format 1) of a [`Score`]: a tempo track with one tempo per bar, then one
//! track per layer on its own channel with a General MIDI program (percussion on channel 10).

use std::collections::HashMap;

use crate::music::score::{Layer, Score};

/// The channel of a pad note that sounds in unison with another.
const PAD_SECOND: u8 = 3;

/// Ticks per quarter note.
pub(crate) const TICKS: u16 = 480;

/// (channel, program) of a layer.
fn channel(layer: Layer) -> (u8, Option<u8>) {
    match layer {
        Layer::Melody => (0, Some(73)), // flute
        Layer::Pad => (1, Some(89)),    // warm pad
        Layer::Bass => (2, Some(32)),   // acoustic bass
        Layer::Percussion => (9, None), // the drum channel
    }
}

fn var_len(mut v: u32, out: &mut Vec<u8>) {
    let mut bytes = vec![(v & 0x7f) as u8];
    v >>= 7;
    while v > 0 {
        bytes.push((v & 0x7f) as u8 | 0x80);
        v >>= 7;
    }
    out.extend(bytes.iter().rev());
}

fn ticks(beat: f64) -> u32 {
    (beat * f64::from(TICKS)).round().max(0.0) as u32
}

/// A track chunk from (tick, event bytes) pairs, sorted by tick (stable).
fn track(mut events: Vec<(u32, Vec<u8>)>) -> Vec<u8> {
    events.sort_by_key(|e| e.0);
    let mut data = Vec::new();
    let mut last = 0;
    for (t, bytes) in events {
        var_len(t - last, &mut data);
        data.extend_from_slice(&bytes);
        last = t;
    }
    var_len(0, &mut data);
    data.extend_from_slice(&[0xff, 0x2f, 0x00]);
    let mut chunk = b"MTrk".to_vec();
    chunk.extend_from_slice(&(data.len() as u32).to_be_bytes());
    chunk.extend_from_slice(&data);
    chunk
}

/// The MIDI file of a score.
pub(crate) fn midi_bytes(score: &Score) -> Vec<u8> {
    let mut tempo = Vec::new();
    let mut last_bpm = None;
    for m in &score.tempo {
        if last_bpm == Some(m.bpm) {
            continue;
        }
        last_bpm = Some(m.bpm);
        let us = (60_000_000.0 / m.bpm).round() as u32;
        let [_, a, b, c] = us.to_be_bytes();
        tempo.push((ticks(m.beat), vec![0xff, 0x51, 0x03, a, b, c]));
    }
    let mut tracks = vec![track(tempo)];
    for layer in Layer::ALL {
        let (ch, program) = channel(layer);
        let mut ev = Vec::new();
        if let Some(p) = program {
            ev.push((0, vec![0xc0 | ch, p]));
            if layer == Layer::Pad {
                ev.push((0, vec![0xc0 | PAD_SECOND, p]));
            }
        }
        // Two pad voices in unison would overlap on one key of one channel, which MIDI cannot
        // tell apart: the second goes to a second pad channel.
        let mut busy_until: HashMap<u8, u32> = HashMap::new();
        for n in score.notes.iter().filter(|n| n.layer == layer) {
            let on = ticks(n.start);
            let off = ticks(n.start + n.length).max(on + 1);
            let mut ch = ch;
            if layer == Layer::Pad {
                if busy_until.get(&n.pitch).is_some_and(|&until| until > on) {
                    ch = PAD_SECOND;
                } else {
                    busy_until.insert(n.pitch, off);
                }
            }
            ev.push((
                on,
                vec![0x90 | ch, n.pitch & 0x7f, n.velocity.clamp(1, 127)],
            ));
            ev.push((off, vec![0x80 | ch, n.pitch & 0x7f, 0]));
        }
        // Note-offs before note-ons at the same tick, so a repeated pitch is not cut short.
        ev.sort_by_key(|(t, b)| (*t, b[0] & 0xf0 != 0x80));
        tracks.push(track(ev));
    }
    let mut out = b"MThd".to_vec();
    out.extend_from_slice(&6u32.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&(tracks.len() as u16).to_be_bytes());
    out.extend_from_slice(&TICKS.to_be_bytes());
    for t in tracks {
        out.extend_from_slice(&t);
    }
    out
}

/// Reads a standard MIDI file back into a score: tempo changes become bar marks, channels 1–3 and
/// 10 the layers written by [`midi_bytes`]. Used to measure what was written.
pub fn read_midi(bytes: &[u8]) -> Result<Score, String> {
    let mut pos = 0usize;
    let take = |n: usize, pos: &mut usize| -> Result<&[u8], String> {
        let s = bytes
            .get(*pos..*pos + n)
            .ok_or_else(|| format!("truncated at byte {pos}"))?;
        *pos += n;
        Ok(s)
    };
    if take(4, &mut pos)? != b"MThd" {
        return Err("not a MIDI file".into());
    }
    let _len = take(4, &mut pos)?;
    let head = take(6, &mut pos)?;
    let tracks = u16::from_be_bytes([head[2], head[3]]);
    let division = f64::from(u16::from_be_bytes([head[4], head[5]]));
    let mut tempos: Vec<(u32, f64)> = Vec::new();
    let mut notes = Vec::new();
    for _ in 0..tracks {
        if take(4, &mut pos)? != b"MTrk" {
            return Err("expected a track".into());
        }
        let l = take(4, &mut pos)?;
        let len = u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize;
        let data = take(len, &mut pos)?;
        read_track(data, &mut tempos, &mut notes)?;
    }
    let mut score = Score::default();
    tempos.sort_by_key(|t| t.0);
    for (tick, bpm) in tempos {
        let beat = f64::from(tick) / division;
        score.end_beat = beat;
        score.push_bar(0.0, bpm);
    }
    let mut end = 0.0f64;
    for (ch, pitch, velocity, on, off) in notes {
        let layer = match ch {
            0 => Layer::Melody,
            1 | PAD_SECOND => Layer::Pad,
            2 => Layer::Bass,
            _ => Layer::Percussion,
        };
        let start = f64::from(on) / division;
        let length = f64::from(off - on) / division;
        end = end.max(start + length);
        score.notes.push(crate::music::score::Note {
            layer,
            start,
            length,
            pitch,
            velocity,
        });
    }
    score.end_beat = end.max(score.end_beat);
    Ok(score)
}

/// (channel, pitch, velocity, on tick, off tick) of a track's notes, and its tempo changes.
type ReadNote = (u8, u8, u8, u32, u32);

fn read_track(
    data: &[u8],
    tempos: &mut Vec<(u32, f64)>,
    notes: &mut Vec<ReadNote>,
) -> Result<(), String> {
    let mut i = 0usize;
    let mut tick = 0u32;
    let mut open: Vec<(u8, u8, u8, u32)> = Vec::new();
    let byte = |i: &mut usize| -> Result<u8, String> {
        let b = *data.get(*i).ok_or("truncated track")?;
        *i += 1;
        Ok(b)
    };
    while i < data.len() {
        let mut delta = 0u32;
        loop {
            let b = byte(&mut i)?;
            delta = (delta << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                break;
            }
        }
        tick += delta;
        let status = byte(&mut i)?;
        match status {
            0xff => {
                let kind = byte(&mut i)?;
                let len = usize::from(byte(&mut i)?);
                let body = data.get(i..i + len).ok_or("truncated meta event")?;
                i += len;
                if kind == 0x51 && len == 3 {
                    let us = u32::from_be_bytes([0, body[0], body[1], body[2]]);
                    tempos.push((tick, 60_000_000.0 / f64::from(us.max(1))));
                }
            }
            s if s & 0xf0 == 0x90 || s & 0xf0 == 0x80 => {
                let (pitch, vel) = (byte(&mut i)?, byte(&mut i)?);
                let ch = s & 0x0f;
                if s & 0xf0 == 0x90 && vel > 0 {
                    open.push((ch, pitch, vel, tick));
                } else if let Some(k) = open.iter().position(|o| o.0 == ch && o.1 == pitch) {
                    let (ch, pitch, vel, on) = open.remove(k);
                    notes.push((ch, pitch, vel, on, tick));
                }
            }
            s if s & 0xf0 == 0xc0 => i += 1,
            s => return Err(format!("unexpected status byte {s:#x}")),
        }
    }
    Ok(())
}
