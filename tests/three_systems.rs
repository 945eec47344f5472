//! Three systems side by side (`queue_playground::three_systems`): the same workload and fault on
//! RabbitMQ, Kafka and ZeroMQ, each side's verdict per payload pinned, with the causes that
//! explain them, and bad input refused in both languages.
//!
//! A row of verdicts is written one letter per payload: P processed once, L lost, D duplicated,
//! R redelivered, S stranded, N never sent, A never accepted, Q still queued, O out of order.

use queue_playground::engine::checker::RunLabel;
use queue_playground::three_systems::*;

fn letter(verdict: &str) -> char {
    match verdict {
        "processed_once" => 'P',
        "lost" => 'L',
        "duplicated" => 'D',
        "redelivered" => 'R',
        "stranded" => 'S',
        "never_sent" => 'N',
        "never_accepted" => 'A',
        "still_queued" => 'Q',
        "out_of_order" => 'O',
        other => panic!("unexpected verdict {other}"),
    }
}

fn side(three: &ThreeWay, system: SystemName) -> &Side {
    match three.sides.iter().find(|(s, _)| *s == system) {
        Some((_, Ok(side))) => side,
        Some((_, Err(e))) => panic!("{} side did not run: {e}", system.title()),
        None => panic!("no {} side", system.title()),
    }
}

fn letters(side: &Side) -> String {
    side.cells.iter().map(|c| letter(c.verdict)).collect()
}

fn run(fault: SharedFault) -> ThreeWay {
    ThreeWay::run(&Workload::default(), &fault).unwrap_or_else(|e| panic!("{fault:?}: {}", e.en))
}

/// `(RabbitMQ, Kafka, ZeroMQ)` rows and labels.
fn check(fault: SharedFault, rows: [&str; 3], labels: [RunLabel; 3]) -> ThreeWay {
    let three = run(fault.clone());
    for (i, system) in SystemName::ALL.into_iter().enumerate() {
        let s = side(&three, system);
        assert_eq!(letters(s), rows[i], "{} under {fault:?}", system.title());
        assert_eq!(s.label, labels[i], "{}'s label under {fault:?}", system.title());
    }
    three
}

fn cause<'a>(three: &'a ThreeWay, system: SystemName, data: usize) -> &'a Bilingual {
    side(three, system).cells[data].cause.as_ref().unwrap_or_else(|| panic!("{} has no cause for {{'data': {data}}}", system.title()))
}

#[test]
fn the_workload_alone_is_processed_once_everywhere() {
    let three = check(SharedFault::None, ["PPPPPPPPPP"; 3], [RunLabel::EffectivelyOnce; 3]);
    for system in SystemName::ALL {
        assert!(side(&three, system).cells.iter().all(|c| c.printed == 1 && c.cause.is_none()));
        assert_eq!(side(&three, system).counterpart, Counterpart::Same);
    }
}

#[test]
fn a_killed_consumer_loses_on_rabbitmq_strands_on_kafka_and_blocks_zeromqs_producer() {
    let three = check(
        SharedFault::ConsumerCrash { after_prints: 3, restart_after_ms: None },
        ["PPPLLLLLLL", "PPPSSSSSSS", "PPPNNNNNNN"],
        [RunLabel::AtMostOnce, RunLabel::Incomplete, RunLabel::Incomplete],
    );
    assert!(cause(&three, SystemName::Rabbitmq, 3).en.contains("auto_ack=True had already removed it from the queue"));
    assert!(cause(&three, SystemName::Rabbitmq, 3).zh.contains("auto_ack=True"));
    assert_eq!(cause(&three, SystemName::Kafka, 9).en, "stored in the log, but no consumer of its group is left to read it");
    // ZeroMQ's producer binds: with its one peer dead it has no pipe, and its send waits forever.
    assert_eq!(cause(&three, SystemName::Zeromq, 3).en, "never sent: the program is still blocked in a send (this one's or an earlier one's) or a recv that nothing will complete");
    assert_eq!(cause(&three, SystemName::Zeromq, 3).zh, "从未发送：程序仍阻塞在一次 send（这一条的或之前一条的）或 recv 上，再也没有什么能让它返回");
}

#[test]
fn a_restarted_consumer_duplicates_on_kafka_loses_on_rabbitmq_and_gets_everything_on_zeromq() {
    let three = check(
        SharedFault::ConsumerCrash { after_prints: 3, restart_after_ms: Some(1_000) },
        ["PPPLLLLLLL", "DDDPPPPPPP", "PPPPPPPPPP"],
        [RunLabel::AtMostOnce, RunLabel::AtLeastOnce, RunLabel::EffectivelyOnce],
    );
    let kafka = side(&three, SystemName::Kafka);
    assert_eq!(kafka.cells.iter().map(|c| c.printed).collect::<Vec<_>>(), [2, 2, 2, 1, 1, 1, 1, 1, 1, 1]);
    assert!(cause(&three, SystemName::Kafka, 0).en.starts_with("read again from offset 0 of partition 0"), "{}", cause(&three, SystemName::Kafka, 0).en);
    assert!(cause(&three, SystemName::Kafka, 0).zh.starts_with("从分区 0 的位点 0 重新读取"));
}

#[test]
fn a_killed_producer_loses_what_zeromq_had_queued_in_its_socket() {
    let three = check(
        SharedFault::ProducerCrash { after_sends: 5 },
        ["PPPPPNNNNN", "PPPPPNNNNN", "PPPPLNNNNN"],
        [RunLabel::Incomplete, RunLabel::Incomplete, RunLabel::AtMostOnce],
    );
    assert!(cause(&three, SystemName::Zeromq, 4).en.contains("still queued in the sender's socket"));
    assert_eq!(cause(&three, SystemName::Kafka, 5).en, "the producer was killed before sending it");
    assert!(cause(&three, SystemName::Rabbitmq, 5).en.contains("went down before publishing it"));
}

#[test]
fn a_killed_broker_loses_rabbitmqs_transient_messages_kafka_keeps_its_log_and_zeromq_has_none() {
    let three = check(
        SharedFault::BrokerCrash { after_sends: 5 },
        ["LLLLLNNNNN", "PPPPPPPPPP", "PPPPPPPPPP"],
        [RunLabel::AtMostOnce, RunLabel::EffectivelyOnce, RunLabel::EffectivelyOnce],
    );
    assert!(cause(&three, SystemName::Rabbitmq, 0).en.contains("transient"));
    assert_eq!(side(&three, SystemName::Zeromq).counterpart, Counterpart::NoBroker);
    assert_eq!(side(&three, SystemName::Rabbitmq).counterpart, Counterpart::Same);
}

#[test]
fn the_same_comparison_runs_the_same() {
    let fault = SharedFault::ConsumerCrash { after_prints: 2, restart_after_ms: Some(500) };
    let w = Workload { messages: 25, interval_ms: 40, consumers: 2, ..Workload::default() };
    assert_eq!(ThreeWay::run(&w, &fault), ThreeWay::run(&w, &fault));
}

#[test]
fn every_side_has_a_row_per_payload_and_its_counts_agree_with_its_rows() {
    let faults = [
        SharedFault::None,
        SharedFault::ConsumerCrash { after_prints: 1, restart_after_ms: None },
        SharedFault::ConsumerCrash { after_prints: 7, restart_after_ms: Some(200) },
        SharedFault::ProducerCrash { after_sends: 1 },
        SharedFault::BrokerCrash { after_sends: 7 },
    ];
    for messages in [1u32, 7, 40] {
        for consumers in 1..=CONSUMERS_MAX {
            for interval_ms in [0u64, 30, 250] {
                for consumer_start_ms in [0u64, 2_000] {
                    let w = Workload { messages, interval_ms, consumers, consumer_start_ms, ..Workload::default() };
                    for fault in &faults {
                        if fault.check(&w).is_err() {
                            continue;
                        }
                        let three = ThreeWay::run(&w, fault).unwrap_or_else(|e| panic!("{w:?} {fault:?}: {}", e.en));
                        for (system, s) in &three.sides {
                            let s = s.as_ref().unwrap_or_else(|e| panic!("{} {w:?} {fault:?}: {e}", system.title()));
                            assert_eq!(s.cells.len(), messages as usize);
                            let count = |v: &str| s.cells.iter().filter(|c| c.verdict == v).count() as u32;
                            let context = format!("{} {w:?} {fault:?}: {}", system.title(), letters(s));
                            assert_eq!(count("processed_once"), s.counts.processed_once, "{context}");
                            assert_eq!(count("lost"), s.counts.lost, "{context}");
                            assert_eq!(count("duplicated"), s.counts.duplicated, "{context}");
                            // Every verdict but processed once says why.
                            assert!(s.cells.iter().all(|c| (c.verdict == "processed_once") == c.cause.is_none()), "{context}");
                            assert!(s.cells.iter().filter(|c| c.verdict == "processed_once").all(|c| c.printed == 1), "{context}");
                            // Every cause in both languages.
                            let cjk = |t: &str| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
                            assert!(s.cells.iter().filter_map(|c| c.cause.as_ref()).all(|c| !cjk(&c.en) && cjk(&c.zh)), "{context}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn bad_input_is_refused_in_both_languages() {
    let refused = |w: Workload, f: SharedFault| ThreeWay::run(&w, &f).expect_err("refused");
    let e = refused(Workload { messages: 0, ..Workload::default() }, SharedFault::None);
    assert_eq!(e.en, "messages must be 1 to 1000, got 0");
    assert_eq!(e.zh, "消息数必须在 1 到 1000 之间，现在是 0");
    let e = refused(Workload { messages: 1_000_000, ..Workload::default() }, SharedFault::None);
    assert!(e.en.contains("got 1000000"));
    let e = refused(Workload { interval_ms: u64::MAX, ..Workload::default() }, SharedFault::None);
    assert_eq!(e.en, format!("interval_ms must be at most 60000, got {}", u64::MAX));
    let e = refused(Workload::default(), SharedFault::ConsumerCrash { after_prints: 11, restart_after_ms: None });
    assert_eq!(e.en, "the fault must come after the consumer's print 1 to 10, got 11");
    assert_eq!(e.zh, "故障必须发生在消费者的第 1 到第 10 次打印之后，现在是 11");
    let e = refused(Workload::default(), SharedFault::ProducerCrash { after_sends: 0 });
    assert!(e.en.contains("the producer's print 1 to 10, got 0"));
    let e = refused(Workload::default(), SharedFault::ConsumerCrash { after_prints: 1, restart_after_ms: Some(60_001) });
    assert!(e.zh.contains("60001"));
}
