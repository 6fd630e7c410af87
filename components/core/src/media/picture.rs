//! Pictures: the size check before decoding (decompression bombs), decoding with the
//! `image` crate's limits, and the smaller versions.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};

use super::{Format, MediaLimits};

/// Why a picture was refused: `(code, message)`.
pub(crate) type Refusal = (&'static str, String);

fn image_format(f: Format) -> Option<ImageFormat> {
    Some(match f {
        Format::Png => ImageFormat::Png,
        Format::Jpeg => ImageFormat::Jpeg,
        Format::Gif => ImageFormat::Gif,
        Format::Webp => ImageFormat::WebP,
        _ => return None,
    })
}

fn reader(path: &Path, f: ImageFormat) -> Result<ImageReader<BufReader<File>>, Refusal> {
    let file = File::open(path).map_err(|e| ("picture_unreadable", e.to_string()))?;
    Ok(ImageReader::with_format(BufReader::new(file), f))
}

/// Width and height in pixels from the picture's header, checked against `limits`
/// before anything is decoded; then the decoded picture. `None` for formats that are not
/// decoded (SVG).
pub(crate) fn decode(
    path: &Path,
    format: Format,
    limits: &MediaLimits,
) -> Result<Option<DynamicImage>, Refusal> {
    let Some(f) = image_format(format) else {
        return Ok(None);
    };
    let (w, h) = reader(path, f)?.into_dimensions().map_err(|e| {
        (
            "picture_undecodable",
            format!("the picture cannot be read: {e}"),
        )
    })?;
    let pixels = u64::from(w) * u64::from(h);
    if w > limits.max_side || h > limits.max_side || pixels > limits.max_pixels {
        return Err((
            "picture_too_big",
            format!(
                "the picture is {w} × {h} pixels ({:.1} megapixels); pictures may be at most {} pixels a side and {:.0} megapixels",
                pixels as f64 / 1e6,
                limits.max_side,
                limits.max_pixels as f64 / 1e6
            ),
        ));
    }
    let mut r = reader(path, f)?;
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_side);
    l.max_image_height = Some(limits.max_side);
    // The decoded picture (at most 4 bytes, or 8 for 16-bit pictures, a pixel) and room
    // for the decoder's own buffers.
    l.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(64 << 20));
    r.limits(l);
    let undecodable = |e: image::ImageError| {
        (
            "picture_undecodable",
            format!("the picture cannot be decoded: {e}"),
        )
    };
    let mut decoder = r.into_decoder().map_err(undecodable)?;
    // A photo taken sideways says so in its EXIF data: its smaller versions are turned
    // the way browsers show the original.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(undecodable)?;
    img.apply_orientation(orientation);
    Ok(Some(img))
}

/// A smaller version of `img` fitting a `size` × `size` box, written to `dest` as JPEG
/// (opaque pictures) or PNG (with transparency); `None` when `img` already fits.
/// Returns the extension used.
pub(crate) fn shrink(
    img: &DynamicImage,
    size: u32,
    dest: &Path,
) -> Result<Option<&'static str>, std::io::Error> {
    if img.width() <= size && img.height() <= size {
        return Ok(None);
    }
    let small = img.resize(size, size, image::imageops::FilterType::Triangle);
    let err = |e: image::ImageError| std::io::Error::other(e.to_string());
    let mut bytes = std::io::Cursor::new(Vec::new());
    let ext = if has_transparency(&small) {
        small
            .to_rgba8()
            .write_to(&mut bytes, ImageFormat::Png)
            .map_err(err)?;
        "png"
    } else {
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
            .encode_image(&small.to_rgb8())
            .map_err(err)?;
        "jpg"
    };
    let mut f = File::create(dest)?;
    f.write_all(bytes.get_ref())?;
    f.sync_all()?;
    Ok(Some(ext))
}

/// Whether any pixel is not fully opaque.
fn has_transparency(img: &DynamicImage) -> bool {
    img.color().has_alpha() && img.to_rgba8().pixels().any(|p| p.0[3] < 255)
}
