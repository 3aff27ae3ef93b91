//! The printed form as a small layout model, independent of how it reaches paper: the ESC/POS
//! encoder turns it into printer bytes and the preview renderer into a PNG.

use crate::domain::application::{Application, Delivery};
use crate::domain::catalogue::{Catalogue, Labelled};

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

    /// Every text run, for tests and logs of what was printed.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
    }
}

fn label(l: Option<&impl Labelled>, code: &str) -> String {
    l.map_or_else(|| code.to_string(), |l| format!("{} {}", l.zh(), l.en()))
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
        .text(format!("身份证 ID: {}", app.identity.masked_id()))
        .push(Block::Rule);
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
    let delivery = match &app.choices.delivery {
        Some(Delivery::Ems { .. }) => "邮政速递 EMS to the card address",
        _ => "窗口领取 Collect at the hall",
    };
    if app.photo.is_none() {
        r.styled(
            "照片：请到窗口拍照 Photo: taken at the window",
            Align::Left,
            false,
            true,
        );
    }
    r.text(format!("取证 Delivery: {delivery}"))
        .styled(format!("费用 Fee: ￥{}", app.fee), Align::Left, false, true)
        .text(format!(
            "时间 Time: {}",
            app.created_at.format("%Y-%m-%d %H:%M")
        ))
        .push(Block::Rule)
        .styled("申请编号 Application number", Align::Center, false, false)
        .styled(app.number.as_str(), Align::Center, true, true)
        .push(Block::Code128(app.number.as_str().to_string()))
        .push(Block::Qr(app.number.as_str().to_string()))
        .push(Block::Rule)
        .text("请携带本表和身份证到受理窗口。")
        .text("Take this form and your ID card to the acceptance window.")
        .push(Block::Feed(3))
        .push(Block::Cut);
    r
}

/// What the police-station endorsement kiosk prints after an endorsement is paid.
#[derive(Debug, Clone)]
pub struct EndorsementSlip {
    pub site: String,
    pub number: String,
    pub name: String,
    pub masked_id: String,
    pub permit_masked: String,
    /// e.g. "香港 个人旅游 · 一年二次".
    pub endorsement: String,
    pub fee: u32,
    /// EMS waybill number and address when a booklet permit is sent back by post.
    pub ems: Option<(String, String)>,
    pub time: chrono::NaiveDateTime,
}

/// The endorsement kiosk's receipt, built from the same blocks as the application form.
pub fn endorsement_receipt(slip: &EndorsementSlip) -> Receipt {
    let mut r = Receipt::default();
    r.styled(slip.site.as_str(), Align::Center, false, true)
        .styled("自助签注回执", Align::Center, true, true)
        .styled("Endorsement receipt", Align::Center, false, false)
        .push(Block::Rule)
        .text(format!("姓名 Name: {}", slip.name))
        .text(format!("身份证 ID: {}", slip.masked_id))
        .text(format!("通行证 Permit: {}", slip.permit_masked))
        .text(format!("签注 Endorsement: {}", slip.endorsement))
        .styled(
            format!("费用 Fee: ￥{}", slip.fee),
            Align::Left,
            false,
            true,
        );
    if let Some((waybill, address)) = &slip.ems {
        r.text(format!("EMS 运单号 Waybill: {waybill}"))
            .text(format!("寄送地址 Address: {address}"));
    }
    r.text(format!("时间 Time: {}", slip.time.format("%Y-%m-%d %H:%M")))
        .push(Block::Rule)
        .styled(slip.number.as_str(), Align::Center, true, true)
        .push(Block::Code128(slip.number.clone()))
        .push(Block::Qr(slip.number.clone()))
        .push(Block::Feed(3))
        .push(Block::Cut);
    r
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
    }
}

#[cfg(test)]
mod endorsement_tests {
    use super::*;

    #[test]
    fn endorsement_receipt_has_waybill_and_number() {
        let slip = EndorsementSlip {
            site: "思明派出所".into(),
            number: "PS010126112500001K".into(),
            name: "吕思远".into(),
            masked_id: "3509**********0035".into(),
            permit_masked: "C1****678".into(),
            endorsement: "香港 个人旅游 · 一年二次".into(),
            fee: 30,
            ems: Some(("EA123456789CN".into(), "福建省宁德市示例镇3号".into())),
            time: chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
        };
        let r = endorsement_receipt(&slip);
        let all = r.texts().collect::<Vec<_>>().join("\n");
        assert!(all.contains("EA123456789CN") && all.contains("￥30"));
        assert!(r.blocks.contains(&Block::Code128(slip.number.clone())));
    }
}
