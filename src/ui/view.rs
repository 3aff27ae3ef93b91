//! The one writer to the screen: renders the core's [`View`] into the adapter globals. Everything
//! on screen is derived from the view on every change, so once the session forgets the
//! applicant the screen has nothing left to show: wiping the screen is rendering an empty
//! session.

use slint::{ComponentHandle, Image, Rgb8Pixel, SharedPixelBuffer, SharedString};

use super::models::{model, strings};
use super::{
    AppWindow, ApplicantAdapter, Booking as BookingKind, Choice, Delivery as DeliveryKind,
    DetailsAdapter, DeviceKind, DeviceRow, DeviceStatus, DocumentRow, DocumentsAdapter,
    DoneAdapter, EndorsementRow, FeeAdapter, Language, NoticeKind,
    OutOfService as OutOfServiceKind, Page, PhotoAdapter, PhotoHint, PhotoRejection,
    PinRefusal as PinRefusalKind, ProblemCode, ProblemItem, ReviewAdapter, SessionAdapter,
    Sex as SexKind, StaffCall as StaffCallKind, SyllableRow, TechnicianAdapter, Theme,
    ThemeVariant,
};
use super::{
    CardEnd as UiCardEnd, FeeStage as UiFeeStage, GuardianAdapter, HolderAdapter,
    HolderPrompt as HolderPromptKind, IssueProgress, OfferRow,
    PermitProgress as PermitProgressKind, RecordReason, RecordsState,
    Relationship as RelationshipKind, SpellingNote as SpellingNoteKind, StationAdapter, TripsRow,
};
use crate::app::{
    Advice, CallStatus, Device, DeviceState, DisplayMode, Hint, Lang, PinRefusal, RejectReason,
    StaffCalls, TechnicianScreen, View,
};
use crate::domain::application::{Delivery, Problem};
use crate::domain::appointment::{Arrival, Booking};
use chrono::NaiveDate;

use crate::domain::catalogue::{Catalogue, Labelled, Offer};
use crate::domain::contact::ContactProblem;
use crate::domain::delivery::{AddressProblem, EmsAddress};
use crate::domain::endorsement::OfferLine;
use crate::domain::fee_payment::CardEnd;
use crate::domain::guardian::{GuardianRefusal, Relationship};
use crate::domain::holder::HolderPrompt;
use crate::domain::identity::{Sex, ValidUntil, mask};
use crate::domain::permit::WindowReason;
use crate::domain::records::Reason;
use crate::flow::station::{
    self, KeyEntry, KeyField, Notice as StationNotice, PayMethod, PermitProgress, Progress,
    Service, StationSession,
};
use crate::flow::{
    BookingLookup, Draft, FeeStage, Notice, OutOfService, Records, SpellingNote, Step,
};

/// What the renderer remembers between frames: the language whose translations are loaded.
#[derive(Default)]
pub struct Painter {
    translation: Option<Lang>,
}

impl Painter {
    /// Writes the whole view into the window's adapter globals.
    pub fn render(&mut self, ui: &AppWindow, v: &View) {
        self.translate(v.screen.visit.lang);
        session(ui, v);
        applicant(ui, v);
        documents(ui, v);
        details(ui, v);
        super::address::render(ui, v);
        photo(ui, v);
        holder(ui, v);
        guardian(ui, v);
        review(ui, v);
        fee(ui, v);
        technician(ui, &v.screen.technician, &v.screen.staff);
        if let Some(st) = v.station {
            station_screen(ui, v, st);
        }
        let done = ui.global::<DoneAdapter>();
        done.set_number(v.session.number().map_or("".into(), |n| n.as_str().into()));
        done.set_printed(v.session.printed());
        done.set_rated(v.session.rated().is_some());
    }

    /// Only the camera preview changed.
    pub fn preview(&mut self, ui: &AppWindow, v: &View) {
        ui.global::<PhotoAdapter>().set_preview(
            v.screen
                .visit
                .preview
                .as_ref()
                .map_or_else(Image::default, to_image),
        );
    }

    /// Loads the bundled translation when the language changes (English is the source language).
    fn translate(&mut self, lang: Lang) {
        if self.translation == Some(lang) {
            return;
        }
        let name = match lang {
            Lang::Zh => "zh_CN",
            Lang::En => "",
        };
        match slint::select_bundled_translation(name) {
            Ok(()) => self.translation = Some(lang),
            Err(e) => tracing::warn!(error = %e, "translation not available"),
        }
    }
}

fn label(lang: Lang, item: &impl Labelled) -> SharedString {
    lang.label(item).into()
}

fn to_image(img: &image::RgbImage) -> Image {
    Image::from_rgb8(SharedPixelBuffer::<Rgb8Pixel>::clone_from_slice(
        img.as_raw(),
        img.width(),
        img.height(),
    ))
}

fn page(step: Step) -> Page {
    match step {
        Step::Attract => Page::Attract,
        Step::CardRead => Page::CardRead,
        Step::Guardian => Page::Guardian,
        Step::Holder => Page::Holder,
        Step::Documents => Page::Documents,
        Step::Details => Page::Details,
        Step::Address => Page::Address,
        Step::Contact => Page::Contact,
        Step::Photo => Page::Photo,
        Step::Review => Page::Review,
        Step::Printing => Page::Printing,
        Step::Payment => Page::Fee,
        Step::Done => Page::Done,
    }
}

fn notice(n: Option<&Notice>) -> NoticeKind {
    match n {
        None => NoticeKind::None,
        Some(Notice::TimedOut) => NoticeKind::TimedOut,
        Some(Notice::CardRemoved) => NoticeKind::CardRemoved,
        Some(Notice::Cancelled) => NoticeKind::Cancelled,
        Some(Notice::CardUnreadable) => NoticeKind::CardUnreadable,
        Some(Notice::NotEligibleCardType) => NoticeKind::NotEligible,
        Some(Notice::CardExpired) => NoticeKind::CardExpired,
        Some(Notice::NameNeedsStaff) => NoticeKind::NameNeedsStaff,
        Some(Notice::SaveFailed) => NoticeKind::SaveFailed,
        Some(Notice::StorageFull) => NoticeKind::StorageFull,
        Some(Notice::PrintFailed) => NoticeKind::PrintFailed,
        Some(Notice::CameraUnavailable) => NoticeKind::CameraUnavailable,
        Some(Notice::PhotoAtWindow) => NoticeKind::PhotoAtWindow,
        Some(Notice::HolderRetry) => NoticeKind::HolderRetry,
        Some(Notice::HolderForClerk) => NoticeKind::HolderForClerk,
        Some(Notice::HolderAtWindow) => NoticeKind::HolderAtWindow,
        Some(Notice::FeeToPay) => NoticeKind::FeeToPay,
        Some(Notice::FeeDeclined) => NoticeKind::FeeDeclined,
        Some(Notice::FeeAtWindow) => NoticeKind::FeeAtWindow,
        Some(Notice::FeeUnconfirmed) => NoticeKind::FeeUnconfirmed,
        Some(Notice::GuardianRefused(r)) => match r {
            GuardianRefusal::ApplicantsCard => NoticeKind::GuardianApplicantsCard,
            GuardianRefusal::NotAdult => NoticeKind::GuardianNotAdult,
            GuardianRefusal::CardNotAccepted => NoticeKind::GuardianCardNotAccepted,
        },
    }
}

/// The guardian of an applicant under 16, once their card is read.
fn guardian(ui: &AppWindow, v: &View) {
    let draft = v.session.draft();
    let card = draft.and_then(|d| d.guardian.as_ref());
    let g = ui.global::<GuardianAdapter>();
    g.set_has_guardian(card.is_some());
    g.set_name(card.map_or("".into(), |c| c.name.as_str().into()));
    g.set_id_masked(card.map_or("".into(), |c| c.masked_id().into()));
    g.set_relationship(match draft.and_then(|d| d.relationship) {
        None => RelationshipKind::None,
        Some(Relationship::Father) => RelationshipKind::Father,
        Some(Relationship::Mother) => RelationshipKind::Mother,
        Some(Relationship::OtherGuardian) => RelationshipKind::OtherGuardian,
    });
}

/// The holder check's page on either kiosk: the instruction, and which document it compares.
fn holder(ui: &AppWindow, v: &View) {
    let prompt = match v.station {
        Some(st) => st.visitor().and_then(|v| v.holder_prompt),
        None => v.session.draft().and_then(|d| d.holder_prompt),
    };
    let g = ui.global::<HolderAdapter>();
    g.set_prompt(match prompt {
        Some(HolderPrompt::Blink) => HolderPromptKind::Blink,
        Some(HolderPrompt::TurnLeft) => HolderPromptKind::TurnLeft,
        Some(HolderPrompt::TurnRight) => HolderPromptKind::TurnRight,
        Some(HolderPrompt::LookAtCamera) | None => HolderPromptKind::LookAtCamera,
    });
    g.set_id_card(v.station.is_none());
}

fn display(mode: DisplayMode) -> ThemeVariant {
    match mode {
        DisplayMode::Normal => ThemeVariant::Normal,
        DisplayMode::LargeText => ThemeVariant::LargeText,
        DisplayMode::HighContrast => ThemeVariant::HighContrast,
    }
}

fn photo_hint(h: Option<Hint>) -> PhotoHint {
    match h {
        None => PhotoHint::None,
        Some(Hint::NoFace) => PhotoHint::NoFace,
        Some(Hint::SeveralFaces) => PhotoHint::SeveralFaces,
        Some(Hint::MoveCloser) => PhotoHint::MoveCloser,
        Some(Hint::MoveBack) => PhotoHint::MoveBack,
        Some(Hint::Centre) => PhotoHint::Centre,
        Some(Hint::LowerInFrame) => PhotoHint::LowerInFrame,
        Some(Hint::HigherInFrame) => PhotoHint::HigherInFrame,
        Some(Hint::TiltUpright) => PhotoHint::TiltUpright,
        Some(Hint::LookStraight) => PhotoHint::LookStraight,
        Some(Hint::OpenEyes) => PhotoHint::OpenEyes,
        Some(Hint::CloseMouth) => PhotoHint::CloseMouth,
        Some(Hint::NoSmile) => PhotoHint::NoSmile,
        Some(Hint::ShowEyes) => PhotoHint::ShowEyes,
        Some(Hint::TooDark) => PhotoHint::TooDark,
        Some(Hint::TooBright) => PhotoHint::TooBright,
        Some(Hint::Ready) => PhotoHint::Ready,
    }
}

fn rejection(r: Option<RejectReason>) -> PhotoRejection {
    let advice = match r {
        None => return PhotoRejection::None,
        Some(RejectReason::NoPicture) => return PhotoRejection::NoPicture,
        Some(RejectReason::CameraTooSmall) => return PhotoRejection::CameraTooSmall,
        Some(RejectReason::NotMade) => return PhotoRejection::NotMade,
        Some(RejectReason::Check(advice)) => advice,
    };
    match advice {
        Advice::LookAtCamera => PhotoRejection::LookAtCamera,
        Advice::OnePerson => PhotoRejection::OnePerson,
        Advice::MoveCloser => PhotoRejection::MoveCloser,
        Advice::MoveBack => PhotoRejection::MoveBack,
        Advice::Centre => PhotoRejection::Centre,
        Advice::LowerInFrame => PhotoRejection::LowerInFrame,
        Advice::HigherInFrame => PhotoRejection::HigherInFrame,
        Advice::BackgroundColour => PhotoRejection::BackgroundColour,
        Advice::BackgroundUniform => PhotoRejection::BackgroundUniform,
        Advice::TooDark => PhotoRejection::TooDark,
        Advice::TooBright => PhotoRejection::TooBright,
        Advice::FaceTooDark => PhotoRejection::FaceTooDark,
        Advice::FaceTooBright => PhotoRejection::FaceTooBright,
        Advice::HoldStill => PhotoRejection::HoldStill,
        Advice::LookStraight => PhotoRejection::LookStraight,
        Advice::TiltUpright => PhotoRejection::TiltUpright,
        Advice::OpenEyes => PhotoRejection::OpenEyes,
        Advice::CloseMouth => PhotoRejection::CloseMouth,
        Advice::NoSmile => PhotoRejection::NoSmile,
        Advice::ShowEyes => PhotoRejection::ShowEyes,
        Advice::NaturalColour => PhotoRejection::NaturalColour,
        Advice::TooLittleDetail => PhotoRejection::TooLittleDetail,
        Advice::FileTooLarge => PhotoRejection::FileTooLarge,
    }
}

fn problem(p: &Problem, cat: &Catalogue, lang: Lang) -> ProblemItem {
    let doc = |code: &str| cat.document(code).map_or(code.into(), |d| label(lang, d));
    let dest = |code: &str| {
        cat.destination(code)
            .map_or(code.into(), |d| label(lang, d))
    };
    let (code, subject): (ProblemCode, SharedString) = match p {
        Problem::NoDocument => (ProblemCode::NoDocument, "".into()),
        Problem::NoCategory(d) => (ProblemCode::NoCategory, doc(d)),
        Problem::EndorsementRequired(d) => (ProblemCode::EndorsementRequired, doc(d)),
        Problem::KindSuspended { destination, .. } => {
            (ProblemCode::KindSuspended, dest(destination))
        }
        Problem::KindResidentsOnly { destination, .. } => {
            (ProblemCode::KindResidentsOnly, dest(destination))
        }
        Problem::Phone => (ProblemCode::Phone, "".into()),
        Problem::NoDelivery => (ProblemCode::NoDelivery, "".into()),
        Problem::EmsAddress => (ProblemCode::EmsAddress, "".into()),
        Problem::PinyinNotConfirmed => (ProblemCode::Pinyin, "".into()),
        Problem::Address(AddressProblem::Place) => (ProblemCode::AddressPlace, "".into()),
        Problem::Address(AddressProblem::Street) => (ProblemCode::AddressStreet, "".into()),
        Problem::Address(AddressProblem::Mobile) => (ProblemCode::AddressMobile, "".into()),
        Problem::Contact(ContactProblem::Name) => (ProblemCode::ContactName, "".into()),
        Problem::Contact(ContactProblem::Mobile) => (ProblemCode::ContactMobile, "".into()),
        Problem::CategoryNotOffered { document, .. }
        | Problem::WrongDestination { document, .. } => (ProblemCode::Other, doc(document)),
        Problem::DuplicateDestination { destination, .. }
        | Problem::KindNotOffered { destination, .. } => (ProblemCode::Other, dest(destination)),
        Problem::TripsNotOffered { kind, .. } => (ProblemCode::Other, kind.as_str().into()),
        Problem::DuplicateDocument(d) => (ProblemCode::Other, doc(d)),
        Problem::GreenChannel(c) => (ProblemCode::Other, c.as_str().into()),
    };
    // The province a residents-only rule names (its own data, so a new rule needs no new text).
    let detail = match p {
        Problem::KindResidentsOnly { destination, kind } => cat
            .endorsement(destination, kind)
            .and_then(|k| k.hukou_province.as_deref())
            .unwrap_or_default()
            .into(),
        _ => SharedString::new(),
    };
    ProblemItem {
        code,
        subject,
        detail,
    }
}

/// Sets the page, and logs each change: the journal then shows where sessions go and where
/// applicants give up (a page name is no personal data), and the appliance test follows the
/// kiosk through it (tests/appliance).
fn show_page(g: &SessionAdapter<'_>, page: Page) {
    if g.get_page() != page {
        tracing::info!(?page, "ui: page {page:?}");
        g.set_page(page);
    }
}

fn session(ui: &AppWindow, v: &View) {
    let s = v.session;
    let screen = v.screen;
    let lang = screen.visit.lang;
    ui.global::<Theme>()
        .set_variant(display(screen.visit.display));
    let g = ui.global::<SessionAdapter>();
    match v.station {
        Some(st) => {
            show_page(&g, station_page(st.step()));
            g.set_notice(station_notice(st.notice()));
        }
        None => {
            show_page(&g, page(s.step()));
            g.set_notice(notice(s.notice()));
        }
    }
    g.set_problems(model(
        s.problems()
            .iter()
            .map(|p| problem(p, s.catalogue(), lang))
            .collect(),
    ));
    let warning = match v.station {
        Some(st) => st.warning_seconds(v.now),
        None => s.warning_seconds(v.now),
    };
    g.set_warning_seconds(warning.map_or(0, |v| v.max(1) as i32));
    g.set_confirming_cancel(match v.station {
        Some(st) => st.confirming_cancel(),
        None => s.confirming_cancel(),
    });
    g.set_language(match lang {
        Lang::Zh => Language::ZhCn,
        Lang::En => Language::En,
    });
    g.set_can_switch_language(screen.languages.len() > 1);
    g.set_call_staff_shown(screen.call_staff && !screen.technician.open);
    g.set_voice_shown(screen.voice_offered && !screen.technician.open);
    g.set_voice_on(screen.visit.voice);
    g.set_staff_call(match screen.staff.call().map(|c| c.status) {
        None => StaffCallKind::None,
        Some(CallStatus::Calling) => StaffCallKind::Calling,
        Some(CallStatus::Called) => StaffCallKind::Called,
        Some(CallStatus::NotReached) => StaffCallKind::NotReached,
    });
    g.set_site_name(screen.site_name.as_str().into());
    g.set_demo(!screen.demo_cards.is_empty());
    g.set_demo_cards(strings(&screen.demo_cards));
    g.set_queue_pending(screen.queue.pending as i32);
    g.set_paper_low(screen.paper_low);
    g.set_card_on_reader(screen.card_on_reader);
    g.set_online(screen.queue.online);
    let out_of_service = match v.station {
        Some(st) => st.out_of_service(),
        None => s.out_of_service(),
    };
    let (out, hours) = match out_of_service {
        None => (OutOfServiceKind::None, ""),
        Some(OutOfService::StorageFull) => (OutOfServiceKind::StorageFull, ""),
        Some(OutOfService::Closed(hours)) => (OutOfServiceKind::Closed, hours.as_str()),
        Some(OutOfService::Withdrawn) => (OutOfServiceKind::Withdrawn, ""),
    };
    g.set_out_of_service(out);
    g.set_opening_hours(hours.into());
}

fn applicant(ui: &AppWindow, v: &View) {
    let a = ui.global::<ApplicantAdapter>();
    let id = v.session.draft().map(|d| &d.identity);
    let text = |f: &dyn Fn(&crate::domain::identity::Identity) -> String| -> SharedString {
        id.map_or_else(SharedString::new, |i| f(i).into())
    };
    a.set_name(text(&|i| i.name.clone()));
    a.set_sex(match id.map(|i| i.sex) {
        Some(Sex::Male) => SexKind::Male,
        Some(Sex::Female) => SexKind::Female,
        Some(Sex::Unknown) | None => SexKind::Unknown,
    });
    a.set_nation(text(&|i| {
        i.nation.as_ref().map_or(String::new(), |n| n.display())
    }));
    a.set_birth_date(text(&|i| i.birth_date.format("%Y-%m-%d").to_string()));
    a.set_id_masked(text(&|i| i.masked_id()));
    a.set_address(text(&|i| i.address.clone()));
    a.set_long_term(id.is_some_and(|i| i.valid_until == ValidUntil::LongTerm));
    a.set_valid_until(text(&|i| match i.valid_until {
        ValidUntil::LongTerm => String::new(),
        ValidUntil::Date(d) => d.format("%Y-%m-%d").to_string(),
    }));
    let portrait = v.portrait();
    a.set_has_portrait(portrait.is_some());
    a.set_portrait(portrait.map_or_else(Image::default, |(rgb, w, h)| {
        Image::from_rgb8(SharedPixelBuffer::clone_from_slice(rgb, w, h))
    }));
}

fn document_rows(
    draft: Option<&Draft>,
    cat: &Catalogue,
    lang: Lang,
    today: NaiveDate,
) -> Vec<DocumentRow> {
    let address = draft.map_or("", |d| d.identity.address.as_str());
    cat.documents
        .iter()
        .map(|doc| {
            let req =
                draft.and_then(|d| d.choices.documents.iter().find(|r| r.document == doc.code));
            let suggestion = draft.and_then(|d| d.suggestion(&doc.code));
            let categories = doc
                .categories
                .iter()
                .filter_map(|c| cat.category(c))
                .map(|c| Choice {
                    code: c.code.as_str().into(),
                    label: label(lang, c),
                    selected: req.is_some_and(|r| r.category == c.code),
                    enabled: true,
                })
                .collect();
            let endorsements = doc
                .destinations
                .iter()
                .filter_map(|d| cat.destination(d))
                .map(|dest| {
                    let chosen = req
                        .and_then(|r| r.endorsements.iter().find(|e| e.destination == dest.code));
                    let kinds = cat
                        .endorsements_for(&dest.code)
                        .map(|k| Choice {
                            code: k.code.as_str().into(),
                            label: label(lang, k),
                            selected: chosen.is_some_and(|e| e.kind == k.code),
                            enabled: k.offer(address, today) == Offer::Offered,
                        })
                        .collect();
                    let trips = chosen
                        .and_then(|e| cat.endorsement(&dest.code, &e.kind).map(|k| (e, k)))
                        .map(|(e, k)| {
                            k.trips
                                .iter()
                                .filter_map(|t| cat.trip(t))
                                .map(|t| Choice {
                                    code: t.code.as_str().into(),
                                    label: label(lang, t),
                                    selected: e.trips == t.code,
                                    enabled: true,
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    EndorsementRow {
                        destination: dest.code.as_str().into(),
                        label: label(lang, dest),
                        has_kind: chosen.is_some(),
                        kinds: model(kinds),
                        trips: model(trips),
                    }
                })
                .collect();
            DocumentRow {
                code: doc.code.as_str().into(),
                label: label(lang, doc),
                selected: req.is_some(),
                categories: model(categories),
                endorsements: model(endorsements),
                reason: suggestion.map_or(RecordReason::None, |s| match s.reason {
                    Reason::Expired(None) => RecordReason::ExpiredUndated,
                    Reason::NoneOnRecord => RecordReason::NoneOnRecord,
                    Reason::Expired(_) => RecordReason::Expired,
                    Reason::Expiring(_) => RecordReason::Expiring,
                    Reason::ReportedLost => RecordReason::ReportedLost,
                }),
                record_date: suggestion
                    .and_then(|s| match s.reason {
                        Reason::Expired(d) => d,
                        Reason::Expiring(d) => Some(d),
                        Reason::NoneOnRecord | Reason::ReportedLost => None,
                    })
                    .map_or("".into(), |d| d.format("%Y-%m-%d").to_string().into()),
                suggested: suggestion
                    .and_then(|s| cat.category(&s.category))
                    .map_or("".into(), |c| label(lang, c)),
            }
        })
        .collect()
}

fn documents(ui: &AppWindow, v: &View) {
    let cat = v.session.catalogue();
    let draft = v.session.draft();
    let docs = ui.global::<DocumentsAdapter>();
    docs.set_records(match draft.map(|d| &d.records) {
        Some(Records::Asking) => RecordsState::Asking,
        Some(Records::Unavailable) => RecordsState::Unavailable,
        Some(Records::Known(_)) => RecordsState::Known,
        Some(Records::NotAsked) | None => RecordsState::NotAsked,
    });
    docs.set_rows(model(document_rows(
        draft,
        cat,
        v.screen.visit.lang,
        v.session.today(),
    )));
    docs.set_fee(draft.map_or(0, |d| d.choices.fee(cat)) as i32);
}

fn delivery(draft: Option<&Draft>) -> DeliveryKind {
    match draft.and_then(|d| d.choices.delivery.as_ref()) {
        Some(Delivery::Collect) => DeliveryKind::Collect,
        Some(Delivery::Ems(EmsAddress { division: None, .. })) => DeliveryKind::Ems,
        Some(Delivery::Ems(_)) => DeliveryKind::EmsElsewhere,
        None => DeliveryKind::None,
    }
}

/// Where EMS delivers, as the details and review pages show it: the address, and the recipient
/// and number where they are not the applicant's.
fn ems_line(draft: Option<&Draft>) -> String {
    let Some((ems, draft)) = draft.and_then(|d| match &d.choices.delivery {
        Some(Delivery::Ems(ems)) => Some((ems, d)),
        _ => None,
    }) else {
        return String::new();
    };
    match (&ems.recipient, &ems.mobile) {
        (None, None) => ems.address.clone(),
        (recipient, mobile) => format!(
            "{} · {} {}",
            ems.address,
            recipient.as_deref().unwrap_or(&draft.identity.name),
            grouped_phone(mobile.as_deref().unwrap_or(&draft.choices.phone))
        ),
    }
}

fn details(ui: &AppWindow, v: &View) {
    let cat = v.session.catalogue();
    let draft = v.session.draft();
    let lang = v.screen.visit.lang;
    let det = ui.global::<DetailsAdapter>();
    det.set_phone(draft.map_or("".into(), |d| d.choices.phone.as_str().into()));
    det.set_surname(draft.map_or("".into(), |d| d.choices.pinyin_surname.as_str().into()));
    det.set_given(draft.map_or("".into(), |d| d.choices.pinyin_given.as_str().into()));
    det.set_pinyin_confirmed(draft.is_some_and(|d| d.choices.pinyin_confirmed));
    let note = draft.and_then(Draft::spelling_note);
    let note = note.as_ref();
    det.set_spelling_note(match note {
        None => SpellingNoteKind::None,
        Some(SpellingNote::AsLastPassport { .. }) => SpellingNoteKind::AsLastPassport,
        Some(SpellingNote::DiffersFromLastPassport { .. }) => {
            SpellingNoteKind::DiffersFromLastPassport
        }
    });
    det.set_previous_spelling(note.map_or("".into(), |n| match n {
        SpellingNote::AsLastPassport { previous, .. }
        | SpellingNote::DiffersFromLastPassport { previous } => previous.as_str().into(),
    }));
    det.set_card_spelling(note.map_or("".into(), |n| match n {
        SpellingNote::AsLastPassport { usual, .. } => usual.as_str().into(),
        SpellingNote::DiffersFromLastPassport { .. } => "".into(),
    }));
    det.set_syllables(model(
        draft
            .map(|d| {
                d.name
                    .syllables()
                    .enumerate()
                    .map(|(i, s)| SyllableRow {
                        index: i as i32,
                        hanzi: s.hanzi.to_string().into(),
                        reading: s.reading.to_uppercase().into(),
                        alternatives: model(
                            s.alternatives
                                .iter()
                                .map(|a| a.to_uppercase().into())
                                .collect(),
                        ),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    ));
    det.set_divisions(model(
        draft
            .map(|d| {
                let name = &d.name;
                name.divisions()
                    .iter()
                    .enumerate()
                    .filter_map(|(i, &division)| {
                        // The chosen division as it stands (with the readings picked); the
                        // others as they would come out.
                        let divided = if division == name.division() {
                            name.clone()
                        } else {
                            name.divided(division)?
                        };
                        Some(Choice {
                            code: i.to_string().into(),
                            label: format!(
                                "{} / {}",
                                divided.surname_upper(),
                                divided.given_upper()
                            )
                            .into(),
                            selected: division == name.division(),
                            enabled: true,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default(),
    ));
    det.set_name_in_parts(draft.is_some_and(|d| d.name.in_parts()));
    det.set_delivery(delivery(draft));
    det.set_address(ems_line(draft).into());
    det.set_contact(
        draft
            .and_then(|d| d.choices.emergency_contact.as_ref())
            .map_or_else(SharedString::new, |c| {
                format!("{} · {}", c.name, grouped_phone(&c.mobile)).into()
            }),
    );
    let green = draft
        .and_then(|d| d.choices.green_channel.as_deref())
        .unwrap_or_default();
    det.set_green_channel(green.into());
    det.set_green_reasons(model(
        cat.green_channel
            .iter()
            .map(|r| Choice {
                code: r.code.as_str().into(),
                label: label(lang, r),
                selected: draft.is_some() && green == r.code,
                enabled: true,
            })
            .collect(),
    ));
}

fn photo(ui: &AppWindow, v: &View) {
    let draft = v.session.draft();
    let visit = &v.screen.visit;
    let photo = ui.global::<PhotoAdapter>();
    photo.set_has_photo(draft.is_some_and(|d| d.photo.is_some()));
    photo.set_at_window(draft.is_some_and(|d| d.photo_at_window));
    photo.set_attempts_left(v.session.photo_attempts_left() as i32);
    photo.set_busy(visit.capturing);
    photo.set_countdown(visit.countdown as i32);
    photo.set_hint(photo_hint(visit.hint));
    photo.set_rejection(rejection(visit.rejection));
    photo.set_captured(v.captured().map_or_else(Image::default, to_image));
    photo.set_preview(visit.preview.as_ref().map_or_else(Image::default, to_image));
}

fn review(ui: &AppWindow, v: &View) {
    let cat = v.session.catalogue();
    let draft = v.session.draft();
    let lang = v.screen.visit.lang;
    let review = ui.global::<ReviewAdapter>();
    review.set_lines(model(
        draft
            .map(|d| review_lines(d, cat, lang))
            .unwrap_or_default(),
    ));
    review.set_pinyin(draft.map_or("".into(), |d| {
        format!("{} {}", d.choices.pinyin_surname, d.choices.pinyin_given).into()
    }));
    review.set_phone(draft.map_or("".into(), |d| grouped_phone(&d.choices.phone).into()));
    review.set_delivery(delivery(draft));
    review.set_address(ems_line(draft).into());
    review.set_green_channel(
        draft
            .and_then(|d| d.choices.green_channel.as_deref())
            .and_then(|c| cat.green_channel_reason(c))
            .map_or("".into(), |r| label(lang, r)),
    );
    review.set_fee(draft.map_or(0, |d| d.choices.fee(cat)) as i32);
    let pays_here = v.session.takes_fee() && draft.is_some_and(|d| d.choices.fee(cat) > 0);
    review.set_fee_by_phone(pays_here);
    review.set_fee_by_card(pays_here && v.session.fee_by_card());
    let asking = draft.is_some_and(|d| d.booking == BookingLookup::Asking);
    let known = draft.and_then(|d| match &d.booking {
        BookingLookup::Answered(b) => Some(b.clone()),
        _ => None,
    });
    booking(&review, known, lang);
    if asking {
        review.set_booking(BookingKind::Asking);
    }
}

/// The fee's payment page: the amount, and the QR once the central issued it.
fn fee(ui: &AppWindow, v: &View) {
    let fee = ui.global::<FeeAdapter>();
    let s = v.session;
    fee.set_amount(s.draft().map_or(0, |d| d.choices.fee(s.catalogue())) as i32);
    let (stage, card_end, qr) = match s.fee_stage() {
        FeeStage::Preparing => (UiFeeStage::Preparing, UiCardEnd::None, None),
        FeeStage::Card => (UiFeeStage::Card, UiCardEnd::None, None),
        FeeStage::CardTaken => (UiFeeStage::CardTaken, UiCardEnd::None, None),
        FeeStage::Phone { qr, card } => {
            let end = match card {
                None => UiCardEnd::None,
                Some(CardEnd::Declined) => UiCardEnd::Declined,
                Some(CardEnd::Unavailable) => UiCardEnd::Unavailable,
                Some(CardEnd::Chosen) => UiCardEnd::Chosen,
            };
            match qr_image(qr) {
                Some(image) => (UiFeeStage::Phone, end, Some(image)),
                // A code that cannot be drawn is not shown: the page says it is prepared.
                None => (UiFeeStage::Preparing, end, None),
            }
        }
    };
    fee.set_stage(stage);
    fee.set_card_end(card_end);
    fee.set_qr(qr.unwrap_or_default());
    fee.set_stopping(s.fee_stopping());
    fee.set_number(s.number().map_or("".into(), |n| n.as_str().into()));
}

/// Today's booking on the review page: what it is and what happens next.
fn booking(review: &ReviewAdapter, booking: Option<Booking>, lang: Lang) {
    let (state, slot) = match &booking {
        None => (BookingKind::None, None),
        Some(Booking::WalkIn) => (BookingKind::WalkIn, None),
        Some(Booking::Unknown) => (BookingKind::Unknown, None),
        Some(Booking::Booked(a, arrival)) => (
            match arrival {
                Arrival::OnTime => BookingKind::OnTime,
                Arrival::Early => BookingKind::Early,
                Arrival::Late => BookingKind::Late,
            },
            Some(a),
        ),
    };
    review.set_booking(state);
    review.set_booking_slot(slot.map_or("".into(), |a| {
        format!("{}–{}", a.slot_start(), a.slot_end()).into()
    }));
    review.set_booking_service(slot.map_or("".into(), |a| {
        match lang {
            Lang::Zh => a.service_zh.as_str(),
            Lang::En => a.service_en.as_str(),
        }
        .into()
    }));
    review.set_booking_window(slot.and_then(|a| a.window.as_deref()).unwrap_or("").into());
    review.set_booking_from(slot.map_or("".into(), |a| a.served_from().into()));
}

/// A mobile number as read aloud and checked: 138 0013 8000.
fn grouped_phone(phone: &str) -> String {
    if phone.len() != 11 || !phone.is_ascii() {
        return phone.to_string();
    }
    format!("{} {} {}", &phone[..3], &phone[3..7], &phone[7..])
}

fn review_lines(draft: &Draft, cat: &Catalogue, lang: Lang) -> Vec<SharedString> {
    let mut lines = Vec::new();
    for req in &draft.choices.documents {
        let doc = cat
            .document(&req.document)
            .map_or(req.document.as_str(), |d| lang.label(d));
        let category = cat
            .category(&req.category)
            .map_or(req.category.as_str(), |c| lang.label(c));
        lines.push(format!("{doc} · {category}").into());
        for e in &req.endorsements {
            let dest = cat
                .destination(&e.destination)
                .map_or(e.destination.as_str(), |d| lang.label(d));
            let kind = cat
                .endorsement(&e.destination, &e.kind)
                .map_or(e.kind.as_str(), |k| lang.label(k));
            let trips = cat
                .trip(&e.trips)
                .map_or(e.trips.as_str(), |t| lang.label(t));
            lines.push(format!("    {dest}: {kind} · {trips}").into());
        }
    }
    lines
}

fn technician(ui: &AppWindow, t: &TechnicianScreen, staff: &StaffCalls) {
    let g = ui.global::<TechnicianAdapter>();
    g.set_open(t.open);
    g.set_staff_call(
        staff
            .call()
            .filter(|c| c.status != CallStatus::NotReached)
            .map_or(String::new(), |c| {
                format!("{} · {}", c.at.format("%H:%M"), c.page)
            })
            .into(),
    );
    g.set_unlocked(t.status.is_some());
    g.set_pin_dots("●".repeat(t.pin_len).into());
    let (refusal, tries_left, locked_seconds) = match t.refusal {
        None => (PinRefusalKind::None, 0, 0),
        Some(PinRefusal::Wrong { tries_left }) => (PinRefusalKind::Wrong, tries_left, 0),
        Some(PinRefusal::Locked { seconds }) => (PinRefusalKind::Locked, 0, seconds),
    };
    g.set_refusal(refusal);
    g.set_tries_left(tries_left as i32);
    g.set_locked_seconds(locked_seconds as i32);
    let status = t.status.clone().unwrap_or_default();
    g.set_device_id(status.device_id.into());
    g.set_app_version(status.app_version.into());
    g.set_online(status.online);
    g.set_queue_pending(status.pending as i32);
    g.set_dead_letters(status.dead_letters as i32);
    g.set_unsettled_payments(status.unsettled_payments as i32);
    g.set_oldest_pending(status.oldest_pending.into());
    g.set_paused(status.paused.into());
    g.set_config_version(status.config_version.into());
    g.set_devices(model(
        status
            .devices
            .iter()
            .map(|&(device, state)| DeviceRow {
                device: match device {
                    Device::CardReader => DeviceKind::CardReader,
                    Device::Camera => DeviceKind::Camera,
                    Device::Printer => DeviceKind::Printer,
                    Device::Storage => DeviceKind::Storage,
                },
                status: match state {
                    DeviceState::Ok => DeviceStatus::Ok,
                    DeviceState::CardUnreadable => DeviceStatus::CardUnreadable,
                    DeviceState::Failed => DeviceStatus::Failed,
                    DeviceState::NotPrinted => DeviceStatus::NotPrinted,
                    DeviceState::Full => DeviceStatus::Full,
                    DeviceState::PaperLow => DeviceStatus::PaperLow,
                    DeviceState::NoPaper => DeviceStatus::NoPaper,
                    DeviceState::CoverOpen => DeviceStatus::CoverOpen,
                    DeviceState::Offline => DeviceStatus::Offline,
                },
            })
            .collect(),
    ));
}

fn station_page(step: station::Step) -> Page {
    use station::Step as S;
    match step {
        S::Services => Page::Services,
        S::IdCard => Page::IdCard,
        S::Permit => Page::Permit,
        S::Keys => Page::Keys,
        S::Holder => Page::Holder,
        S::Checking => Page::Checking,
        S::Choose => Page::Choose,
        S::Review => Page::StationReview,
        S::Paying => Page::Paying,
        S::Issuing => Page::Issuing,
        S::Done => Page::StationDone,
        S::Trips => Page::Trips,
        S::Reprinting => Page::Reprinting,
    }
}

fn station_notice(n: Option<&StationNotice>) -> NoticeKind {
    use StationNotice as N;
    match n {
        None => NoticeKind::None,
        Some(N::TimedOut) => NoticeKind::TimedOut,
        Some(N::Cancelled) => NoticeKind::Cancelled,
        Some(N::CardRemoved) => NoticeKind::CardRemoved,
        Some(N::CardUnreadable) => NoticeKind::CardUnreadable,
        Some(N::Window(reason)) => match reason {
            WindowReason::CardType => NoticeKind::WindowCardType,
            WindowReason::CardExpired => NoticeKind::CardExpired,
            WindowReason::UnderAge => NoticeKind::WindowUnderAge,
            WindowReason::NotCardPermit => NoticeKind::WindowNotCardPermit,
            WindowReason::PermitExpired => NoticeKind::WindowPermitExpired,
            WindowReason::NotTheHolder => NoticeKind::WindowNotHolder,
            WindowReason::ChipNotVerified => NoticeKind::WindowChipNotVerified,
            WindowReason::PermitUnreadable => NoticeKind::WindowPermitUnreadable,
            WindowReason::HolderNotConfirmed => NoticeKind::WindowHolderNotConfirmed,
        },
        Some(N::NotAvailable) => NoticeKind::NotAvailable,
        Some(N::KeyInvalid) => NoticeKind::KeyInvalid,
        Some(N::ScanUnreadable) => NoticeKind::ScanUnreadable,
        Some(N::ScanNotPermit) => NoticeKind::ScanNotPermit,
        Some(N::HolderRetry) => NoticeKind::HolderRetry,
        Some(N::NothingOffered) => NoticeKind::NothingOffered,
        Some(N::NothingApproved) => NoticeKind::NothingApproved,
        Some(N::ApprovalKept) => NoticeKind::ApprovalKept,
        Some(N::PaymentDeclined) => NoticeKind::PaymentDeclined,
        Some(N::PaymentCancelled) => NoticeKind::PaymentCancelled,
        Some(N::RefundRequested) => NoticeKind::RefundRequested,
        Some(N::PartlyWritten) => NoticeKind::PartlyWritten,
        Some(N::NeedsStaff) => NoticeKind::NeedsStaff,
        Some(N::PrintFailed) => NoticeKind::ReceiptNotPrinted,
        Some(N::ReprintFailed) => NoticeKind::ReprintFailed,
    }
}

/// "香港 · 个人旅游 · 三个月一次" in the session's language, codes where the catalogue has none.
fn offer_label(cat: &Catalogue, lang: Lang, destination: &str, kind: &str, trips: &str) -> String {
    let dest = cat
        .destination(destination)
        .map_or(destination.to_string(), |d| lang.label(d).to_string());
    let kind = cat
        .endorsement(destination, kind)
        .map_or(kind.to_string(), |k| lang.label(k).to_string());
    let trips = cat
        .trip(trips)
        .map_or(trips.to_string(), |t| lang.label(t).to_string());
    format!("{dest} · {kind} · {trips}")
}

/// An amount in fen as yuan with two decimals ("15.00"), as the pages show it after "¥".
fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn offer_row(o: &OfferLine, selected: bool, cat: &Catalogue, lang: Lang) -> OfferRow {
    OfferRow {
        label: offer_label(cat, lang, &o.destination, &o.kind, &o.trips).into(),
        valid_from: o.valid_from.format("%Y-%m-%d").to_string().into(),
        valid_until: o.valid_until.format("%Y-%m-%d").to_string().into(),
        stay_days: o.stay_days as i32,
        fee: yuan(o.fee_fen).into(),
        cancels: o.cancels_current,
        selected,
    }
}

/// A QR code as a black-on-white picture, 8 pixels per module with a 4-module quiet zone
/// (ISO/IEC 18004 §9.1).
fn qr_image(content: &str) -> Option<Image> {
    let code = qrcode::QrCode::new(content.as_bytes()).ok()?;
    let modules = code.width();
    let scale = 8;
    let side = ((modules + 8) * scale) as u32;
    let colors = code.to_colors();
    let img = image::RgbImage::from_fn(side, side, |x, y| {
        let (mx, my) = (
            (x as usize / scale).wrapping_sub(4),
            (y as usize / scale).wrapping_sub(4),
        );
        let dark = mx < modules && my < modules && colors[my * modules + mx] == qrcode::Color::Dark;
        if dark {
            image::Rgb([0, 0, 0])
        } else {
            image::Rgb([255, 255, 255])
        }
    });
    Some(to_image(&img))
}

fn station_screen(ui: &AppWindow, v: &View, st: &StationSession) {
    let lang = v.screen.visit.lang;
    let cat = v.session.catalogue();
    let g = ui.global::<StationAdapter>();
    g.set_endorse_offered(st.services().contains(&Service::Endorse));
    g.set_approved_offered(st.services().contains(&Service::PrintApproved));
    g.set_trips_offered(st.services().contains(&Service::RemainingTrips));
    g.set_reprint_offered(st.services().contains(&Service::ReprintBack));
    g.set_terminal_offered(st.methods().contains(&PayMethod::Terminal));
    g.set_qr_offered(st.methods().contains(&PayMethod::Qr));
    g.set_demo_permits(strings(&v.screen.demo_permits));
    g.set_mrz_scanner(v.screen.mrz_scanner);
    g.set_demo_scan(v.screen.demo_scan);
    let visitor = st.visitor();
    g.set_approved_visit(visitor.is_some_and(|v| v.service == Service::PrintApproved));
    g.set_permit_progress(match visitor.map(|v| v.permit_progress) {
        Some(PermitProgress::Waiting) => PermitProgressKind::Waiting,
        Some(PermitProgress::Reading) => PermitProgressKind::Reading,
        _ => PermitProgressKind::LookingUp,
    });
    g.set_name(
        visitor
            .and_then(|v| v.identity.as_ref())
            .map_or("".into(), |id| id.name.as_str().into()),
    );
    g.set_permit_masked(
        visitor
            .and_then(|v| v.permit.as_ref())
            .map_or("".into(), |p| mask(&p.document_number).into()),
    );
    g.set_offers(model(
        visitor
            .map(|v| {
                v.offers
                    .iter()
                    .enumerate()
                    .map(|(i, o)| offer_row(o, v.chosen.contains(&i), cat, lang))
                    .collect()
            })
            .unwrap_or_default(),
    ));
    let chosen = visitor.map(|v| v.choices()).unwrap_or_default();
    g.set_chosen_count(chosen.len() as i32);
    g.set_total(yuan(chosen.iter().map(|o| o.fee_fen).sum()).into());
    g.set_refusals(model(
        visitor
            .map(|v| {
                v.refusals
                    .iter()
                    .map(|r| SharedString::from(lang.pick(&r.zh, &r.en)))
                    .collect()
            })
            .unwrap_or_default(),
    ));
    g.set_progress(match visitor.and_then(|v| v.progress.as_ref()) {
        Some(Progress::Paid) => IssueProgress::Paid,
        Some(Progress::Writing) => IssueProgress::Writing,
        Some(Progress::Verifying) => IssueProgress::Verifying,
        _ => IssueProgress::AwaitingPayment,
    });
    let qr = visitor.and_then(|v| v.qr.as_deref()).and_then(qr_image);
    g.set_has_qr(qr.is_some());
    g.set_qr(qr.unwrap_or_default());
    g.set_number(
        visitor
            .and_then(|v| v.number.as_ref())
            .map_or("".into(), |n| n.as_str().into()),
    );
    let entry = visitor.and_then(|v| v.key_entry.as_ref());
    g.set_key_prefix(entry.map_or("C".into(), |e| e.prefix.to_string().into()));
    g.set_key_number(entry.map_or("".into(), |e| e.number.as_str().into()));
    g.set_key_expiry(entry.map_or("".into(), |e| e.expiry.as_str().into()));
    g.set_key_field(entry.map_or(0, |e| i32::from(e.field == KeyField::Expiry)));
    g.set_key_complete(entry.is_some_and(KeyEntry::complete));
    g.set_trips_loaded(visitor.is_some_and(|v| v.records.is_some()));
    g.set_back_reprinted(visitor.is_some_and(|v| v.reprinted == Some(true)));
    g.set_trips(model(
        visitor
            .and_then(|v| v.records.as_ref())
            .map(|records| {
                records
                    .iter()
                    .map(|r| TripsRow {
                        label: offer_label(cat, lang, &r.destination, &r.kind, &r.trips).into(),
                        trips_left: r.trips_left.map_or(-1, |n| n as i32),
                        valid_until: r.valid_until.format("%Y-%m-%d").to_string().into(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    ));
}
