//! Browser unit tests: `bash scripts/test.sh` runs them in headless Chromium with
//! `cargo test --target wasm32-unknown-unknown --test web` (wasm-bindgen-test-runner,
//! chromedriver, capabilities from webdriver.json). Natively this file compiles to nothing.
#![cfg(target_arch = "wasm32")]

use queue_playground::engine::{Until};
use queue_playground::systems::rabbitmq::Sim;
use queue_playground::report::Report;
use queue_playground::scenario::catalog;
use queue_playground::ui::app::App;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

include!("golden/table.rs");
include!("golden/kafka_table.rs");
include!("golden/zeromq_table.rs");

/// The Kafka engine in wasm gives exactly the native golden hashes and verdicts.
#[wasm_bindgen_test]
fn wasm_kafka_traces_match_the_native_golden_table() {
    use queue_playground::systems::kafka::{report::KafkaReport, scenario::catalog as kafka_catalog, world::KafkaSim};
    assert_eq!(KAFKA_GOLDEN.len(), kafka_catalog::names().count());
    for (name, hash, summary) in KAFKA_GOLDEN {
        let scenario = kafka_catalog::get(name).expect("Kafka catalog scenario");
        let mut sim = KafkaSim::new(&scenario).expect("valid");
        sim.run_until(Until::Quiescence);
        let report = KafkaReport::new(&sim, false);
        assert_eq!(&report.trace_hash, hash, "{name}: wasm Kafka trace differs from native");
        assert_eq!(&report.summary, summary, "{name}: wasm Kafka verdicts differ from native");
    }
}

/// The ZeroMQ engine in wasm gives exactly the native golden hashes and verdicts.
#[wasm_bindgen_test]
fn wasm_zeromq_traces_match_the_native_golden_table() {
    use queue_playground::systems::zeromq::{report::ZmqReport, scenario::catalog as zmq_catalog, world::ZmqSim};
    assert_eq!(ZEROMQ_GOLDEN.len(), zmq_catalog::names().count());
    for (name, hash, summary) in ZEROMQ_GOLDEN {
        let scenario = zmq_catalog::get(name).expect("ZeroMQ catalog scenario");
        let mut sim = ZmqSim::new(&scenario).expect("valid");
        sim.run_until(Until::Quiescence);
        let report = ZmqReport::new(&sim, false);
        assert_eq!(&report.trace_hash, hash, "{name}: wasm ZeroMQ trace differs from native");
        assert_eq!(&report.summary, summary, "{name}: wasm ZeroMQ verdicts differ from native");
    }
}

/// The three systems side by side in wasm: the consumer killed after its 3rd print and
/// restarted 1 s later gives the columns `tests/three_systems.rs` pins natively.
#[wasm_bindgen_test]
fn wasm_three_systems_match_native() {
    use queue_playground::three_systems::{SharedFault, SystemName, ThreeWay, Workload};
    let fault = SharedFault::ConsumerCrash { after_prints: 3, restart_after_ms: Some(1000) };
    let three = ThreeWay::run(&Workload::default(), &fault).expect("the default workload runs");
    let expected = [(SystemName::Rabbitmq, "PPPLLLLLLL"), (SystemName::Kafka, "DDDPPPPPPP"), (SystemName::Zeromq, "PPPPPPPPPP")];
    for (system, row) in expected {
        let side = match three.sides.iter().find(|(s, _)| *s == system) {
            Some((_, Ok(side))) => side,
            _ => panic!("{} did not run", system.title()),
        };
        let letters: String = side
            .cells
            .iter()
            .map(|c| match c.verdict {
                "processed_once" => 'P',
                "lost" => 'L',
                "duplicated" => 'D',
                other => panic!("{}: unexpected verdict {other}", system.title()),
            })
            .collect();
        assert_eq!(letters, row, "{} in wasm differs from tests/three_systems.rs", system.title());
    }
}

/// The engine in wasm gives exactly the native golden hashes and verdicts.
#[wasm_bindgen_test]
fn wasm_traces_match_the_native_golden_table() {
    assert_eq!(GOLDEN.len(), catalog::ENTRIES.len());
    for (name, hash, summary) in GOLDEN {
        let scenario = catalog::get(name).expect("catalog scenario");
        let mut sim = Sim::new(&scenario).expect("valid");
        sim.run_until(Until::Quiescence);
        let report = Report::new(&sim, false);
        assert_eq!(&report.trace_hash, hash, "{name}: wasm trace differs from native");
        assert_eq!(&report.summary, summary, "{name}: wasm verdicts differ from native");
    }
}

/// A new element to render into, with no saved state and no share link in the URL.
fn fresh_root() -> web_sys::Element {
    let window = web_sys::window().unwrap();
    window.local_storage().unwrap().unwrap().clear().unwrap();
    window.history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("#")).unwrap();
    let document = window.document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    root
}

fn click(root: &web_sys::Element, selector: &str) {
    use wasm_bindgen::JsCast;
    root.query_selector(selector).unwrap().unwrap_or_else(|| panic!("no {selector}")).dyn_into::<web_sys::HtmlElement>().unwrap().click();
}

fn text(root: &web_sys::Element, selector: &str) -> String {
    root.query_selector(selector).unwrap().unwrap_or_else(|| panic!("no {selector}")).text_content().unwrap_or_default()
}

/// The playground renders the tour, steps with the transport, highlights the running line,
/// and shows the verdict of the run so far.
#[wasm_bindgen_test]
async fn playground_steps_through_the_article() {
    let root = fresh_root();
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    assert_eq!(root.query_selector_all("#tour .chapter").unwrap().length() as usize, queue_playground::tour::CHAPTERS.len());
    // §4.1 opens where the queue has just been declared.
    let at = |root: &web_sys::Element| -> usize {
        let position = text(root, "#position");
        position.split_whitespace().find_map(|w| w.parse().ok()).unwrap_or_else(|| panic!("no step in {position}"))
    };
    let start = at(&root);
    assert!(start > 0 && text(&root, "#step-narration").contains("declared test_queue"), "opens at the declare: {}", text(&root, "#step-narration"));
    for _ in 0..3 {
        click(&root, "#btn-step");
        yew::scheduler::flush().await;
    }
    assert_eq!(at(&root), start + 3, "three steps: {}", text(&root, "#position"));
    assert!(!text(&root, "#step-narration").is_empty());
    let code = text(&root, "[data-actor=consumer] .code");
    assert!(code.contains("auto_ack=True"), "the article consumer's code: {code}");
    assert_eq!(root.query_selector_all(".line.current").unwrap().length(), 1, "one actor is running a line");
    click(&root, "#btn-back");
    yew::scheduler::flush().await;
    assert_eq!(at(&root), start + 2);
    root.remove();
}

/// The diagram draws the queue's messages and the consumer's deliveries; the language
/// switch changes the narration and the page's lang.
#[wasm_bindgen_test]
async fn diagram_and_language_switch() {
    let root = fresh_root();
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    click(&root, "[data-chapter=consumer-crash]");
    yew::scheduler::flush().await;
    // Step until the broker has pushed the backlog to the consumer.
    for _ in 0..200 {
        if root.query_selector_all("g.consumer rect.delivery").unwrap().length() > 0 {
            break;
        }
        click(&root, "#btn-step");
        yew::scheduler::flush().await;
    }
    assert!(root.query_selector_all("g.consumer rect.delivery").unwrap().length() > 0, "the consumer holds deliveries");
    assert!(root.query_selector("g.queue[data-queue=test_queue]").unwrap().is_some());
    let english = text(&root, ".chapter-narration");
    click(&root, "#lang-toggle");
    yew::scheduler::flush().await;
    let chinese = text(&root, ".chapter-narration");
    assert_ne!(english, chinese);
    assert!(chinese.contains("消费者"), "{chinese}");
    let lang = web_sys::window().unwrap().document().unwrap().document_element().unwrap().get_attribute("lang");
    assert_eq!(lang.as_deref(), Some("zh-CN"));
    click(&root, "#lang-toggle");
    yew::scheduler::flush().await;
    root.remove();
}

/// The system switch shows the Kafka page: k-crash-autocommit run to its end has 0-3
/// duplicated (each printed twice) in the verdict table; in Chinese the labels and the
/// narration are Chinese.
#[wasm_bindgen_test]
async fn kafka_page_switch_chapter_and_verdicts() {
    let root = fresh_root();
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    click(&root, "#system-switch button[data-system=kafka]");
    yew::scheduler::flush().await;
    assert!(root.query_selector("#kafka-page #diagram.kafka svg").unwrap().is_some(), "the Kafka diagram");
    assert_eq!(root.query_selector_all("#kafka-page #tour .chapter").unwrap().length() as usize, queue_playground::kafka_text::KAFKA_CHAPTERS.len());
    click(&root, "#kafka-page [data-chapter=k-crash-autocommit]");
    yew::scheduler::flush().await;
    let page = root.query_selector("#kafka-page").unwrap().unwrap();
    assert_eq!(page.get_attribute("data-chapter").as_deref(), Some("k-crash-autocommit"));
    assert!(text(&root, ".chapter-narration").contains("0, 1, 2, 3"), "the opening quotes the run: {}", text(&root, ".chapter-narration"));
    click(&root, "#btn-end");
    yew::scheduler::flush().await;
    assert_eq!(page.get_attribute("data-position"), page.get_attribute("data-len"));
    let duplicated: Vec<(String, String)> = {
        let rows = root.query_selector_all("#messages tbody tr[data-verdict=duplicated]").unwrap();
        (0..rows.length())
            .filter_map(|i| rows.item(i))
            .filter_map(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok())
            .map(|e| (e.get_attribute("data-data").unwrap_or_default(), e.get_attribute("data-printed").unwrap_or_default()))
            .collect()
    };
    let expected: Vec<(String, String)> = (0..4).map(|d| (d.to_string(), "2".to_string())).collect();
    assert_eq!(duplicated, expected);
    assert_eq!(text(&root, "#counts li[data-count=duplicated] .n"), "4");
    assert!(text(&root, "[data-actor=consumer] .terminal").contains("Received {'data': 9}"));
    click(&root, "#lang-toggle");
    yew::scheduler::flush().await;
    assert!(text(&root, "#messages tbody tr[data-verdict=duplicated] .verdict-cell").contains("重复"), "{}", text(&root, "#messages tbody tr[data-verdict=duplicated] .verdict-cell"));
    assert!(text(&root, "#system-switch").contains("Kafka"));
    let chinese = text(&root, ".chapter-narration");
    assert!(chinese.contains("自动提交") && chinese.contains("0, 1, 2, 3"), "{chinese}");
    assert!(text(&root, "#outcome").contains("重复"), "{}", text(&root, "#outcome"));
    click(&root, "#lang-toggle");
    click(&root, "#system-switch button[data-system=rabbitmq]");
    yew::scheduler::flush().await;
    assert!(root.query_selector("#kafka-page").unwrap().is_none());
    root.remove();
}

// ---------------------------------------------------------------- Kafka diagram

mod kafka_diagram {
    use queue_playground::engine::checker::Verdict;
    use queue_playground::engine::ids::NodeId;
    use queue_playground::i18n::Lang;
    use queue_playground::systems::kafka::cluster::{Acks, Cluster, ClusterConfig, TopicPartition, TopicSpec};
    use queue_playground::systems::kafka::diagram::{ClientStatus, ConsumerFacts, KafkaDiagramView, KafkaWorldFacts, ProducerFacts, RecordFacts};
    use queue_playground::systems::kafka::group::{GroupCoordinator, GroupState, MemberKey, MemberSettings};
    use queue_playground::ui::components::kafka_diagram::{KafkaDiagram, KafkaDiagramProps};
    use std::rc::Rc;
    use wasm_bindgen_test::*;

    const P0: TopicPartition = TopicPartition { topic: 0, partition: 0 };
    const P1: TopicPartition = TopicPartition { topic: 0, partition: 1 };

    fn stable_group(g: &mut GroupCoordinator, now: u64, name: &str, members: usize) -> (Vec<MemberKey>, i32) {
        let keys: Vec<MemberKey> = (0..members).map(|i| g.join(now, name, "kafka-python-3.0.12", (i + 1) as u128, MemberSettings::default()).unwrap()).collect();
        let key = g.group(name).unwrap();
        let mut t = now;
        while g.state(key) == Some(GroupState::PreparingRebalance) {
            t = g.next_deadline().unwrap();
            g.tick(t);
        }
        let generation = g.generation(key).unwrap();
        g.sync(t, g.leader(key).unwrap(), generation).unwrap();
        (keys, generation)
    }

    /// 3 brokers, test_topic with 2 partitions of RF 3. p0 (led by kafka@0): 5 records, kafka@2
    /// fetched only 2, so the HW is 2. p1 (led by kafka@1): 10 records, all replicated (8
    /// drawn, "+2"). Group a (2 members) committed p0 at 1 and p1 at 6; group b (1 member)
    /// committed p0 at 2. Messages 1 and 2 processed, 3 duplicated, the rest pending.
    pub fn state() -> KafkaDiagramView {
        let config = ClusterConfig { brokers: 3, ..ClusterConfig::default() };
        let mut c = Cluster::new(config, &[TopicSpec { partitions: 2, replication_factor: 3 }]).unwrap();
        for tag in 1..=5 {
            c.produce(0, NodeId(0), P0, &[tag], Acks::Leader, None).unwrap();
        }
        for tag in 6..=15 {
            c.produce(0, NodeId(1), P1, &[tag], Acks::Leader, None).unwrap();
        }
        let _ = c.replicate(1, NodeId(2), P0, 2);
        for now in 1..=2 {
            let _ = c.replicate(now, NodeId(1), P0, usize::MAX);
            let _ = c.replicate(now, NodeId(0), P1, usize::MAX);
            let _ = c.replicate(now, NodeId(2), P1, usize::MAX);
        }
        let _ = c.replicate(3, NodeId(2), P0, 0);
        let mut g = GroupCoordinator::new(vec![2], 3_000);
        let (a, gen_a) = stable_group(&mut g, 0, "a", 2);
        let (b, gen_b) = stable_group(&mut g, 10_000, "b", 1);
        g.commit("a", Some(a[0]), gen_a, &[(P0, 1)]).unwrap();
        g.commit("a", Some(a[1]), gen_a, &[(P1, 6)]).unwrap();
        g.commit("b", Some(b[0]), gen_b, &[(P0, 2)]).unwrap();
        let verdict = |t: u32| match t {
            1 | 2 => Verdict::ProcessedOnce,
            3 => Verdict::Duplicated,
            _ => Verdict::Pending,
        };
        let consumer = |name: &str, group: &str, member: MemberKey, positions: Vec<(TopicPartition, u64)>| ConsumerFacts {
            name: name.into(),
            status: ClientStatus::Running,
            group: group.into(),
            member: Some(member),
            positions,
            line: 9,
        };
        let facts = KafkaWorldFacts {
            topics: vec!["test_topic".into()],
            producers: vec![ProducerFacts { name: "producer".into(), status: ClientStatus::Running, topic: 0, line: 6 }],
            consumers: vec![
                consumer("consumer-a1", "a", a[0], vec![(P0, 2)]),
                consumer("consumer-a2", "a", a[1], vec![(P1, 7)]),
                consumer("consumer-b", "b", b[0], vec![(P0, 2), (P1, 0)]),
            ],
            records: (1..=15).map(|t| (t, RecordFacts { data: t - 1, message: t, verdict: verdict(t) })).collect(),
        };
        KafkaDiagramView::new(&c, &g, &facts)
    }

    fn all(root: &web_sys::Element, selector: &str) -> Vec<web_sys::Element> {
        let list = root.query_selector_all(selector).unwrap();
        (0..list.length()).filter_map(|i| list.item(i)).map(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).unwrap()).collect()
    }

    fn one(root: &web_sys::Element, selector: &str) -> web_sys::Element {
        root.query_selector(selector).unwrap().unwrap_or_else(|| panic!("no {selector}"))
    }

    fn has_class(element: &web_sys::Element, class: &str) -> bool {
        element.get_attribute("class").unwrap_or_default().split_whitespace().any(|c| c == class)
    }

    fn attr(element: &web_sys::Element, name: &str) -> String {
        element.get_attribute(name).unwrap_or_else(|| panic!("no {name} on {}", element.outer_html()))
    }

    /// The x of a cell, from its `transform: translate(Xpx, Ypx)`.
    fn cell_x(cell: &web_sys::Element) -> i32 {
        let style = attr(cell, "style");
        let inside = style.split('(').nth(1).unwrap();
        inside.split("px").next().unwrap().trim().parse().unwrap()
    }

    async fn render(width_px: u32, lang: Lang) -> web_sys::Element {
        let document = web_sys::window().unwrap().document().unwrap();
        let root = document.create_element("div").unwrap();
        root.set_attribute("style", &format!("width: {width_px}px")).unwrap();
        document.body().unwrap().append_child(&root).unwrap();
        let props = KafkaDiagramProps { view: Rc::new(state()), selected: None, on_select: Default::default(), lang };
        yew::Renderer::<KafkaDiagram>::with_root_and_props(root.clone(), props).render();
        // The first render measures the width; the layout follows.
        for _ in 0..3 {
            yew::scheduler::flush().await;
            gloo_timers_sleep().await;
        }
        root
    }

    async fn gloo_timers_sleep() {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20).unwrap();
        });
        wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
    }

    fn check_contract(root: &web_sys::Element, layout: &str) {
        assert_eq!(attr(&one(root, "#diagram.kafka svg"), "data-layout"), layout);
        assert_eq!(all(root, "g.kbroker").len(), 3);
        assert!(all(root, "g.kbroker").iter().all(|b| attr(b, "data-state") == "up"));
        assert_eq!(all(root, "g.kproducer[data-actor=producer]").len(), 1);
        let p0 = one(root, "g.kpartition[data-partition=test_topic-0]");
        let p1 = one(root, "g.kpartition[data-partition=test_topic-1]");
        // Cells per partition, and the "+K earlier" marker.
        assert_eq!(all(&p0, "g.kcell").len(), 5);
        assert_eq!(all(&p1, "g.kcell").len(), 8);
        assert!(p0.query_selector("text.earlier").unwrap().is_none());
        assert!(one(&p1, "text.earlier").text_content().unwrap_or_default().ends_with("+2"));
        assert_eq!((attr(&p1, "data-earlier"), attr(&p1, "data-log-end")), ("2".into(), "10".into()));
        // Leader, epoch and ISR.
        assert_eq!(one(&p0, "text.role").text_content().unwrap(), "leader kafka@0 · ISR {0,1,2}");
        assert_eq!(one(&p1, "text.role").text_content().unwrap(), "leader kafka@1 · ISR {1,2,0}", "the ISR in assignment order");
        assert_eq!((attr(&p0, "data-leader"), attr(&p0, "data-epoch"), attr(&p0, "data-isr")), ("0".into(), "0".into(), "0,1,2".into()));
        // The HW: p0's at 2, drawn just before the cell of offset 2; cells 0 and 1 committed.
        assert_eq!(attr(&p0, "data-hw"), "2");
        let hw = one(&p0, "line.hw-line");
        assert_eq!(attr(&hw, "data-offset"), "2");
        let cell2 = one(&p0, "g.kcell[data-offset='2']");
        assert_eq!(attr(&hw, "data-x").parse::<i32>().unwrap(), cell_x(&cell2) - 1);
        assert_eq!(all(&p0, "rect.cell.committed").len(), 2);
        assert_eq!(all(&p0, "rect.cell.uncommitted").len(), 3);
        // p1 is fully committed: its HW is at its log end, right of its last cell.
        let last = one(&p1, "g.kcell[data-offset='9']");
        assert_eq!(attr(&one(&p1, "line.hw-line"), "data-x").parse::<i32>().unwrap(), cell_x(&last) + 26 - 1);
        // Replicas: kafka@2 lacks 3 records of p0.
        let lagging = one(&p0, "g.kreplica[data-broker='2']");
        assert_eq!((attr(&lagging, "data-role"), attr(&lagging, "data-isr"), attr(&lagging, "data-lacks")), ("follower".into(), "true".into(), "3".into()));
        assert_eq!(attr(&one(&p0, "g.kreplica[data-broker='0']"), "data-role"), "leader");
        // Committed offsets, one track per group, and the positions.
        assert_eq!(attr(&one(&p0, "g.ktrack[data-name=a] path.committed-mark"), "data-offset"), "1");
        assert_eq!(attr(&one(&p0, "g.ktrack[data-name=b] path.committed-mark"), "data-offset"), "2");
        assert_eq!(attr(&one(&p1, "g.ktrack[data-name=a] path.committed-mark"), "data-offset"), "6");
        assert!(p1.query_selector("g.ktrack[data-name=b] path.committed-mark").unwrap().is_none());
        let committed_a = one(&p0, "g.ktrack[data-name=a] path.committed-mark");
        assert_eq!(attr(&committed_a, "data-x").parse::<i32>().unwrap(), cell_x(&one(&p0, "g.kcell[data-offset='1']")) - 1);
        assert_eq!(attr(&one(&p0, "g.ktrack[data-name=a] path.position-mark"), "data-consumer"), "consumer-a1");
        // A position before the drawn window is clamped to its left edge.
        let b_on_p1 = one(&p1, "g.ktrack[data-name=b] path.position-mark");
        assert_eq!((attr(&b_on_p1, "data-offset"), attr(&b_on_p1, "data-x").parse::<i32>().unwrap()), ("0".into(), cell_x(&one(&p1, "g.kcell[data-offset='2']")) - 1));
        // Verdict classes and payloads.
        assert_eq!(all(&p0, "rect.cell.verdict-processed_once").len(), 2);
        assert_eq!(all(&p0, "rect.cell.verdict-duplicated").len(), 1);
        assert_eq!(all(&p0, "rect.cell.verdict-pending").len(), 2);
        assert_eq!(attr(&one(&p0, "g.kcell[data-offset='3'] rect.cell"), "data-data"), "3");
        // Groups and consumers.
        let a = one(root, "g.kgroup[data-group=a]");
        assert_eq!((attr(&a, "data-state"), attr(&a, "data-generation")), ("stable".into(), "1".into()));
        assert_eq!(all(&a, "g.kconsumer").len(), 2);
        assert_eq!(attr(&one(root, "g.kconsumer[data-actor=consumer-b]"), "data-partitions"), "p0→2 p1→0");
        assert!(root.query_selector("#diagram-legend").unwrap().is_some());
    }

    /// The Kafka diagram's DOM contract, in the wide and the narrow layout.
    #[wasm_bindgen_test]
    async fn kafka_diagram_draws_logs_hw_isr_and_groups() {
        let wide = render(800, Lang::En).await;
        check_contract(&wide, "wide");
        assert!(!all(&wide, "g.edges path.edge").is_empty(), "edges in the wide layout");
        wide.remove();
        let narrow = render(360, Lang::En).await;
        check_contract(&narrow, "narrow");
        narrow.remove();
    }

    /// Every Kafka label has both languages, once.
    #[wasm_bindgen_test]
    fn kafka_labels_have_english_and_chinese() {
        use queue_playground::ui::components::kafka_diagram::KAFKA_LABELS;
        for (i, (key, en, zh)) in KAFKA_LABELS.iter().enumerate() {
            assert!(!en.is_empty() && !zh.is_empty(), "{key}");
            assert!(KAFKA_LABELS.iter().skip(i + 1).all(|(other, _, _)| other != key), "{key} twice");
        }
    }

    /// Chinese titles.
    #[wasm_bindgen_test]
    async fn kafka_diagram_in_chinese() {
        let root = render(800, Lang::Zh).await;
        assert_eq!(one(&root, "g.kpartition[data-partition=test_topic-0] text.role").text_content().unwrap(), "领导者 kafka@0 · ISR {0,1,2}");
        let title = one(&root, "g.kpartition[data-partition=test_topic-0] > title").text_content().unwrap();
        assert!(title.contains("高水位 2"), "{title}");
        root.remove();
    }

    /// After faults: kafka@0 crashed and was fenced. test_topic-0 (RF 3): kafka@1 leads at
    /// epoch 1 with 20..27 after 1..5, its HW still 0 (learned as a follower), so before the
    /// drawn window; kafka@0 still holds 6 (written at epoch 0, never replicated): it diverges
    /// by 1 and lacks 8, and is out of the ISR. test_topic-1 (led by
    /// kafka@1): a committed transaction (9, 10, commit marker), an open one (11), an aborted
    /// one (12, abort marker). audit-0 (RF 1 on kafka@0): 1200 records, offline. Group a: a1
    /// owns everything, a2 crashed (still a member); consumer late (group c) not started.
    pub fn fault_state() -> KafkaDiagramView {
        use queue_playground::systems::kafka::cluster::{Marker, ProducerBatch};
        let config = ClusterConfig { brokers: 3, ..ClusterConfig::default() };
        let mut c = Cluster::new(config, &[TopicSpec { partitions: 2, replication_factor: 3 }, TopicSpec { partitions: 1, replication_factor: 1 }]).unwrap();
        let audit = TopicPartition::new(1, 0);
        for tag in 1..=5 {
            c.produce(0, NodeId(0), P0, &[tag], Acks::Leader, None).unwrap();
        }
        let batch = |id: u64, sequence: i32| Some(ProducerBatch { producer_id: id, epoch: 0, base_sequence: sequence, transactional: true });
        c.produce(0, NodeId(1), P1, &[9, 10], Acks::Leader, batch(70, 0)).unwrap();
        c.write_txn_marker(P1, 70, 0, Marker::Commit).unwrap();
        c.produce(0, NodeId(1), P1, &[11], Acks::Leader, batch(80, 0)).unwrap();
        c.produce(0, NodeId(1), P1, &[12], Acks::Leader, batch(70, 2)).unwrap();
        c.write_txn_marker(P1, 70, 0, Marker::Abort).unwrap();
        let audit_tags: Vec<u32> = (100..1300).collect();
        c.produce(0, NodeId(0), audit, &audit_tags, Acks::Leader, None).unwrap();
        for now in 1..=2 {
            for b in [1, 2] {
                let _ = c.replicate(now, NodeId(b), P0, usize::MAX);
            }
            for b in [0, 2] {
                let _ = c.replicate(now, NodeId(b), P1, usize::MAX);
            }
        }
        c.produce(3, NodeId(0), P0, &[6], Acks::Leader, None).unwrap();
        c.crash_broker(NodeId(0)).unwrap();
        c.fence_broker(10, NodeId(0)).unwrap();
        let after_election: Vec<u32> = (20..28).collect();
        c.produce(11, NodeId(1), P0, &after_election, Acks::Leader, None).unwrap();
        let mut g = GroupCoordinator::new(vec![2, 1], 3_000);
        let (a, gen_a) = stable_group(&mut g, 0, "a", 2);
        g.commit("a", Some(a[0]), gen_a, &[(P0, 3)]).unwrap();
        g.commit("a", Some(a[1]), gen_a, &[(P1, 2)]).unwrap();
        let verdict = |t: u32| match t {
            1..=3 => Verdict::ProcessedOnce,
            6 => Verdict::Lost,
            12 => Verdict::NeverSent,
            _ => Verdict::Pending,
        };
        let facts = KafkaWorldFacts {
            topics: vec!["test_topic".into(), "audit".into()],
            producers: vec![
                ProducerFacts { name: "producer".into(), status: ClientStatus::Running, topic: 0, line: 6 },
                ProducerFacts { name: "transactional-producer".into(), status: ClientStatus::Finished, topic: 0, line: 0 },
                ProducerFacts { name: "auditor".into(), status: ClientStatus::Crashed, topic: 1, line: 0 },
            ],
            consumers: vec![
                ConsumerFacts { name: "a1".into(), status: ClientStatus::Running, group: "a".into(), member: Some(a[0]), positions: vec![(P0, 4), (audit, 1100)], line: 12 },
                ConsumerFacts { name: "a2".into(), status: ClientStatus::Crashed, group: "a".into(), member: Some(a[1]), positions: vec![(P1, 3)], line: 0 },
                ConsumerFacts { name: "late".into(), status: ClientStatus::NotStarted, group: "c".into(), member: None, positions: Vec::new(), line: 0 },
            ],
            records: (1..1300).map(|t| (t, RecordFacts { data: if t >= 100 { t * 7 } else { t }, message: t, verdict: verdict(t) })).collect(),
        };
        KafkaDiagramView::new(&c, &g, &facts)
    }

    async fn render_view(width_px: u32, lang: Lang, view: KafkaDiagramView) -> web_sys::Element {
        let document = web_sys::window().unwrap().document().unwrap();
        let root = document.create_element("div").unwrap();
        root.set_attribute("style", &format!("width: {width_px}px")).unwrap();
        document.body().unwrap().append_child(&root).unwrap();
        let props = KafkaDiagramProps { view: Rc::new(view), selected: None, on_select: Default::default(), lang };
        yew::Renderer::<KafkaDiagram>::with_root_and_props(root.clone(), props).render();
        for _ in 0..3 {
            yew::scheduler::flush().await;
            gloo_timers_sleep().await;
        }
        root
    }

    /// After a leader crash: the broker down, the new leader and epoch, the old leader's
    /// divergent record, transactions and markers, an offline partition with a long log.
    #[wasm_bindgen_test]
    async fn kafka_diagram_after_faults() {
        for (width, layout) in [(800, "wide"), (360, "narrow")] {
            let root = render_view(width, Lang::En, fault_state()).await;
            assert_eq!(attr(&one(&root, "#diagram.kafka svg"), "data-layout"), layout);
            assert_eq!(attr(&one(&root, "g.kbroker[data-broker='0']"), "data-state"), "down");
            let p0 = one(&root, "g.kpartition[data-partition=test_topic-0]");
            assert_eq!((attr(&p0, "data-leader"), attr(&p0, "data-epoch"), attr(&p0, "data-isr")), ("1".into(), "1".into(), "1,2".into()));
            assert_eq!(one(&p0, "text.role").text_content().unwrap(), "leader kafka@1 · ISR {1,2}");
            let old = one(&p0, "g.kreplica[data-broker='0']");
            assert_eq!((attr(&old, "data-isr"), attr(&old, "data-lacks"), attr(&old, "data-diverged")), ("false".into(), "8".into(), "1".into()));
            // The HW (0) is before the drawn window (offsets 5..12): at its left edge, with its offset.
            assert_eq!((attr(&p0, "data-hw"), attr(&p0, "data-earlier")), ("0".into(), "5".into()));
            assert_eq!(one(&p0, "text.mark-label.hw").text_content().unwrap(), "◂HW 0");
            assert_eq!(attr(&one(&p0, "line.hw-line"), "data-x").parse::<i32>().unwrap(), cell_x(&one(&p0, "g.kcell[data-offset='5']")) - 1);
            assert!(old.query_selector("rect.replica-diverged").unwrap().is_some());
            let p1 = one(&root, "g.kpartition[data-partition=test_topic-1]");
            assert_eq!(all(&p1, "rect.cell.marker").len(), 2);
            assert_eq!(all(&p1, "rect.cell.txn-committed").len(), 2);
            assert_eq!(all(&p1, "rect.cell.txn-open").len(), 1);
            assert_eq!(all(&p1, "rect.cell.txn-aborted").len(), 1);
            assert_eq!(all(&p1, "rect.cell.verdict-never_sent").len(), 1);
            let audit = one(&root, "g.kpartition[data-partition=audit-0]");
            assert!(has_class(&audit, "offline"));
            assert_eq!(one(&audit, "text.role").text_content().unwrap(), "offline · ISR {0}");
            assert_eq!((attr(&audit, "data-earlier"), all(&audit, "g.kcell").len()), ("1192".into(), 8));
            assert!(one(&audit, "text.earlier").text_content().unwrap_or_default().ends_with("+1k"));
            assert!(all(&audit, "text.offset").len() < 8, "four-digit offsets: every third");
            assert!(has_class(&one(&audit, "path.position-mark"), "before-window"));
            assert!(has_class(&one(&root, "g.kconsumer[data-actor=a2]"), "down"));
            assert_eq!(attr(&one(&root, "g.kgroup[data-group=c]"), "data-state"), "unknown");
            assert!(has_class(&one(&root, "g.kproducer[data-actor=auditor]"), "down"));
            root.remove();
        }
    }

    /// Prints the SVG markup of both layouts (for screenshots): run with `-- --include-ignored
    /// --nocapture kafka_diagram_markup`.
    #[wasm_bindgen_test]
    #[ignore]
    async fn kafka_diagram_markup() {
        for width in [800, 360] {
            let root = render(width, Lang::En).await;
            console_log!("KAFKA-DIAGRAM-{width}-BEGIN{}KAFKA-DIAGRAM-END", root.inner_html());
            root.remove();
            let root = render_view(width, Lang::En, fault_state()).await;
            console_log!("KAFKA-DIAGRAM-{width}faults-BEGIN{}KAFKA-DIAGRAM-END", root.inner_html());
            root.remove();
            let root = render_view(width, Lang::Zh, fault_state()).await;
            console_log!("KAFKA-DIAGRAM-{width}zh-BEGIN{}KAFKA-DIAGRAM-END", root.inner_html());
            root.remove();
        }
    }
}
