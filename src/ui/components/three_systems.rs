//! Three systems side by side (`crate::three_systems`): a button that opens a panel with the
//! workload's numbers and one fault for all three, and a table with a row per payload and a
//! column per system (RabbitMQ, Kafka, ZeroMQ): each cell the payload's verdict on that system,
//! how many times it was printed when not once, and the system's own cause.
//!
//! Invariants: the panel keeps its own state (it runs its own three scenarios, never the page's
//! run); a field that does not read as a whole number, or a workload or fault the module
//! refuses, shows what is wrong and keeps the last table and everything typed; nothing here
//! panics. Both languages.

use crate::i18n::{label, Lang};
use crate::three_systems::{Counterpart, SharedFault, Side, ThreeWay, Workload};
use std::rc::Rc;
use yew::prelude::*;

/// The panel's own labels, `(key, English, Chinese)`.
const LABELS: &[(&str, &str, &str)] = &[
    ("t_open", "Three systems side by side", "三个系统并排对比"),
    (
        "t_intro",
        "The tutorial's workload on RabbitMQ (pika, auto_ack=True), Kafka (kafka-python, auto-commit) and ZeroMQ (pyzmq PUSH/PULL) at once, under the same fault, each at the end of its run. The fault fires at the same point of the program's own work on every system (right after its n-th print), which each run reaches at its own moment.",
        "教程中的工作负载同时运行在 RabbitMQ（pika，auto_ack=True）、Kafka（kafka-python，自动提交）和 ZeroMQ（pyzmq PUSH/PULL）上，注入同一个故障，各自运行到结束。故障在每个系统上都发生在程序自身工作的同一位置（第 n 次打印之后），各次运行到达该位置的时刻各不相同。",
    ),
    ("t_fault", "Fault", "故障"),
    ("t_none", "none", "无"),
    ("t_consumer_crash", "the consumer is killed", "消费者被杀死"),
    ("t_consumer_restart", "the consumer is killed, restarted 1 s later", "消费者被杀死，1 秒后重启"),
    ("t_producer_crash", "the producer is killed", "生产者被杀死"),
    ("t_broker_crash", "the broker is killed (and restarts)", "broker 被杀死（然后重启）"),
    ("t_after_consumer", "right after the consumer's print number", "在消费者第几次打印之后"),
    ("t_after_producer", "right after the producer's print number", "在生产者第几次打印之后"),
    ("t_messages", "messages", "消息数"),
    ("t_interval", "interval (ms)", "间隔（毫秒）"),
    ("t_consumer_start", "consumer starts at (ms)", "消费者启动时间（毫秒）"),
    ("t_payload", "payload", "消息体"),
    ("t_printed", "printed", "打印"),
    ("t_no_broker", "no broker to kill: ZeroMQ has none, so this side ran the workload without a fault", "没有可杀死的 broker：ZeroMQ 没有 broker，所以这一侧在没有故障的情况下运行了工作负载"),
    ("t_code", "the consumer's code", "消费者的代码"),
    ("t_cannot", "cannot run", "无法运行"),
    ("t_not_number", "must be a whole number", "必须是整数"),
    ("never_accepted", "never accepted", "从未被接受"),
    ("still_queued", "still queued", "仍在队列中"),
];

fn tlabel(key: &str, lang: Lang) -> &str {
    LABELS.iter().find(|(k, _, _)| *k == key).map(|(_, en, zh)| if lang == Lang::En { *en } else { *zh }).unwrap_or_else(|| label(key, lang))
}

/// The fault kinds in the select, in order.
const FAULT_KINDS: &[&str] = &["t_none", "t_consumer_crash", "t_consumer_restart", "t_producer_crash", "t_broker_crash"];

/// What the user typed (kept as text, so a bad value is shown, not lost).
#[derive(Clone, PartialEq)]
struct Form {
    fault: &'static str,
    after: String,
    messages: String,
    interval_ms: String,
    consumer_start_ms: String,
}

impl Default for Form {
    fn default() -> Self {
        let w = Workload::default();
        Form { fault: "t_consumer_restart", after: "3".into(), messages: w.messages.to_string(), interval_ms: w.interval_ms.to_string(), consumer_start_ms: w.consumer_start_ms.to_string() }
    }
}

impl Form {
    /// Whose print the fault comes after: the consumer's, or the producer's.
    fn after_key(&self) -> &'static str {
        if self.fault.starts_with("t_consumer") { "t_after_consumer" } else { "t_after_producer" }
    }

    /// The workload and fault, or what is wrong (in `lang`).
    fn read(&self, lang: Lang) -> Result<(Workload, SharedFault), String> {
        let number = |key: &str, text: &str| text.trim().parse::<u64>().map_err(|_| format!("{}: {}", tlabel(key, lang), tlabel("t_not_number", lang)));
        let small = |key: &str, text: &str| number(key, text).and_then(|n| u32::try_from(n).map_err(|_| format!("{}: {}", tlabel(key, lang), tlabel("t_not_number", lang))));
        let workload = Workload {
            messages: small("t_messages", &self.messages)?,
            interval_ms: number("t_interval", &self.interval_ms)?,
            consumer_start_ms: number("t_consumer_start", &self.consumer_start_ms)?,
            ..Workload::default()
        };
        let after = || small(self.after_key(), &self.after);
        let fault = match self.fault {
            "t_consumer_crash" => SharedFault::ConsumerCrash { after_prints: after()?, restart_after_ms: None },
            "t_consumer_restart" => SharedFault::ConsumerCrash { after_prints: after()?, restart_after_ms: Some(1_000) },
            "t_producer_crash" => SharedFault::ProducerCrash { after_sends: after()? },
            "t_broker_crash" => SharedFault::BrokerCrash { after_sends: after()? },
            _ => SharedFault::None,
        };
        Ok((workload, fault))
    }
}

/// A column's head: the system, its run's label, and why it had no fault if it had none.
fn head(system: &str, side: &Result<Side, String>, lang: Lang) -> Html {
    match side {
        Ok(side) => {
            let run_label = if side.counts.published == 0 && side.counts.never_sent == 0 { "—".to_string() } else { side.label.name().to_string() };
            html! {
                <th scope="col" data-system={system.to_lowercase()} data-label={run_label.clone()}>
                    { system.to_string() }<br/><strong class={classes!("label", run_label.clone())}>{ label(&run_label, lang) }</strong>
                    if side.counterpart == Counterpart::NoBroker {
                        <div class="note no-counterpart">{ tlabel("t_no_broker", lang) }</div>
                    }
                </th>
            }
        }
        Err(e) => html! { <th scope="col" data-system={system.to_lowercase()}>{ system.to_string() }<div class="error" role="alert">{ format!("{}: {e}", tlabel("t_cannot", lang)) }</div></th> },
    }
}

/// The table: a row per payload, a cell per system.
fn table(three: &ThreeWay, lang: Lang) -> Html {
    let first_data = 0u32;
    let rows = (0..three.workload.messages as usize).map(|i| {
        let cells = three.sides.iter().map(|(system, side)| {
            let Ok(side) = side else { return html! { <td data-system={system.title().to_lowercase()}>{ "—" }</td> } };
            let Some(cell) = side.cells.get(i) else { return html! { <td>{ "—" }</td> } };
            let printed = (cell.printed > 1).then(|| format!(" · {} ×{}", tlabel("t_printed", lang), cell.printed));
            html! {
                <td class={classes!("three-cell", cell.verdict)} data-system={system.title().to_lowercase()} data-title={system.title()} data-verdict={cell.verdict}>
                    <span class="verdict-cell">{ tlabel(cell.verdict, lang).to_string() }{ printed }</span>
                    if let Some(cause) = &cell.cause {
                        <div class="cause">{ cause.text(lang).to_string() }</div>
                    }
                </td>
            }
        });
        html! { <tr data-data={(first_data + i as u32).to_string()}><td class="payload">{ format!("{{'data': {}}}", first_data + i as u32) }</td>{ for cells }</tr> }
    });
    let code = three.sides.iter().filter_map(|(system, side)| side.as_ref().ok().map(|s| (system, s))).map(|(system, side)| {
        html! {
            <details class="three-code" data-system={system.title().to_lowercase()}>
                <summary>{ format!("{} · {}", system.title(), tlabel("t_code", lang)) }</summary>
                <pre class="code small" role="region" tabindex="0" aria-label={format!("{} · {}", system.title(), tlabel("t_code", lang))}>{ side.consumer_code.clone() }</pre>
            </details>
        }
    });
    html! {
        <>
            <div class="table-scroll">
                <table id="three-table">
                    <thead><tr><th scope="col">{ tlabel("t_payload", lang) }</th>{ for three.sides.iter().map(|(system, side)| head(system.title(), side, lang)) }</tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
            <div class="three-codes">{ for code }</div>
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct ThreeSystemsProps {
    pub lang: Lang,
}

/// The button and, when open, the controls and the table.
#[component]
pub fn ThreeSystems(props: &ThreeSystemsProps) -> Html {
    let lang = props.lang;
    crate::ui::use_style("three-systems-css", include_str!("../../../www/three-systems.css"));
    let open = use_state_eq(|| false);
    let form = use_state(Form::default);
    // The last comparison that ran, and what is wrong with the form now, if anything.
    let shown = use_state(|| None::<Rc<ThreeWay>>);
    let problem = use_state(|| None::<String>);
    {
        let (shown, problem) = (shown.clone(), problem.clone());
        use_effect_with(((*form).clone(), *open, lang), move |(form, open, lang)| {
            if *open {
                match form.read(*lang).and_then(|(w, f)| ThreeWay::run(&w, &f).map_err(|e| e.text(*lang).to_string())) {
                    Ok(three) => {
                        shown.set(Some(Rc::new(three)));
                        problem.set(None);
                    }
                    Err(e) => problem.set(Some(e)),
                }
            }
        });
    }
    let on_toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let field = |id: &'static str, key: &'static str, value: &str, set: fn(&mut Form, String)| {
        let form = form.clone();
        let oninput = Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let mut next = (*form).clone();
            set(&mut next, input.value());
            form.set(next);
        });
        html! { <label>{ tlabel(key, lang) }{ " " }<input id={id} type="number" min="0" value={value.to_string()} {oninput} /></label> }
    };
    let on_fault = {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            let mut next = (*form).clone();
            next.fault = FAULT_KINDS.iter().copied().find(|k| *k == select.value()).unwrap_or("t_none");
            form.set(next);
        })
    };
    let body = open.then(|| {
        html! {
            <>
                <p class="note">{ tlabel("t_intro", lang) }</p>
                <div class="three-controls">
                    <label>{ tlabel("t_fault", lang) }{ " " }
                        <select id="three-fault" onchange={on_fault}>
                            { for FAULT_KINDS.iter().map(|k| html! { <option value={*k} selected={form.fault == *k}>{ tlabel(k, lang) }</option> }) }
                        </select>
                    </label>
                    if form.fault != "t_none" {
                        { field("three-after", form.after_key(), &form.after, |f, v| f.after = v) }
                    }
                    { field("three-messages", "t_messages", &form.messages, |f, v| f.messages = v) }
                    { field("three-interval", "t_interval", &form.interval_ms, |f, v| f.interval_ms = v) }
                    { field("three-consumer-start", "t_consumer_start", &form.consumer_start_ms, |f, v| f.consumer_start_ms = v) }
                </div>
                if let Some(p) = &*problem {
                    <p id="three-error" class="error" role="alert">{ p.clone() }</p>
                }
                { shown.as_ref().map(|three| table(three, lang)) }
            </>
        }
    });
    html! {
        <section id="three-systems" aria-label={tlabel("t_open", lang)}>
            <button id="btn-three" onclick={on_toggle} aria-pressed={open.to_string()}>{ tlabel("t_open", lang) }</button>
            { body }
        </section>
    }
}
