//! Turns the adapter globals' callbacks (touches) into the core's inputs. Each callback holds a
//! shared handle (`Rc`) to the shell, which holds the window only weakly; the window holds no
//! state of its own.

use std::cell::RefCell;
use std::rc::Rc;

use slint::ComponentHandle;

use super::{
    AppWindow, Delivery, DetailsAdapter, DocumentsAdapter, DoneAdapter, FeeAdapter,
    GuardianAdapter, Language, PhotoAdapter, Rating as UiRating, Relationship as UiRelationship,
    SessionAdapter, Shell, StationAdapter, TechnicianAdapter, ThemeVariant,
};
use crate::app::{DisplayMode, Input, Lang, Refresh};
use crate::domain::guardian::Relationship;
use crate::domain::rating::Rating;
use crate::flow::station::{KeyEdit, KeyField, PayMethod, Service};
use crate::flow::{DeliveryChoice, Edit};

/// Sends one input to the core and renders the result.
fn send(shell: &Rc<RefCell<Shell>>, input: Input) {
    shell.borrow_mut().with(|c| {
        c.handle(input);
        Refresh::Everything
    });
}

/// A callback without arguments that sends `input`.
pub(super) fn on(shell: &Rc<RefCell<Shell>>, input: Input) -> impl Fn() + 'static {
    let shell = shell.clone();
    move || send(&shell, input.clone())
}

/// A callback that builds its input from its arguments.
pub(super) fn on_with<A>(
    shell: &Rc<RefCell<Shell>>,
    f: impl Fn(A) -> Option<Input> + 'static,
) -> impl Fn(A) + 'static {
    let shell = shell.clone();
    move |a| {
        if let Some(input) = f(a) {
            send(&shell, input);
        }
    }
}

fn first_char(s: &str) -> Option<char> {
    s.chars().next()
}

pub fn connect(ui: &AppWindow, shell: &Rc<RefCell<Shell>>) {
    let g = ui.global::<SessionAdapter>();
    g.on_next(on(shell, Input::Continue));
    g.on_back(on(shell, Input::Back));
    g.on_cancel(on(shell, Input::Cancel));
    let fee = ui.global::<FeeAdapter>();
    fee.on_pay_later(on(shell, Input::PayLater));
    fee.on_pay_by_phone(on(shell, Input::PayByPhone));
    ui.global::<DoneAdapter>()
        .on_rate(on_with(shell, |r: UiRating| {
            Some(Input::Rate(match r {
                UiRating::Satisfied => Rating::Satisfied,
                UiRating::Fairly => Rating::Fairly,
                UiRating::NotSatisfied => Rating::NotSatisfied,
            }))
        }));
    g.on_confirm_cancel(on_with(shell, |discard: bool| {
        Some(Input::ConfirmCancel(discard))
    }));
    g.on_extend_time(on(shell, Input::ExtendTime));
    g.on_call_staff(on(shell, Input::CallStaff));
    g.on_set_voice(on_with(shell, |on: bool| Some(Input::Voice(on))));
    g.on_remove_demo_card(on(shell, Input::RemoveDemoCard));
    g.on_insert_demo_card(on_with(shell, |i: i32| {
        Some(Input::InsertDemoCard(i.max(0) as usize))
    }));
    g.on_set_language(on_with(shell, |language: Language| {
        Some(Input::Language(match language {
            Language::ZhCn => Lang::Zh,
            Language::En => Lang::En,
        }))
    }));
    g.on_set_display(on_with(shell, |v: ThemeVariant| {
        Some(Input::Display(match v {
            ThemeVariant::Normal => DisplayMode::Normal,
            ThemeVariant::LargeText => DisplayMode::LargeText,
            ThemeVariant::HighContrast => DisplayMode::HighContrast,
        }))
    }));

    let st = ui.global::<StationAdapter>();
    st.on_service_endorse(on(shell, Input::Service(Service::Endorse)));
    st.on_service_trips(on(shell, Input::Service(Service::RemainingTrips)));
    st.on_service_reprint(on(shell, Input::Service(Service::ReprintBack)));
    st.on_service_approved(on(shell, Input::Service(Service::PrintApproved)));
    st.on_insert_demo_permit(on_with(shell, |i: i32| {
        Some(Input::InsertDemoPermit(i.max(0) as usize))
    }));
    st.on_remove_demo_permit(on(shell, Input::RemoveDemoPermit));
    st.on_demo_scan_permit(on(shell, Input::DemoScan));
    st.on_choose(on_with(shell, |i: i32| {
        Some(Input::ChooseOffer(i.max(0) as usize))
    }));
    st.on_pay_terminal(on(shell, Input::Pay(PayMethod::Terminal)));
    st.on_pay_qr(on(shell, Input::Pay(PayMethod::Qr)));
    st.on_write_approved(on(shell, Input::Pay(PayMethod::Online)));
    st.on_print_trips(on(shell, Input::PrintTrips));
    let key = |e: KeyEdit| Some(Input::Key(e));
    st.on_key_prefix_chosen(on_with(shell, move |p: slint::SharedString| {
        first_char(&p).and_then(|c| key(KeyEdit::Prefix(c)))
    }));
    st.on_key_digit(on_with(shell, move |d: slint::SharedString| {
        first_char(&d).and_then(|c| key(KeyEdit::Digit(c)))
    }));
    st.on_key_backspace(on(shell, Input::Key(KeyEdit::Backspace)));
    st.on_key_clear(on(shell, Input::Key(KeyEdit::Clear)));
    st.on_key_field_chosen(on_with(shell, move |f: i32| {
        key(KeyEdit::Field(if f == 1 {
            KeyField::Expiry
        } else {
            KeyField::Number
        }))
    }));

    let t = ui.global::<TechnicianAdapter>();
    t.on_knock(on(shell, Input::Knock));
    t.on_digit(on_with(shell, |d: slint::SharedString| {
        first_char(&d).map(Input::PinDigit)
    }));
    t.on_backspace(on(shell, Input::PinBackspace));
    t.on_clear_pin(on(shell, Input::PinClear));
    t.on_submit(on(shell, Input::PinSubmit));
    t.on_close(on(shell, Input::CloseTechnician));
    t.on_sync_now(on(shell, Input::SyncNow));
    t.on_staff_answered(on(shell, Input::StaffAnswered));

    let edit = |e: Edit| Some(Input::Edit(e));
    let docs = ui.global::<DocumentsAdapter>();
    docs.on_toggle(on_with(shell, move |d: slint::SharedString| {
        edit(Edit::ToggleDocument(d.into()))
    }));
    let s = shell.clone();
    docs.on_category(move |d, cat| {
        send(
            &s,
            Input::Edit(Edit::SetCategory {
                document: d.into(),
                category: cat.into(),
            }),
        )
    });
    let s = shell.clone();
    docs.on_kind(move |d, dest, k| {
        send(
            &s,
            Input::Edit(Edit::SetEndorsementKind {
                document: d.into(),
                destination: dest.into(),
                kind: k.into(),
            }),
        )
    });
    let s = shell.clone();
    docs.on_trips(move |d, dest, t| {
        send(
            &s,
            Input::Edit(Edit::SetTrips {
                document: d.into(),
                destination: dest.into(),
                trips: t.into(),
            }),
        )
    });

    let det = ui.global::<DetailsAdapter>();
    det.on_digit(on_with(shell, move |d: slint::SharedString| {
        first_char(&d).and_then(|c| edit(Edit::PhoneDigit(c)))
    }));
    det.on_backspace(on(shell, Input::Edit(Edit::PhoneBackspace)));
    det.on_clear(on(shell, Input::Edit(Edit::PhoneClear)));
    let s = shell.clone();
    det.on_choose_reading(move |i, r| {
        send(
            &s,
            Input::Edit(Edit::ChooseReading {
                index: i.max(0) as usize,
                reading: r.to_lowercase(),
            }),
        )
    });
    det.on_choose_division(on_with(shell, move |i: i32| {
        edit(Edit::ChooseDivision(i.max(0) as usize))
    }));
    det.on_confirm_pinyin(on_with(shell, move |yes: bool| {
        edit(Edit::ConfirmPinyin(yes))
    }));
    det.on_delivery_chosen(on_with(shell, move |how: Delivery| {
        edit(Edit::SetDelivery(match how {
            Delivery::Ems => DeliveryChoice::EmsToCardAddress,
            Delivery::Collect => DeliveryChoice::Collect,
            Delivery::EmsElsewhere => return Some(Input::EnterAddress),
            // No page offers "none"; it is only the state before a choice.
            Delivery::None => return None,
        }))
    }));
    det.on_enter_contact(on(shell, Input::EnterContact));
    det.on_remove_contact(on(shell, Input::Edit(Edit::RemoveContact)));
    det.on_green_chosen(on_with(shell, move |code: slint::SharedString| {
        edit(Edit::SetGreenChannel(
            (!code.is_empty()).then(|| code.into()),
        ))
    }));

    ui.global::<GuardianAdapter>()
        .on_relationship_chosen(on_with(shell, move |r: UiRelationship| {
            edit(Edit::SetRelationship(match r {
                UiRelationship::Father => Relationship::Father,
                UiRelationship::Mother => Relationship::Mother,
                UiRelationship::OtherGuardian => Relationship::OtherGuardian,
                // No button sends "none": it is only the state before a choice.
                UiRelationship::None => return None,
            }))
        }));

    let photo = ui.global::<PhotoAdapter>();
    photo.on_take(on(shell, Input::TakePhoto));
    photo.on_retake(on(shell, Input::RetakePhoto));
}
