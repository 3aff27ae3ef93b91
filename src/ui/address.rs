//! The pages with the on-screen keyboard (the address page, the emergency contact page) and
//! the keyboard, rendered from the core's view (part of the one writer, `view`), and their
//! callbacks turned into the core's inputs (as `intents` does for the other pages).

use std::cell::RefCell;
use std::rc::Rc;

use slint::{ComponentHandle, SharedString};

use super::intents::{on, on_with};
use super::models::{model, strings};
use super::{
    AddressAdapter, AppWindow, ContactAdapter, KeyboardAdapter, Place as UiPlace, PlaceLevel,
    PlaceRow, Shell, TextField as UiField,
};
use crate::app::{ImeState, Input, KeyboardKey, View};
use crate::domain::divisions::{Division, Divisions};
use crate::domain::text_field::TextField;
use crate::flow::{Draft, Edit};

/// Place buttons per row: a province name (up to 8 characters, 内蒙古自治区) fits a quarter
/// of a portrait screen in large text.
const PER_ROW: usize = 4;

pub(super) fn render(ui: &AppWindow, v: &View) {
    let adapter = ui.global::<AddressAdapter>();
    let draft = v.session.draft();
    let divisions = v.session.divisions();
    let place = draft.and_then(|d| d.address.place.as_deref());
    let (path, level, choices) = place_choice(divisions, place);
    adapter.set_path(model(path.iter().map(ui_place).collect()));
    adapter.set_level(level);
    adapter.set_choices(model(
        choices
            .chunks(PER_ROW)
            .map(|row| PlaceRow {
                items: model(row.iter().map(ui_place).collect()),
            })
            .collect(),
    ));
    let complete = place.is_some_and(|c| divisions.is_complete(c));
    adapter.set_place_complete(complete);
    adapter.set_change_to(change_to(divisions, place).into());
    adapter.set_place(
        place
            .and_then(|c| divisions.place(c))
            .map_or_else(SharedString::new, |p| p.written().into()),
    );
    let text = |f: TextField| -> SharedString {
        draft.map_or_else(SharedString::new, |d: &Draft| d.text(f).into())
    };
    adapter.set_street(text(TextField::Street));
    adapter.set_recipient(text(TextField::Recipient));
    adapter.set_mobile(text(TextField::RecipientMobile));
    adapter
        .set_applicant(draft.map_or_else(SharedString::new, |d| d.identity.name.as_str().into()));
    adapter.set_applicant_mobile(
        draft.map_or_else(SharedString::new, |d| d.choices.phone.as_str().into()),
    );
    let contact = ui.global::<ContactAdapter>();
    contact.set_name(text(TextField::ContactName));
    contact.set_mobile(text(TextField::ContactMobile));
    let typing = &v.screen.visit.typing;
    let keys = ui.global::<KeyboardAdapter>();
    keys.set_focused(match typing.field {
        TextField::Street => UiField::Street,
        TextField::Recipient => UiField::Recipient,
        TextField::RecipientMobile => UiField::RecipientMobile,
        TextField::ContactName => UiField::ContactName,
        TextField::ContactMobile => UiField::ContactMobile,
    });
    let available = typing.ime_state != ImeState::Unavailable;
    keys.set_chinese(typing.chinese && available);
    keys.set_chinese_available(available);
    keys.set_digits_only(typing.field.digits_only());
    let shown = &typing.composition;
    keys.set_preedit(shown.preedit.as_str().into());
    keys.set_candidates(strings(&shown.candidates));
    keys.set_has_previous(shown.composing() && shown.page > 0);
    keys.set_has_next(shown.composing() && !shown.last_page);
}

/// The levels chosen so far, which level is offered next, and its divisions (a complete choice
/// has its own level; the page shows the place written out instead, and the way back up).
fn place_choice(
    divisions: &Divisions,
    place: Option<&str>,
) -> (Vec<Division>, PlaceLevel, Vec<Division>) {
    let Some(chosen) = place.and_then(|c| divisions.place(c)) else {
        // Nothing chosen, or a province alone (a place needs its prefecture).
        return match place.and_then(|c| divisions.provinces().find(|p| p.code == c)) {
            Some(province) => (
                vec![province.clone()],
                PlaceLevel::Prefecture,
                divisions.prefectures(&province.code).collect(),
            ),
            None => (
                Vec::new(),
                PlaceLevel::Province,
                divisions.provinces().collect(),
            ),
        };
    };
    let counties: Vec<_> = divisions.counties(&chosen.prefecture.code).collect();
    let mut path = vec![chosen.province.clone(), chosen.prefecture.clone()];
    if let Some(county) = &chosen.county {
        path.push(county.clone());
    }
    match counties.is_empty() {
        true => (
            path,
            PlaceLevel::Prefecture,
            divisions.prefectures(&chosen.province.code).collect(),
        ),
        false => (path, PlaceLevel::County, counties),
    }
}

/// Where "Change" goes from a complete place: its city's districts, or for a city without
/// districts its province's cities.
fn change_to(divisions: &Divisions, place: Option<&str>) -> String {
    match place.and_then(|c| divisions.place(c)) {
        Some(p) if p.county.is_some() => p.prefecture.code,
        Some(p) => p.province.code,
        None => String::new(),
    }
}

fn ui_place(d: &Division) -> UiPlace {
    UiPlace {
        code: d.code.as_str().into(),
        label: d.name.as_str().into(),
    }
}

/// The address page's and the keyboard's callbacks.
pub(super) fn wire(ui: &AppWindow, shell: &Rc<RefCell<Shell>>) {
    let adapter = ui.global::<AddressAdapter>();
    adapter.on_pick(on_with(shell, |code: SharedString| {
        Some(Input::Edit(Edit::PickPlace(
            (!code.is_empty()).then(|| code.into()),
        )))
    }));
    let key = |k| Input::Keyboard(k);
    let keys = ui.global::<KeyboardAdapter>();
    keys.on_focus(on_with(shell, |field| {
        Some(Input::FocusField(match field {
            UiField::Street => TextField::Street,
            UiField::Recipient => TextField::Recipient,
            UiField::RecipientMobile => TextField::RecipientMobile,
            UiField::ContactName => TextField::ContactName,
            UiField::ContactMobile => TextField::ContactMobile,
        }))
    }));
    keys.on_typed(on_with(shell, move |text: SharedString| {
        text.chars().next().map(|c| key(KeyboardKey::Char(c)))
    }));
    keys.on_delete(on(shell, key(KeyboardKey::Delete)));
    keys.on_space(on(shell, key(KeyboardKey::Space)));
    keys.on_switch_language(on(shell, key(KeyboardKey::SwitchLanguage)));
    keys.on_choose(on_with(shell, move |i: i32| {
        Some(key(KeyboardKey::Choose(i.max(0) as usize)))
    }));
    keys.on_page(on_with(shell, move |next| {
        Some(key(KeyboardKey::Page(next)))
    }));
}
