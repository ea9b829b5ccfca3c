//! FLAP and SNAC decode and encode over a stream of 100,000 incoming IMs.
//!
//! Each IM is a channel-1 04/07 as AOL delivered it: a sender user-info block (class, sign-on
//! time, idle, status, three capabilities) and message TLVs (HTML text, half of it UCS-2,
//! plus the typing flag). Three measurements: FLAP framing only; framing plus SNAC dispatch
//! plus the message text decoded; and encoding the typed IMs back into a FLAP stream. Each is
//! reported both in bytes/s and in messages/s.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

use std::hint::black_box;
use std::time::Duration;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use flapjack::oscar::icbm::{tlv, IncomingIm, CHANNEL_IM};
use flapjack::oscar::userinfo::{tlv as ui, CAP_INTEROPERATE, CAP_TYPING, CAP_UNICODE};
use flapjack::oscar::{
    decode_snac_payload, encode_snac, FlapCodec, ImMessage, ImText, OutFlap, SnacBody, TlvBlock,
    UserInfo,
};
use tokio_util::codec::{Decoder, Encoder};

const MESSAGES: usize = 100_000;

fn incoming(i: usize) -> SnacBody {
    let mut sender = UserInfo::new(format!("buddy{:05}", i % 5000));
    sender.set_class(0x0010);
    sender.set_u32(ui::SIGNON_TIME, 1_288_109_023 + i as u32);
    sender.set_idle_minutes((i % 30) as u16);
    sender.set_u32(ui::STATUS, 0);
    sender.set_capabilities(&[CAP_INTEROPERATE, CAP_UNICODE, CAP_TYPING]);
    let text = format!(
        "<HTML><BODY BGCOLOR=\"#ffffff\"><FONT LANG=\"0\">message number {i}: see you at \
         {} o'clock &amp; bring snacks</FONT></BODY></HTML>",
        i % 12 + 1
    );
    let message = if i.is_multiple_of(2) {
        ImMessage::new(&text)
    } else {
        // Half the traffic as UCS-2BE, what Unicode-capable clients send.
        let data = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let mut m = ImMessage::new("");
        m.texts = vec![ImText { charset: 2, subset: 0, data }];
        m
    };
    let tlvs = TlvBlock::new()
        .with(tlv::MESSAGE_DATA, message.to_bytes().expect("small message"))
        .with(tlv::WANTS_TYPING, Vec::new());
    let cookie = (i as u64).to_be_bytes();
    SnacBody::IncomingIm(IncomingIm { cookie, channel: CHANNEL_IM, sender, tlvs })
}

fn stream(bodies: &[SnacBody]) -> BytesMut {
    let mut codec = FlapCodec::with_initial_sequence(1);
    let mut out = BytesMut::new();
    for (i, body) in bodies.iter().enumerate() {
        let payload = encode_snac(body, 0x8000_0000 | i as u32, 0).expect("encodable");
        codec.encode(OutFlap::data(payload), &mut out).expect("encodable");
    }
    out
}

fn flap_only(mut buf: BytesMut) -> usize {
    let mut codec = FlapCodec::with_initial_sequence(1);
    let mut n = 0;
    while let Ok(Some(frame)) = codec.decode(&mut buf) {
        black_box(&frame);
        n += 1;
    }
    n
}

/// FLAP frames and SNACs decoded into typed 04/07 bodies (sender user info, TLVs), text left
/// as bytes: the protocol layer the "FLAP+SNAC decode" names.
fn flap_snac(mut buf: BytesMut) -> usize {
    let mut codec = FlapCodec::with_initial_sequence(1);
    let mut n = 0;
    while let Ok(Some(frame)) = codec.decode(&mut buf) {
        if let Ok((_, SnacBody::IncomingIm(im))) = decode_snac_payload(&frame.payload) {
            black_box(&im);
            n += 1;
        }
    }
    n
}

/// Everything up to the message text as a Rust string: FLAP, SNAC, ICBM message TLVs and
/// the charset (ASCII or UCS-2BE) decoded.
fn flap_snac_text(mut buf: BytesMut) -> usize {
    let mut codec = FlapCodec::with_initial_sequence(1);
    let mut chars = 0;
    while let Ok(Some(frame)) = codec.decode(&mut buf) {
        if let Ok((_, SnacBody::IncomingIm(im))) = decode_snac_payload(&frame.payload) {
            if let Some(Ok(m)) = im.message() {
                chars += m.text().len();
            }
        }
    }
    chars
}

fn encode_all(bodies: &[SnacBody]) -> usize {
    stream(bodies).len()
}

fn bench(c: &mut Criterion) {
    let bodies: Vec<SnacBody> = (0..MESSAGES).map(incoming).collect();
    let wire = stream(&bodies).freeze();
    assert_eq!(flap_only(BytesMut::from(&wire[..])), MESSAGES);
    assert_eq!(flap_snac(BytesMut::from(&wire[..])), MESSAGES);
    assert!(flap_snac_text(BytesMut::from(&wire[..])) > MESSAGES * 50);
    eprintln!(
        "codec bench: {MESSAGES} IMs, {} bytes on the wire, {:.1} bytes per IM",
        wire.len(),
        wire.len() as f64 / MESSAGES as f64
    );
    let input = || BytesMut::from(&wire[..]);
    for (unit, throughput) in [
        ("bytes", Throughput::Bytes(wire.len() as u64)),
        ("ims", Throughput::Elements(MESSAGES as u64)),
    ] {
        let mut g = c.benchmark_group(format!("codec_{unit}"));
        g.sample_size(10).measurement_time(Duration::from_secs(4));
        g.throughput(throughput);
        g.bench_function("flap_decode", |b| {
            b.iter_batched(input, |buf| black_box(flap_only(buf)), BatchSize::LargeInput)
        });
        g.bench_function("flap_snac_decode", |b| {
            b.iter_batched(input, |buf| black_box(flap_snac(buf)), BatchSize::LargeInput)
        });
        g.bench_function("flap_snac_text_decode", |b| {
            b.iter_batched(input, |buf| black_box(flap_snac_text(buf)), BatchSize::LargeInput)
        });
        g.bench_function("snac_flap_encode", |b| b.iter(|| black_box(encode_all(&bodies))));
        g.finish();
    }
}

/// Splitting long messages into IMs (`session::split`): one 20,000-character word and 20,000
/// characters of mixed prose with emoji, at Open OSCAR Server's 512-byte and AOL's 8000-byte
/// limits. Every candidate part is encoded to be measured, so this is the cost to watch.
fn split(c: &mut Criterion) {
    use flapjack::session::split::split_message;
    let word = "x".repeat(20_000);
    let prose: String = "pancakes with syrup 👨\u{200D}👩\u{200D}👧 e\u{301}t\u{e9} "
        .chars()
        .cycle()
        .take(20_000)
        .collect();
    let mut g = c.benchmark_group("split");
    g.throughput(Throughput::Bytes(20_000));
    for (name, text) in [("word", &word), ("prose", &prose)] {
        for max in [512, 8000] {
            g.bench_function(format!("{name}_{max}"), |b| {
                b.iter(|| black_box(split_message(black_box(text), max)))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench, split);
criterion_main!(benches);
