//! `kiosk endorsements …` (station kiosk): the transactions not concluded yet, and how staff
//! conclude one the kiosk cannot by itself. The kiosk settles what it can at start and every few
//! minutes while idle (docs/STATION.md, "When something goes wrong"); what is left is mostly a
//! permit taken away while the writer module may have written it: only staff, reading that
//! permit at the window, can say whether the endorsement is on it. The listing shows numbers,
//! states and amounts — never a name, an ID number or a permit number.

use std::process::ExitCode;

use chrono::Local;
use clap::{Subcommand, ValueEnum};

use crate::domain::endorsement::{Event, Recovery, State, recovery};
use crate::store::{EndorsementTxn, Store, StoreError, state_name};

#[derive(Subcommand)]
pub enum EndorsementsCommand {
    /// Transactions not concluded: number, state, amount and what happens next.
    List {
        /// As one JSON array, for scripts and monitoring.
        #[arg(long)]
        json: bool,
    },
    /// Records what staff read on a permit the kiosk could not read back: the endorsement is on
    /// the chip (the kiosk then prints its receipt for staff) or it is not (the kiosk then asks
    /// the central to refund that endorsement's fee, or to keep an approval paid online open).
    Settle {
        /// The transaction, as `list` shows it: its acceptance number (a further endorsement of
        /// an order: the number with `-2`, `-3`, …).
        number: String,
        /// What the chip, read at the window, shows.
        #[arg(long, value_enum)]
        chip: Chip,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Chip {
    /// The endorsement is on the chip.
    Shows,
    /// It is not.
    Lacks,
}

/// What happens next to a transaction in this state, for the technician.
fn next_step(state: State) -> &'static str {
    match recovery(state) {
        Recovery::Nothing => "nothing: concluded",
        Recovery::Cancel => "the kiosk cancels it (no money was taken)",
        Recovery::AskPayment => "the kiosk asks the central whether the payment went through",
        Recovery::Issue => {
            "paid: the kiosk issues it or, without the permit, refunds it (paid online: keeps the approval open)"
        }
        Recovery::ReadChip => {
            "the writer may have written: read the permit back (at the kiosk, or at the window and record it with `kiosk endorsements settle NUMBER --chip shows|lacks`)"
        }
        Recovery::PrintReceipt => "issued: the kiosk prints the receipt for staff",
        Recovery::ReportNotIssued => {
            "paid, not issued: the kiosk tells the central, which refunds it (paid online: keeps the approval open)"
        }
    }
}

pub fn run(command: EndorsementsCommand, config: &std::path::Path) -> ExitCode {
    let c = match super::load_config(config) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // A hall kiosk has no endorsement transactions: say so instead of opening (or creating)
    // its store and reporting nothing in flight.
    if c.device.kind != crate::config::schema::KioskKind::StationEndorsement {
        eprintln!(
            "{}: not a station kiosk (device.kind is not \"station_endorsement\"); pass the station's configuration with -c",
            config.display()
        );
        return ExitCode::FAILURE;
    }
    let mut store = match super::open_existing_store(&c) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match command {
        EndorsementsCommand::List { json } => list(&store, json),
        EndorsementsCommand::Settle { number, chip } => settle(&mut store, &number, chip),
    }
}

fn list(store: &Store, json: bool) -> ExitCode {
    let txns: Vec<EndorsementTxn> = match store.endorsements_in_flight() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot list the transactions: {e}");
            return ExitCode::FAILURE;
        }
    };
    if json {
        let rows: Vec<serde_json::Value> = txns
            .iter()
            .map(|t| {
                serde_json::json!({
                    "number": t.id,
                    "state": state_name(t.state),
                    "amount_fen": t.amount_fen,
                    "money_at_stake": t.state.money_at_stake(),
                    "next": next_step(t.state),
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
    } else if txns.is_empty() {
        println!("no endorsement transaction in flight");
    } else {
        for t in &txns {
            println!(
                "{}\t{}\t¥{}.{:02}\t{}",
                t.id,
                state_name(t.state),
                t.amount_fen / 100,
                t.amount_fen % 100,
                next_step(t.state)
            );
        }
    }
    ExitCode::SUCCESS
}

fn settle(store: &mut Store, number: &str, chip: Chip) -> ExitCode {
    let state = match store.endorsement(number) {
        Ok(Some(t)) => t.state,
        Ok(None) => {
            eprintln!("no endorsement transaction {number}: see `kiosk endorsements list`");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("cannot read {number}: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Only a transaction waiting for its chip to be read: anything else the kiosk settles by
    // itself, and a word from staff must not overrule the payment's own record.
    if recovery(state) != Recovery::ReadChip {
        eprintln!(
            "{number} is {}: {}; nothing for staff to record",
            state_name(state),
            next_step(state)
        );
        return ExitCode::FAILURE;
    }
    let event = Event::ChipShows(matches!(chip, Chip::Shows));
    match store.advance_endorsement(number, event, Local::now().naive_local()) {
        Ok(to) => {
            tracing::info!(
                txn = number,
                state = state_name(to),
                "endorsement: settled by staff"
            );
            println!(
                "{number}: {} → {}: {}",
                state_name(state),
                state_name(to),
                next_step(to)
            );
            ExitCode::SUCCESS
        }
        Err(StoreError::Illegal { error, .. }) => {
            eprintln!("{number}: {error}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("cannot record it: {e}");
            ExitCode::FAILURE
        }
    }
}
