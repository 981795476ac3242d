//! Times the original `ruvector_attn_mincut::attn_mincut` on the claim-audit LCG inputs
//! (reference ruvector.md §1.8): d = 64, seed = 0xC0FFEE00 ^ seq_len, and the crate's
//! `MinCutConfig` with λ = 0.5, τ = 2, eps = 0.01 (its defaults).
//!
//! For each seq_len on the command line it prints one JSON line: the median ns per call, the
//! sample count and calls per sample, `edges_kept`, `edges_total` and `cut_cost` of the first call,
//! and the SHA-256 of Q, K and V (the crate's `hash_tensor`), so that a caller can check that both
//! sides of a comparison saw the same inputs and computed the same gate.
//!
//! Timing: untimed calls for at least `--warmup-ms` (and 2 calls); then samples of `batch` calls
//! each (batch sized so one sample takes about `--sample-ms`) until there are `--min-samples` and
//! `--budget-ms` has passed; the median is the nearest-rank 50th percentile of ns per call.
//!
//!   ruvector-mincut-timing [--warmup-ms 200] [--budget-ms 400] [--min-samples 7] [--sample-ms 1] 64 128 …

use ruvector_attn_mincut::{attn_mincut, hash_tensor, AttentionOutput, MinCutConfig};
use std::hint::black_box;
use std::process::exit;
use std::time::{Duration, Instant};

const D: usize = 64;
const WARMUP_MIN_CALLS: usize = 2;

/// How long each seq_len is warmed up and timed.
struct Budget {
    warmup: Duration,
    timed: Duration,
    min_samples: usize,
    sample: Duration,
}

/// The audit LCG: state·6364136223846793005 + 1442695040888963407 (mod 2^64), then
/// f32(state >> 40) / 2^24 − 0.5.
struct Lcg(u64);

impl Lcg {
    fn draw(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 40) as f32 / 16777216.0 - 0.5
    }
}

/// `gen_qkv(seq_len, d, seed)` of §1.8: for each (i, h), p = sin(i·(h+1)·0.07) in f32, then
/// q = p·0.5 + draw·0.3, k = p·0.5 + draw·0.3, v = draw, in that order.
fn gen_qkv(seq_len: usize, d: usize, seed: u64) -> [Vec<f32>; 3] {
    let mut lcg = Lcg(seed);
    let [mut q, mut k, mut v] = [(); 3].map(|_| Vec::with_capacity(seq_len * d));
    for i in 0..seq_len {
        for h in 0..d {
            let p = (i as f32 * (h as f32 + 1.0) * 0.07).sin();
            q.push(p * 0.5 + lcg.draw() * 0.3);
            k.push(p * 0.5 + lcg.draw() * 0.3);
            v.push(lcg.draw());
        }
    }
    [q, k, v]
}

/// Median ns per call of `call`, the number of samples, and calls per sample.
fn time_calls(mut call: impl FnMut(), budget: &Budget) -> (f64, usize, usize) {
    let started = Instant::now();
    let mut calls = 0;
    while calls < WARMUP_MIN_CALLS || started.elapsed() < budget.warmup {
        call();
        calls += 1;
    }
    let per_call = started.elapsed().as_secs_f64() / calls as f64;
    let batch = ((budget.sample.as_secs_f64() / per_call).ceil() as usize).max(1);
    let mut samples = Vec::new();
    let timing = Instant::now();
    while samples.len() < budget.min_samples || timing.elapsed() < budget.timed {
        let sample = Instant::now();
        for _ in 0..batch {
            call();
        }
        samples.push(sample.elapsed().as_nanos() as f64 / batch as f64);
    }
    samples.sort_by(f64::total_cmp);
    let rank = samples.len().div_ceil(2); // nearest rank: ceil(0.5·n)
    (samples[rank - 1], samples.len(), batch)
}

fn measure(seq_len: usize, config: &MinCutConfig, budget: &Budget) -> String {
    let [q, k, v] = gen_qkv(seq_len, D, 0xC0FFEE00 ^ seq_len as u64);
    let run = || -> AttentionOutput {
        attn_mincut(
            black_box(&q),
            black_box(&k),
            black_box(&v),
            D,
            seq_len,
            config.lambda,
            config.tau,
            config.eps,
        )
    };
    let first = run().gating;
    let (median_ns, samples, batch) = time_calls(
        || {
            black_box(run());
        },
        budget,
    );
    format!(
        concat!(
            "{{\"seq_len\":{},\"d\":{},\"lambda\":{:?},\"tau\":{},\"eps\":{:?},\"median_ns\":{:.1},",
            "\"samples\":{},\"calls_per_sample\":{},\"edges_kept\":{},\"edges_total\":{},\"cut_cost\":{:?},",
            "\"q_hash\":\"{}\",\"k_hash\":\"{}\",\"v_hash\":\"{}\"}}"
        ),
        seq_len,
        D,
        config.lambda,
        config.tau,
        config.eps,
        median_ns,
        samples,
        batch,
        first.edges_kept,
        first.edges_total,
        first.cut_cost,
        hash_tensor(&q),
        hash_tensor(&k),
        hash_tensor(&v),
    )
}

fn fail(message: &str) -> ! {
    eprintln!("ruvector-mincut-timing: {message}");
    exit(2)
}

/// `--flag value` options and the positional seq_lens.
fn parse_args() -> (Budget, Vec<usize>) {
    let mut budget = Budget {
        warmup: Duration::from_millis(200),
        timed: Duration::from_millis(400),
        min_samples: 7,
        sample: Duration::from_millis(1),
    };
    let mut seq_lens = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let number = |value: Option<String>| -> u64 {
            value
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| fail(&format!("{arg} takes a whole number")))
        };
        match arg.as_str() {
            "--warmup-ms" => budget.warmup = Duration::from_millis(number(args.next())),
            "--budget-ms" => budget.timed = Duration::from_millis(number(args.next())),
            "--min-samples" => budget.min_samples = number(args.next()).max(1) as usize,
            "--sample-ms" => budget.sample = Duration::from_millis(number(args.next())),
            _ => match arg.parse::<usize>() {
                Ok(n) if n >= 2 => seq_lens.push(n),
                _ => fail(&format!("expected a seq_len ≥ 2 or an option, got {arg:?}")),
            },
        }
    }
    if seq_lens.is_empty() {
        fail("usage: ruvector-mincut-timing [--warmup-ms N] [--budget-ms N] [--min-samples N] [--sample-ms N] SEQ_LEN…");
    }
    (budget, seq_lens)
}

fn main() {
    let (budget, seq_lens) = parse_args();
    let config = MinCutConfig {
        lambda: 0.5,
        tau: 2,
        eps: 0.01,
        ..MinCutConfig::default()
    };
    for seq_len in seq_lens {
        println!("{}", measure(seq_len, &config, &budget));
    }
}
