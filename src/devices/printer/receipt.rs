//! The printed form as a small layout model, independent of how it reaches paper: the ESC/POS
//! encoder turns it into printer bytes and the preview renderer into a PNG.

use crate::domain::application::{Application, Delivery};
use crate::domain::appointment::{Arrival, Booking};
use crate::domain::catalogue::{Catalogue, Labelled};
use crate::domain::fee_payment::FeePayment;
use crate::domain::holder::HolderOutcome;
use crate::domain::pinyin_name;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Text {
        text: String,
        align: Align,
        big: bool,
        bold: bool,
    },
    Rule,
    /// An application or acceptance number, large and centred, in the number font (0/O and
    /// 1/I cannot be confused); always drawn as raster.
    Number(String),
    Code128(String),
    Qr(String),
    Feed(u8),
    Cut,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Receipt {
    pub blocks: Vec<Block>,
}

impl Receipt {
    fn text(&mut self, text: impl Into<String>) -> &mut Self {
        self.styled(text, Align::Left, false, false)
    }

    fn styled(
        &mut self,
        text: impl Into<String>,
        align: Align,
        big: bool,
        bold: bool,
    ) -> &mut Self {
        self.blocks.push(Block::Text {
            text: text.into(),
            align,
            big,
            bold,
        });
        self
    }

    fn push(&mut self, block: Block) -> &mut Self {
        self.blocks.push(block);
        self
    }

    /// Every text run (numbers included), for tests and logs of what was printed.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Text { text, .. } | Block::Number(text) => Some(text.as_str()),
            _ => None,
        })
    }
}

fn label(l: Option<&impl Labelled>, code: &str) -> String {
    l.map_or_else(|| code.to_string(), |l| format!("{} {}", l.zh(), l.en()))
}

/// The hall holder check's line on the form, for the window clerk (docs/FACE.md).
fn holder_line(outcome: HolderOutcome) -> &'static str {
    match outcome {
        HolderOutcome::Confirmed => "人证核验：一致 Holder check: confirmed",
        HolderOutcome::NotConfirmed => {
            "人证核验：未能确认，请人工核对 Holder check: NOT confirmed, compare the applicant with the ID card"
        }
        HolderOutcome::NotLive => {
            "人证核验：动作未完成，请人工核对 Holder check: challenge not completed, compare the applicant with the ID card"
        }
        HolderOutcome::NoPortraitFace => {
            "人证核验：证件照无法比对，请人工核对 Holder check: ID card photo unusable, compare the applicant with the ID card"
        }
        HolderOutcome::CheckFailed => {
            "人证核验：未能进行，请人工核对 Holder check: could not run, compare the applicant with the ID card"
        }
    }
}

/// Until when the payment QR can be paid, in words: the contract's local time
/// (`YYYY-MM-DDTHH:MM:SS`) as "今日 23:59" / "23:59 today", or with its date when it is not the
/// day of the form; a time that cannot be read says "today" without an hour rather than a wrong
/// one.
fn pay_by_words(pay_by: &str, day: chrono::NaiveDate) -> (String, String) {
    match chrono::NaiveDateTime::parse_from_str(pay_by, "%Y-%m-%dT%H:%M:%S") {
        Ok(t) if t.date() == day => {
            let hm = t.format("%H:%M");
            (format!("今日 {hm} 前"), format!("{hm} today"))
        }
        Ok(t) => {
            let when = t.format("%Y-%m-%d %H:%M");
            (format!(" {when} 前"), when.to_string())
        }
        Err(_) => ("今日内".into(), "the end of today".into()),
    }
}

/// The fee's state on the form (docs/DOMAIN.md, "Paying the fee").
fn fee_line(payment: &FeePayment) -> String {
    match payment {
        FeePayment::Paid { reference, .. } => {
            // The network's reference is the central's text: its last four characters only.
            let reference = reference.as_deref().map_or(String::new(), |r| {
                let tail: Vec<char> = r.chars().rev().take(4).collect();
                let tail: String = tail.into_iter().rev().collect();
                format!(" · 交易 Ref ****{tail}")
            });
            format!("已缴费 Fee paid{reference}")
        }
        FeePayment::Pending { .. } => {
            "未缴费：请扫描下方缴费二维码 Fee not paid: scan the payment code below".into()
        }
        FeePayment::Declined { .. } => {
            "缴费未成功，请到窗口缴费 Payment did not go through: pay at the window".into()
        }
        FeePayment::NotIssued | FeePayment::Interrupted { .. } => {
            "费用请到窗口缴纳 Fee: pay at the window".into()
        }
        FeePayment::Unconfirmed { .. } => {
            "银行卡缴费待确认，请勿重复缴费，请到窗口核实 Card payment not confirmed yet: do not pay again, show this form at the window".into()
        }
    }
}

/// Today's booking on the form: the slot, service and window, or how the applicant is served
/// without one (docs/DOMAIN.md, "Appointments").
fn booking_line(booking: &Booking) -> String {
    match booking {
        Booking::WalkIn => "预约 Appointment: 无，现场办理 none, walk-in".into(),
        Booking::Unknown => {
            "预约 Appointment: 未能查询，请出示预约信息 not looked up, ask for the booking".into()
        }
        Booking::Booked(a, arrival) => {
            let slot = format!("{}–{}", a.slot_start(), a.slot_end());
            let window = a
                .window
                .as_ref()
                .map_or(String::new(), |w| format!(" · {w}号窗口 window {w}"));
            let service = format!("{} {}", a.service_zh, a.service_en);
            match arrival {
                Arrival::OnTime => format!("预约 Appointment: {slot} · {service}{window}"),
                Arrival::Early => format!(
                    "预约 Appointment: {slot} · {service}{window} · {}起办理 served from {}",
                    a.served_from(),
                    a.served_from()
                ),
                Arrival::Late => {
                    format!("预约 Appointment: {slot} 已过，现场办理 missed, walk-in · {service}")
                }
            }
        }
    }
}

/// The application form the applicant carries to every later step.
pub fn application_form(app: &Application, cat: &Catalogue, hall: &str) -> Receipt {
    let mut r = Receipt::default();
    r.styled(hall, Align::Center, false, true)
        .styled("出入境证件申请表", Align::Center, true, true)
        .styled(
            "Exit-entry document application",
            Align::Center,
            false,
            false,
        )
        .push(Block::Rule);
    if let Some(code) = &app.choices.green_channel {
        let reason = label(cat.green_channel_reason(code), code);
        r.styled("【绿色通道】", Align::Center, true, true)
            .styled("GREEN CHANNEL", Align::Center, false, true)
            .styled(reason, Align::Center, false, false);
    }
    r.text(format!("姓名 Name: {}", app.identity.name))
        .text(format!(
            "拼音 Pinyin: {} {}",
            app.choices.pinyin_surname, app.choices.pinyin_given
        ))
        .text(format!("身份证 ID: {}", app.identity.masked_id()));
    if let Some(g) = &app.guardian {
        r.text(format!(
            "监护人 Guardian: {} · {} · {}",
            g.identity.name,
            g.relationship.label(),
            g.identity.masked_id()
        ))
        .text("监护人同意出境签名 Guardian's consent, signature: ____________");
    }
    if let Some(previous) = &app.previous_spelling {
        r.styled(
            format!("  上次护照拼写 {previous}，请与申请人核对 Last passport spelled: {previous}, check with the applicant"),
            Align::Left,
            false,
            true,
        );
    }
    if pinyin_name::is_in_parts(&app.identity.name) {
        r.text("  拼音按汉字读音生成，请窗口按本人民族语读音核对 Spelling made from the Chinese characters: check it against the holder's own language");
    }
    r.push(Block::Rule);
    for req in &app.choices.documents {
        r.styled(
            label(cat.document(&req.document), &req.document),
            Align::Left,
            false,
            true,
        );
        r.text(format!(
            "  类别 Category: {}",
            label(cat.category(&req.category), &req.category)
        ));
        for e in &req.endorsements {
            let kind = cat
                .endorsement(&e.destination, &e.kind)
                .map_or_else(|| e.kind.clone(), |k| format!("{} {}", k.zh, k.en));
            let dest = cat
                .destination(&e.destination)
                .map_or(e.destination.as_str(), |d| d.zh.as_str());
            let trips = cat
                .trip(&e.trips)
                .map_or(e.trips.as_str(), |t| t.zh.as_str());
            r.text(format!("  签注 {dest}: {kind} · {trips}"));
        }
    }
    r.push(Block::Rule);
    if app.photo.is_none() {
        r.styled(
            "照片：请到窗口拍照 Photo: taken at the window",
            Align::Left,
            false,
            true,
        );
    }
    if let Some(verdict) = &app.holder {
        // Bold unless confirmed: the clerk must compare the applicant with the card.
        r.styled(
            holder_line(verdict.outcome),
            Align::Left,
            false,
            !verdict.confirmed(),
        );
    }
    delivery_lines(&mut r, app);
    if let Some(contact) = &app.choices.emergency_contact {
        r.text(format!(
            "紧急联系人 Emergency contact: {} {}",
            contact.name, contact.mobile
        ));
    }
    r.styled(format!("费用 Fee: ￥{}", app.fee), Align::Left, false, true)
        .text(format!(
            "时间 Time: {}",
            app.created_at.format("%Y-%m-%d %H:%M")
        ));
    if let Some(payment) = &app.payment {
        // Bold unless paid: the applicant still has something to do.
        let paid = matches!(payment, FeePayment::Paid { .. });
        r.styled(fee_line(payment), Align::Left, false, !paid);
    }
    if let Some(booking) = &app.booking {
        // Bold where the applicant is not served as booked on time: the clerk must see it.
        let plain = matches!(
            booking,
            Booking::Booked(_, Arrival::OnTime) | Booking::WalkIn
        );
        r.styled(booking_line(booking), Align::Left, false, !plain);
    }
    r.push(Block::Rule)
        .styled("申请编号 Application number", Align::Center, false, false)
        .push(Block::Number(app.number.as_str().to_string()))
        .push(Block::Code128(app.number.as_str().to_string()))
        .push(Block::Qr(app.number.as_str().to_string()))
        .push(Block::Rule);
    if let Some(FeePayment::Pending { qr, pay_by, .. }) = &app.payment {
        let (zh, en) = pay_by_words(pay_by, app.created_at.date());
        r.styled(
            format!("缴费二维码 ￥{} 请于{zh}扫码缴费", app.fee),
            Align::Center,
            false,
            true,
        )
        .styled(
            format!("Scan to pay the fee, by {en}"),
            Align::Center,
            false,
            false,
        )
        .push(Block::Qr(qr.clone()))
        .push(Block::Rule);
    }
    r.text("请携带本表和身份证到受理窗口。")
        .text("Take this form and your ID card to the acceptance window.")
        .push(Block::Feed(3))
        .push(Block::Cut);
    r
}

/// One endorsement line of a station receipt, labelled already ("香港 Hong Kong").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndorsementLine {
    pub destination: String,
    pub kind: String,
    pub trips: String,
    pub valid_from: chrono::NaiveDate,
    pub valid_until: chrono::NaiveDate,
    pub stay_days: u32,
    pub fee_fen: u64,
    /// Issuing it cancelled the valid endorsement for the same destination.
    pub cancelled_previous: bool,
    /// How this endorsement ended: written, or not (refund, approval kept, ask staff).
    pub outcome: SlipKind,
}

/// What the police-station kiosk prints when a paid transaction ends.
#[derive(Debug, Clone)]
pub struct StationReceipt {
    pub site: String,
    pub device_id: String,
    pub time: chrono::NaiveDateTime,
    /// The acceptance number (also the payment's reference).
    pub number: String,
    pub name: String,
    pub masked_id: String,
    pub masked_permit: String,
    /// One per endorsement of the order, each with its own outcome (never empty).
    pub lines: Vec<EndorsementLine>,
    /// "银行卡 Bank card" or "扫码支付 QR payment".
    pub method: String,
    /// The payment network's reference, masked (several, comma-separated, for approvals paid
    /// online one by one).
    pub masked_reference: String,
}

impl StationReceipt {
    /// What the slip is as a whole: the lines' common outcome, None when they differ (some
    /// written, some not).
    pub fn kind(&self) -> Option<SlipKind> {
        let first = self.lines.first()?.outcome;
        self.lines
            .iter()
            .all(|l| l.outcome == first)
            .then_some(first)
    }
}

/// What a station receipt is, or how one of its endorsements ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlipKind {
    /// Written and verified: the receipt.
    Issued,
    /// Paid and not written: the refund is requested.
    Refund,
    /// Paid (or maybe paid) and not finished here: staff finish it with this number.
    AskStaff,
    /// Approved and paid online, and not written: the approval stays open.
    ApprovalKept,
}

fn yuan(fen: u64) -> String {
    format!("￥{}.{:02}", fen / 100, fen % 100)
}

fn station_header(r: &mut Receipt, site: &str, device_id: &str, zh: &str, en: &str) {
    r.styled(site, Align::Center, false, true)
        .styled(zh, Align::Center, true, true)
        .styled(en, Align::Center, false, false)
        .text(format!("自助设备 Kiosk: {device_id}"))
        .push(Block::Rule);
}

/// The endorsement receipt, or for a paid transaction that was not written the refund slip, or
/// for one not finished here the ask-staff slip — for an order whose endorsements ended
/// differently, the receipt with each line's outcome; in both languages, ending with the
/// reminder to take both cards.
pub fn station_receipt(slip: &StationReceipt) -> Receipt {
    let mut r = Receipt::default();
    let kind = slip.kind();
    let (zh, en) = match kind {
        None => (
            "自助签注回执 · 部分未写入",
            "Endorsement receipt · not all written",
        ),
        Some(SlipKind::Issued) => ("自助签注回执", "Endorsement receipt"),
        Some(SlipKind::Refund) => (
            "签注未写入 · 退款凭条",
            "Endorsement not written · refund slip",
        ),
        Some(SlipKind::AskStaff) => ("请联系工作人员", "Please ask staff"),
        Some(SlipKind::ApprovalKept) => (
            "签注未写入 · 网上审批保留",
            "Endorsement not written · online approval kept",
        ),
    };
    station_header(&mut r, &slip.site, &slip.device_id, zh, en);
    r.text(format!("姓名 Name: {}", slip.name))
        .text(format!("身份证 ID: {}", slip.masked_id))
        .text(format!("通行证 Permit: {}", slip.masked_permit))
        .push(Block::Rule);
    let (mut total, mut refunded) = (0, 0);
    for line in &slip.lines {
        total += line.fee_fen;
        if line.outcome == SlipKind::Refund {
            refunded += line.fee_fen;
        }
        r.styled(
            format!("{} · {} · {}", line.destination, line.kind, line.trips),
            Align::Left,
            false,
            true,
        )
        .text(format!(
            "  有效期 Valid: {} – {}",
            line.valid_from.format("%Y-%m-%d"),
            line.valid_until.format("%Y-%m-%d")
        ))
        .text(format!(
            "  每次停留 Stay per trip: {} 天 days",
            line.stay_days
        ))
        .text(format!("  费用 Fee: {}", yuan(line.fee_fen)));
        if kind.is_none() {
            r.styled(line_outcome(line.outcome), Align::Left, false, true);
        }
        if line.cancelled_previous && line.outcome == SlipKind::Issued {
            r.text(format!(
                "  原{}签注已作废 The previous endorsement for {} was cancelled",
                line.destination, line.destination
            ));
        }
    }
    r.push(Block::Rule).styled(
        format!("合计 Total: {}", yuan(total)),
        Align::Left,
        false,
        true,
    );
    if refunded > 0 && kind.is_none() {
        r.text(format!("申请退款 Refund requested: {}", yuan(refunded)));
    }
    r.text(format!("支付方式 Paid by: {}", slip.method))
        .text(format!("交易参考号 Reference: {}", slip.masked_reference))
        .text(format!("时间 Time: {}", slip.time.format("%Y-%m-%d %H:%M")))
        .push(Block::Rule)
        .styled("受理编号 Acceptance number", Align::Center, false, false)
        .push(Block::Number(slip.number.clone()))
        .push(Block::Code128(slip.number.clone()))
        .push(Block::Qr(slip.number.clone()))
        .push(Block::Rule);
    match kind {
        None => mixed_footer(&mut r, slip),
        Some(SlipKind::Issued) => {
            r.text("电子发票：凭受理编号在出入境管理部门网站或窗口开具。")
                .text("Fiscal invoice: ask at a window or on the administration's website with the acceptance number.");
        }
        Some(SlipKind::Refund) => {
            r.text("签注未写入，已申请原路退款；请保留本凭条并到窗口咨询。")
                .text("Nothing was written: the refund to your payment has been requested. Keep this slip and ask at a window.");
        }
        Some(SlipKind::ApprovalKept) => {
            r.text("签注未写入，未产生新的费用；您在网上办理的签注仍然有效，可再次在自助机或窗口写入。")
                .text("Nothing was written and nothing more was charged. Your endorsement approved online stays open: have it written at a kiosk or a window.");
        }
        Some(SlipKind::AskStaff) => {
            r.text("本次签注未能在本机完成，您的付款已按上述编号记录，不会丢失。请持本凭条联系工作人员。")
                .text("The endorsement could not be finished at this machine. Your payment is recorded under the number above and is not lost: show this slip to staff.");
        }
    }
    r.styled("请取回通行证和身份证。", Align::Left, false, true)
        .styled(
            "Take your permit and your ID card.",
            Align::Left,
            false,
            true,
        )
        .push(Block::Feed(3))
        .push(Block::Cut);
    r
}

/// The mark under a line of a receipt whose endorsements ended differently.
fn line_outcome(outcome: SlipKind) -> &'static str {
    match outcome {
        SlipKind::Issued => "  已写入 Written",
        SlipKind::Refund => "  未写入，已申请退款 Not written: refund requested",
        SlipKind::ApprovalKept => "  未写入，网上审批保留 Not written: approval kept open",
        SlipKind::AskStaff => "  未完成，请联系工作人员 Not finished: ask staff",
    }
}

/// What the applicant does about each outcome on a receipt whose endorsements ended
/// differently, in the order written, refunded, kept, ask staff.
fn mixed_footer(r: &mut Receipt, slip: &StationReceipt) {
    let has = |k: SlipKind| slip.lines.iter().any(|l| l.outcome == k);
    if has(SlipKind::Issued) {
        r.text("电子发票：凭受理编号在出入境管理部门网站或窗口开具。")
            .text("Fiscal invoice: ask at a window or on the administration's website with the acceptance number.");
    }
    if has(SlipKind::Refund) {
        r.text("标明“未写入”的签注已申请原路退款；请保留本回执。")
            .text("For each endorsement marked \"not written\" the refund to your payment has been requested: keep this receipt.");
    }
    if has(SlipKind::ApprovalKept) {
        r.text("标明“网上审批保留”的签注仍然有效，可再次在自助机或窗口写入。")
            .text("An endorsement marked \"approval kept open\" can be written at a kiosk or a window another time.");
    }
    if has(SlipKind::AskStaff) {
        r.text("标明“未完成”的签注已按上述编号记录，不会丢失。请持本回执联系工作人员。")
            .text("An endorsement marked \"not finished\" is recorded under the number above and is not lost: show this receipt to staff.");
    }
}

/// One valid endorsement on the remaining-trips slip, labelled already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TripsLine {
    pub endorsement: String,
    /// "剩余 1 次 1 trip left", or "多次 multiple".
    pub trips_left: String,
    pub valid_until: chrono::NaiveDate,
}

/// The short remaining-trips slip.
pub fn trips_slip(
    site: &str,
    device_id: &str,
    masked_permit: &str,
    lines: &[TripsLine],
    time: chrono::NaiveDateTime,
) -> Receipt {
    let mut r = Receipt::default();
    station_header(&mut r, site, device_id, "签注剩余次数", "Remaining trips");
    r.text(format!("通行证 Permit: {masked_permit}"));
    if lines.is_empty() {
        r.text("无有效签注 No valid endorsement");
    }
    for line in lines {
        r.styled(line.endorsement.as_str(), Align::Left, false, true)
            .text(format!("  {}", line.trips_left))
            .text(format!(
                "  有效至 Valid until: {}",
                line.valid_until.format("%Y-%m-%d")
            ));
    }
    r.text(format!("时间 Time: {}", time.format("%Y-%m-%d %H:%M")))
        .push(Block::Feed(3))
        .push(Block::Cut);
    r
}

/// How the documents reach the applicant; for EMS the address in full, with the recipient and
/// their mobile where they are not the applicant's (the window checks them with the applicant).
fn delivery_lines(r: &mut Receipt, app: &Application) {
    match &app.choices.delivery {
        Some(Delivery::Ems(ems)) => {
            let whose = match ems.division {
                None => "户籍地址 the household address on the ID card",
                Some(_) => "the address below",
            };
            r.text(format!("取证 Delivery: 邮政速递 EMS to {whose}"));
            r.text(format!("  地址 Address: {}", ems.address));
            if ems.recipient.is_some() || ems.mobile.is_some() {
                r.text(format!(
                    "  收件人 Recipient: {} {}",
                    ems.recipient.as_deref().unwrap_or(&app.identity.name),
                    ems.mobile.as_deref().unwrap_or(&app.choices.phone)
                ));
            }
        }
        _ => {
            r.text("取证 Delivery: 窗口领取 Collect at the hall");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::printer::sample_application;

    #[test]
    fn form_holds_number_masked_id_and_fee_but_no_full_id() {
        let app = sample_application();
        let r = application_form(&app, &Catalogue::builtin(), "厦门市出入境接待大厅");
        let all: String = r.texts().collect::<Vec<_>>().join("\n");
        assert!(all.contains(app.number.as_str()));
        assert!(all.contains(&app.identity.masked_id()));
        assert!(!all.contains(&app.identity.id_number));
        assert!(all.contains("￥225"));
        assert!(all.contains("个人旅游"));
        assert!(
            r.blocks
                .contains(&Block::Code128(app.number.as_str().to_string()))
        );
        assert!(
            r.blocks
                .contains(&Block::Qr(app.number.as_str().to_string()))
        );
        assert!(!all.contains("人证核验"), "no holder check, no line");
    }

    #[test]
    fn a_last_passport_spelling_that_differs_is_printed_bold_for_the_clerk() {
        let mut app = sample_application();
        app.previous_spelling = Some("LV SIYUAN".into());
        let r = application_form(&app, &Catalogue::builtin(), "大厅");
        let line = r.blocks.iter().find_map(|b| match b {
            Block::Text { text, bold, .. } if text.contains("LV SIYUAN") => Some(*bold),
            _ => None,
        });
        assert_eq!(line, Some(true));
    }

    #[test]
    fn the_holder_checks_verdict_is_printed_for_the_clerk_bold_unless_confirmed() {
        use crate::domain::holder::HolderVerdict;
        let mut app = sample_application();
        for (outcome, words) in [
            (HolderOutcome::Confirmed, "Holder check: confirmed"),
            (HolderOutcome::NotConfirmed, "Holder check: NOT confirmed"),
            (HolderOutcome::NotLive, "challenge not completed"),
        ] {
            app.holder = Some(HolderVerdict {
                outcome,
                distance: Some(0.5),
                threshold: 0.4,
                model: "dlib".into(),
            });
            let r = application_form(&app, &Catalogue::builtin(), "大厅");
            let line = r
                .blocks
                .iter()
                .find_map(|b| match b {
                    Block::Text { text, bold, .. } if text.contains("人证核验") => {
                        Some((text.clone(), *bold))
                    }
                    _ => None,
                })
                .expect("a holder check line");
            assert!(line.0.contains(words), "{line:?}");
            assert_eq!(line.1, outcome != HolderOutcome::Confirmed, "{line:?}");
        }
    }

    #[test]
    fn the_booking_is_printed_and_bold_where_the_applicant_is_not_served_as_booked() {
        use crate::domain::appointment::Appointment;
        let at = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).expect("time");
        let slot = Appointment {
            id: "A1".into(),
            starts: at(10, 0),
            ends: at(10, 30),
            service_zh: "护照".into(),
            service_en: "Passport".into(),
            window: Some("3".into()),
        };
        let mut app = sample_application();
        let line = |app: &Application| {
            application_form(app, &Catalogue::builtin(), "大厅")
                .blocks
                .iter()
                .find_map(|b| match b {
                    Block::Text { text, bold, .. } if text.starts_with("预约") => {
                        Some((text.clone(), *bold))
                    }
                    _ => None,
                })
        };
        assert_eq!(line(&app), None, "no central asked, no line");
        for (booking, words, bold) in [
            (
                Booking::Booked(slot.clone(), Arrival::OnTime),
                "10:00–10:30 · 护照 Passport · 3号窗口 window 3",
                false,
            ),
            (
                Booking::Booked(slot.clone(), Arrival::Early),
                "09:30起办理 served from 09:30",
                true,
            ),
            (
                Booking::Booked(slot, Arrival::Late),
                "10:00–10:30 已过，现场办理 missed, walk-in",
                true,
            ),
            (Booking::WalkIn, "none, walk-in", false),
            (Booking::Unknown, "not looked up", true),
        ] {
            app.booking = Some(booking);
            let (text, is_bold) = line(&app).expect("a booking line");
            assert!(text.contains(words), "{text}");
            assert_eq!(is_bold, bold, "{text}");
        }
    }
}

#[cfg(test)]
mod pay_by_tests {
    use super::pay_by_words;

    #[test]
    fn the_payment_deadline_is_read_not_cut_out_of_the_text() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("day");
        assert_eq!(pay_by_words("2026-12-01T23:59:59", day).1, "23:59 today");
        assert_eq!(
            pay_by_words("2026-12-02T09:00:00", day).1,
            "2026-12-02 09:00"
        );
        assert_eq!(
            pay_by_words("2026-12-01T15:59:59Z", day).1,
            "the end of today"
        );
        assert_eq!(pay_by_words("soon", day).1, "the end of today");
    }
}

#[cfg(test)]
mod station_tests {
    use super::*;

    fn slip(kind: SlipKind) -> StationReceipt {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        StationReceipt {
            site: "思明派出所".into(),
            device_id: "PS01".into(),
            time: day.and_hms_opt(9, 0, 0).unwrap(),
            number: "PS0126113000001B".into(),
            name: "曾小芳".into(),
            masked_id: "3502**********0025".into(),
            masked_permit: "C123*5678".into(),
            lines: vec![EndorsementLine {
                destination: "香港 Hong Kong".into(),
                kind: "个人旅游 Individual visit (G)".into(),
                trips: "三个月一次 3 months, once".into(),
                valid_from: day,
                valid_until: day + chrono::Months::new(3),
                stay_days: 7,
                fee_fen: 1500,
                cancelled_previous: true,
                outcome: kind,
            }],
            method: "银行卡 Bank card".into(),
            masked_reference: "SIM****0001".into(),
        }
    }

    #[test]
    fn an_order_partly_written_marks_each_line_and_the_refund() {
        let mut s = slip(SlipKind::Issued);
        let mut macau = s.lines[0].clone();
        macau.destination = "澳门 Macau".into();
        macau.outcome = SlipKind::Refund;
        s.lines.push(macau);
        assert_eq!(s.kind(), None);
        let all = station_receipt(&s).texts().collect::<Vec<_>>().join("\n");
        for needle in [
            "not all written",
            "已写入 Written",
            "Not written: refund requested",
            "合计 Total: ￥30.00",
            "Refund requested: ￥15.00",
            "Fiscal invoice",
            "marked \"not written\"",
            "previous endorsement for 香港 Hong Kong was cancelled",
        ] {
            assert!(all.contains(needle), "{needle:?} missing from\n{all}");
        }
        assert!(
            !all.contains("previous endorsement for 澳门 Macau"),
            "not written, so nothing was cancelled: {all}"
        );
        // One outcome for every line: the plain receipt, no marks.
        s.lines[1].outcome = SlipKind::Issued;
        let all = station_receipt(&s).texts().collect::<Vec<_>>().join("\n");
        assert!(
            !all.contains("已写入 Written") && !all.contains("Refund requested"),
            "{all}"
        );
    }

    #[test]
    fn the_receipt_has_the_line_fee_total_number_and_the_reminder() {
        let s = slip(SlipKind::Issued);
        let r = station_receipt(&s);
        let all = r.texts().collect::<Vec<_>>().join("\n");
        for needle in [
            "香港 Hong Kong · 个人旅游",
            "2026-11-30 – 2027-02-28",
            "7 天 days",
            "费用 Fee: ￥15.00",
            "合计 Total: ￥15.00",
            "previous endorsement for 香港 Hong Kong was cancelled",
            "SIM****0001",
            "Take your permit and your ID card.",
            "Fiscal invoice",
        ] {
            assert!(all.contains(needle), "{needle:?} missing from\n{all}");
        }
        assert!(r.blocks.contains(&Block::Code128(s.number.clone())));
        assert!(r.blocks.contains(&Block::Qr(s.number.clone())));
    }

    #[test]
    fn the_refund_slip_says_nothing_was_written_and_cancels_nothing() {
        let r = station_receipt(&slip(SlipKind::Refund));
        let all = r.texts().collect::<Vec<_>>().join("\n");
        assert!(
            all.contains("refund") && all.contains("Nothing was written"),
            "{all}"
        );
        assert!(!all.contains("was cancelled"), "{all}");
        assert!(!all.contains("Fiscal invoice"), "{all}");
        let r = station_receipt(&slip(SlipKind::ApprovalKept));
        let all = r.texts().collect::<Vec<_>>().join("\n");
        assert!(
            all.contains("approval kept") && all.contains("stays open"),
            "{all}"
        );
        assert!(
            !all.contains("refund") && !all.contains("was cancelled"),
            "{all}"
        );
        let r = station_receipt(&slip(SlipKind::AskStaff));
        let all = r.texts().collect::<Vec<_>>().join("\n");
        assert!(
            all.contains("show this slip to staff") && all.contains("PS0126113000001B"),
            "{all}"
        );
        assert!(
            !all.contains("refund") && !all.contains("was cancelled"),
            "{all}"
        );
    }
}
