//! Settings: each maps to a code change (the code panel changes with it) and re-runs the
//! chapter with the same seed and the injected faults at the same simulated times.

use crate::i18n::{label, Lang};
use crate::scenario::settings::Settings;
use crate::ui::state::{use_playground, Action};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// One editable field of the settings.
#[derive(Clone, Copy)]
enum Field {
    AutoAck,
    Prefetch,
    Persistent,
    Durable,
    Confirms,
    Retries,
    Idempotent,
    DeadLetter,
    Consumers,
    Messages,
    Expiration,
    Poll,
    Mandatory,
    ConsumerTimeout,
    Heartbeat,
}

impl Field {
    const ALL: [Field; 15] = [
        Field::AutoAck,
        Field::Prefetch,
        Field::Persistent,
        Field::Durable,
        Field::Confirms,
        Field::Retries,
        Field::Idempotent,
        Field::DeadLetter,
        Field::Consumers,
        Field::Messages,
        Field::Expiration,
        Field::Poll,
        Field::Mandatory,
        Field::ConsumerTimeout,
        Field::Heartbeat,
    ];

    fn name(self) -> &'static str {
        match self {
            Field::AutoAck => "auto_ack",
            Field::Prefetch => "prefetch_count",
            Field::Persistent => "delivery_mode",
            Field::Durable => "durable",
            Field::Confirms => "confirms",
            Field::Retries => "retries",
            Field::Idempotent => "idempotent",
            Field::DeadLetter => "dead_letter",
            Field::Consumers => "consumers",
            Field::Messages => "messages",
            Field::Expiration => "expiration_ms",
            Field::Poll => "poll_ms",
            Field::Mandatory => "mandatory",
            Field::ConsumerTimeout => "consumer_timeout_ms",
            Field::Heartbeat => "heartbeat_s",
        }
    }

    /// The label: the code it changes.
    fn caption(self, lang: Lang) -> &'static str {
        let zh = lang == Lang::Zh;
        match self {
            Field::AutoAck => "auto_ack=True",
            Field::Prefetch => "basic_qos(prefetch_count)",
            Field::Persistent => "delivery_mode=2",
            Field::Durable => "durable=True",
            Field::Confirms => "confirm_delivery()",
            Field::Retries => if zh { "发布重试（退避）" } else { "publish retry with backoff" },
            Field::Idempotent => if zh { "幂等消费者" } else { "idempotent consumer" },
            Field::DeadLetter => if zh { "死信交换机" } else { "dead-letter exchange" },
            Field::Consumers => if zh { "消费者数量" } else { "consumers" },
            Field::Messages => if zh { "消息数量" } else { "messages" },
            Field::Expiration => if zh { "expiration（消息 TTL，毫秒）" } else { "expiration (per-message TTL, ms)" },
            Field::Poll => if zh { "basic_get 轮询（空时休眠，毫秒）" } else { "basic_get polling (sleep when empty, ms)" },
            Field::Mandatory => "mandatory=True",
            Field::ConsumerTimeout => if zh { "rabbitmq.conf consumer_timeout（毫秒，0 关闭；每 60 秒的信道检查时判定）" } else { "rabbitmq.conf consumer_timeout (ms, 0 = off; checked at each 60 s channel tick)" },
            Field::Heartbeat => if zh { "rabbitmq.conf heartbeat（秒，0 关闭；pika 接受 broker 的值）" } else { "rabbitmq.conf heartbeat (s, 0 = off; pika takes the broker's)" },
        }
    }

    /// The smallest value the input offers (an expiration of 0 ms is a real TTL).
    fn min(self) -> &'static str {
        if matches!(self, Field::Expiration | Field::Poll | Field::ConsumerTimeout | Field::Heartbeat) { "0" } else { "1" }
    }

    fn is_flag(self) -> bool {
        !matches!(self, Field::Prefetch | Field::Consumers | Field::Messages | Field::Expiration | Field::Poll | Field::ConsumerTimeout | Field::Heartbeat)
    }

    fn flag(self, s: &Settings) -> bool {
        match self {
            Field::AutoAck => s.auto_ack,
            Field::Persistent => s.delivery_mode == 2,
            Field::Durable => s.durable,
            Field::Confirms => s.confirms,
            Field::Retries => s.retries,
            Field::Idempotent => s.idempotent,
            Field::DeadLetter => s.dead_letter,
            Field::Mandatory => s.mandatory,
            _ => false,
        }
    }

    fn number(self, s: &Settings) -> String {
        match self {
            Field::Prefetch => s.prefetch_count.map(|p| p.to_string()).unwrap_or_default(),
            Field::Consumers => s.consumers.to_string(),
            Field::Messages => s.messages.to_string(),
            Field::Expiration => s.expiration_ms.map(|ms| ms.to_string()).unwrap_or_default(),
            Field::Poll => s.poll_ms.map(|ms| ms.to_string()).unwrap_or_default(),
            // Shown with RabbitMQ's default when not set, so the learner sees what applies.
            Field::ConsumerTimeout => s.consumer_timeout_ms.unwrap_or(crate::scenario::CONSUMER_TIMEOUT_MS_DEFAULT).to_string(),
            Field::Heartbeat => s.heartbeat_s.map_or(crate::scenario::HEARTBEAT_MS_DEFAULT / 1_000, u64::from).to_string(),
            _ => String::new(),
        }
    }

    /// The settings with this field set from an input; None if the input is not valid.
    fn set(self, s: &Settings, input: &HtmlInputElement) -> Option<Settings> {
        let mut s = s.clone();
        let checked = input.checked();
        let value = input.value();
        match self {
            Field::AutoAck => s.auto_ack = checked,
            Field::Persistent => s.delivery_mode = if checked { 2 } else { 1 },
            Field::Durable => s.durable = checked,
            Field::Confirms => s.confirms = checked,
            Field::Retries => s.retries = checked,
            Field::Idempotent => s.idempotent = checked,
            Field::DeadLetter => s.dead_letter = checked,
            Field::Mandatory => s.mandatory = checked,
            // basic_qos limits basic_consume only: a prefetch turns polling off, and polling
            // turns the prefetch off (the two are never asked for together from here).
            Field::Prefetch => {
                s.prefetch_count = optional(&value)?;
                if s.prefetch_count.is_some() {
                    s.poll_ms = None;
                }
            }
            Field::Consumers => s.consumers = value.trim().parse().ok()?,
            Field::Messages => s.messages = value.trim().parse().ok()?,
            // Empty: no `expiration`; 0 is a real TTL (delivered only to a waiting consumer).
            Field::Expiration => s.expiration_ms = optional(&value)?,
            // Empty: basic_consume, as the article.
            Field::Poll => {
                s.poll_ms = optional(&value)?;
                if s.poll_ms.is_some() {
                    s.prefetch_count = None;
                }
            }
            // Empty or the default: RabbitMQ's default (kept out of share links).
            Field::ConsumerTimeout => {
                let ms = optional(&value)?.unwrap_or(crate::scenario::CONSUMER_TIMEOUT_MS_DEFAULT);
                s.consumer_timeout_ms = Some(ms).filter(|&ms| ms != crate::scenario::CONSUMER_TIMEOUT_MS_DEFAULT);
            }
            Field::Heartbeat => {
                let seconds: u16 = optional(&value)?.unwrap_or((crate::scenario::HEARTBEAT_MS_DEFAULT / 1_000) as u16);
                s.heartbeat_s = Some(seconds).filter(|&s| u64::from(s) * 1_000 != crate::scenario::HEARTBEAT_MS_DEFAULT);
            }
        }
        Some(s)
    }
}

/// An optional number from an input: `Some(None)` when empty, `None` when not a number.
fn optional<T: std::str::FromStr>(value: &str) -> Option<Option<T>> {
    let value = value.trim();
    if value.is_empty() {
        Some(None)
    } else {
        value.parse().ok().map(Some)
    }
}

#[component]
pub fn SettingsPanel() -> Html {
    let state = use_playground();
    let lang = state.lang;
    // What the learner asked for, even while the change waits for the narration module.
    let settings = state.asked_settings().clone();
    html! {
        <section id="settings">
            <h3>{ label("settings", lang) }</h3>
            // A refused setting is said here, beside the field, as well as at the top.
            if let Some(error) = state.error.as_ref().filter(|e| e.starts_with("settings.")) {
                <p id="settings-error" class="error" role="alert">{ error.clone() }</p>
            }
            { for Field::ALL.iter().map(|&field| {
                let on_change = {
                    let state = state.clone();
                    let settings = settings.clone();
                    Callback::from(move |e: Event| {
                        let input: HtmlInputElement = e.target_unchecked_into();
                        match field.set(&settings, &input) {
                            Some(next) => state.dispatch(Action::SetSettings(next)),
                            None => input.set_value(&field.number(&settings)),
                        }
                    })
                };
                if field.is_flag() {
                    html! {
                        <label class="setting">
                            <input type="checkbox" name={field.name()} checked={field.flag(&settings)} onchange={on_change} />
                            <code>{ field.caption(lang) }</code>
                        </label>
                    }
                } else {
                    html! {
                        <label class="setting">
                            <code>{ field.caption(lang) }</code>
                            <input type="number" min={field.min()} name={field.name()} value={field.number(&settings)} onchange={on_change} />
                        </label>
                    }
                }
            }) }
        </section>
    }
}
