//! A reader for the part of MusicXML (partwise) that chorales use: parts by name, key, time
//! signature, notes and rests with ties, chords and voices, `backup`/`forward`. Times are in
//! quarter notes. Anything else in the file (layout, lyrics, beams) is skipped.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// One sounding note of a part (the first voice only), in quarter notes from the piece's start.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct XmlNote {
    pub(crate) start: f64,
    pub(crate) duration: f64,
    /// MIDI pitch (60 is middle C).
    pub(crate) pitch: u8,
    /// True when this note continues a tied note (it is not a new onset).
    pub(crate) tied_from: bool,
}

/// One part: its name, notes, and where each measure starts (quarter notes).
#[derive(Clone, Debug, Default)]
pub(crate) struct XmlPart {
    pub(crate) name: String,
    pub(crate) notes: Vec<XmlNote>,
    pub(crate) measure_starts: Vec<f64>,
    /// Where the last measure ends.
    pub(crate) end: f64,
}

/// What a chorale file says: parts in order, the first key and time signature.
#[derive(Clone, Debug, Default)]
pub(crate) struct XmlScore {
    pub(crate) parts: Vec<XmlPart>,
    /// Sharps (positive) or flats (negative) of the first key signature.
    pub(crate) fifths: i32,
    /// `Some(true)` major, `Some(false)` minor, `None` when the file does not say.
    pub(crate) major: Option<bool>,
    /// Beats per bar and the beat's note value (4/4 → (4, 4)).
    pub(crate) time: (u32, u32),
}

/// Why a MusicXML text could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum XmlError {
    #[error("malformed XML at byte {at}: {message}")]
    Syntax { at: u64, message: String },
    #[error("{0}")]
    Content(String),
}

/// The note being read (between `<note>` and `</note>`).
#[derive(Default)]
struct NoteDraft {
    step: Option<u8>,
    alter: i32,
    octave: Option<i32>,
    duration: f64,
    rest: bool,
    chord: bool,
    grace: bool,
    voice: Option<String>,
    tie_stop: bool,
}

impl NoteDraft {
    fn midi(&self) -> Option<u8> {
        let pc = match self.step? {
            b'C' => 0,
            b'D' => 2,
            b'E' => 4,
            b'F' => 5,
            b'G' => 7,
            b'A' => 9,
            b'B' => 11,
            _ => return None,
        };
        let m = (self.octave? + 1) * 12 + pc + self.alter;
        u8::try_from(m).ok().filter(|m| *m < 128)
    }
}

/// The reader's state between events.
#[derive(Default)]
struct State {
    score: XmlScore,
    /// (id, name) from the part list.
    names: Vec<(String, String)>,
    path: Vec<String>,
    part: Option<XmlPart>,
    divisions: f64,
    time: f64,
    last_start: f64,
    measure_len: f64,
    note: Option<NoteDraft>,
    pending_id: String,
    seen_key: bool,
    seen_time: bool,
    beats: u32,
}

impl State {
    fn measure_start(&self) -> f64 {
        self.part
            .as_ref()
            .and_then(|p| p.measure_starts.last().copied())
            .unwrap_or(0.0)
    }

    fn advance(&mut self, by: f64) {
        self.time += by;
        self.measure_len = self.measure_len.max(self.time - self.measure_start());
    }

    fn open(&mut self, name: &str, e: &BytesStart) {
        match name {
            "score-part" => self.pending_id = attr(e, "id").unwrap_or_default(),
            "part" => {
                let id = attr(e, "id").unwrap_or_default();
                let name = self
                    .names
                    .iter()
                    .find(|(i, _)| *i == id)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default();
                self.part = Some(XmlPart {
                    name,
                    ..Default::default()
                });
                self.time = 0.0;
                self.divisions = 1.0;
            }
            "measure" => {
                let t = self.time;
                if let Some(p) = self.part.as_mut() {
                    p.measure_starts.push(t);
                }
                self.measure_len = 0.0;
            }
            "note" => self.note = Some(NoteDraft::default()),
            "rest" => self.note.iter_mut().for_each(|n| n.rest = true),
            "chord" => self.note.iter_mut().for_each(|n| n.chord = true),
            "grace" => self.note.iter_mut().for_each(|n| n.grace = true),
            "tie" if attr(e, "type").as_deref() == Some("stop") => {
                self.note.iter_mut().for_each(|n| n.tie_stop = true);
            }
            _ => {}
        }
    }

    fn text(&mut self, text: &str) -> Result<(), XmlError> {
        let tag = self.path.last().map(String::as_str).unwrap_or("");
        let parent = self
            .path
            .len()
            .checked_sub(2)
            .map(|i| self.path[i].as_str());
        let num = text.parse::<f64>().ok();
        let note = &mut self.note;
        match (parent, tag) {
            (Some("score-part"), "part-name") => {
                self.names.push((self.pending_id.clone(), text.to_string()));
            }
            (Some("attributes"), "divisions") => {
                self.divisions = num.filter(|d| *d > 0.0).ok_or_else(|| {
                    XmlError::Content(format!("divisions {text:?} is not positive"))
                })?;
            }
            (Some("key"), "fifths") if !self.seen_key => {
                self.score.fifths = text.parse().unwrap_or(0);
            }
            (Some("key"), "mode") if !self.seen_key => {
                self.score.major = match text {
                    "major" => Some(true),
                    "minor" => Some(false),
                    _ => None,
                };
            }
            (Some("time"), "beats") if !self.seen_time => self.beats = text.parse().unwrap_or(4),
            (Some("time"), "beat-type") if !self.seen_time => {
                self.score.time = (self.beats, text.parse().unwrap_or(4));
            }
            (Some("pitch"), "step") => note.iter_mut().for_each(|n| n.step = text.bytes().next()),
            (Some("pitch"), "alter") => note
                .iter_mut()
                .for_each(|n| n.alter = num.unwrap_or(0.0).round() as i32),
            (Some("pitch"), "octave") => note.iter_mut().for_each(|n| n.octave = text.parse().ok()),
            (Some("note"), "duration") => {
                let d = num.unwrap_or(0.0) / self.divisions;
                note.iter_mut().for_each(|n| n.duration = d);
            }
            (Some("note"), "voice") => note.iter_mut().for_each(|n| n.voice = Some(text.into())),
            (Some("backup"), "duration") => self.time -= num.unwrap_or(0.0) / self.divisions,
            (Some("forward"), "duration") => self.advance(num.unwrap_or(0.0) / self.divisions),
            _ => {}
        }
        Ok(())
    }

    fn close(&mut self, name: &str) {
        match name {
            "key" => self.seen_key = true,
            "time" => self.seen_time = true,
            "note" => {
                let Some(n) = self.note.take() else { return };
                if n.grace {
                    return;
                }
                let start = if n.chord { self.last_start } else { self.time };
                if !n.chord {
                    self.last_start = self.time;
                    self.advance(n.duration);
                }
                let first_voice = n.voice.as_deref().is_none_or(|v| v == "1");
                if n.rest || n.chord || !first_voice {
                    return;
                }
                if let (Some(p), Some(pitch)) = (self.part.as_mut(), n.midi()) {
                    p.notes.push(XmlNote {
                        start,
                        duration: n.duration,
                        pitch,
                        tied_from: n.tie_stop,
                    });
                }
            }
            // A measure ends where its longest voice ended, whatever `backup` did.
            "measure" => self.time = self.measure_start() + self.measure_len,
            "part" => {
                if let Some(mut p) = self.part.take() {
                    p.end = self.time;
                    self.score.parts.push(p);
                }
            }
            _ => {}
        }
    }
}

/// Reads a partwise MusicXML document.
pub(crate) fn parse(xml: &str) -> Result<XmlScore, XmlError> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut st = State {
        divisions: 1.0,
        beats: 4,
        score: XmlScore {
            time: (4, 4),
            ..Default::default()
        },
        ..Default::default()
    };
    loop {
        let ev = reader.read_event().map_err(|e| XmlError::Syntax {
            at: reader.buffer_position(),
            message: e.to_string(),
        })?;
        match ev {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                st.open(&name, &e);
                st.path.push(name);
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                st.open(&name, &e);
                st.close(&name);
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|e| XmlError::Content(e.to_string()))?;
                st.text(text.trim())?;
            }
            Event::End(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                st.path.pop();
                st.close(&name);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if st.score.parts.is_empty() {
        return Err(XmlError::Content("no <part> in the document".into()));
    }
    Ok(st.score)
}

fn attr(e: &BytesStart, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key.as_bytes())
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}
