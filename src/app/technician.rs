//! The hidden technician screen's lock: five taps on the site name within three seconds open
//! a PIN pad (only on the attract screen, never over an applicant's data); the PIN is checked
//! against `technician.pin_hash` (Argon2); five wrong PINs lock the pad for five minutes; the
//! screen closes itself after two minutes without a touch.

use zeroize::Zeroizing;

const KNOCKS: usize = 5;
const KNOCK_WINDOW_MS: u64 = 3_000;
const MAX_FAILURES: u32 = 5;
const LOCKOUT_MS: u64 = 5 * 60_000;
pub const IDLE_CLOSE_MS: u64 = 120_000;
const MAX_PIN: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Open,
    Wrong { tries_left: u32 },
    Locked { seconds: u64 },
}

pub struct Gate {
    hash: String,
    knocks: Vec<u64>,
    entered: Zeroizing<String>,
    failures: u32,
    locked_until: u64,
}

impl Gate {
    pub fn new(pin_hash: &str) -> Gate {
        Gate {
            hash: pin_hash.to_string(),
            knocks: Vec::new(),
            entered: Zeroizing::new(String::new()),
            failures: 0,
            locked_until: 0,
        }
    }

    /// A tap on the hidden spot at `now` (ms); true when it completes the knock.
    pub fn knock(&mut self, now: u64) -> bool {
        self.knocks
            .retain(|&t| now.saturating_sub(t) <= KNOCK_WINDOW_MS);
        self.knocks.push(now);
        if self.knocks.len() >= KNOCKS {
            self.knocks.clear();
            return true;
        }
        false
    }

    pub fn digit(&mut self, d: char) {
        if d.is_ascii_digit() && self.entered.len() < MAX_PIN {
            self.entered.push(d);
        }
    }

    pub fn backspace(&mut self) {
        self.entered.pop();
    }

    /// How many digits are entered (the screen shows dots, never digits).
    pub fn entered_len(&self) -> usize {
        self.entered.len()
    }

    /// Checks the entered PIN (and forgets it).
    pub fn submit(&mut self, now: u64) -> Verdict {
        if now < self.locked_until {
            self.entered.clear();
            return Verdict::Locked {
                seconds: (self.locked_until - now).div_ceil(1000),
            };
        }
        let ok = crate::config::verify_pin(&self.entered, &self.hash);
        self.entered.clear();
        if ok {
            self.failures = 0;
            return Verdict::Open;
        }
        self.failures += 1;
        if self.failures >= MAX_FAILURES {
            self.failures = 0;
            self.locked_until = now + LOCKOUT_MS;
            return Verdict::Locked {
                seconds: LOCKOUT_MS / 1000,
            };
        }
        Verdict::Wrong {
            tries_left: MAX_FAILURES - self.failures,
        }
    }

    /// Forgets a half-typed PIN (the screen closed).
    pub fn reset(&mut self) {
        self.entered.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate() -> Gate {
        Gate::new(&crate::config::hash_pin("2468").expect("hash"))
    }

    #[test]
    fn five_quick_knocks_open_the_pad_and_slow_ones_do_not() {
        let mut g = gate();
        assert!(!(0..4).any(|i| g.knock(i * 1000)));
        assert!(!g.knock(10_000), "the earlier knocks are too old");
        let mut g = gate();
        assert!((0..5).map(|i| g.knock(i * 500)).last().unwrap());
    }

    #[test]
    fn the_right_pin_opens_wrong_ones_count_down_and_lock() {
        let mut g = gate();
        for d in "2468".chars() {
            g.digit(d);
        }
        assert_eq!(g.entered_len(), 4);
        assert_eq!(g.submit(0), Verdict::Open);
        assert_eq!(g.entered_len(), 0, "the PIN is forgotten");
        for left in (1..5).rev() {
            g.digit('1');
            assert_eq!(g.submit(0), Verdict::Wrong { tries_left: left });
        }
        g.digit('1');
        assert_eq!(g.submit(0), Verdict::Locked { seconds: 300 });
        for d in "2468".chars() {
            g.digit(d);
        }
        assert_eq!(
            g.submit(60_000),
            Verdict::Locked { seconds: 240 },
            "even the right PIN"
        );
        for d in "2468".chars() {
            g.digit(d);
        }
        assert_eq!(g.submit(LOCKOUT_MS), Verdict::Open);
    }
}
