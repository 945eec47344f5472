//! The seam between the page and the code behind the share tools (`components::share_tools`):
//! copying to the clipboard, saving and exporting files, reading a chosen file, and the embed
//! options dialog. The buttons are the first load's; what they do is in its own wasm module,
//! `split_share.wasm` in the page's build (the `split` feature, scripts/split-wasm.sh),
//! fetched the first time one of them is used (the status line says so meanwhile).
//!
//! Invariants: the share tools act only through `ShareApi` (`loaded`, `load`); a failed fetch
//! is said on the tools' error line in the page's language, and the next use tries again.
//! Without the `split` feature (native builds, the tests) it is there from the start.

use crate::embed::SnippetOptions;
use crate::i18n::Lang;
use crate::ui::components::share_tools::{ToolAction, ToolsCtx};
use yew::{Callback, Html, MouseEvent};

/// The share module's entry points.
pub struct ShareApi {
    /// Do an action of the share tools.
    pub run: fn(ToolsCtx, ToolAction),
    /// The embed options dialog: the snippet's options, the page's language, closing it.
    pub dialog: fn(SnippetOptions, Lang, Callback<MouseEvent>) -> Html,
}

static SHARE_API: ShareApi = ShareApi { run: crate::ui::components::share_tools::run, dialog: crate::ui::components::share_tools::dialog };

split_module!(share, share_api -> ShareApi = &SHARE_API);

/// What the page says when the share module cannot be fetched.
pub fn load_failed_text(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "The code behind the share tools (split_share.wasm) could not be fetched: check the connection and try again.",
        Lang::Zh => "无法获取分享工具背后的代码（split_share.wasm）：请检查网络连接后重试。",
    }
}
