//! Transport: step, back, play/pause, jump to the next fault or loss, speed, reset, and a
//! timeline scrubber with markers for faults and for messages lost or dead-lettered.

use crate::i18n::{label, position_text, step_label};
use crate::ui::state::{use_playground, Action, SPEEDS_X100};
use crate::view::hundredths;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[component]
pub fn Transport() -> Html {
    let state = use_playground();
    let lang = state.lang;
    let session = state.session.borrow();
    let (position, len) = (session.position(), session.len());
    // Never past the run's last event.
    let shown_ms = crate::view::shown_ms(&session);
    let markers = &state.facts.markers;
    let dispatch = |action: fn() -> Action| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(action()))
    };
    let on_scrub = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Ok(step) = input.value().parse::<usize>() {
                state.dispatch(Action::Seek(step));
            }
        })
    };
    let on_speed = {
        let state = state.clone();
        Callback::from(move |e: web_sys::Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(speed) = select.value().parse::<u32>() {
                state.dispatch(Action::SetSpeed(speed));
            }
        })
    };
    let percent = |step: usize| hundredths(if len == 0 { 0 } else { step as u64 * 10_000 / len as u64 });
    // The next moment that matters: a fault, or a message lost or dead-lettered.
    let next_mark = markers.iter().map(|&(step, _)| step).filter(|&step| step > position).min();
    let on_next_mark = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(step) = next_mark {
                state.dispatch(Action::Seek(step));
            }
        })
    };
    html! {
        <section id="transport">
            <button id="btn-reset" onclick={dispatch(|| Action::Reset)}>{ label("reset", lang) }</button>
            <button id="btn-back" onclick={dispatch(|| Action::Back)} disabled={position == 0}>{ "← " }{ label("back", lang) }</button>
            <button id="btn-play" onclick={dispatch(|| Action::TogglePlay)}>{ if state.playing { label("pause", lang) } else { label("play", lang) } }</button>
            <button id="btn-step" onclick={dispatch(|| Action::Step)} disabled={position >= len}>{ label("step", lang) }{ " →" }</button>
            <button id="btn-next-mark" onclick={on_next_mark} disabled={next_mark.is_none()} title={label("next_mark_title", lang)}>{ label("next_mark", lang) }{ " ⇥" }</button>
            <label>{ label("speed", lang) }{" "}
                <select id="speed" onchange={on_speed}>
                    { for SPEEDS_X100.iter().map(|&s| html! {
                        <option value={s.to_string()} selected={s == state.speed_x100}>{ format!("{}×", hundredths(u64::from(s))) }</option>
                    }) }
                </select>
            </label>
            <div class="scrubber">
                <input id="scrubber" type="range" min="0" max={len.to_string()} value={position.to_string()} oninput={on_scrub}
                    aria-label={label("timeline", lang)} aria-valuetext={position_text(position, len, shown_ms, lang)} />
                <div class="markers">
                    { for markers.iter().map(|&(step, kind)| html! {
                        <span class={classes!("marker", kind)} style={format!("left: {}%", percent(step))} title={step_label(step, lang)}></span>
                    }) }
                </div>
            </div>
            <span id="position">{ format!("{} {position} / {len} · {} ms", label("step_of", lang), shown_ms) }</span>
        </section>
    }
}


/// What a system page's transport bar asks for (the Kafka and ZeroMQ pages map it to their
/// own actions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportKey {
    Reset,
    Back,
    TogglePlay,
    Step,
    /// To the run's end.
    End,
    Seek(usize),
    Speed(u32),
}

/// Where a system page's run is, for its transport bar.
pub struct TransportAt {
    pub position: usize,
    pub len: usize,
    /// The simulated time of the last event shown.
    pub shown_ms: u64,
    pub playing: bool,
    pub speed_x100: u32,
}

/// The transport bar of the Kafka and ZeroMQ pages (`#transport.{class}`): reset, back, play,
/// step, to the end, speed, the scrubber and the position, under the RabbitMQ page's ids.
pub fn system_transport(class: &'static str, at: TransportAt, on: &Callback<TransportKey>, lang: crate::i18n::Lang) -> Html {
    let TransportAt { position, len, shown_ms, playing, speed_x100 } = at;
    let click = |key: TransportKey| on.reform(move |_: MouseEvent| key);
    let on_scrub = {
        let on = on.clone();
        Callback::from(move |e: InputEvent| {
            if let Ok(step) = e.target_unchecked_into::<HtmlInputElement>().value().parse::<usize>() {
                on.emit(TransportKey::Seek(step));
            }
        })
    };
    let on_speed = {
        let on = on.clone();
        Callback::from(move |e: web_sys::Event| {
            if let Ok(speed) = e.target_unchecked_into::<HtmlSelectElement>().value().parse::<u32>() {
                on.emit(TransportKey::Speed(speed));
            }
        })
    };
    let at_end = position >= len;
    html! {
        <section id="transport" class={class}>
            <button id="btn-reset" onclick={click(TransportKey::Reset)}>{ label("reset", lang) }</button>
            <button id="btn-back" onclick={click(TransportKey::Back)} disabled={position == 0}>{ "← " }{ label("back", lang) }</button>
            <button id="btn-play" onclick={click(TransportKey::TogglePlay)}>{ if playing { label("pause", lang) } else { label("play", lang) } }</button>
            <button id="btn-step" onclick={click(TransportKey::Step)} disabled={at_end}>{ label("step", lang) }{ " →" }</button>
            <button id="btn-end" onclick={click(TransportKey::End)} disabled={at_end}>{ "⇥" }</button>
            <label>{ label("speed", lang) }{" "}
                <select id="speed" onchange={on_speed}>
                    { for SPEEDS_X100.iter().map(|&s| html! {
                        <option value={s.to_string()} selected={s == speed_x100}>{ format!("{}×", hundredths(u64::from(s))) }</option>
                    }) }
                </select>
            </label>
            <div class="scrubber">
                <input id="scrubber" type="range" min="0" max={len.to_string()} value={position.to_string()} oninput={on_scrub} aria-label={label("timeline", lang)} />
            </div>
            <span id="position">{ format!("{} {position} / {len} · {shown_ms} ms", label("step_of", lang)) }</span>
        </section>
    }
}

/// A system page's play timer: while `playing`, `tick` gets the steps of each tick at the
/// speed's cadence (`app::cadence`); dropped when playing or the speed change.
#[hook]
pub fn use_play_timer(playing: bool, speed_x100: u32, tick: Callback<usize>) {
    use_effect_with((playing, speed_x100), move |&(playing, speed)| {
        let timer = playing.then(|| {
            let (steps, every_ms) = crate::ui::app::cadence(speed);
            gloo_timers::callback::Interval::new(every_ms, move || tick.emit(steps))
        });
        move || drop(timer)
    });
}
