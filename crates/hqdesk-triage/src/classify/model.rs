//! The model: one linear layer over the hashed features, read from (and written to) a small
//! binary file.
//!
//! Columns (one weight per feature and column): the four kinds (softmax), branch 1 (sigmoid),
//! the sixteen topics (softmax), confidential (sigmoid), abusive (sigmoid). Weights are stored
//! as `i8` with one scale per column; only the buckets with a non-zero weight are stored.
//!
//! File layout, little-endian: magic `HQTRIAG1`; `u32` hash bits; `u32` column count; `f32`
//! confidential threshold; `f32` the kind/topic probability that makes a text confidential
//! whatever the confidential head says; `f32` abusive threshold; `f32` × columns scales; `f32` ×
//! columns biases; `u32` row count; `u32` × rows buckets (ascending); `i8` × rows × columns.
use super::features::{Features, BUCKETS, HASH_BITS};

pub const MAGIC: &[u8; 8] = b"HQTRIAG1";
pub const KINDS: usize = 4;
pub const TOPICS: usize = 16;
pub const COL_KIND: usize = 0;
pub const COL_BRANCH1: usize = COL_KIND + KINDS;
pub const COL_TOPIC: usize = COL_BRANCH1 + 1;
pub const COL_CONFIDENTIAL: usize = COL_TOPIC + TOPICS;
pub const COL_ABUSIVE: usize = COL_CONFIDENTIAL + 1;
pub const COLS: usize = COL_ABUSIVE + 1;

/// Decision thresholds stored with the weights.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// The [`super::confidential_score`] from which a text is confidential.
    pub confidential: f32,
    /// A text is also confidential when P(kind = denunciation) or the summed probability of the
    /// denunciation topics reaches this.
    pub denunciation: f32,
    /// The abusive head's probability from which a text is abusive.
    pub abusive: f32,
}

/// A loaded model.
#[derive(Debug, Clone)]
pub struct Model {
    pub thresholds: Thresholds,
    scales: [f32; COLS],
    biases: [f32; COLS],
    /// Bucket → row, `u32::MAX` for a bucket without weights.
    index: Vec<u32>,
    weights: Vec<i8>,
    rows: usize,
}

/// The raw output of the model for one text: probabilities per head.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub kind: [f32; KINDS],
    pub branch1: f32,
    pub topic: [f32; TOPICS],
    pub confidential: f32,
    pub abusive: f32,
    /// The share of the text's words that the model has weights for, 0..1 (0 with no words).
    pub coverage: f32,
    /// The highest [`super::confidential_score`] over the text and its parts (sentences,
    /// quoted lines), filled in by [`super::read`]; 0 when the parts were not scored.
    pub parts_confidential: f32,
    /// The body names drugs, weapons, explosives or trafficked people
    /// ([`Features::crime_goods`]), filled in by [`super::read`].
    pub crime_goods: bool,
}

/// A model file that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadModel(pub &'static str);

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BadModel> {
        if self.bytes.len() < n {
            return Err(BadModel("truncated"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }
    fn u32(&mut self) -> Result<u32, BadModel> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn f32(&mut self) -> Result<f32, BadModel> {
        Ok(f32::from_bits(self.u32()?))
    }
}

pub(crate) fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

pub(crate) fn softmax<const N: usize>(z: &[f32]) -> [f32; N] {
    let mut out = [0.0f32; N];
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for (o, v) in out.iter_mut().zip(z) {
        *o = (v - max).exp();
        sum += *o;
    }
    for o in &mut out {
        *o /= sum;
    }
    out
}

/// Turn column scores into per-head probabilities.
pub(crate) fn heads(z: &[f32; COLS], coverage: f32) -> Scores {
    Scores {
        kind: softmax::<KINDS>(&z[COL_KIND..COL_KIND + KINDS]),
        branch1: sigmoid(z[COL_BRANCH1]),
        topic: softmax::<TOPICS>(&z[COL_TOPIC..COL_TOPIC + TOPICS]),
        confidential: sigmoid(z[COL_CONFIDENTIAL]),
        abusive: sigmoid(z[COL_ABUSIVE]),
        coverage,
        parts_confidential: 0.0,
        crime_goods: false,
    }
}

impl Model {
    /// Read a model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, BadModel> {
        let mut r = Reader { bytes };
        if r.take(8)? != MAGIC {
            return Err(BadModel("not a triage model"));
        }
        if r.u32()? != HASH_BITS {
            return Err(BadModel("hash size differs from this build"));
        }
        if r.u32()? as usize != COLS {
            return Err(BadModel("column count differs from this build"));
        }
        let thresholds = Thresholds {
            confidential: r.f32()?,
            denunciation: r.f32()?,
            abusive: r.f32()?,
        };
        let mut scales = [0.0; COLS];
        for s in &mut scales {
            *s = r.f32()?;
        }
        let mut biases = [0.0; COLS];
        for b in &mut biases {
            *b = r.f32()?;
        }
        let rows = r.u32()? as usize;
        if rows > BUCKETS as usize {
            return Err(BadModel("too many rows"));
        }
        let mut index = vec![u32::MAX; BUCKETS as usize];
        let mut last: Option<u32> = None;
        for row in 0..rows {
            let bucket = r.u32()?;
            if bucket >= BUCKETS || last.is_some_and(|l| l >= bucket) {
                return Err(BadModel("buckets out of order"));
            }
            last = Some(bucket);
            index[bucket as usize] = row as u32;
        }
        let weights: Vec<i8> = r
            .take(rows * COLS)?
            .iter()
            .map(|b| i8::from_le_bytes([*b]))
            .collect();
        if !r.bytes.is_empty() {
            return Err(BadModel("trailing bytes"));
        }
        Ok(Model {
            thresholds,
            scales,
            biases,
            index,
            weights,
            rows,
        })
    }

    /// Write a model file from float weights: `rows` is (bucket, weights) sorted by bucket.
    pub fn to_bytes(
        thresholds: Thresholds,
        biases: &[f32; COLS],
        rows: &[(u32, [f32; COLS])],
    ) -> Vec<u8> {
        let mut scales = [0.0f32; COLS];
        for (_, w) in rows {
            for (s, v) in scales.iter_mut().zip(w) {
                *s = s.max(v.abs());
            }
        }
        for s in &mut scales {
            *s = if *s > 0.0 { *s / 127.0 } else { 1.0 };
        }
        let quantized: Vec<(u32, [i8; COLS])> = rows
            .iter()
            .filter_map(|(bucket, w)| {
                let mut q = [0i8; COLS];
                for ((q, v), s) in q.iter_mut().zip(w).zip(&scales) {
                    *q = (v / s).round().clamp(-127.0, 127.0) as i8;
                }
                q.iter().any(|v| *v != 0).then_some((*bucket, q))
            })
            .collect();
        let mut out = Vec::with_capacity(64 + quantized.len() * (4 + COLS));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&HASH_BITS.to_le_bytes());
        out.extend_from_slice(&(COLS as u32).to_le_bytes());
        for v in [
            thresholds.confidential,
            thresholds.denunciation,
            thresholds.abusive,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in scales.iter().chain(biases) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(quantized.len() as u32).to_le_bytes());
        for (bucket, _) in &quantized {
            out.extend_from_slice(&bucket.to_le_bytes());
        }
        for (_, q) in &quantized {
            out.extend(q.iter().map(|v| v.to_le_bytes()[0]));
        }
        out
    }

    /// How many buckets carry weights.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The probabilities of every head for a text's features.
    pub fn score(&self, f: &Features) -> Scores {
        let mut z = self.biases;
        let mut acc = [0.0f32; COLS];
        for &(bucket, value) in &f.items {
            let row = self.index[bucket as usize];
            if row == u32::MAX {
                continue;
            }
            let w = &self.weights[row as usize * COLS..(row as usize + 1) * COLS];
            for (a, q) in acc.iter_mut().zip(w) {
                *a += value * f32::from(*q);
            }
        }
        for ((z, a), s) in z.iter_mut().zip(&acc).zip(&self.scales) {
            *z += a * s;
        }
        let known = f
            .words
            .iter()
            .filter(|b| self.index[**b as usize] != u32::MAX)
            .count();
        let coverage = if f.words.is_empty() {
            0.0
        } else {
            known as f32 / f.words.len() as f32
        };
        heads(&z, coverage)
    }
}
