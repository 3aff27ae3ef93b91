//! The done page's ratings, waiting for the central: one row per tap, the day and the answer
//! only (nothing that could lead back to an application), deleted once the central has counted
//! them (`sync::ratings`).

use chrono::NaiveDate;
use rusqlite::params;

use super::{Store, StoreError};
use crate::domain::rating::Rating;

/// A rating not yet counted by the central.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRating {
    pub id: i64,
    /// `YYYY-MM-DD`
    pub day: String,
    pub rating: Rating,
}

impl Store {
    pub fn record_rating(&mut self, day: NaiveDate, rating: Rating) -> Result<(), StoreError> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO ratings(day, rating) VALUES (?1, ?2)",
            params![day.format("%Y-%m-%d").to_string(), rating.code()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The oldest ratings the central has not counted, at most `limit`.
    pub fn unsent_ratings(&self, limit: usize) -> Result<Vec<StoredRating>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, day, rating FROM ratings ORDER BY id LIMIT ?1")?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, day, code) = row?;
            // The table's CHECK allows only the three codes.
            if let Some(rating) = Rating::from_code(&code) {
                out.push(StoredRating { id, day, rating });
            }
        }
        Ok(out)
    }

    /// Forgets the ratings the central counted.
    pub fn ratings_counted(&mut self, ids: &[i64]) -> Result<(), StoreError> {
        let tx = self.write()?;
        for id in ids {
            tx.execute("DELETE FROM ratings WHERE id = ?1", [id])?;
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
    fn ratings_wait_until_counted_and_carry_only_the_day() {
        let dir = tempfile::tempdir().expect("dir");
        let mut s = Store::open(dir.path(), &StoreKey::from_bytes([7; 32])).expect("store");
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("day");
        s.record_rating(day, Rating::Satisfied).expect("rated");
        s.record_rating(day, Rating::NotSatisfied).expect("rated");
        let unsent = s.unsent_ratings(10).expect("unsent");
        assert_eq!(
            unsent
                .iter()
                .map(|r| (r.day.as_str(), r.rating))
                .collect::<Vec<_>>(),
            vec![
                ("2026-12-01", Rating::Satisfied),
                ("2026-12-01", Rating::NotSatisfied)
            ]
        );
        s.ratings_counted(&[unsent[0].id]).expect("counted");
        let left = s.unsent_ratings(10).expect("unsent");
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].rating, Rating::NotSatisfied);
    }
}
