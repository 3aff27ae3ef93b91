//! The hall kiosk's main use case: a confirmed application is stored together with its outbox
//! row (one transaction, so the central gets every stored application exactly once), the sync
//! worker is woken, and the form is encoded for the printer, kept for a staff reprint and
//! printed. Printing starts only once the application is safely stored; there is no automatic
//! reprint.

use std::sync::Arc;

use chrono::NaiveDateTime;

use super::printing::{self, SharedPrinter};
use crate::devices::printer::{PrintError, PrinterProfile, PrinterState, escpos, receipt};
use crate::domain::app_number::AppNumber;
use crate::domain::application::{Application, Choices};
use crate::domain::appointment::Booking;
use crate::domain::catalogue::Catalogue;
use crate::domain::guardian::Guardian;
use crate::domain::holder::HolderVerdict;
use crate::domain::identity::Identity;
use crate::domain::photo::Photo;
use crate::domain::rating::Rating;
use crate::store::{SharedStore, Store, StoreError, lock};
use crate::sync::api::{FormType, Submission};
use crate::sync::worker::SyncHandle;

/// One confirmed application, as the session hands it over.
pub struct SaveJob {
    pub identity: Identity,
    pub choices: Choices,
    pub photo: Option<Photo>,
    /// The photo checks' report (JSON) when the photo is left to the window.
    pub photo_report: Option<String>,
    /// The holder check's verdict, where the hall runs one.
    pub holder: Option<HolderVerdict>,
    /// The guardian of an applicant under 16.
    pub guardian: Option<Guardian>,
    /// The last passport's spelling, where it differs from the form's pinyin.
    pub previous_spelling: Option<String>,
    /// Today's booking, where the central was asked.
    pub booking: Option<Booking>,
    /// Total fee in yuan.
    pub fee: u32,
    /// The fee is paid at the kiosk after saving: the application waits in the outbox until
    /// [`Desk::release`] gives it the payment's state.
    pub pays: bool,
    pub created_at: NaiveDateTime,
    /// The catalogue the session priced and labelled the application with.
    pub catalogue: Arc<Catalogue>,
}

/// What saving and printing an application needs.
pub struct Desk {
    pub store: SharedStore,
    pub printer: SharedPrinter,
    pub profile: PrinterProfile,
    /// How long printed forms are kept for reprint, in hours.
    pub reprint_hours: u64,
    pub device_id: String,
    /// Printed at the top of each form.
    pub site_name: String,
    pub sync: Option<SyncHandle>,
}

/// A saved application and the idempotency key its submission carries.
pub struct Saved {
    pub application: Application,
    pub key: String,
}

/// Stores an application and its outbox row in one transaction (the number comes from the
/// day's sequence in the same transaction); `form` marks a technician's test. A job that
/// `pays` is held in the outbox until [`Desk::release`].
///
/// Errors: as [`Desk::save`].
pub fn queue(
    store: &mut Store,
    device_id: &str,
    job: &SaveJob,
    form: FormType,
) -> Result<Saved, StoreError> {
    // Fixed at capture: every retry of this submission carries the same key.
    let key = uuid::Uuid::now_v7().to_string();
    let build = |number: &AppNumber| {
        let application = Application {
            number: number.clone(),
            identity: job.identity.clone(),
            choices: job.choices.clone(),
            photo: job.photo.clone(),
            photo_report: job.photo_report.clone(),
            holder: job.holder.clone(),
            guardian: job.guardian.clone(),
            previous_spelling: job.previous_spelling.clone(),
            booking: job.booking.clone(),
            payment: None,
            fee: job.fee,
            created_at: job.created_at,
        };
        let body = serde_json::to_string(&Submission::new(&application, device_id, &key, form))
            .expect("submission serialises");
        (body, application)
    };
    let (number, application) = if job.pays {
        store.save_application_held(device_id, job.created_at, job.fee, &key, build)?
    } else {
        store.save_application(device_id, job.created_at, job.fee, &key, build)?
    };
    tracing::info!(%number, form = form.code(), held = job.pays, "store: application saved and queued");
    Ok(Saved { application, key })
}

impl Desk {
    /// Stores the application and its outbox row in one transaction (the number comes from the
    /// day's sequence in the same transaction) and wakes the sync worker.
    ///
    /// Errors: [`StoreError::Full`] when the store is at its size cap or the disk at its
    /// watermark — nothing was saved and no number was used; any other store error likewise
    /// leaves nothing behind.
    pub fn save(&self, job: &SaveJob) -> Result<Saved, StoreError> {
        let saved = queue(
            &mut lock(&self.store),
            &self.device_id,
            job,
            FormType::HallSelfFill,
        )?;
        self.wake();
        Ok(saved)
    }

    /// Lets a held application go to the central with the fee's state, which `saved` now
    /// carries. Returns false when the store refused (logged): the application is stored either
    /// way, and the caller tries again.
    pub fn release(&self, saved: &Saved) -> bool {
        let body = Submission::new(
            &saved.application,
            &self.device_id,
            &saved.key,
            FormType::HallSelfFill,
        );
        let body = serde_json::to_string(&body).expect("submission serialises");
        let number = &saved.application.number;
        let released = match lock(&self.store).release_held(number.as_str(), &body) {
            Ok(true) => {
                tracing::info!(%number, "store: application released with its fee's state");
                true
            }
            Ok(false) => {
                tracing::warn!(%number, "store: application was not held");
                true
            }
            Err(e) => {
                tracing::error!(%number, error = %e, "store: application not released yet: tried again shortly");
                false
            }
        };
        self.wake();
        released
    }

    /// Keeps an anonymous rating for the central (the day and the answer). A store fault is
    /// logged: a lost rating is not worth troubling the applicant with.
    pub fn rate(&self, rating: Rating) {
        let today = chrono::Local::now().date_naive();
        match lock(&self.store).record_rating(today, rating) {
            Ok(()) => self.wake(),
            Err(e) => tracing::warn!(error = %e, "store: rating not kept"),
        }
    }

    /// Prints a kept form again (the central's `reprint` command; `kiosk print reprint` is the
    /// technician's). Errors: a plain sentence for the operator — no form kept (a wrong number,
    /// or older than the reprint window), the store, or the printer.
    pub fn reprint(&self, number: &str) -> Result<(), String> {
        let bytes = lock(&self.store)
            .print_job(number)
            .map_err(|e| format!("store: {e}"))?
            .ok_or_else(|| {
                format!(
                    "no form kept for {number} (a wrong number, or printed more than {} hours ago)",
                    self.reprint_hours
                )
            })?;
        printing::print(&self.printer, number, &bytes)
            .map(|_| ())
            .map_err(|e| format!("printer: {e}"))
    }

    fn wake(&self) {
        if let Some(sync) = &self.sync {
            sync.wake();
        }
    }

    /// Prints the application's form and keeps its bytes for a staff reprint (`kiosk print
    /// reprint`); forms older than the reprint window are forgotten. Returns the printer's
    /// state after the job (paper near its end is logged for staff).
    pub fn print(
        &mut self,
        application: &Application,
        catalogue: &Catalogue,
    ) -> Result<PrinterState, PrintError> {
        let number: &AppNumber = &application.number;
        let form = receipt::application_form(application, catalogue, &self.site_name);
        let bytes = escpos::encode(&form, &self.profile);
        let now = application.created_at;
        let kept = lock(&self.store).save_print_job(number.as_str(), &bytes, now);
        if let Err(e) = kept {
            tracing::warn!(%number, error = %e, "store: print job not kept for reprint");
        }
        let cutoff = now - chrono::Duration::hours(self.reprint_hours as i64);
        let purged = lock(&self.store).purge_print_jobs_before(cutoff);
        if let Err(e) = purged {
            tracing::warn!(error = %e, "store: old print jobs not purged");
        }
        printing::print(&self.printer, number.as_str(), &bytes)
    }
}
