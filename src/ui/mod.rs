//! The playground UI (wasm32 only): a yew app driving a `Session`. State lives in one
//! reducer (`state.rs`); components under `components/` only render and dispatch. The header's
//! system switch shows the Kafka page (`kafka_page.rs`) or the ZeroMQ page (`zeromq_page.rs`),
//! each with its own state, instead.

/// The seam of a split module (`*_chunk.rs`): the split point `$entry`, the only function
/// that names the module's entry points (`$api`, the static `$value`), and, for the page,
/// `load` (fetching the module the first time) and `loaded` (the entry points if it is
/// there). The page's build (the `split` feature, scripts/split-wasm.sh) puts what only
/// `$entry` reaches in `split_$module.wasm`; without the feature (native builds, the tests)
/// the entry points are there from the start. `$module, $entry -> $api = $value, fetch_only`
/// writes `load` alone (a module the page asks for each time, which keeps nothing).
macro_rules! split_module {
    ($module:ident, $entry:ident -> $api:ty = $value:expr) => {
        split_module!(@point $module, $entry -> $api = $value);

        /// The module's entry points once fetched (split builds; `loaded` reads it).
        #[cfg(feature = "split")]
        static LOADED: std::sync::OnceLock<&'static $api> = std::sync::OnceLock::new();

        /// The module's entry points, if it is loaded (always, without the `split` feature).
        pub fn loaded() -> Option<&'static $api> {
            #[cfg(feature = "split")]
            return LOADED.get().copied();
            #[cfg(not(feature = "split"))]
            return $entry().ok();
        }

        /// The module's entry points, fetching the module the first time.
        pub async fn load() -> Result<&'static $api, crate::ui::kafka_chunk::LoadFailed> {
            #[cfg(feature = "split")]
            return $entry().await.inspect(|api| _ = LOADED.set(api));
            #[cfg(not(feature = "split"))]
            return $entry();
        }

        /// Calls `then` with the module's entry points: at once if it is loaded, else once
        /// it is fetched (`failed` if it cannot be).
        #[allow(dead_code)]
        pub fn with(then: impl FnOnce(&'static $api) + 'static, failed: impl FnOnce(crate::ui::kafka_chunk::LoadFailed) + 'static) {
            match loaded() {
                Some(api) => then(api),
                None => wasm_bindgen_futures::spawn_local(async move {
                    match load().await {
                        Ok(api) => then(api),
                        Err(e) => failed(e),
                    }
                }),
            }
        }
    };
    ($module:ident, $entry:ident -> $api:ty = $value:expr, fetch_only) => {
        split_module!(@point $module, $entry -> $api = $value);

        /// The module's entry points, fetching the module the first time.
        pub async fn load() -> Result<&'static $api, crate::ui::kafka_chunk::LoadFailed> {
            #[cfg(feature = "split")]
            return $entry().await;
            #[cfg(not(feature = "split"))]
            return $entry();
        }
    };
    (@point $module:ident, $entry:ident -> $api:ty = $value:expr) => {
        /// The split point: the only function that names the module's entry points.
        #[cfg_attr(feature = "split", wasm_split_helpers::wasm_split($module, fallible))]
        fn $entry() -> Result<&'static $api, crate::ui::kafka_chunk::LoadFailed> {
            Ok($value)
        }
    };
}

pub mod app;
pub mod components;
pub mod files_chunk;
pub mod kafka_chunk;
pub mod kafka_page;
pub mod links_chunk;
pub mod narration_chunk;
pub mod share_chunk;
pub mod state;
pub mod zeromq_chunk;
pub mod zeromq_page;

/// Add a split module's own styles to the page once (a `<style id=...>` in the head), so
/// they are not in `style.css`, which the first load carries. Idempotent: a second call with
/// the same id adds nothing.
#[yew::hook]
pub fn use_style(id: &'static str, css: &'static str) {
    yew::use_effect_with((), move |_| {
        let document = web_sys::window().and_then(|w| w.document());
        if let Some(document) = document {
            if document.get_element_by_id(id).is_none() {
                if let (Ok(style), Some(head)) = (document.create_element("style"), document.head()) {
                    style.set_id(id);
                    style.set_text_content(Some(css));
                    let _ = head.append_child(&style);
                }
            }
        }
    });
}
