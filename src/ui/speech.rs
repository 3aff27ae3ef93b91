//! What voice guidance says, taken from the screen after each render: a page's prompt when the
//! page opens (or the language changes, or voice is turned on), each notice when it appears,
//! and the idle warning; and the notice a visit with voice ended with, though voice is then
//! off for the next person. The words are the screen's own translated sentences
//! (`Messages.prompt`, `Messages.notice`), so voice and screen never disagree; the core speaks
//! them (`Controller::say`).

use slint::ComponentHandle;

use super::{AppWindow, Messages, NoticeKind, Page, SessionAdapter};
use crate::app::{Lang, View};

/// What was last said about, so that each thing is said once.
#[derive(Default)]
pub(super) struct Speech {
    last: Option<Heard>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Heard {
    page: Page,
    notice: NoticeKind,
    warning: bool,
    lang: Lang,
    on: bool,
}

impl Speech {
    /// What to say now, if anything new is on screen and voice is on.
    pub(super) fn next(&mut self, ui: &AppWindow, v: &View) -> Option<String> {
        let session = ui.global::<SessionAdapter>();
        let now = Heard {
            page: session.get_page(),
            notice: session.get_notice(),
            warning: session.get_warning_seconds() > 0,
            lang: v.screen.visit.lang,
            on: v.screen.visit.voice,
        };
        let before = self.last.replace(now);
        let messages = ui.global::<Messages>();
        if !now.on {
            // A visit with voice that ended with a notice (timed out, card removed): voice is
            // off for the next person, but the one leaving still hears why.
            let ended = before.is_some_and(|b| b.on && b.page != now.page);
            return (ended && now.notice != NoticeKind::None)
                .then(|| messages.invoke_notice(now.notice).to_string());
        }
        if before == Some(now) {
            return None;
        }
        let opened = before.is_none_or(|b| !b.on || b.page != now.page || b.lang != now.lang);
        let mut said = Vec::new();
        if opened {
            said.push(messages.invoke_prompt(now.page).to_string());
        }
        if now.notice != NoticeKind::None
            && (opened || before.is_some_and(|b| b.notice != now.notice))
        {
            said.push(messages.invoke_notice(now.notice).to_string());
        }
        if now.warning && (opened || before.is_some_and(|b| !b.warning)) {
            said.push(
                messages
                    .invoke_warning(session.get_warning_seconds())
                    .to_string(),
            );
        }
        said.retain(|s| !s.is_empty());
        (!said.is_empty()).then(|| said.join(" "))
    }
}
