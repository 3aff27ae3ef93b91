//! The applicant's one-tap rating of the visit on the done page (满意度评价): anonymous — no
//! application number, no time finer than the day — and counted by the central.

/// The three answers of the administration's satisfaction survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    /// 满意
    Satisfied,
    /// 基本满意
    Fairly,
    /// 不满意
    NotSatisfied,
}

impl Rating {
    /// Its name in the store and the contract.
    pub fn code(self) -> &'static str {
        match self {
            Rating::Satisfied => "satisfied",
            Rating::Fairly => "fairly",
            Rating::NotSatisfied => "not_satisfied",
        }
    }

    pub fn from_code(code: &str) -> Option<Rating> {
        [Rating::Satisfied, Rating::Fairly, Rating::NotSatisfied]
            .into_iter()
            .find(|r| r.code() == code)
    }
}
