//! Printing budgets (issue 4): rendering a form to ESC/POS bytes ≤ 5 ms, the preview PNG ≤ 50 ms.
//! Run with `cargo bench --no-default-features --bench printing`; results in docs/BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use kiosk::devices::printer::{
    PrinterProfile, SAMPLE_SITE, escpos, preview, receipt, sample_application,
};
use kiosk::domain::catalogue::Catalogue;

fn printing(c: &mut Criterion) {
    let app = sample_application();
    let catalogue = Catalogue::builtin();
    for name in ["generic-80", "generic-58", "raster-80"] {
        let profile = PrinterProfile::builtin(name).expect("profile");
        let job = escpos::encode(
            &receipt::application_form(&app, &catalogue, SAMPLE_SITE),
            &profile,
        );
        println!("{name}: job {} bytes", job.len());
        c.bench_function(&format!("form to bytes ({name})"), |b| {
            b.iter(|| {
                escpos::encode(
                    &receipt::application_form(&app, &catalogue, SAMPLE_SITE),
                    &profile,
                )
            })
        });
        c.bench_function(&format!("preview png ({name})"), |b| {
            b.iter(|| {
                let img = preview::render(&job, profile.dots).expect("reads back");
                let mut png = Vec::new();
                img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
                    .expect("png");
                png
            })
        });
    }
}

criterion_group!(benches, printing);
criterion_main!(benches);
