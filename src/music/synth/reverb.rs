//! A small room: per channel, four damped feedback combs in parallel and two all-pass filters in
//! series (the classic Schroeder arrangement), the right channel's delays slightly longer for
//! width. Returns only the wet signal.

/// Comb delays in samples at 44.1 kHz (mutually prime-ish, 25–31 ms).
const COMBS: [usize; 4] = [1116, 1188, 1277, 1356];
const ALLPASSES: [usize; 2] = [556, 441];
/// Extra delay of the right channel.
const SPREAD: usize = 23;
const FEEDBACK: f32 = 0.8;
const DAMP: f32 = 0.3;
const WET: f32 = 0.16;

struct Comb {
    buf: Vec<f32>,
    i: usize,
    store: f32,
}

impl Comb {
    fn process(&mut self, x: f32) -> f32 {
        let y = self.buf[self.i];
        self.store = y * (1.0 - DAMP) + self.store * DAMP;
        self.buf[self.i] = x + self.store * FEEDBACK;
        self.i = (self.i + 1) % self.buf.len();
        y
    }
}

struct AllPass {
    buf: Vec<f32>,
    i: usize,
}

impl AllPass {
    fn process(&mut self, x: f32) -> f32 {
        let b = self.buf[self.i];
        self.buf[self.i] = x + b * 0.5;
        self.i = (self.i + 1) % self.buf.len();
        b - x
    }
}

struct Channel {
    combs: Vec<Comb>,
    allpasses: Vec<AllPass>,
}

impl Channel {
    fn new(extra: usize) -> Self {
        Channel {
            combs: COMBS
                .iter()
                .map(|d| Comb {
                    buf: vec![0.0; d + extra],
                    i: 0,
                    store: 0.0,
                })
                .collect(),
            allpasses: ALLPASSES
                .iter()
                .map(|d| AllPass {
                    buf: vec![0.0; d + extra],
                    i: 0,
                })
                .collect(),
        }
    }

    fn process(&mut self, x: f32) -> f32 {
        let mut y: f32 = self.combs.iter_mut().map(|c| c.process(x)).sum();
        for a in &mut self.allpasses {
            y = a.process(y);
        }
        y
    }
}

/// The stereo reverb.
pub(crate) struct Reverb {
    channels: [Channel; 2],
}

impl Reverb {
    pub(crate) fn new() -> Self {
        Reverb {
            channels: [Channel::new(0), Channel::new(SPREAD)],
        }
    }

    /// The wet signal for one stereo frame (fed the mono sum).
    pub(crate) fn process(&mut self, frame: [f32; 2]) -> [f32; 2] {
        let mono = (frame[0] + frame[1]) * 0.5 * WET;
        [
            self.channels[0].process(mono),
            self.channels[1].process(mono),
        ]
    }
}
