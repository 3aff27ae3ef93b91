//! The station kiosk's calls to the central (`api::station`): blocking, for the core's service
//! thread, each on the link's mTLS client with the request timeout, each answer read into its
//! wire type. Errors say what the kiosk should do: a refusal with the central's reason, a
//! payment not confirmed, a conflict with the central's records, the kiosk itself refused, or
//! no answer (and then the
//! endorsement "is not available at this machine right now" — never a guess). Errors carry the
//! status and the problem's title, never the body: they are logged.

use chrono::NaiveDate;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::api::hall::{AppointmentAnswer, AppointmentQuery, FeePaymentRequest, fee_payment_path};
use super::api::staff::{
    STAFF_CALLS_PATH, StaffCall, StaffCallClose, StaffCallRequest, close_path,
};
use super::api::station::{
    Approvals, DocumentsOnRecord, DocumentsQuery, Eligibility, EligibilityRequest,
    EndorsementQuery, EndorsementRecords, IssuanceConfirmation, IssuanceJob, IssuanceRequest,
    IssuanceState, Payment, PaymentRequest,
};
use super::api::{IDEMPOTENCY_KEY, Problem};
use super::link::{Link, identity_refusal};

#[derive(Debug, thiserror::Error)]
pub enum StationError {
    /// No answer, or an answer that is not the contract's: ask again later, decide nothing.
    #[error("no usable answer from the central: {0}")]
    NoAnswer(String),
    /// The central does not accept this kiosk (certificate, 401/403).
    #[error("the central refuses this kiosk: {0}")]
    NotThisKiosk(String),
    /// 402: the payment is not confirmed, so nothing may be issued.
    #[error("payment not confirmed: {0}")]
    NotPaid(String),
    /// 409: the request conflicts with the central's records (an offer gone or already in a
    /// payment, a job confirmed with another outcome). Says nothing about money: ask the
    /// payment's state.
    #[error("the central's records conflict with the request: {0}")]
    Conflict(String),
    /// Any other refusal, with the title of the central's problem document.
    #[error("the central refused with {status}: {title}")]
    Refused { status: u16, title: String },
}

/// The station endpoints over one link.
pub struct StationClient {
    link: Link,
    runtime: tokio::runtime::Runtime,
}

impl StationClient {
    /// Errors: the runtime cannot be built (no threads or timers left).
    pub fn new(link: Link) -> std::io::Result<StationClient> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(StationClient { link, runtime })
    }

    /// The passports and permits on record for the holder of `id_number`.
    pub fn documents(&self, id_number: &str) -> Result<DocumentsOnRecord, StationError> {
        let query = DocumentsQuery {
            id_number: id_number.into(),
        };
        self.post("/v1/people/documents", None, &query)
    }

    /// The holder of `id_number`'s booking for `date`, if any.
    pub fn appointment(
        &self,
        id_number: &str,
        date: NaiveDate,
    ) -> Result<AppointmentAnswer, StationError> {
        let query = AppointmentQuery {
            id_number: id_number.into(),
            date: date.format("%Y-%m-%d").to_string(),
        };
        self.post("/v1/people/appointment", None, &query)
    }

    /// A payment by phone for application `number`'s fee (the same payment again for a
    /// repeated request).
    pub fn fee_payment(
        &self,
        number: &str,
        request: &FeePaymentRequest,
    ) -> Result<Payment, StationError> {
        self.post(&fee_payment_path(number), Some(number), request)
    }

    /// Raises a staff call (the same call again for a repeated request).
    pub fn call_staff(&self, request: &StaffCallRequest) -> Result<StaffCall, StationError> {
        self.post(STAFF_CALLS_PATH, Some(&request.call_id), request)
    }

    /// Closes staff call `call_id`.
    pub fn close_staff_call(
        &self,
        call_id: &str,
        close: &StaffCallClose,
    ) -> Result<StaffCall, StationError> {
        self.post(&close_path(call_id), None, close)
    }

    /// What may be offered now.
    pub fn eligibility(&self, request: &EligibilityRequest) -> Result<Eligibility, StationError> {
        self.post("/v1/endorsements/eligibility", None, request)
    }

    /// The endorsements approved and paid online that wait to be written on this permit.
    pub fn approved(&self, request: &EligibilityRequest) -> Result<Approvals, StationError> {
        self.post("/v1/endorsements/approved", None, request)
    }

    /// Asks for the money; a repeated request for the same transaction returns the same
    /// payment.
    pub fn create_payment(&self, request: &PaymentRequest) -> Result<Payment, StationError> {
        self.post("/v1/payments", Some(&request.txn_id), request)
    }

    pub fn payment(&self, payment_id: &str) -> Result<Payment, StationError> {
        self.call(
            self.link
                .client()
                .get(format!("{}/v1/payments/{payment_id}", self.link.url())),
        )
    }

    /// Cancels a pending payment; the answer says what it is now (a paid one stays paid).
    pub fn cancel_payment(&self, payment_id: &str) -> Result<Payment, StationError> {
        self.call(self.link.client().post(format!(
            "{}/v1/payments/{payment_id}/cancel",
            self.link.url()
        )))
    }

    /// The issuance job for a paid offer (the same job again for a repeated request).
    pub fn issue(&self, request: &IssuanceRequest) -> Result<IssuanceJob, StationError> {
        let key = format!("{}:{}", request.txn_id, request.offer_id);
        self.post("/v1/issuance", Some(&key), request)
    }

    /// Reports what the re-read chip showed.
    pub fn confirm(
        &self,
        confirmation: &IssuanceConfirmation,
    ) -> Result<IssuanceState, StationError> {
        let path = format!("/v1/issuance/{}/confirmation", confirmation.job_id);
        self.post(&path, None, confirmation)
    }

    /// The valid endorsements on a permit, with the trips left.
    pub fn records(&self, permit_number: &str) -> Result<EndorsementRecords, StationError> {
        let query = EndorsementQuery {
            permit_number: permit_number.into(),
        };
        self.post("/v1/endorsements/records", None, &query)
    }

    fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        key: Option<&str>,
        body: &impl Serialize,
    ) -> Result<T, StationError> {
        let mut request = self
            .link
            .client()
            .post(format!("{}{path}", self.link.url()))
            .json(body);
        if let Some(key) = key {
            request = request.header(IDEMPOTENCY_KEY, key);
        }
        self.call(request)
    }

    fn call<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, StationError> {
        self.runtime.block_on(async {
            let answer = request.send().await.map_err(|e| {
                if identity_refusal(&e).is_some() {
                    StationError::NotThisKiosk(e.to_string())
                } else {
                    StationError::NoAnswer(e.to_string())
                }
            })?;
            let status = answer.status().as_u16();
            let text = answer
                .text()
                .await
                .map_err(|e| StationError::NoAnswer(e.to_string()))?;
            if (200..300).contains(&status) {
                // The error's position and kind only: serde's message can quote the body.
                return serde_json::from_str(&text).map_err(|e| {
                    StationError::NoAnswer(format!(
                        "{status}: answer not in the contract ({:?} at line {} column {})",
                        e.classify(),
                        e.line(),
                        e.column()
                    ))
                });
            }
            // Only the problem's title goes into the error (and so into logs): a detail or a
            // body that is not a problem document may echo what the kiosk sent.
            let title = serde_json::from_str::<Problem>(&text)
                .map(|p| p.title)
                .unwrap_or_else(|_| "(no problem document)".into());
            Err(match status {
                401 | 403 => StationError::NotThisKiosk(format!("{status}: {title}")),
                402 => StationError::NotPaid(title),
                409 => StationError::Conflict(title),
                500.. => StationError::NoAnswer(format!("{status}: {title}")),
                _ => StationError::Refused { status, title },
            })
        })
    }
}
