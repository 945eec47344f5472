//! `qp`: the native command-line runner. Runs a scenario (a file or a catalog name) with a
//! seed and prints the report as JSON (per message: deliveries, where it ended, verdict and
//! cause; per queue: depth; per actor: terminal and exit error) plus a human summary on
//! stderr. A driver of the engine only.

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use clap::{Args, Parser, Subcommand};
    use queue_playground::engine::Until;
    use queue_playground::systems::rabbitmq::Sim;
    use queue_playground::report::Report;
    use queue_playground::scenario::{catalog, Scenario};
    use queue_playground::share;
    use queue_playground::sweep;
    use queue_playground::engine::timing;
    use queue_playground::systems::kafka;
    use queue_playground::systems::zeromq;
    use std::process::ExitCode;

    #[derive(Parser)]
    #[command(name = "qp", version, about = "Run Queue Playground scenarios natively")]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    /// Which scenario: exactly one of a file, a catalog name or a share code.
    #[derive(Args)]
    struct Source {
        /// A scenario file (JSON).
        file: Option<std::path::PathBuf>,
        /// A catalog scenario instead of a file.
        #[arg(long)]
        catalog: Option<String>,
        /// A share code (the `#run=...` part of a playground link) instead of a file.
        #[arg(long)]
        share: Option<String>,
    }

    impl Source {
        fn load(self) -> Result<Scenario, String> {
            match self.share {
                Some(code) if self.file.is_none() && self.catalog.is_none() => load_share(&code),
                Some(_) => Err("give exactly one of a scenario file, --catalog NAME or --share CODE".into()),
                None => load(self.file, self.catalog),
            }
        }
    }

    #[derive(Subcommand)]
    enum Command {
        /// Run a scenario to quiescence and print its report as JSON.
        Run {
            #[command(flatten)]
            source: Source,
            /// Override the scenario's seed.
            #[arg(long)]
            seed: Option<u64>,
            /// Include the full trace in the JSON.
            #[arg(long)]
            trace: bool,
        },
        /// Run a RabbitMQ scenario at every point of a grid of prefetch_count, consumers and
        /// ack batch sizes and print each point's throughput and latency (README, "Latency
        /// against throughput").
        Sweep {
            #[command(flatten)]
            source: Source,
            /// prefetch_count values, comma-separated.
            #[arg(long, value_delimiter = ',', default_value = "1,10,100")]
            prefetch: Vec<u16>,
            /// Consumer counts, comma-separated.
            #[arg(long, value_delimiter = ',', default_value = "1,2,4")]
            consumers: Vec<u8>,
            /// Ack batch sizes (`ack_every`: basic_ack(multiple=True) on every n-th tag; 1 = an
            /// ack per message), comma-separated. A batch larger than the prefetch is left out.
            #[arg(long, value_delimiter = ',', default_value = "1")]
            ack_every: Vec<u16>,
            /// Messages each point publishes (default: the scenario's).
            #[arg(long)]
            messages: Option<u32>,
            /// Print the points as JSON instead of a table.
            #[arg(long)]
            json: bool,
        },
        /// List the catalog scenarios.
        List,
        /// Write the files that run a scenario on a real RabbitMQ: each program exactly as the
        /// page shows it, scenario.json, and run.py, the driver (see README, "Run it for real").
        Export {
            #[command(flatten)]
            source: Source,
            /// The folder to write (created; existing files of the same names are replaced).
            #[arg(long)]
            out: std::path::PathBuf,
        },
        /// Print the code of one actor of a scenario: pika for RabbitMQ, kafka-python for Kafka,
        /// pyzmq for ZeroMQ.
        Code {
            /// A scenario file (JSON), RabbitMQ, Kafka or ZeroMQ.
            file: Option<std::path::PathBuf>,
            /// A catalog scenario (RabbitMQ, Kafka or ZeroMQ) instead of a file.
            #[arg(long)]
            catalog: Option<String>,
            #[arg(long)]
            actor: String,
        },
    }

    fn load(file: Option<std::path::PathBuf>, name: Option<String>) -> Result<Scenario, String> {
        match (file, name) {
            (Some(path), None) => {
                let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                Scenario::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
            }
            (None, Some(name)) => catalog::get(&name).map_err(|e| e.to_string()),
            _ => Err("give exactly one of a scenario file, --catalog NAME or --share CODE".into()),
        }
    }

    /// The code of `actor` in a scenario file or a catalog scenario of either system.
    fn code_of(file: Option<std::path::PathBuf>, name: Option<String>, actor: &str) -> Result<String, String> {
        let no_actor = || format!("no actor is named {}", queue_playground::scenario::json::quoted(actor));
        if let Some(scenario) = zeromq_source(file.as_ref(), name.as_deref()) {
            let scenario = scenario?;
            let spec = scenario.actor(actor).ok_or_else(no_actor)?;
            return Ok(zeromq::program::of(&scenario, spec).code.join("\n"));
        }
        let kafka_scenario = match (&file, &name) {
            (Some(path), None) => {
                let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                if kafka::scenario::is_kafka(&text) {
                    Some(kafka::scenario::KafkaScenario::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?)
                } else {
                    None
                }
            }
            (None, Some(name)) if catalog::get(name).is_err() && kafka::scenario::catalog::names().any(|n| n == name) => {
                Some(kafka::scenario::catalog::get(name).map_err(|e| e.to_string())?)
            }
            (None, Some(name)) if catalog::get(name).is_err() => {
                let known: Vec<&str> = catalog::ENTRIES.iter().map(|(n, _)| *n).chain(kafka::scenario::catalog::names()).chain(zeromq::scenario::catalog::names()).collect();
                return Err(format!("no catalog scenario is named {} (known: {})", queue_playground::scenario::json::quoted(name), known.join(", ")));
            }
            _ => None,
        };
        if let Some(scenario) = kafka_scenario {
            let spec = scenario.actor(actor).ok_or_else(no_actor)?;
            return Ok(kafka::program::of(&scenario, spec).code.join("\n"));
        }
        let scenario = load(file, name)?;
        let sim = Sim::new(&scenario).map_err(|e| e.to_string())?;
        let setup = sim.setup();
        let id = setup.actor_id(actor).ok_or_else(no_actor)?;
        Ok(setup.actors[id.index()].program.code.join("\n"))
    }

    /// A Kafka scenario named by `source` (a Kafka file or a Kafka catalog name), read or
    /// with its error; None when the source is not Kafka's (RabbitMQ reads it).
    fn kafka_source(source: &Source) -> Option<Result<kafka::scenario::KafkaScenario, String>> {
        match (&source.file, &source.catalog, &source.share) {
            (Some(path), None, None) => {
                let text = std::fs::read_to_string(path).ok()?;
                kafka::scenario::is_kafka(&text).then(|| kafka::scenario::KafkaScenario::from_json(&text).map_err(|e| format!("{}: {e}", path.display())))
            }
            (None, Some(name), None) if catalog::get(name).is_err() && kafka::scenario::catalog::names().any(|n| n == name) => {
                Some(kafka::scenario::catalog::get(name).map_err(|e| e.to_string()))
            }
            // A link made on the Kafka page: its Kafka run (chapter, settings, seed, faults).
            (None, None, Some(code)) => {
                let state = share::decode(share_code(code)).ok()?;
                let kafka = state.kafka.filter(|_| state.system == share::System::Kafka)?;
                Some(
                    kafka
                        .scenario()
                        .map(|(mut scenario, faults)| {
                            scenario.faults.extend(faults);
                            scenario
                        })
                        .map_err(|e| e.to_string()),
                )
            }
            _ => None,
        }
    }

    /// A ZeroMQ scenario named by a file or a catalog name (`--catalog NAME`, or the bare name
    /// where no such file exists), read or with its error; None when the source is not
    /// ZeroMQ's.
    fn zeromq_source(file: Option<&std::path::PathBuf>, name: Option<&str>) -> Option<Result<zeromq::scenario::ZmqScenario, String>> {
        match (file, name) {
            // A bare catalog name where a file is expected (`qp run z-workload`), if no such file.
            (Some(path), None) if !path.exists() && path.to_str().is_some_and(|n| zeromq::scenario::catalog::names().any(|c| c == n)) => {
                Some(zeromq::scenario::catalog::get(path.to_str().unwrap_or_default()).map_err(|e| e.to_string()))
            }
            (Some(path), None) => {
                let text = std::fs::read_to_string(path).ok()?;
                zeromq::scenario::is_zeromq(&text).then(|| zeromq::scenario::ZmqScenario::from_json(&text).map_err(|e| format!("{}: {e}", path.display())))
            }
            (None, Some(name)) if zeromq::scenario::catalog::names().any(|n| n == name) => Some(zeromq::scenario::catalog::get(name).map_err(|e| e.to_string())),
            _ => None,
        }
    }

    /// The ZeroMQ run of a link made on the ZeroMQ page (its chapter, seed and injected
    /// faults), or its error; None when the link shows another system.
    fn zeromq_share(code: &str) -> Option<Result<zeromq::scenario::ZmqScenario, String>> {
        let state = share::decode(share_code(code)).ok()?;
        let run = state.zeromq.filter(|_| state.system == share::System::Zeromq)?;
        Some(
            run.scenario()
                .map(|(mut scenario, faults)| {
                    scenario.faults.extend(faults);
                    scenario
                })
                .map_err(|e| e.to_string()),
        )
    }

    /// `qp run` of a ZeroMQ scenario: the ZeroMQ report on stdout, the summary on stderr.
    fn run_zeromq(scenario: Result<zeromq::scenario::ZmqScenario, String>, seed: Option<u64>, trace: bool) -> ExitCode {
        let built = scenario.and_then(|mut scenario| {
            scenario.seed = seed.unwrap_or(scenario.seed);
            zeromq::world::ZmqSim::new(&scenario).map_err(|e| e.to_string())
        });
        let mut sim = match built {
            Ok(sim) => sim,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        sim.run_until(Until::Quiescence);
        let report = zeromq::report::ZmqReport::new(&sim, trace);
        print_report(&report, (&report.scenario, report.seed, &report.summary), (report.events, &report.trace_hash, report.time_ms))
    }

    /// The code of a share link (the part after `#run=`, or the code itself).
    fn share_code(code: &str) -> &str {
        code.rsplit_once("#run=").map_or(code, |(_, c)| c)
    }

    /// `qp run` of a Kafka scenario: the Kafka report on stdout, the summary on stderr.
    fn run_kafka(scenario: Result<kafka::scenario::KafkaScenario, String>, seed: Option<u64>, trace: bool) -> ExitCode {
        let mut scenario = match scenario {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        if let Some(seed) = seed {
            scenario.seed = seed;
        }
        let mut sim = match kafka::world::KafkaSim::new(&scenario) {
            Ok(sim) => sim,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        sim.run_until(Until::Quiescence);
        let report = kafka::report::KafkaReport::new(&sim, trace);
        print_report(&report, (&report.scenario, report.seed, &report.summary), (report.events, &report.trace_hash, report.time_ms))
    }

    /// A report as JSON on stdout, and on stderr its summary and its trace's figures.
    fn print_report(report: &impl serde::Serialize, (scenario, seed, summary): (&str, u64, &str), (events, hash, time_ms): (usize, &str, u64)) -> ExitCode {
        println!("{}", serde_json::to_string_pretty(report).expect("reports serialize"));
        eprintln!("{scenario} (seed {seed}): {summary}");
        eprintln!("trace: {events} events, hash {hash}, ended at {time_ms} ms");
        ExitCode::SUCCESS
    }

    /// A share code's scenario, with the faults injected in the playground added to it.
    fn load_share(code: &str) -> Result<Scenario, String> {
        let state = share::decode(share_code(code)).map_err(|e| e.to_string())?;
        match state.system {
            share::System::Kafka => return Err("the share link shows a Kafka run: qp run reads it; qp export writes RabbitMQ runs only".into()),
            share::System::Zeromq => return Err("the share link shows a ZeroMQ run: qp run reads it; qp export writes RabbitMQ runs only".into()),
            share::System::Rabbitmq => {}
        }
        let (mut scenario, faults) = state.scenario().map_err(|e| e.to_string())?;
        scenario.faults.extend(faults);
        Ok(scenario)
    }

    pub fn main() -> ExitCode {
        let cli = Cli::parse();
        match cli.command {
            Command::List => {
                for (name, _) in catalog::ENTRIES {
                    let title = catalog::get(name).map(|s| s.title).unwrap_or_default();
                    println!("{name:28} rabbitmq  {title}");
                }
                for name in kafka::scenario::catalog::names() {
                    let title = kafka::scenario::catalog::get(name).map(|s| s.title).unwrap_or_default();
                    println!("{name:28} kafka     {title}");
                }
                for name in zeromq::scenario::catalog::names() {
                    let title = zeromq::scenario::catalog::get(name).map(|s| s.title).unwrap_or_default();
                    println!("{name:28} zeromq    {title}");
                }
                ExitCode::SUCCESS
            }
            Command::Sweep { source, prefetch, consumers, ack_every, messages, json } => {
                let scenario = match source.load() {
                    Ok(s) => s,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(2);
                    }
                };
                let grid = sweep::Grid { prefetch, consumers, ack_every };
                let outcomes = match sweep::Sweep::new(&scenario, &grid, messages) {
                    Ok(s) => s.run(),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(2);
                    }
                };
                if json {
                    println!("{}", serde_json::to_string_pretty(&outcomes).expect("outcomes serialize"));
                } else {
                    println!("{:>8} {:>9} {:>9} {:>9} {:>12} {:>10} {:>10} {:>10}", "prefetch", "consumers", "ack_every", "processed", "messages/s", "p50 ms", "p99 ms", "max ms");
                    for o in &outcomes {
                        println!(
                            "{:>8} {:>9} {:>9} {:>9} {:>12} {:>10} {:>10} {:>10}",
                            o.point.prefetch,
                            o.point.consumers,
                            o.point.ack_every,
                            o.processed,
                            timing::per_s_text(o.per_s_milli),
                            timing::ms_text(o.p50_us),
                            timing::ms_text(o.p99_us),
                            timing::ms_text(o.max_us)
                        );
                    }
                }
                ExitCode::SUCCESS
            }
            Command::Code { file, catalog: name, actor } => {
                let result = code_of(file, name, &actor);
                match result {
                    Ok(code) => {
                        println!("{code}");
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        ExitCode::from(2)
                    }
                }
            }
            Command::Export { source, out } => {
                let scenario = match source.load() {
                    Ok(s) => s,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(2);
                    }
                };
                let export = queue_playground::export::export(&scenario);
                for (path, contents) in &export.files {
                    let path = out.join(path);
                    let written = path.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&path, contents));
                    if let Err(e) = written {
                        eprintln!("error: cannot write {}: {e}", path.display());
                        return ExitCode::from(2);
                    }
                }
                eprintln!("wrote {} files to {}; run: cd {} && python3 run.py", export.files.len(), out.display(), out.display());
                for problem in &export.unsupported {
                    eprintln!("warning: {problem}");
                }
                ExitCode::SUCCESS
            }
            Command::Run { source, seed, trace } => {
                match &source.share {
                    None => {
                        if let Some(zeromq) = zeromq_source(source.file.as_ref(), source.catalog.as_deref()) {
                            return run_zeromq(zeromq, seed, trace);
                        }
                    }
                    Some(code) if source.file.is_none() && source.catalog.is_none() => {
                        if let Some(zeromq) = zeromq_share(code) {
                            return run_zeromq(zeromq, seed, trace);
                        }
                    }
                    Some(_) => {}
                }
                if let Some(kafka) = kafka_source(&source) {
                    return run_kafka(kafka, seed, trace);
                }
                let mut scenario = match source.load() {
                    Ok(s) => s,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(2);
                    }
                };
                if let Some(seed) = seed {
                    scenario.seed = seed;
                }
                let mut sim = match Sim::new(&scenario) {
                    Ok(sim) => sim,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(2);
                    }
                };
                sim.run_until(Until::Quiescence);
                let report = Report::new(&sim, trace);
                println!("{}", serde_json::to_string_pretty(&report).expect("reports serialize"));
                eprintln!("{} (seed {}): {}", report.scenario, report.seed, report.summary);
                eprintln!("trace: {} events, hash {}, ended at {} ms", report.events, report.trace_hash, report.time_ms);
                ExitCode::SUCCESS
            }
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    native::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
