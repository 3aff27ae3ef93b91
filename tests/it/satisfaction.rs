//! The done page's one-tap rating: kept anonymously (a random id, the day and the answer), sent
//! to the development central over mTLS by the sync worker (`POST /v1/ratings`) in batches of
//! ten of the day — never right after the application it followed —, counted once and
//! forgotten on the kiosk; the central's log reports the satisfaction rate.

use kiosk::domain::rating::Rating;
use kiosk::store::Store;

use crate::central::central_on;
use crate::support::{Options, demo_kiosk_with_options, test_key};

#[test]
fn a_rating_on_the_done_page_is_counted_by_the_central_and_forgotten_here() {
    let central = central_on("127.0.0.1:0");
    let link = central.link("TEST01");
    // Nine earlier visits of the day rated "satisfied": one short of a batch.
    let data = tempfile::tempdir().expect("data");
    {
        let mut store = Store::open(data.path(), &test_key()).expect("store");
        for _ in 0..9 {
            store
                .record_rating(chrono::Local::now().date_naive(), Rating::Satisfied)
                .expect("rated");
        }
    }
    let ratings_at_central = || {
        central
            .db()
            .query_row("SELECT COUNT(*) FROM ratings", [], |r| r.get::<_, i64>(0))
            .unwrap_or(0)
    };
    let k = demo_kiosk_with_options(Options {
        data: Some(data),
        sync: Some(Box::new(move |store| {
            kiosk::sync::worker::spawn(store, link, 30, None).expect("worker")
        })),
        ..Options::default()
    });
    k.card_to_details_renewing(0);
    k.details_to_done();
    k.wait_until("the application at the central", |_| {
        central
            .db()
            .query_row("SELECT COUNT(*) FROM submissions", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap_or(0)
            == 1
    });
    assert_eq!(ratings_at_central(), 0, "nine ratings wait for the tenth");
    assert!(
        k.visible_text().contains("匿名评价"),
        "the question is asked"
    );
    k.tap("rate-fairly");
    assert!(k.visible_text().contains("感谢您的评价"));
    assert!(k.find("rate-satisfied").is_none(), "one tap per visit");
    k.wait_until("the central to count the batch", |_| {
        ratings_at_central() == 10
    });
    let (day, rating): (String, String) = central
        .db()
        .query_row(
            "SELECT day, rating FROM ratings WHERE rating = 'fairly'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the tap's rating");
    assert_eq!(rating, "fairly");
    assert_eq!(day, chrono::Local::now().format("%Y-%m-%d").to_string());
    k.wait_until("the kiosk to forget it", |k| {
        Store::open(k.data_dir(), &test_key())
            .and_then(|s| s.unsent_ratings(10))
            .is_ok_and(|r| r.is_empty())
    });
    k.wait_until("the rate in the central's log", |_| {
        central.log().contains("ratings counted") && central.log().contains("satisfaction=100.0 %")
    });
}
