//! Renders the session into the adapter globals. Everything on screen is derived from the
//! session on every change, so once the session forgets the applicant the screen has nothing
//! left to show: wiping the screen is rendering an empty session.

use slint::{ComponentHandle, Image, ModelRc, SharedString, VecModel};

use super::{
    AppWindow, Applicant, Choice, Details, DocumentRow, Documents, Done, EndorsementRow,
    NoticeKind, OutOfService as OutOfServiceKind, Page, PhotoAdapter, PhotoHint, ProblemItem,
    Review, Session as SessionGlobal, SyllableRow,
};
use crate::devices::card::idcard::portrait;
use crate::domain::application::{Delivery, Problem};
use crate::domain::catalogue::{Catalogue, Labelled};
use crate::domain::identity::{Sex, ValidUntil};
use crate::flow::{Draft, Notice, OutOfService, Session, Step};
use crate::photo::Hint;

/// The language of labels that come from data (catalogue, card fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn from_code(code: &str) -> Lang {
        if code.starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh_CN",
            Lang::En => "en",
        }
    }

    fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    fn label(self, item: &impl Labelled) -> SharedString {
        self.pick(item.zh(), item.en()).into()
    }
}

fn model<T: Clone + 'static>(items: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items))
}

fn page(step: Step) -> Page {
    match step {
        Step::Attract => Page::Attract,
        Step::CardRead => Page::CardRead,
        Step::Documents => Page::Documents,
        Step::Details => Page::Details,
        Step::Photo => Page::Photo,
        Step::Review => Page::Review,
        Step::Printing => Page::Printing,
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
    }
}

pub fn photo_hint(h: Hint) -> PhotoHint {
    match h {
        Hint::NoFace => PhotoHint::NoFace,
        Hint::SeveralFaces => PhotoHint::SeveralFaces,
        Hint::MoveCloser => PhotoHint::MoveCloser,
        Hint::MoveBack => PhotoHint::MoveBack,
        Hint::Centre => PhotoHint::Centre,
        Hint::TooDark => PhotoHint::TooDark,
        Hint::TooBright => PhotoHint::TooBright,
        Hint::LookStraight => PhotoHint::LookStraight,
        Hint::Ready => PhotoHint::Ready,
    }
}

fn problem(p: &Problem, cat: &Catalogue, lang: Lang) -> ProblemItem {
    let doc = |code: &str| cat.document(code).map_or(code.into(), |d| lang.label(d));
    let dest = |code: &str| cat.destination(code).map_or(code.into(), |d| lang.label(d));
    let (code, subject): (&str, SharedString) = match p {
        Problem::NoDocument => ("no-document", "".into()),
        Problem::NoCategory(d) => ("no-category", doc(d)),
        Problem::EndorsementRequired(d) => ("endorsement-required", doc(d)),
        Problem::KindSuspended { destination, .. } => ("kind-suspended", dest(destination)),
        Problem::Phone => ("phone", "".into()),
        Problem::NoDelivery => ("no-delivery", "".into()),
        Problem::EmsAddress => ("ems-address", "".into()),
        Problem::PinyinNotConfirmed => ("pinyin", "".into()),
        Problem::CategoryNotOffered { document, .. }
        | Problem::WrongDestination { document, .. } => ("other", doc(document)),
        Problem::DuplicateDestination { destination, .. }
        | Problem::KindNotOffered { destination, .. } => ("other", dest(destination)),
        Problem::TripsNotOffered { kind, .. } => ("other", kind.as_str().into()),
        Problem::DuplicateDocument(d) => ("other", doc(d)),
        Problem::GreenChannel(c) => ("other", c.as_str().into()),
    };
    ProblemItem {
        code: code.into(),
        subject,
    }
}

fn document_rows(draft: Option<&Draft>, cat: &Catalogue, lang: Lang) -> Vec<DocumentRow> {
    cat.documents
        .iter()
        .map(|doc| {
            let req =
                draft.and_then(|d| d.choices.documents.iter().find(|r| r.document == doc.code));
            let categories = doc
                .categories
                .iter()
                .filter_map(|c| cat.category(c))
                .map(|c| Choice {
                    code: c.code.as_str().into(),
                    label: lang.label(c),
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
                            label: lang.label(k),
                            selected: chosen.is_some_and(|e| e.kind == k.code),
                            enabled: k.available,
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
                                    label: lang.label(t),
                                    selected: e.trips == t.code,
                                    enabled: true,
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    EndorsementRow {
                        destination: dest.code.as_str().into(),
                        label: lang.label(dest),
                        has_kind: chosen.is_some(),
                        kinds: model(kinds),
                        trips: model(trips),
                    }
                })
                .collect();
            DocumentRow {
                code: doc.code.as_str().into(),
                label: lang.label(doc),
                selected: req.is_some(),
                categories: model(categories),
                endorsements: model(endorsements),
            }
        })
        .collect()
}

fn review_lines(draft: &Draft, cat: &Catalogue, lang: Lang) -> Vec<SharedString> {
    let mut lines = Vec::new();
    for req in &draft.choices.documents {
        let doc = cat
            .document(&req.document)
            .map_or(req.document.clone().into(), |d| lang.label(d));
        let category = cat
            .category(&req.category)
            .map_or(req.category.clone().into(), |c| lang.label(c));
        lines.push(format!("{doc} · {category}").into());
        for e in &req.endorsements {
            let dest = cat
                .destination(&e.destination)
                .map_or(e.destination.clone().into(), |d| lang.label(d));
            let kind = cat
                .endorsement(&e.destination, &e.kind)
                .map_or(e.kind.clone().into(), |k| lang.label(k));
            let trips = cat
                .trip(&e.trips)
                .map_or(e.trips.clone().into(), |t| lang.label(t));
            lines.push(format!("    {dest}: {kind} · {trips}").into());
        }
    }
    lines
}

fn delivery_text(draft: &Draft, lang: Lang) -> String {
    match &draft.choices.delivery {
        Some(Delivery::Collect) => lang
            .pick("取证方式：窗口领取", "Delivery: collect at the hall")
            .into(),
        Some(Delivery::Ems { address }) => format!(
            "{}{address}",
            lang.pick("取证方式：邮政速递至 ", "Delivery: EMS to ")
        ),
        None => String::new(),
    }
}

/// Writes the whole session into the window's adapter globals.
pub fn render(ui: &AppWindow, s: &Session, lang: Lang, now: u64) {
    let cat = s.catalogue();
    let draft = s.draft();
    let g = ui.global::<SessionGlobal>();
    g.set_page(page(s.step()));
    g.set_notice(notice(s.notice()));
    g.set_problems(model(
        s.problems().iter().map(|p| problem(p, cat, lang)).collect(),
    ));
    g.set_warning_seconds(s.warning_seconds(now).map_or(0, |v| v.max(1) as i32));
    g.set_language(lang.code().into());
    let (out, hours) = match s.out_of_service() {
        None => (OutOfServiceKind::None, String::new()),
        Some(OutOfService::StorageFull) => (OutOfServiceKind::StorageFull, String::new()),
        Some(OutOfService::Closed(hours)) => (OutOfServiceKind::Closed, hours.clone()),
    };
    g.set_out_of_service(out);
    g.set_opening_hours(hours.into());

    let a = ui.global::<Applicant>();
    let id = draft.map(|d| &d.identity);
    a.set_name(id.map_or("".into(), |i| i.name.as_str().into()));
    a.set_sex(id.map_or("".into(), |i| match i.sex {
        Sex::Male => lang.pick("男", "Male").into(),
        Sex::Female => lang.pick("女", "Female").into(),
        Sex::Unknown => "-".into(),
    }));
    a.set_nation(
        id.and_then(|i| i.nation.as_ref())
            .map_or("".into(), |n| n.display().into()),
    );
    a.set_birth_date(id.map_or("".into(), |i| {
        i.birth_date.format("%Y-%m-%d").to_string().into()
    }));
    a.set_id_masked(id.map_or("".into(), |i| i.masked_id().into()));
    let portrait = id
        .and_then(|i| i.portrait.as_deref())
        .filter(|rgb| rgb.len() == (portrait::WIDTH * portrait::HEIGHT * 3) as usize);
    a.set_has_portrait(portrait.is_some());
    a.set_portrait(portrait.map_or_else(Image::default, |rgb| {
        Image::from_rgb8(slint::SharedPixelBuffer::clone_from_slice(
            rgb,
            portrait::WIDTH,
            portrait::HEIGHT,
        ))
    }));
    a.set_address(id.map_or("".into(), |i| i.address.as_str().into()));
    a.set_valid_until(id.map_or("".into(), |i| match i.valid_until {
        ValidUntil::LongTerm => lang.pick("长期", "Long-term").into(),
        ValidUntil::Date(d) => d.format("%Y-%m-%d").to_string().into(),
    }));

    let docs = ui.global::<Documents>();
    docs.set_rows(model(document_rows(draft, cat, lang)));
    docs.set_fee(draft.map_or(0, |d| d.choices.fee(cat)) as i32);

    let det = ui.global::<Details>();
    det.set_phone(draft.map_or("".into(), |d| d.choices.phone.as_str().into()));
    det.set_surname(draft.map_or("".into(), |d| d.choices.pinyin_surname.as_str().into()));
    det.set_given(draft.map_or("".into(), |d| d.choices.pinyin_given.as_str().into()));
    det.set_pinyin_confirmed(draft.is_some_and(|d| d.choices.pinyin_confirmed));
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
    det.set_delivery(match draft.and_then(|d| d.choices.delivery.as_ref()) {
        Some(Delivery::Collect) => "collect".into(),
        Some(Delivery::Ems { .. }) => "ems".into(),
        None => "".into(),
    });
    det.set_address(id.map_or("".into(), |i| i.address.as_str().into()));
    let green = draft
        .and_then(|d| d.choices.green_channel.clone())
        .unwrap_or_default();
    det.set_green_channel(green.as_str().into());
    det.set_green_reasons(model(
        cat.green_channel
            .iter()
            .map(|r| Choice {
                code: r.code.as_str().into(),
                label: lang.label(r),
                selected: draft.is_some() && green == r.code,
                enabled: true,
            })
            .collect(),
    ));

    let photo = ui.global::<PhotoAdapter>();
    photo.set_has_photo(draft.is_some_and(|d| d.photo.is_some()));
    photo.set_at_window(draft.is_some_and(|d| d.photo_at_window));
    photo.set_attempts_left(s.photo_attempts_left() as i32);
    if draft.is_none() {
        photo.set_captured(Image::default());
        photo.set_preview(Image::default());
        photo.set_hint(PhotoHint::None);
    }

    let review = ui.global::<Review>();
    review.set_lines(model(
        draft
            .map(|d| review_lines(d, cat, lang))
            .unwrap_or_default(),
    ));
    review.set_delivery(
        draft
            .map_or(String::new(), |d| delivery_text(d, lang))
            .into(),
    );
    review.set_green_channel(
        draft
            .and_then(|d| d.choices.green_channel.as_deref())
            .and_then(|c| cat.green_channel_reason(c))
            .map_or("".into(), |r| {
                format!(
                    "{}{}",
                    lang.pick("绿色通道：", "Green channel: "),
                    lang.label(r)
                )
                .into()
            }),
    );
    review.set_fee(draft.map_or(0, |d| d.choices.fee(cat)) as i32);

    ui.global::<Done>()
        .set_number(s.number().map_or("".into(), |n| n.as_str().into()));
}
