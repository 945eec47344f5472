//! The seam between the page and the code that writes and reads share codes (the share link,
//! the embed snippet, the saved state in localStorage): `share::encode` and `share::decode`,
//! which carry a JSON writer and parser. The page's build (the `split` feature,
//! scripts/split-wasm.sh) puts them in their own wasm module, `split_links.wasm`, fetched the
//! first time the page needs a code: a link or a saved state to restore, the learner's first
//! change (from then on every change is saved), or the share controls. A fresh page shows the
//! tour without it.
//!
//! Invariants: the page writes or reads a share code only through `LinksApi` (`loaded`,
//! `load`). Until the module is there nothing is saved, so a saved state is never replaced by
//! a page that could not read it first. Without the `split` feature (native builds, the
//! tests) it is there from the start.

use crate::embed::SnippetOptions;
use crate::i18n::Lang;
use crate::share::{LinkError, ShareState};
use crate::ui::state::Playground;

/// The links module's entry points.
pub struct LinksApi {
    pub encode: fn(&ShareState) -> String,
    pub decode: fn(&str) -> Result<ShareState, LinkError>,
    /// `embed::embed_link`: the link the embed snippet's iframe opens.
    pub embed_link: fn(&str, &ShareState, &SnippetOptions) -> String,
    /// The playground a share code describes (`decode`, then `Playground::from_share`: the
    /// run rebuilt and checked), so restoring is this module's code too.
    pub open: fn(&str) -> Result<Playground, LinkError>,
    /// What is wrong with a link, in `lang` (`LinkError::text`: its words are this module's).
    pub error_text: fn(&LinkError, Lang) -> String,
}

static LINKS_API: LinksApi = LinksApi {
    encode: crate::share::encode,
    decode: crate::share::decode,
    embed_link: crate::embed::embed_link,
    open: |code| crate::share::decode(code).and_then(|state| Playground::from_share(&state)),
    error_text: LinkError::text,
};

split_module!(links, links_api -> LinksApi = &LINKS_API);

/// What the page says when the links module cannot be fetched.
pub fn load_failed_text(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "The code that writes and reads share links (split_links.wasm) could not be fetched, so nothing is saved: check the connection; the next change tries again.",
        Lang::Zh => "无法获取读写分享链接的代码（split_links.wasm），因此暂不保存：请检查网络连接；下一次改动时会重试。",
    }
}
