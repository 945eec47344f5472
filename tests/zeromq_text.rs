//! The ZeroMQ page's words (`zeromq_text`): every event of every chapter said in English and
//! Chinese without placeholders, a few exact sentences, and each chapter's opening and
//! outcome pinned and checked against the run's own report.

use queue_playground::engine::ids::*;
use queue_playground::engine::Until;
use queue_playground::i18n::Lang;
use queue_playground::systems::zeromq::report::{ZmqReport, ZmqVerdict};
use queue_playground::systems::zeromq::scenario::{catalog, ZmqScenario};
use queue_playground::systems::zeromq::trace::{DropCause, Limit, ZmqError, ZmqEvent, ZmqTraceEntry};
use queue_playground::systems::zeromq::world::ZmqSim;
use queue_playground::zeromq_text::*;

fn run_scenario(scenario: &ZmqScenario) -> ZmqSim {
    let mut sim = ZmqSim::new(scenario).expect("builds");
    sim.run_until(Until::Quiescence);
    sim
}

fn run(name: &str) -> ZmqSim {
    run_scenario(&catalog::get(name).expect("catalog"))
}

fn said(sim: &ZmqSim, lang: Lang) -> Vec<String> {
    let trace = sim.trace();
    (0..trace.len()).map(|i| describe_at(trace, i, sim, lang)).collect()
}

#[test]
#[ignore = "prints every sentence, opening and outcome of the catalog"]
fn print_all() {
    for chapter in ZMQ_CHAPTERS {
        let sim = run(chapter.scenario);
        let report = ZmqReport::new(&sim, false);
        println!("===== {} | {} | {}", chapter.scenario, chapter.title(Lang::En), chapter.title(Lang::Zh));
        println!("OPENING EN: {}", opening(chapter, &sim, &report, Lang::En));
        println!("OPENING ZH: {}", opening(chapter, &sim, &report, Lang::Zh));
        println!("OUTCOME EN: {}", outcome(&report, Lang::En));
        println!("OUTCOME ZH: {}", outcome(&report, Lang::Zh));
        let en = said(&sim, Lang::En);
        let zh = said(&sim, Lang::Zh);
        for (i, (e, z)) in en.iter().zip(&zh).enumerate() {
            println!("{i:3} {e}\n    {z}");
        }
    }
}
