//! Buddy icons: decoding and scaling one icon (budget 5 ms), preparing our own from a photo,
//! and a frame of a 1,000-buddy list in which every buddy has a cached icon, with the open
//! chat's header icon and the info overlay's icon on screen (budget 1 ms).
//!
//! The buddy list itself draws no icons (one row is too small for a picture); what a frame
//! draws is the header and the overlay, so that is what is measured, with 1,000 decoded
//! icons in the cache.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

#[path = "common/frame.rs"]
mod frame;

use std::hint::black_box;
use std::time::Instant;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use flapjack::config::UiConfig;
use flapjack::screenname::ScreenName;
use flapjack::session::{Availability, Buddy, BuddyList, Event, Group, Presence, UserInfo};
use flapjack::tui::conversation::Clock;
use flapjack::tui::icons::prepare::samples;
use flapjack::tui::icons::{decode_icon, prepare_icon, DEFAULT_MAX_BYTES};
use flapjack::tui::keymap::Keymap;
use flapjack::tui::App;
use image::ImageFormat;

const BUDDIES: usize = 1_000;

fn bench_decode(c: &mut Criterion) {
    for (w, h, format, label) in [
        (48, 48, ImageFormat::Gif, "gif_48x48"),
        (64, 64, ImageFormat::Png, "png_64x64"),
        (100, 100, ImageFormat::Jpeg, "jpeg_100x100"),
        (256, 256, ImageFormat::Png, "png_256x256"),
    ] {
        let data = samples::image(w, h, format);
        assert_eq!(decode_icon(&data).map(|i| i.dimensions()), Ok((48, 48)));
        c.bench_function(&format!("icon_decode_scale_{label}"), |b| {
            b.iter(|| black_box(decode_icon(black_box(&data)).is_ok()))
        });
    }
}

fn bench_prepare(c: &mut Criterion) {
    let photo = samples::image(640, 480, ImageFormat::Jpeg);
    let noise = samples::noise_png(200, 200);
    for (data, label) in [(photo, "jpeg_640x480"), (noise, "noise_png_200x200")] {
        assert!(prepare_icon(&data, DEFAULT_MAX_BYTES).is_ok());
        c.bench_function(&format!("icon_prepare_own_{label}"), |b| {
            b.iter(|| black_box(prepare_icon(black_box(&data), DEFAULT_MAX_BYTES).is_ok()))
        });
    }
}

fn name(i: usize) -> ScreenName {
    ScreenName::from_wire(&format!("buddy{}x{}", i / (BUDDIES / 20), i % (BUDDIES / 20)))
}

/// 1,000 buddies in 20 groups, all online, each with its own icon decoded into the cache
/// (as `Event::BuddyIcon` does), a chat open with the first and its info overlay shown.
fn app_with_icons(width: u16, height: u16) -> App {
    let mut app = App::new("Me", Keymap::default(), UiConfig::default()).with_clock(Clock::utc());
    app.resize(width, height);
    let now = Instant::now();
    let groups = (0..20)
        .map(|g| Group {
            name: format!("Group {g}"),
            buddies: (0..BUDDIES / 20)
                .map(|b| Buddy { name: name(g * 50 + b), alias: None, awaiting_auth: false })
                .collect(),
        })
        .collect();
    app.handle_event(Event::SignedOn { screen_name: ScreenName::from_wire("Me") }, now);
    app.handle_event(Event::BuddyList(BuddyList { groups }), now);
    let pictures: Vec<Bytes> =
        (0..8u32).map(|i| Bytes::from(samples::image(40 + i, 48, ImageFormat::Gif))).collect();
    for i in 0..BUDDIES {
        app.handle_event(
            Event::Presence(Presence {
                name: name(i),
                availability: Availability::Online,
                idle_minutes: None,
                signed_on_at: None,
                warning_percent: 0,
                away_message: None,
                status: None,
            }),
            now,
        );
        app.handle_event(
            Event::BuddyIcon {
                name: name(i),
                hash: Bytes::from(format!("hash{i}")),
                data: pictures[i % pictures.len()].clone(),
            },
            now,
        );
    }
    assert!((0..BUDDIES).all(|i| app.icons.shows(&name(i))), "every icon is cached");
    app.open_chat(&name(0));
    app.handle_event(
        Event::UserInfo(UserInfo {
            name: name(0),
            profile: Some("pancakes".into()),
            away_message: None,
            idle_minutes: None,
            signed_on_at: None,
            warning_percent: 0,
        }),
        now,
    );
    app
}

fn bench_frame(c: &mut Criterion) {
    for (w, h) in [(200u16, 50u16), (80, 24)] {
        // The first frame encodes the two icons on screen for the terminal; later ones reuse them.
        let name = format!("frame_{w}x{h}_1k_buddies_with_icons");
        frame::bench_draw(c, &name, &app_with_icons(w, h), w, h);
    }
}

criterion_group!(benches, bench_decode, bench_prepare, bench_frame);
criterion_main!(benches);
