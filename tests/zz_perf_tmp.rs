#[test]
fn perf() {
    use queue_playground::view::*;
    let scenario = queue_playground::scenario::catalog::scaled_workload(100_000, 1);
    let mut sim = queue_playground::engine::Sim::new(&scenario).unwrap();
    sim.run_until(queue_playground::engine::Until::Quiescence);
    let t = std::time::Instant::now();
    let s = chart_series(sim.trace(), 200);
    println!("events {} chart {:?} points {}", sim.trace().len(), t.elapsed(), s.times_ms.len());
    let t = std::time::Instant::now();
    let v = diagram_view(&sim);
    println!("diagram {:?} copies {} ready {}", t.elapsed(), sim.ledger().copies.len(), v.queues[0].ready.len());
}
