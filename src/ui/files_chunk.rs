//! The seam between the page and the code that reads and writes RabbitMQ scenario files: the
//! JSON parser with its located errors, the pretty writer, and the "Run it for real" export.
//! The page's build (the `split` feature, scripts/split-wasm.sh) puts what only `files_api`
//! reaches in its own wasm module, `split_files.wasm`, which the browser fetches the first
//! time the learner saves, exports or loads a file. The chapters themselves are built without
//! parsing (`scenario::catalog`), so the first load carries no JSON parser.
//!
//! Invariant: the page reads or writes a scenario file only through `FilesApi` (`load`).
//! Without the `split` feature (native builds, the tests) `load` returns at once.

use crate::i18n::Lang;
use crate::scenario::Scenario;

/// The files module's entry points.
pub struct FilesApi {
    /// The file is a Kafka scenario (`"broker": {"model": "kafka"}`): the Kafka module reads it.
    pub is_kafka: fn(&str) -> bool,
    /// The file is a ZeroMQ scenario (`"broker": {"model": "zeromq"}`): the ZeroMQ module reads it.
    pub is_zeromq: fn(&str) -> bool,
    /// A RabbitMQ scenario file, read and checked (the error says where and what).
    pub parse: fn(&str) -> Result<Scenario, String>,
    /// A scenario as the file "Save scenario" writes.
    pub to_json: fn(&Scenario) -> String,
    /// The "Run it for real" Python file, with the driver files the page fetched.
    pub bundle: fn(&Scenario, &str, &str) -> String,
}

static FILES_API: FilesApi = FilesApi {
    is_kafka: crate::systems::kafka::scenario::is_kafka,
    is_zeromq: crate::systems::zeromq::scenario::is_zeromq,
    parse: |text| Scenario::from_json(text).map_err(|e| e.to_string()),
    to_json: Scenario::to_json,
    bundle: |scenario, run, sitecustomize| crate::export::bundle_with(scenario, crate::export::Driver { run, sitecustomize }),
};

split_module!(files, files_api -> FilesApi = &FILES_API, fetch_only);

/// What the page says when the files module cannot be fetched.
pub fn load_failed_text(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "The code that reads and writes scenario files (split_files.wasm) could not be fetched: check the connection and try again.",
        Lang::Zh => "无法获取读写场景文件的代码（split_files.wasm）：请检查网络连接后重试。",
    }
}
