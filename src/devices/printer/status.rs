//! Printer status from ESC/POS real-time status answers (`DLE EOT n`; the bits are in
//! docs/PRINTING.md, "Printer status"): every valid
//! answer byte has bit1 = 1, bit4 = 1, bit0 = 0, bit7 = 0. No answer, or a byte without that
//! pattern, means the printer is offline.

use std::fmt;

/// The `DLE EOT` requests asked before and after each job.
pub const QUERIES: [u8; 3] = [1, 2, 4];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterState {
    Ready,
    /// Printable, but staff should change the roll soon.
    PaperNearEnd,
    PaperEnd,
    CoverOpen,
    /// Mechanical or cutter error.
    Error,
    /// No answer (switched off, unplugged, wrong address) or a garbled one.
    Offline,
    /// The transport cannot report status (file output); assumed printable.
    Unknown,
}

impl PrinterState {
    pub fn can_print(self) -> bool {
        matches!(
            self,
            PrinterState::Ready | PrinterState::PaperNearEnd | PrinterState::Unknown
        )
    }
}

impl fmt::Display for PrinterState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PrinterState::Ready => "ready",
            PrinterState::PaperNearEnd => "paper near end",
            PrinterState::PaperEnd => "paper end",
            PrinterState::CoverOpen => "cover open",
            PrinterState::Error => "error",
            PrinterState::Offline => "offline",
            PrinterState::Unknown => "unknown (no status channel)",
        })
    }
}

fn valid(b: u8) -> bool {
    b & 0x93 == 0x12
}

/// Interprets the answers to `DLE EOT 1`, `2` and `4` (in that order; `None` = no answer).
pub fn from_answers(answers: [Option<u8>; 3]) -> PrinterState {
    let [Some(n1), Some(n2), Some(n4)] = answers else {
        return PrinterState::Offline;
    };
    if !(valid(n1) && valid(n2) && valid(n4)) {
        return PrinterState::Offline;
    }
    if n2 & 0x04 != 0 {
        PrinterState::CoverOpen
    } else if n2 & 0x20 != 0 || n4 & 0x60 != 0 {
        PrinterState::PaperEnd
    } else if n2 & 0x40 != 0 {
        PrinterState::Error
    } else if n1 & 0x08 != 0 {
        PrinterState::Offline
    } else if n4 & 0x0C != 0 {
        PrinterState::PaperNearEnd
    } else {
        PrinterState::Ready
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_bytes() {
        assert_eq!(
            from_answers([Some(0x16), Some(0x12), Some(0x12)]),
            PrinterState::Ready
        );
        assert_eq!(
            from_answers([Some(0x16), Some(0x12), Some(0x1E)]),
            PrinterState::PaperNearEnd
        );
        assert_eq!(
            from_answers([Some(0x1E), Some(0x32), Some(0x72)]),
            PrinterState::PaperEnd
        );
        assert_eq!(
            from_answers([Some(0x1E), Some(0x16), Some(0x12)]),
            PrinterState::CoverOpen
        );
        assert_eq!(
            from_answers([Some(0x1E), Some(0x52), Some(0x12)]),
            PrinterState::Error
        );
        assert_eq!(
            from_answers([Some(0x1E), Some(0x12), Some(0x12)]),
            PrinterState::Offline
        );
        assert_eq!(
            from_answers([Some(0x16), None, Some(0x12)]),
            PrinterState::Offline
        );
        assert_eq!(
            from_answers([Some(0xFF), Some(0x12), Some(0x12)]),
            PrinterState::Offline,
            "garbled"
        );
    }

    #[test]
    fn printable_states() {
        assert!(PrinterState::Ready.can_print());
        assert!(PrinterState::PaperNearEnd.can_print());
        assert!(!PrinterState::PaperEnd.can_print());
        assert!(!PrinterState::Offline.can_print());
    }
}
