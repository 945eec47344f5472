//! The Kafka page's settings: each field is a setting of the Kafka scenario
//! (`systems::kafka::settings::KafkaSettings`), shown as the code or broker setting it
//! changes. A change re-runs the chapter on the same seed with the injected faults at the
//! same simulated times, and the code panel shows the regenerated kafka-python code. A
//! combination kafka-python or Kafka refuses is said beside the panel (`#kafka-settings-error`)
//! and the run stays as it was; idempotence that kafka-python turns off (acks 0/1 or retries=0
//! with `enable_idempotence` left at its default) is said too (`#kafka-settings-note`), and
//! the run is the one without it.

use crate::i18n::Lang;
use crate::systems::kafka::scenario::{Acks, CommitMode, OffsetReset};
use crate::systems::kafka::settings::{KafkaSettings, Refusal};
use crate::ui::kafka_page::{klabel, KafkaAction};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Clone, Copy, PartialEq)]
enum Field {
    Acks,
    Idempotence,
    Retries,
    Commit,
    OffsetReset,
    Keyed,
    Partitions,
    Consumers,
    Brokers,
    ReplicationFactor,
    MinIsr,
    Messages,
}

impl Field {
    const ALL: [Field; 12] = [
        Field::Acks,
        Field::Idempotence,
        Field::Retries,
        Field::Commit,
        Field::OffsetReset,
        Field::Keyed,
        Field::Partitions,
        Field::Consumers,
        Field::Brokers,
        Field::ReplicationFactor,
        Field::MinIsr,
        Field::Messages,
    ];

    fn name(self) -> &'static str {
        match self {
            Field::Acks => "acks",
            Field::Idempotence => "enable_idempotence",
            Field::Retries => "retries",
            Field::Commit => "commit",
            Field::OffsetReset => "auto_offset_reset",
            Field::Keyed => "keyed",
            Field::Partitions => "partitions",
            Field::Consumers => "consumers",
            Field::Brokers => "brokers",
            Field::ReplicationFactor => "replication_factor",
            Field::MinIsr => "min_insync_replicas",
            Field::Messages => "messages",
        }
    }

    /// The label: the code or the broker setting it changes.
    fn caption(self, lang: Lang) -> &'static str {
        let zh = lang == Lang::Zh;
        match self {
            Field::Acks => "KafkaProducer(acks=…)",
            Field::Idempotence => "enable_idempotence=True",
            Field::Retries => if zh { "retries（空 = 无限，受 delivery_timeout_ms 限制）" } else { "retries (empty = infinite, bounded by delivery_timeout_ms)" },
            Field::Commit => if zh { "提交位点" } else { "offset commit" },
            Field::OffsetReset => "auto_offset_reset",
            Field::Keyed => "send(…, key=str(i).encode())",
            Field::Partitions => if zh { "test_topic 的分区数" } else { "partitions of the topic" },
            Field::Consumers => if zh { "消费组中的消费者数量" } else { "consumers in the group" },
            Field::Brokers => if zh { "broker 数量" } else { "brokers" },
            Field::ReplicationFactor => if zh { "副本因子 (replication factor)" } else { "replication factor" },
            Field::MinIsr => "min.insync.replicas",
            Field::Messages => if zh { "消息数量" } else { "messages" },
        }
    }

    fn is_flag(self) -> bool {
        matches!(self, Field::Idempotence | Field::Keyed)
    }

    /// The choices of a select field: (value, English, Chinese).
    fn choices(self) -> &'static [(&'static str, &'static str, &'static str)] {
        match self {
            Field::Acks => &[("all", "acks='all'", "acks='all'"), ("1", "acks=1", "acks=1"), ("0", "acks=0", "acks=0")],
            Field::Commit => &[
                ("auto", "enable_auto_commit=True (auto-commit)", "enable_auto_commit=True（自动提交）"),
                ("before_processing", "consumer.commit() before processing", "处理前 consumer.commit()"),
                ("after_processing", "consumer.commit() after processing", "处理后 consumer.commit()"),
            ],
            Field::OffsetReset => &[("earliest", "'earliest'", "'earliest'"), ("latest", "'latest'", "'latest'"), ("none", "'none'", "'none'")],
            _ => &[],
        }
    }

    fn value(self, s: &KafkaSettings) -> String {
        match self {
            Field::Acks => match s.acks {
                Acks::All => "all",
                Acks::Leader => "1",
                Acks::None => "0",
            }
            .into(),
            Field::Commit => match s.commit {
                CommitMode::Auto => "auto",
                CommitMode::BeforeProcessing => "before_processing",
                CommitMode::AfterProcessing => "after_processing",
            }
            .into(),
            Field::OffsetReset => match s.auto_offset_reset {
                OffsetReset::Earliest => "earliest",
                OffsetReset::Latest => "latest",
                OffsetReset::None => "none",
            }
            .into(),
            Field::Retries => s.retries.map(|r| r.to_string()).unwrap_or_default(),
            Field::Partitions => s.partitions.to_string(),
            Field::Consumers => s.consumers.to_string(),
            Field::Brokers => s.brokers.to_string(),
            Field::ReplicationFactor => s.replication_factor.to_string(),
            Field::MinIsr => s.min_insync_replicas.to_string(),
            Field::Messages => s.messages.to_string(),
            Field::Idempotence | Field::Keyed => String::new(),
        }
    }

    fn flag(self, s: &KafkaSettings) -> bool {
        match self {
            Field::Idempotence => s.enable_idempotence,
            Field::Keyed => s.keyed,
            _ => false,
        }
    }

    fn min(self) -> &'static str {
        if self == Field::Retries { "0" } else { "1" }
    }

    /// The settings with this field set from a value (`checked` for a flag); None when the
    /// text is not a number of the field's type.
    fn set(self, s: &KafkaSettings, value: &str, checked: bool) -> Option<KafkaSettings> {
        let mut s = s.clone();
        let value = value.trim();
        match self {
            Field::Acks => {
                s.acks = match value {
                    "all" => Acks::All,
                    "1" => Acks::Leader,
                    "0" => Acks::None,
                    _ => return None,
                }
            }
            Field::Commit => {
                s.commit = match value {
                    "auto" => CommitMode::Auto,
                    "before_processing" => CommitMode::BeforeProcessing,
                    "after_processing" => CommitMode::AfterProcessing,
                    _ => return None,
                }
            }
            Field::OffsetReset => {
                s.auto_offset_reset = match value {
                    "earliest" => OffsetReset::Earliest,
                    "latest" => OffsetReset::Latest,
                    "none" => OffsetReset::None,
                    _ => return None,
                }
            }
            // Ticked or unticked: the user's own choice (kafka-python's fallback no longer applies).
            Field::Idempotence => {
                s.enable_idempotence = checked;
                s.enable_idempotence_unset = false;
            }
            Field::Keyed => s.keyed = checked,
            Field::Retries => s.retries = if value.is_empty() { None } else { Some(value.parse().ok()?) },
            Field::Partitions => s.partitions = value.parse().ok()?,
            Field::Consumers => s.consumers = value.parse().ok()?,
            Field::Brokers => s.brokers = value.parse().ok()?,
            Field::ReplicationFactor => s.replication_factor = value.parse().ok()?,
            Field::MinIsr => s.min_insync_replicas = value.parse().ok()?,
            Field::Messages => s.messages = value.parse().ok()?,
        }
        Some(s)
    }
}

#[derive(Properties, PartialEq)]
pub struct KafkaSettingsProps {
    pub settings: KafkaSettings,
    /// Why the last change was refused, if it was.
    pub error: Option<Refusal>,
    /// The conflicts for which kafka-python turned idempotence off, if it did.
    pub idempotence_off: Option<AttrValue>,
    pub lang: Lang,
    pub on_action: Callback<KafkaAction>,
}

#[component]
pub fn KafkaSettingsPanel(props: &KafkaSettingsProps) -> Html {
    let lang = props.lang;
    let settings = props.settings.clone();
    html! {
        <section id="settings" class="kafka" aria-labelledby="kafka-settings-title">
            <h3 id="kafka-settings-title">{ klabel("settings", lang) }</h3>
            if let Some(conflicts) = &props.idempotence_off {
                <p id="kafka-settings-note" class="note" role="status">{ idempotence_off_text(conflicts, lang) }</p>
            }
            if let Some(error) = &props.error {
                <p id="kafka-settings-error" class="error" role="alert">{ format!("{}{}{}", klabel("k_setting_refused", lang), if lang == Lang::En { ": " } else { "：" }, refusal_text(error, lang)) }</p>
            }
            { for Field::ALL.iter().map(|&field| {
                let on_change = {
                    let on_action = props.on_action.clone();
                    let settings = settings.clone();
                    Callback::from(move |e: Event| {
                        let (value, checked) = match e.target_dyn_into::<HtmlSelectElement>() {
                            Some(select) => (select.value(), false),
                            None => {
                                let input: HtmlInputElement = e.target_unchecked_into();
                                (input.value(), input.checked())
                            }
                        };
                        match field.set(&settings, &value, checked) {
                            Some(next) => on_action.emit(KafkaAction::SetSettings(next)),
                            // Said, and the field shows the setting the run has again.
                            None => on_action.emit(KafkaAction::RefuseSettings(Refusal::NotAWholeNumber { field: field.name(), text: value.trim().to_string() })),
                        }
                    })
                };
                let choices = field.choices();
                if field.is_flag() {
                    html! {
                        <label class="setting">
                            <input type="checkbox" name={field.name()} checked={field.flag(&settings)} onchange={on_change} />
                            <code>{ field.caption(lang) }</code>
                        </label>
                    }
                } else if !choices.is_empty() {
                    let current = field.value(&settings);
                    html! {
                        <label class="setting">
                            <code>{ field.caption(lang) }</code>
                            <select name={field.name()} onchange={on_change}>
                                { for choices.iter().map(|(value, en, zh)| html! {
                                    <option value={*value} selected={current == *value}>{ if lang == Lang::En { *en } else { *zh } }</option>
                                }) }
                            </select>
                        </label>
                    }
                } else {
                    html! {
                        <label class="setting">
                            <code>{ field.caption(lang) }</code>
                            <input type="number" min={field.min()} name={field.name()} value={field.value(&settings)} onchange={on_change} />
                        </label>
                    }
                }
            }) }
        </section>
    }
}

/// kafka-python's silent fallback, said: the code leaves `enable_idempotence` at its default,
/// so `KafkaProducer(…)` logs this warning and runs without idempotence.
fn idempotence_off_text(conflicts: &str, lang: Lang) -> String {
    if lang == Lang::En {
        format!("Idempotence is off: the code leaves enable_idempotence at its default (True), and with {conflicts} kafka-python's KafkaProducer(…) does not raise but logs \"Idempotence will be disabled because user-provided config conflicts with idempotent defaults: {conflicts}\" and runs without it. Choose acks='all' (and retries other than 0) to keep it.")
    } else {
        format!("幂等已关闭：代码让 enable_idempotence 保持默认值（True），而在 {conflicts} 时，kafka-python 的 KafkaProducer(…) 不会抛出异常，只记录警告 \"Idempotence will be disabled because user-provided config conflicts with idempotent defaults: {conflicts}\"，并在没有幂等的情况下运行。要保留幂等，请选择 acks='all'（且 retries 不为 0）。")
    }
}

/// Why a change was refused, naming the panel's controls and what the real client or broker
/// does (its own error text, word for word).
pub fn refusal_text(refusal: &Refusal, lang: Lang) -> String {
    let en = lang == Lang::En;
    match refusal {
        Refusal::ReplicationAboveBrokers { replication_factor, brokers } => {
            if en {
                format!("a replication factor of {replication_factor} needs at least {replication_factor} brokers and the cluster has {brokers}: Kafka refuses to create the topic (INVALID_REPLICATION_FACTOR). Lower the replication factor or add brokers.")
            } else {
                format!("副本因子 {replication_factor} 至少需要 {replication_factor} 个 broker，而集群只有 {brokers} 个：Kafka 拒绝创建该主题（INVALID_REPLICATION_FACTOR）。请降低副本因子或增加 broker。")
            }
        }
        Refusal::NotAWholeNumber { field, text } => {
            let caption = Field::ALL.iter().find(|f| f.name() == *field).map_or(*field, |f| f.caption(lang));
            if en {
                format!("{caption} must be a whole number, got \"{text}\".")
            } else {
                format!("{caption}{}必须是整数，当前为 \"{text}\"。", spacer(caption))
            }
        }
        Refusal::OutOfRange { field, min, max, got } => {
            let caption = Field::ALL.iter().find(|f| f.name() == *field).map_or(*field, |f| f.caption(lang));
            if en {
                format!("{caption} must be between {min} and {max}, got {got}.")
            } else {
                format!("{caption}{}必须在 {min} 到 {max} 之间，当前为 {got}。", spacer(caption))
            }
        }
        Refusal::IdempotenceConflict { conflicts } => {
            if en {
                format!("enable_idempotence=True passed with {conflicts}: kafka-python's KafkaProducer(…) raises kafka.errors.KafkaConfigurationError: \"enable_idempotence=True is incompatible with user-provided {conflicts}\". Choose acks='all' (and retries other than 0) first.")
            } else {
                format!("在 {conflicts} 时显式传入 enable_idempotence=True：kafka-python 的 KafkaProducer(…) 会抛出 kafka.errors.KafkaConfigurationError：\"enable_idempotence=True is incompatible with user-provided {conflicts}\"。请先选择 acks='all'（且 retries 不为 0）。")
            }
        }
        // The rest cannot be picked in the panel; a scenario file's words.
        Refusal::Scenario(e) => e.to_string(),
    }
}

/// Between a caption and the Chinese that follows it: a space after Latin text, none after Chinese.
fn spacer(caption: &str) -> &'static str {
    if caption.chars().last().is_some_and(|c| c.is_ascii()) { " " } else { "" }
}
