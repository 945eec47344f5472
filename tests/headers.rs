//! The headers RabbitMQ 3.10 puts on deliveries (`x-death`, `x-first-death-*`, the quorum
//! queue's `x-delivery-count`), as the report shows them, pinned exactly. Each scenario here
//! was run on a real RabbitMQ 3.10.8 through the export (the conformance layer runs them:
//! they are written to target/ground-truth/ with the ground-truth rows) and agreed.

use queue_playground::engine::{Until};
use queue_playground::systems::rabbitmq::Sim;
use queue_playground::report::Report;
use queue_playground::scenario::Scenario;
use serde_json::{json, Value};

/// Two queues that dead-letter into each other; each consumer rejects message 3 (without
/// requeue) on its first tries (the one on `hc.a` twice, the one on `hc.b` once), so 3 dies
/// in `hc.a`, in `hc.b`, in `hc.a` again, and is acked on its 4th delivery, from `hc.b`.
/// Rejections make the cycle legal (`rabbit_dead_letter:detect_cycles`).
const DLX_CYCLE: &str = r#"{"name":"headers-dlx-cycle","queues":[
    {"name":"hc.a","durable":true,"dead_letter_exchange":"hc.to-b"},
    {"name":"hc.b","durable":true,"dead_letter_exchange":"hc.to-a","dead_letter_routing_key":"again"}],
  "exchanges":[{"name":"hc.to-b","type":"fanout"},{"name":"hc.to-a","type":"fanout"}],
  "bindings":[{"exchange":"hc.to-b","queue":"hc.b"},{"exchange":"hc.to-a","queue":"hc.a"}],
  "actors":[{"role":"producer","name":"producer","queue":"hc.a","messages":5,"interval_ms":50,"delivery_mode":2},
            {"role":"consumer","name":"consumer-a","queue":"hc.a","auto_ack":false,"prefetch_count":1,"work_ms":20,
             "on_failure":"nack_drop","fail":{"data":[3],"attempts":2}},
            {"role":"consumer","name":"consumer-b","queue":"hc.b","auto_ack":false,"prefetch_count":1,"work_ms":20,
             "on_failure":"reject_drop","fail":{"data":[3],"attempts":1}}]}"#;

/// A quorum queue with `x-delivery-limit: 2`: message 1 fails every time and is requeued,
/// so it is delivered 3 times (x-delivery-count absent, 1, 2), then dead-lettered with
/// reason `delivery_limit` to a DLQ nobody consumes (read there with basic_get).
const QUORUM_LIMIT: &str = r#"{"name":"headers-quorum-delivery-limit","queues":[
    {"name":"hc.quorum","durable":true,"type":"quorum","delivery_limit":2,"dead_letter_exchange":"hc.dlx"},
    {"name":"hc.quorum-dlq","durable":true}],
  "exchanges":[{"name":"hc.dlx","type":"fanout"}],"bindings":[{"exchange":"hc.dlx","queue":"hc.quorum-dlq"}],
  "actors":[{"role":"producer","name":"producer","queue":"hc.quorum","messages":3,"interval_ms":50,"delivery_mode":2},
            {"role":"consumer","name":"consumer","queue":"hc.quorum","auto_ack":false,"prefetch_count":1,"work_ms":20,
             "on_failure":"nack_requeue","fail":{"data":[1]},"start_ms":500}]}"#;

/// Per-queue TTL and drop-head max-length, both dead-lettering to one DLQ nobody consumes:
/// reasons `expired` and `maxlen` (`hc.short`'s x-dead-letter-routing-key changes the key the
/// dead letter is routed with, not the x-death entry, which records the key it had).
const EXPIRED_MAXLEN: &str = r#"{"name":"headers-expired-maxlen","queues":[
    {"name":"hc.ttl","durable":true,"message_ttl_ms":300,"dead_letter_exchange":"hc.dlx"},
    {"name":"hc.short","durable":true,"max_length":2,"dead_letter_exchange":"hc.dlx","dead_letter_routing_key":"from-short"},
    {"name":"hc.dead","durable":true}],
  "exchanges":[{"name":"hc.dlx","type":"fanout"}],"bindings":[{"exchange":"hc.dlx","queue":"hc.dead"}],
  "actors":[{"role":"producer","name":"p-ttl","queue":"hc.ttl","messages":2,"interval_ms":100,"delivery_mode":2},
            {"role":"producer","name":"p-short","queue":"hc.short","messages":4,"interval_ms":50,"delivery_mode":2,"first_data":10,"start_ms":1000}]}"#;

fn report_json(json: &str) -> Value {
    let scenario = Scenario::from_json(json).unwrap_or_else(|e| panic!("invalid test scenario: {e}"));
    let mut sim = Sim::new(&scenario).expect("valid");
    sim.run_until(Until::Quiescence);
    sim.check_conservation().expect("conservation");
    serde_json::to_value(Report::new(&sim, false)).unwrap()
}

fn message(report: &Value, data: u64) -> &Value {
    report["messages"].as_array().unwrap().iter().find(|m| m["data"] == data).unwrap()
}

/// Each delivery as (consumer, redelivered, headers or null).
fn deliveries(report: &Value, data: u64) -> Vec<Value> {
    message(report, data)["deliveries"].as_array().unwrap().iter().map(|d| json!([d["to"], d["redelivered"], d.get("headers")])).collect()
}

#[test]
fn x_death_counts_a_repeated_death_in_place_and_moves_it_to_the_front() {
    let report = report_json(DLX_CYCLE);
    let first = json!({"x-first-death-reason": "rejected", "x-first-death-queue": "hc.a", "x-first-death-exchange": ""});
    let a = |count: u32| json!({"count": count, "reason": "rejected", "queue": "hc.a", "exchange": "", "routing-keys": ["hc.a"]});
    // Died in hc.b after coming from hc.to-b with its key kept (hc.b's own
    // x-dead-letter-routing-key applies to what leaves hc.b, not to its x-death entry).
    let b = json!({"count": 1, "reason": "rejected", "queue": "hc.b", "exchange": "hc.to-b", "routing-keys": ["hc.a"]});
    let with = |deaths: Value| {
        let mut h = first.clone();
        h["x-death"] = deaths;
        h
    };
    assert_eq!(
        deliveries(&report, 3),
        vec![
            json!(["consumer-a", false, null]),
            json!(["consumer-b", false, with(json!([a(1)]))]),
            json!(["consumer-a", false, with(json!([b, a(1)]))]),
            // The second death in hc.a: its entry counts 2, comes first, keeps its exchange
            // and routing keys (this time it came from hc.to-a with key "again").
            json!(["consumer-b", false, with(json!([a(2), b]))]),
        ]
    );
    assert_eq!(message(&report, 3)["verdict"], "processed_once");
    // The others were never dead-lettered: no headers at all.
    assert_eq!(deliveries(&report, 2), vec![json!(["consumer-a", false, null])]);
}

#[test]
fn a_quorum_queue_counts_returns_in_x_delivery_count_and_dead_letters_at_the_limit() {
    let report = report_json(QUORUM_LIMIT);
    assert_eq!(
        deliveries(&report, 1),
        vec![
            json!(["consumer", false, null]),
            json!(["consumer", true, {"x-delivery-count": 1}]),
            json!(["consumer", true, {"x-delivery-count": 2}]),
        ]
    );
    assert_eq!(deliveries(&report, 0), vec![json!(["consumer", false, null])]);
    let dlq = report["queues"].as_array().unwrap().iter().find(|q| q["name"] == "hc.quorum-dlq").unwrap();
    assert_eq!(dlq["ready"], json!([1]));
    assert_eq!(
        dlq["ready_headers"],
        json!([{"x-death": [{"count": 1, "reason": "delivery_limit", "queue": "hc.quorum", "exchange": "", "routing-keys": ["hc.quorum"]}],
                "x-first-death-reason": "delivery_limit", "x-first-death-queue": "hc.quorum", "x-first-death-exchange": ""}])
    );
    let quorum = report["queues"].as_array().unwrap().iter().find(|q| q["name"] == "hc.quorum").unwrap();
    assert_eq!(quorum.get("ready_headers"), None, "an empty queue has none");
}

/// basic_get on a quorum queue adds x-delivery-count even at 0 (`rabbit_fifo_client:dequeue`);
/// a consumer's first delivery has none (`transform_msgs`).
#[test]
fn a_message_ready_in_a_quorum_queue_is_read_with_x_delivery_count_0() {
    let report = report_json(
        r#"{"name":"quorum-ready","queues":[{"name":"q","durable":true,"type":"quorum"}],
            "actors":[{"role":"producer","name":"p","queue":"q","messages":2,"interval_ms":10}]}"#,
    );
    assert_eq!(report["queues"][0]["ready_headers"], json!([{"x-delivery-count": 0}, {"x-delivery-count": 0}]));
}

/// The catalog's poison message, rejected after three tries, waits in the DLQ with the
/// x-death of ground-truth row e4.
#[test]
fn the_catalog_poison_message_waits_in_the_dlq_with_its_x_death() {
    let report = report_json(include_str!("../src/scenario/catalog/poison-dead-letter.json"));
    assert_eq!(report["queues"][1]["ready"], json!([3]));
    assert_eq!(
        report["queues"][1]["ready_headers"],
        json!([{"x-death": [{"count": 1, "reason": "rejected", "queue": "test_queue", "exchange": "", "routing-keys": ["test_queue"]}],
                "x-first-death-reason": "rejected", "x-first-death-queue": "test_queue", "x-first-death-exchange": ""}])
    );
    assert_eq!(report["queues"][0].get("ready_headers"), None);
}

#[test]
fn expired_and_maxlen_deaths_are_recorded_with_their_reasons() {
    let report = report_json(EXPIRED_MAXLEN);
    let dead = report["queues"].as_array().unwrap().iter().find(|q| q["name"] == "hc.dead").unwrap();
    assert_eq!(dead["ready"], json!([0, 1, 10, 11]));
    let death = |reason: &str, queue: &str| {
        json!({"x-death": [{"count": 1, "reason": reason, "queue": queue, "exchange": "", "routing-keys": [queue]}],
               "x-first-death-reason": reason, "x-first-death-queue": queue, "x-first-death-exchange": ""})
    };
    assert_eq!(
        dead["ready_headers"],
        json!([death("expired", "hc.ttl"), death("expired", "hc.ttl"), death("maxlen", "hc.short"), death("maxlen", "hc.short")])
    );
}

/// These scenarios go to the conformance layer with the ground-truth rows.
#[test]
fn header_scenarios_are_written_for_the_conformance_layer() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ground-truth");
    std::fs::create_dir_all(&dir).unwrap();
    for json in [DLX_CYCLE, QUORUM_LIMIT, EXPIRED_MAXLEN] {
        let scenario = Scenario::from_json(json).unwrap();
        std::fs::write(dir.join(format!("{}.json", scenario.name)), scenario.to_json()).unwrap();
    }
}

/// The page narrates each delivery with its headers, in English and Chinese.
#[test]
fn the_narration_of_a_delivery_names_its_x_death_and_x_delivery_count() {
    use queue_playground::systems::rabbitmq::trace::Event;
    use queue_playground::i18n::{describe_at, Lang};
    let narrated = |json: &str, lang: Lang| -> Vec<String> {
        let mut sim = Sim::new(&Scenario::from_json(json).unwrap()).unwrap();
        sim.run_until(Until::Quiescence);
        let trace = sim.trace();
        (0..trace.len())
            .filter(|&i| matches!(trace[i].event, Event::MessageDelivered { .. } | Event::MessageDeadLettered { .. }))
            .map(|i| describe_at(trace, i, &sim, lang))
            .filter(|s| s.contains("{'data': 3}") || s.contains("{'data': 1}"))
            .collect()
    };
    assert_eq!(
        narrated(DLX_CYCLE, Lang::En)[..],
        [
            "the broker delivered {'data': 1} to consumer-a",
            "the broker delivered {'data': 3} to consumer-a",
            "{'data': 3} was dead-lettered to hc.b; x-death: rejected ×1 in hc.a",
            "the broker delivered {'data': 3} to consumer-b; x-death: rejected ×1 in hc.a",
            "{'data': 3} was dead-lettered to hc.a; x-death: rejected ×1 in hc.b, rejected ×1 in hc.a",
            "the broker delivered {'data': 3} to consumer-a; x-death: rejected ×1 in hc.b, rejected ×1 in hc.a",
            "{'data': 3} was dead-lettered to hc.b; x-death: rejected ×2 in hc.a, rejected ×1 in hc.b",
            "the broker delivered {'data': 3} to consumer-b; x-death: rejected ×2 in hc.a, rejected ×1 in hc.b",
        ]
    );
    assert_eq!(
        narrated(DLX_CYCLE, Lang::Zh)[7],
        "broker 把 {'data': 3} 投递给 consumer-b；x-death：在 hc.a 中 rejected ×2，在 hc.b 中 rejected ×1"
    );
    assert_eq!(
        narrated(QUORUM_LIMIT, Lang::En)[..],
        [
            "the broker delivered {'data': 1} to consumer",
            "the broker delivered {'data': 1} to consumer (redelivered); x-delivery-count: 1",
            "the broker delivered {'data': 1} to consumer (redelivered); x-delivery-count: 2",
            "{'data': 1} was dead-lettered to hc.quorum-dlq; x-death: delivery_limit ×1 in hc.quorum",
        ]
    );
    assert_eq!(narrated(QUORUM_LIMIT, Lang::Zh)[2], "broker 把 {'data': 1} 投递给 consumer（重新投递）；x-delivery-count：2");
    // Without a dead-letter exchange the copy is never dead-lettered: its count is read back
    // to its enqueue (not replayed), and agrees with the report.
    let dropped = QUORUM_LIMIT.replace(r#","dead_letter_exchange":"hc.dlx""#, "");
    assert_eq!(
        narrated(&dropped, Lang::En)[..],
        [
            "the broker delivered {'data': 1} to consumer",
            "the broker delivered {'data': 1} to consumer (redelivered); x-delivery-count: 1",
            "the broker delivered {'data': 1} to consumer (redelivered); x-delivery-count: 2",
        ]
    );
    assert_eq!(deliveries(&report_json(&dropped), 1)[2], json!(["consumer", true, {"x-delivery-count": 2}]));
}

/// Reading back to the enqueue gives every delivery of a never-dead-lettered copy the
/// x-delivery-count that reading the whole trace gives.
#[test]
fn the_read_back_delivery_count_agrees_with_the_replay() {
    use queue_playground::systems::rabbitmq::headers::HeaderTracker;
    use queue_playground::systems::rabbitmq::trace::Event;
    let dropped = QUORUM_LIMIT.replace(r#","dead_letter_exchange":"hc.dlx""#, "");
    let mut checked = 0;
    for json in [dropped.as_str(), include_str!("../src/scenario/catalog/quorum-node-crash.json"), include_str!("../src/scenario/catalog/consumer-crash-manual-ack.json")] {
        let mut sim = Sim::new(&Scenario::from_json(json).unwrap()).unwrap();
        sim.run_until(Until::Quiescence);
        let (setup, trace) = (sim.setup(), sim.trace());
        let mut tracker = HeaderTracker::new();
        for (index, entry) in trace.iter().enumerate() {
            let replayed = tracker.observe(setup, &entry.event);
            if let Event::MessageDelivered { copy, .. } = entry.event {
                if sim.ledger().copy(copy).extra.death.is_none() {
                    assert_eq!(HeaderTracker::delivery_count_at(setup, trace, index, usize::MAX), replayed.map(|h| h.delivery_count), "event {index}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 20, "{checked} deliveries checked");
}
