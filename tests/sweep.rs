//! The latency-against-throughput lesson (issue 11 §2, the article's §5): the chapter's own run
//! and its sweep over prefetch, consumers and ack batches, with the figures the narration and
//! README quote (`qp sweep --catalog latency-throughput --ack-every 1,10`).

use queue_playground::engine::timing::Timing;
use queue_playground::engine::Until;
use queue_playground::i18n::Lang;
use queue_playground::scenario::catalog;
use queue_playground::scenario::settings::Settings;
use queue_playground::sweep::{scenario_at, Grid, Outcome, Point, Sweep};
use queue_playground::systems::rabbitmq::world::Sim;
use queue_playground::tour;

/// The chapter's grid: the page's and the narration's.
fn grid() -> Grid {
    Grid { prefetch: vec![1, 10, 100], consumers: vec![1, 2, 4], ack_every: vec![1, 10] }
}

fn sweep() -> Vec<Outcome> {
    Sweep::new(&catalog::get("latency-throughput").unwrap(), &grid(), None).unwrap().run()
}

fn at(outcomes: &[Outcome], prefetch: u16, consumers: u8, ack_every: u16) -> Outcome {
    *outcomes.iter().find(|o| o.point == Point { prefetch, consumers, ack_every }).expect("a point of the grid")
}

#[test]
fn the_chapter_as_written_runs_at_the_narrations_figures() {
    let scenario = catalog::get("latency-throughput").unwrap();
    let mut sim = Sim::new(&scenario).unwrap();
    sim.run_until(Until::Quiescence);
    let t = Timing::of(sim.trace(), sim.ledger().messages.len());
    assert_eq!(t.overall.processed, 1000);
    assert_eq!(t.overall.per_s_milli, Some(440_496));
    let latency = t.overall.latency_us.unwrap();
    assert_eq!((latency.p50, latency.p99, latency.max), (1_120_200, 2_217_800, 2_240_200));
    // The as-written point of the sweep is the chapter's own run.
    let own = at(&sweep(), 1, 1, 1);
    assert_eq!((own.per_s_milli, own.p50_us, own.p99_us, own.max_us), (440_496, 1_120_200, 2_217_800, 2_240_200));
    // Its scenario is the chapter's (the settings panel writes the same).
    assert_eq!(scenario_at(&scenario, Point { prefetch: 1, consumers: 1, ack_every: 1 }, None).unwrap(), scenario);
    let chapter = tour::chapter("latency-throughput").unwrap();
    for lang in [Lang::En, Lang::Zh] {
        let text = chapter.narration(lang);
        for figure in ["440.496", "1120.2", "2217.8", "480.686", "2029.89", "1921.71", "486.5", "476.379"] {
            assert!(text.contains(figure), "{lang:?} narration lacks {figure}");
        }
    }
    assert_eq!(tour::CHAPTERS.last().unwrap().id, "latency-throughput");
}

/// Every point's figures: (prefetch, consumers, ack_every, messages/s × 1000, p50 µs, p99 µs).
#[test]
fn the_sweeps_figures() {
    let found: Vec<(u16, u8, u16, u64, u64, u64)> = sweep().iter().map(|o| (o.point.prefetch, o.point.consumers, o.point.ack_every, o.per_s_milli, o.p50_us, o.p99_us)).collect();
    let wanted = [
        (1, 1, 1, 440_496, 1_120_200, 2_217_800),
        (1, 2, 1, 880_925, 552_730, 1_094_180),
        (1, 4, 1, 1_761_587, 269_040, 533_430),
        (10, 1, 1, 480_686, 1_025_390, 2_029_890),
        (10, 1, 10, 476_379, 1_034_700, 2_048_510),
        (10, 2, 1, 961_206, 505_420, 1_000_320),
        (10, 2, 10, 952_680, 510_250, 1_009_750),
        (10, 4, 1, 1_921_710, 245_480, 486_500),
        (10, 4, 10, 1_905_016, 248_120, 491_150),
        (100, 1, 1, 480_686, 1_025_390, 2_029_890),
        (100, 1, 10, 480_686, 1_025_390, 2_029_890),
        (100, 2, 1, 961_206, 505_420, 1_000_320),
        (100, 2, 10, 961_206, 505_690, 1_000_440),
        (100, 4, 1, 1_921_710, 245_480, 486_500),
        (100, 4, 10, 1_921_710, 245_840, 486_590),
    ];
    assert_eq!(found, wanted);
}

/// The curve's shape, as the model says: with a backlog, throughput rises with the window and
/// with consumers, and p99 falls with it (the same messages leave the queue sooner); a window
/// past the round trip adds nothing; an ack batch as large as the window stalls it.
#[test]
fn the_curves_shape() {
    let s = sweep();
    for consumers in [1, 2, 4] {
        let (p1, p10, p100) = (at(&s, 1, consumers, 1), at(&s, 10, consumers, 1), at(&s, 100, consumers, 1));
        assert!(p10.per_s_milli > p1.per_s_milli && p10.p99_us < p1.p99_us, "{consumers}: a window hides the round trip");
        assert_eq!((p100.per_s_milli, p100.p99_us), (p10.per_s_milli, p10.p99_us), "{consumers}: 100 adds nothing to 10");
        assert!(at(&s, 10, consumers, 10).per_s_milli < p10.per_s_milli, "{consumers}: a batch the window's size stalls it");
    }
    for prefetch in [1, 10, 100] {
        let one = at(&s, prefetch, 1, 1);
        for consumers in [2, 4] {
            let more = at(&s, prefetch, consumers, 1);
            // Linear, give or take the last message's rounding: within 1%.
            let ideal = one.per_s_milli * u64::from(consumers);
            assert!(more.per_s_milli <= ideal && more.per_s_milli * 100 >= ideal * 99, "{prefetch}×{consumers}: {} against {ideal}", more.per_s_milli);
            assert!(more.p99_us < one.p99_us);
        }
    }
    // Every run processed every message.
    assert!(s.iter().all(|o| o.processed == 1000));
}

/// A batch larger than the window would never be acked: such points are not run.
#[test]
fn a_batch_larger_than_the_window_is_left_out() {
    let points = Grid { prefetch: vec![1, 10], consumers: vec![1], ack_every: vec![1, 10, 50] }.points();
    assert_eq!(points, [Point { prefetch: 1, consumers: 1, ack_every: 1 }, Point { prefetch: 10, consumers: 1, ack_every: 1 }, Point { prefetch: 10, consumers: 1, ack_every: 10 }]);
}

/// Slices: the sweep advances a bounded number of steps at a time, its progress grows to
/// 1000‰, and slicing changes no figure; a large run (100,000 messages) goes in slices too.
#[test]
fn a_sweep_runs_in_slices_with_progress() {
    let base = catalog::get("latency-throughput").unwrap();
    let grid = Grid { prefetch: vec![1, 10], consumers: vec![2], ack_every: vec![1] };
    let mut sweep = Sweep::new(&base, &grid, None).unwrap();
    let mut seen = vec![sweep.progress_permille()];
    while sweep.advance(2_000) {
        seen.push(sweep.progress_permille());
    }
    seen.push(sweep.progress_permille());
    assert_eq!(seen[0], 0);
    assert_eq!(*seen.last().unwrap(), 1000);
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert!(seen.len() > 5, "{seen:?}");
    assert_eq!(sweep.outcomes(), &Sweep::new(&base, &grid, None).unwrap().run()[..]);
    // 100,000 messages: the first slice returns with a small share done.
    let mut large = Sweep::new(&base, &Grid { prefetch: vec![10], consumers: vec![4], ack_every: vec![1] }, Some(100_000)).unwrap();
    assert!(large.advance(10_000));
    let permille = large.progress_permille();
    assert!((1..100).contains(&permille), "{permille}");
    assert!(large.outcomes().is_empty());
}

/// A point's scenario is what the settings panel writes, plus the batch.
#[test]
fn a_points_scenario_is_the_settings_panels() {
    let base = catalog::get("latency-throughput").unwrap();
    let point = scenario_at(&base, Point { prefetch: 10, consumers: 4, ack_every: 10 }, Some(500)).unwrap();
    let settings = Settings::of(&point);
    assert_eq!((settings.prefetch_count, settings.consumers, settings.messages), (Some(10), 4, 500));
    let mut panel = Settings::of(&base);
    panel.prefetch_count = Some(10);
    panel.consumers = 4;
    panel.messages = 500;
    let mut written = panel.apply(&base).unwrap();
    for actor in &mut written.actors {
        if let queue_playground::scenario::ActorSpec::Consumer(c) = actor {
            c.ack_every = Some(10);
        }
    }
    assert_eq!(point, written);
}
