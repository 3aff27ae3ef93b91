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
        r.styled("【绿色通道 GREEN CHANNEL】", Align::Center, true, true)
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
    r.text(format!("取证 Delivery: {delivery}"))
        .styled(format!("费用 Fee: ¥{}", app.fee), Align::Left, false, true)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::printer::tests::sample_application;

    #[test]
    fn form_holds_number_masked_id_and_fee_but_no_full_id() {
        let app = sample_application();
        let r = application_form(&app, &Catalogue::builtin(), "厦门市出入境接待大厅");
        let all: String = r.texts().collect::<Vec<_>>().join("\n");
        assert!(all.contains(app.number.as_str()));
        assert!(all.contains(&app.identity.masked_id()));
        assert!(!all.contains(&app.identity.id_number));
        assert!(all.contains("¥225"));
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
