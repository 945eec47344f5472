//! What both bench binaries share: a counting global allocator (current and peak heap
//! bytes) over mimalloc, the timed runs, and reading the `QP_BENCH_*` environment variables.

use mimalloc::MiMalloc;
use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering};

/// mimalloc, counting live and peak heap bytes. mimalloc rather than the system allocator:
/// the trace and the logs of a big run are hundreds of MB, which glibc maps afresh for each
/// run and unmaps at its end, so every run paid a page fault per 4 KB it touched (about a
/// quarter of its wall time). mimalloc is told to keep freed memory (`keep_freed_memory`),
/// so a run after the first reuses the pages the one before it touched.
struct Counting;

/// `mi_option_purge_delay` in mimalloc.h (libmimalloc-sys names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc never gives freed memory back to the system (a purge delay of -1), where it
/// would after a second by default: the runs of a bench reuse it instead of faulting it in.
fn keep_freed_memory() {
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

pub static CURRENT_BYTES: AtomicUsize = AtomicUsize::new(0);
pub static PEAK_BYTES: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = CURRENT_BYTES.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK_BYTES.fetch_max(now, Ordering::Relaxed);
}

fn shrank(bytes: usize) {
    CURRENT_BYTES.fetch_sub(bytes, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { MiMalloc.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { MiMalloc.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { MiMalloc.dealloc(ptr, layout) };
        shrank(layout.size());
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { MiMalloc.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size > layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

pub fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text.replace('_', "").parse().unwrap_or_else(|e| panic!("{name}={text:?}: {e}")),
        Err(_) => default,
    }
}

pub fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// `runs` timed runs (at least one), each of a fresh world from `build`, run by `run`: this
/// machine is shared, so one timing says little. Gives the last world (for the report), its
/// peak and live heap bytes over the run, every run's seconds (in run order), and the median
/// and best.
pub struct Timed<W> {
    pub world: W,
    pub timings: Vec<f64>,
    pub peak_bytes: usize,
    pub live_bytes: usize,
    pub median_s: f64,
    pub best_s: f64,
}

pub fn time_runs<W>(runs: u64, build: impl Fn() -> W, run: impl Fn(&mut W)) -> Timed<W> {
    keep_freed_memory();
    let mut timings = Vec::new();
    let mut measured = None;
    for _ in 0..runs.max(1) {
        drop(measured.take());
        let baseline_bytes = CURRENT_BYTES.load(Ordering::Relaxed);
        PEAK_BYTES.store(baseline_bytes, Ordering::Relaxed);
        let mut world = build();
        let started = std::time::Instant::now();
        run(&mut world);
        timings.push(started.elapsed().as_secs_f64());
        let peak_bytes = PEAK_BYTES.load(Ordering::Relaxed) - baseline_bytes;
        let live_bytes = CURRENT_BYTES.load(Ordering::Relaxed) - baseline_bytes;
        measured = Some((world, peak_bytes, live_bytes));
    }
    let (world, peak_bytes, live_bytes) = measured.expect("at least one run");
    let mut sorted = timings.clone();
    sorted.sort_by(f64::total_cmp);
    Timed { world, timings, peak_bytes, live_bytes, median_s: sorted[sorted.len() / 2], best_s: sorted[0] }
}
