//! The done page's ratings, waiting for the central: one row per tap — a random id (UUID v4,
//! so the central counts it once without learning the order of taps), the day and the answer,
//! nothing that could lead back to an application — deleted once the central has counted them
//! (`sync::ratings`).

use chrono::NaiveDate;
use rusqlite::params;

use super::{Store, StoreError};
use crate::domain::rating::Rating;

/// A rating not yet counted by the central.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRating {
    /// Random, never reused: the id the central counts it by.
    pub uid: String,
    /// `YYYY-MM-DD`
    pub day: String,
    pub rating: Rating,
}

impl Store {
    pub fn record_rating(&mut self, day: NaiveDate, rating: Rating) -> Result<(), StoreError> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO ratings(uid, day, rating) VALUES (?1, ?2, ?3)",
            params![
                uuid::Uuid::new_v4().to_string(),
                day.format("%Y-%m-%d").to_string(),
                rating.code()
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Ratings the central has not counted, at most `limit`, the oldest days first and in the
    /// random order of their ids within a day (not the order of the taps).
    pub fn unsent_ratings(&self, limit: usize) -> Result<Vec<StoredRating>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT uid, day, rating FROM ratings ORDER BY day, uid LIMIT ?1")?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (uid, day, code) = row?;
            // The table's CHECK allows only the three codes.
            if let Some(rating) = Rating::from_code(&code) {
                out.push(StoredRating { uid, day, rating });
            }
        }
        Ok(out)
    }

    /// How many ratings wait for the central (for the technician and the heartbeat).
    pub fn unsent_rating_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM ratings", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Forgets the ratings the central counted.
    pub fn ratings_counted(&mut self, uids: &[String]) -> Result<(), StoreError> {
        let tx = self.write()?;
        for uid in uids {
            tx.execute("DELETE FROM ratings WHERE uid = ?1", [uid])?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreKey;

    #[test]
    fn ratings_wait_until_counted_and_carry_only_a_random_id_and_the_day() {
        let dir = tempfile::tempdir().expect("dir");
        let mut s = Store::open(dir.path(), &StoreKey::from_bytes([7; 32])).expect("store");
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("day");
        s.record_rating(day, Rating::Satisfied).expect("rated");
        s.record_rating(day, Rating::NotSatisfied).expect("rated");
        let unsent = s.unsent_ratings(10).expect("unsent");
        let mut answers: Vec<_> = unsent
            .iter()
            .map(|r| (r.day.as_str(), r.rating.code()))
            .collect();
        answers.sort();
        assert_eq!(
            answers,
            vec![("2026-12-01", "not_satisfied"), ("2026-12-01", "satisfied")]
        );
        assert_ne!(unsent[0].uid, unsent[1].uid);
        s.ratings_counted(std::slice::from_ref(&unsent[0].uid))
            .expect("counted");
        let left = s.unsent_ratings(10).expect("unsent");
        assert_eq!(left.len(), 1);
        assert_eq!(s.unsent_rating_count().expect("count"), 1);
        assert_eq!(left[0].uid, unsent[1].uid);
        // A new rating never takes a counted one's id.
        s.record_rating(day, Rating::Fairly).expect("rated");
        assert!(
            s.unsent_ratings(10)
                .expect("unsent")
                .iter()
                .all(|r| r.uid != unsent[0].uid)
        );
    }
}
