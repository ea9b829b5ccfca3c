//! Turning an image file into a buddy icon: decoded with hard limits, scaled to 48×48 and, for
//! our own icon, re-encoded small enough for the server.
//!
//! Everything here takes bytes a peer, a file or a user chose, so every size is checked before
//! work proportional to it is done: the file's length first, then the dimensions the image
//! declares in its header (a decompression bomb declares huge ones), and the decoder itself
//! runs under [`image::Limits`] so no allocation can exceed [`MAX_DECODE_ALLOC`].

use std::io::Cursor;

use bytes::Bytes;
use image::codecs::gif::GifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::FilterType;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Limits,
    Rgba, RgbaImage,
};

/// Side of an icon in pixels: AIM's classic buddy-icon size (servers accept 48 to 50).
pub const ICON_SIDE: u32 = 48;
/// The biggest image file looked at, ours or a buddy's (AIM icons are a few KB; this leaves
/// room for a photo given to `/icon` while refusing a 10 MB file before reading its pixels).
pub const MAX_INPUT_BYTES: usize = 2 * 1024 * 1024;
/// The largest width or height an image may declare.
pub const MAX_DIMENSION: u32 = 4096;
/// The most pixels an image may declare (a 2048×2048 photo; a bomb declares far more).
pub const MAX_PIXELS: u64 = 2048 * 2048;
/// The most memory one decode may allocate.
pub const MAX_DECODE_ALLOC: u64 = 64 * 1024 * 1024;
/// The limit for our own icon until the server states its own ([`Event::IconLimit`]): 7 KB,
/// the classic AIM limit (libpurple's `MAXICONLEN`).
///
/// [`Event::IconLimit`]: crate::session::Event::IconLimit
pub const DEFAULT_MAX_BYTES: usize = 7168;
/// JPEG qualities tried in turn when neither PNG nor GIF fits.
const JPEG_QUALITIES: [u8; 9] = [90, 80, 70, 60, 50, 40, 30, 20, 10];

/// Why an image cannot be used as an icon.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IconError {
    /// The file is bigger than [`MAX_INPUT_BYTES`]; nothing was decoded.
    #[error("the file is {size} bytes; icons may be at most {max} bytes")]
    FileTooLarge {
        /// The file's length.
        size: usize,
        /// [`MAX_INPUT_BYTES`].
        max: usize,
    },
    /// The image declares dimensions beyond [`MAX_DIMENSION`] or [`MAX_PIXELS`].
    #[error("the image is {width}×{height} pixels, too large for an icon")]
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// Not a GIF, JPEG, PNG or BMP file.
    #[error("not a GIF, JPEG, PNG or BMP image")]
    Unrecognized,
    /// The decoder refused the data.
    #[error("the image is damaged: {0}")]
    Malformed(String),
    /// Even the lowest JPEG quality is larger than the server's limit.
    #[error("the icon cannot be made smaller than {max_bytes} bytes")]
    CannotFit {
        /// The limit it had to fit.
        max_bytes: usize,
    },
    /// The file could not be read.
    #[error("cannot read it: {0}")]
    Unreadable(String),
    /// An encoder failed (not expected for a 48×48 image).
    #[error("the icon could not be encoded: {0}")]
    Encode(String),
}

/// Makes our own icon from an image file's bytes: decoded (bounded), scaled to 48×48 keeping
/// its aspect (padded, centred), and encoded as PNG, else GIF when it has at most 256 colours,
/// else JPEG at falling quality, whichever first fits in `max_bytes`.
pub fn prepare_icon(input: &[u8], max_bytes: usize) -> Result<Bytes, IconError> {
    let icon = decode_icon(input)?;
    let png = encode_png(&icon)?;
    if png.len() <= max_bytes {
        return Ok(png.into());
    }
    if let Some(gif) = encode_gif_if_lossless(&icon)? {
        if gif.len() <= max_bytes {
            return Ok(gif.into());
        }
    }
    // JPEG has no transparency: the padding and any transparent pixels become white.
    let flat = flatten_on_white(&icon);
    for quality in JPEG_QUALITIES {
        let jpeg = encode_jpeg(&flat, quality)?;
        if jpeg.len() <= max_bytes {
            return Ok(jpeg.into());
        }
    }
    Err(IconError::CannotFit { max_bytes })
}

/// Reads an image file for `/icon` or `[account] icon` and [`prepare_icon`]s it; a file over
/// [`MAX_INPUT_BYTES`] is refused by its length, before it is read.
pub fn load_icon_file(path: &std::path::Path, max_bytes: usize) -> Result<Bytes, IconError> {
    use std::io::Read;
    let unreadable = |e: std::io::Error| IconError::Unreadable(e.to_string());
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let len = file.metadata().map_err(unreadable)?.len();
    let too_large = |size: usize| IconError::FileTooLarge { size, max: MAX_INPUT_BYTES };
    if len > MAX_INPUT_BYTES as u64 {
        return Err(too_large(usize::try_from(len).unwrap_or(usize::MAX)));
    }
    // The length can change under us: read one byte past the limit at most.
    let mut data = Vec::new();
    file.take(MAX_INPUT_BYTES as u64 + 1).read_to_end(&mut data).map_err(unreadable)?;
    if data.len() > MAX_INPUT_BYTES {
        return Err(too_large(data.len()));
    }
    prepare_icon(&data, max_bytes)
}

/// Decodes an icon (ours or a buddy's) and scales it to [`ICON_SIDE`]×[`ICON_SIDE`], keeping
/// its aspect and centring it on transparent padding. Refuses, before decoding, a file over
/// [`MAX_INPUT_BYTES`], a format other than GIF/JPEG/PNG/BMP, and declared dimensions over
/// [`MAX_DIMENSION`] or [`MAX_PIXELS`].
pub fn decode_icon(input: &[u8]) -> Result<RgbaImage, IconError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(IconError::FileTooLarge { size: input.len(), max: MAX_INPUT_BYTES });
    }
    let format = image::guess_format(input).map_err(|_| IconError::Unrecognized)?;
    if !matches!(format, ImageFormat::Gif | ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Bmp)
    {
        return Err(IconError::Unrecognized);
    }
    let mut reader = ImageReader::with_format(Cursor::new(input), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(IconError::TooManyPixels { width, height });
    }
    let image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    Ok(fit_square(&image, ICON_SIDE))
}

/// A decoder error, with the limits' refusals told apart from damage.
fn decode_error(e: image::ImageError) -> IconError {
    match e {
        image::ImageError::Limits(_) => {
            IconError::TooManyPixels { width: MAX_DIMENSION, height: MAX_DIMENSION }
        }
        image::ImageError::Unsupported(_) => IconError::Unrecognized,
        other => IconError::Malformed(other.to_string()),
    }
}

/// Scales `image` to fit `side`×`side` keeping its aspect, centred on transparent padding.
fn fit_square(image: &DynamicImage, side: u32) -> RgbaImage {
    let (w, h) = (image.width().max(1), image.height().max(1));
    // The scaled size of the longer side is `side`; the shorter one keeps the ratio.
    let (sw, sh) = if w >= h {
        (side, u32::try_from(u64::from(h) * u64::from(side) / u64::from(w)).unwrap_or(side).max(1))
    } else {
        (u32::try_from(u64::from(w) * u64::from(side) / u64::from(h)).unwrap_or(side).max(1), side)
    };
    let rgba = image.to_rgba8();
    let scaled = if (sw, sh) == (w, h) {
        rgba
    } else if w > sw {
        // Shrinking: a box filter over the source is fast and does not alias.
        image::imageops::thumbnail(&rgba, sw, sh)
    } else {
        // Growing a tiny icon: keep its pixels crisp.
        image::imageops::resize(&rgba, sw, sh, FilterType::Nearest)
    };
    if (sw, sh) == (side, side) {
        return scaled;
    }
    let mut canvas = RgbaImage::from_pixel(side, side, Rgba([0, 0, 0, 0]));
    image::imageops::overlay(
        &mut canvas,
        &scaled,
        i64::from((side - sw) / 2),
        i64::from((side - sh) / 2),
    );
    canvas
}

fn encode_png(icon: &RgbaImage) -> Result<Vec<u8>, IconError> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Best, PngFilter::Adaptive)
        .write_image(icon.as_raw(), icon.width(), icon.height(), ExtendedColorType::Rgba8)
        .map_err(|e| IconError::Encode(e.to_string()))?;
    Ok(out)
}

/// A GIF of the icon if it has at most 256 colours (so the palette loses nothing).
fn encode_gif_if_lossless(icon: &RgbaImage) -> Result<Option<Vec<u8>>, IconError> {
    let mut colours = std::collections::HashSet::new();
    for p in icon.pixels() {
        // GIF transparency is all or nothing: a half-transparent pixel would change.
        if p.0[3] != 0 && p.0[3] != 255 {
            return Ok(None);
        }
        let key = if p.0[3] == 0 { [0, 0, 0, 0] } else { p.0 };
        if colours.insert(key) && colours.len() > 256 {
            return Ok(None);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new_with_speed(&mut out, 10);
        let frame = image::Frame::new(icon.clone());
        encoder.encode_frame(frame).map_err(|e| IconError::Encode(e.to_string()))?;
    }
    Ok(Some(out))
}

/// The icon composited on white, as JPEG needs.
fn flatten_on_white(icon: &RgbaImage) -> image::RgbImage {
    image::RgbImage::from_fn(icon.width(), icon.height(), |x, y| {
        let [r, g, b, a] = icon.get_pixel(x, y).0;
        let blend = |c: u8| {
            let c = u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a));
            u8::try_from(c / 255).unwrap_or(u8::MAX)
        };
        image::Rgb([blend(r), blend(g), blend(b)])
    })
}

fn encode_jpeg(image: &image::RgbImage, quality: u8) -> Result<Vec<u8>, IconError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(image.as_raw(), image.width(), image.height(), ExtendedColorType::Rgb8)
        .map_err(|e| IconError::Encode(e.to_string()))?;
    Ok(out)
}

/// Test and bench images, made here so no binary fixture is needed.
pub mod samples {
    use super::*;

    /// A `w`×`h` image with a smooth gradient and a diagonal, encoded as `format`.
    pub fn image(w: u32, h: u32, format: ImageFormat) -> Vec<u8> {
        let rgba = RgbaImage::from_fn(w, h, |x, y| {
            let r = u8::try_from(x * 255 / w.max(1)).unwrap_or(0);
            let g = u8::try_from(y * 255 / h.max(1)).unwrap_or(0);
            let b = if x == y { 255 } else { 64 };
            Rgba([r, g, b, 255])
        });
        let mut out = Cursor::new(Vec::new());
        let written = match format {
            ImageFormat::Jpeg => {
                DynamicImage::ImageRgba8(rgba).to_rgb8().write_to(&mut out, format)
            }
            _ => rgba.write_to(&mut out, format),
        };
        match written {
            Ok(()) => out.into_inner(),
            Err(_) => Vec::new(),
        }
    }

    /// A `w`×`h` image of noise (which compresses badly), as PNG.
    pub fn noise_png(w: u32, h: u32) -> Vec<u8> {
        let mut seed: u32 = 0x1234_5678;
        let rgba = RgbaImage::from_fn(w, h, |_, _| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let [a, b, c, _] = seed.to_le_bytes();
            Rgba([a, b, c, 255])
        });
        let mut out = Cursor::new(Vec::new());
        match rgba.write_to(&mut out, ImageFormat::Png) {
            Ok(()) => out.into_inner(),
            Err(_) => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::samples::{image as sample, noise_png};
    use super::*;

    fn format_of(bytes: &[u8]) -> ImageFormat {
        image::guess_format(bytes).unwrap()
    }

    #[test]
    fn a_small_png_comes_out_as_a_48_pixel_png_within_the_limit() {
        let input = sample(100, 100, ImageFormat::Png);
        let icon = prepare_icon(&input, DEFAULT_MAX_BYTES).unwrap();
        assert!(icon.len() <= DEFAULT_MAX_BYTES, "{} bytes", icon.len());
        let decoded = image::load_from_memory(&icon).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (ICON_SIDE, ICON_SIDE));
    }

    #[test]
    fn every_accepted_format_decodes_to_48_by_48() {
        for format in [ImageFormat::Png, ImageFormat::Gif, ImageFormat::Jpeg, ImageFormat::Bmp] {
            let input = sample(64, 32, format);
            assert_eq!(format_of(&input), format);
            let icon = decode_icon(&input).unwrap_or_else(|e| panic!("{format:?}: {e}"));
            assert_eq!(icon.dimensions(), (ICON_SIDE, ICON_SIDE), "{format:?}");
        }
    }

    #[test]
    fn a_wide_image_keeps_its_aspect_on_transparent_padding() {
        let icon = decode_icon(&sample(96, 48, ImageFormat::Png)).unwrap();
        // 96×48 → 48×24, centred: rows 0..12 and 36..48 are padding.
        assert_eq!(icon.get_pixel(10, 5).0[3], 0, "padding above");
        assert_eq!(icon.get_pixel(10, 40).0[3], 0, "padding below");
        assert_eq!(icon.get_pixel(10, 24).0[3], 255, "the picture");
    }

    #[test]
    fn a_tiny_image_is_scaled_up() {
        let icon = decode_icon(&sample(16, 16, ImageFormat::Gif)).unwrap();
        assert_eq!(icon.dimensions(), (ICON_SIDE, ICON_SIDE));
        assert_eq!(icon.get_pixel(0, 0).0[3], 255, "no padding for a square");
    }

    #[test]
    fn noise_that_no_lossless_format_fits_falls_back_to_jpeg() {
        let input = noise_png(200, 200);
        let icon = prepare_icon(&input, 4000).unwrap();
        assert_eq!(format_of(&icon), ImageFormat::Jpeg);
        assert!(icon.len() <= 4000, "{} bytes", icon.len());
    }

    #[test]
    fn gif_is_used_only_when_its_palette_loses_nothing() {
        // 200 colours in stripes, fully opaque, with transparent padding: a lossless GIF.
        let few = RgbaImage::from_fn(48, 48, |x, y| {
            if y < 4 {
                Rgba([0, 0, 0, 0])
            } else {
                Rgba([u8::try_from((x * 48 + y) % 200).unwrap(), 7, 9, 255])
            }
        });
        let gif = encode_gif_if_lossless(&few).unwrap().expect("200 colours fit a palette");
        let back = image::load_from_memory_with_format(&gif, ImageFormat::Gif).unwrap().to_rgba8();
        for (a, b) in few.pixels().zip(back.pixels()) {
            if a.0[3] == 0 {
                assert_eq!(b.0[3], 0, "transparency survives");
            } else {
                assert_eq!(a, b, "every colour survives");
            }
        }
        // 2,304 colours do not fit; nor does a half-transparent pixel.
        assert_eq!(
            encode_gif_if_lossless(&decode_icon(&sample(48, 48, ImageFormat::Png)).unwrap()),
            Ok(None)
        );
        let mut half = few.clone();
        half.put_pixel(20, 20, Rgba([1, 2, 3, 128]));
        assert_eq!(encode_gif_if_lossless(&half), Ok(None));
    }

    #[test]
    fn an_impossible_limit_is_an_error_not_an_empty_icon() {
        let input = noise_png(64, 64);
        assert_eq!(prepare_icon(&input, 100), Err(IconError::CannotFit { max_bytes: 100 }));
    }

    #[test]
    fn a_ten_megabyte_file_is_refused_before_decoding() {
        let mut input = sample(48, 48, ImageFormat::Png);
        input.resize(10 * 1024 * 1024, 0);
        assert_eq!(
            decode_icon(&input),
            Err(IconError::FileTooLarge { size: 10 * 1024 * 1024, max: MAX_INPUT_BYTES })
        );
        assert!(matches!(prepare_icon(&input, 7168), Err(IconError::FileTooLarge { .. })));
    }

    #[test]
    fn a_decompression_bomb_is_refused_by_its_declared_size() {
        // A valid PNG header declaring 60000×60000 pixels, then no data worth decoding.
        let small = sample(8, 8, ImageFormat::Png);
        let mut bomb = small.clone();
        // IHDR's width and height follow the 8-byte signature, the length and "IHDR".
        bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        let err = decode_icon(&bomb).unwrap_err();
        assert!(
            matches!(err, IconError::TooManyPixels { .. } | IconError::Malformed(_)),
            "{err:?}"
        );
        // A GIF declaring 4000×4000 (under the side limit, over the pixel limit).
        let mut gif = sample(8, 8, ImageFormat::Gif);
        gif[6..8].copy_from_slice(&4000u16.to_le_bytes());
        gif[8..10].copy_from_slice(&4000u16.to_le_bytes());
        assert_eq!(decode_icon(&gif), Err(IconError::TooManyPixels { width: 4000, height: 4000 }));
    }

    #[test]
    fn files_are_read_and_prepared_and_a_huge_one_is_refused_by_its_length() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("me.png");
        std::fs::write(&good, sample(300, 200, ImageFormat::Png)).unwrap();
        let icon = load_icon_file(&good, DEFAULT_MAX_BYTES).unwrap();
        assert!(icon.len() <= DEFAULT_MAX_BYTES);
        let huge = dir.path().join("huge.png");
        let file = std::fs::File::create(&huge).unwrap();
        file.set_len(10 * 1024 * 1024).unwrap();
        assert_eq!(
            load_icon_file(&huge, DEFAULT_MAX_BYTES),
            Err(IconError::FileTooLarge { size: 10 * 1024 * 1024, max: MAX_INPUT_BYTES })
        );
        let missing = load_icon_file(&dir.path().join("nope.png"), DEFAULT_MAX_BYTES);
        assert!(matches!(missing, Err(IconError::Unreadable(_))), "{missing:?}");
    }

    #[test]
    fn malformed_and_foreign_input_is_an_error() {
        assert_eq!(decode_icon(b""), Err(IconError::Unrecognized));
        assert_eq!(decode_icon(b"hello, this is not an image"), Err(IconError::Unrecognized));
        assert_eq!(decode_icon(b"\x00\x00\x01\x00icon"), Err(IconError::Unrecognized), "ICO");
        let png = sample(48, 48, ImageFormat::Png);
        let cut = &png[..png.len() / 2];
        assert!(matches!(decode_icon(cut), Err(IconError::Malformed(_))), "a truncated PNG");
        let mut garbled = sample(48, 48, ImageFormat::Jpeg);
        let len = garbled.len();
        garbled[len / 3..len - 2].fill(0xAB);
        // Damage is either detected or decodes to noise; never a panic, and a success is
        // still a 48×48 icon.
        if let Ok(icon) = decode_icon(&garbled) {
            assert_eq!(icon.dimensions(), (ICON_SIDE, ICON_SIDE));
        }
    }
}
