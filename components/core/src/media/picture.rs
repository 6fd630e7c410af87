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
    if format == Format::Jpeg && !jpeg_complete(path)? {
        // The decoder fills a cut-off JPEG with grey and says nothing.
        return Err((
            "picture_undecodable",
            "the picture cannot be decoded: the JPEG data ends before the picture does (the file was cut off?)".into(),
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

/// Whether a JPEG file's picture data reaches its end-of-image marker: the segments
/// before the first scan are passed over by their lengths (so an EXIF thumbnail, which
/// has markers of its own, is not mistaken for the picture), then the scan data is
/// searched for `FF D9` (in scan data a byte `FF` is followed by `00` or a marker, so
/// the pair only appears as the marker). Data after it (camera trailers) is allowed.
fn jpeg_complete(path: &Path) -> Result<bool, Refusal> {
    let bytes = std::fs::read(path).map_err(|e| ("picture_unreadable", e.to_string()))?;
    Ok(jpeg_ends(&bytes))
}

fn jpeg_ends(b: &[u8]) -> bool {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut i = 2;
    // Segments up to the first start of scan.
    loop {
        while i < b.len() && b[i] == 0xFF {
            i += 1; // fill bytes
        }
        let Some(&marker) = b.get(i) else {
            return false;
        };
        let Some(len) = b
            .get(i + 1..i + 3)
            .map(|l| usize::from(l[0]) << 8 | usize::from(l[1]))
        else {
            return false;
        };
        i += 1 + len;
        if marker == 0xDA {
            break;
        }
    }
    b.get(i..)
        .is_some_and(|scan| scan.windows(2).any(|w| w == [0xFF, 0xD9]))
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

#[cfg(test)]
mod tests {
    use super::jpeg_ends;

    #[test]
    fn a_cut_off_jpeg_is_told_from_a_whole_one() {
        let mut img = image::RgbImage::new(64, 48);
        for (x, y, p) in img.enumerate_pixels_mut() {
            *p = image::Rgb([(x * 4) as u8, (y * 5) as u8, (x ^ y) as u8]);
        }
        let mut whole = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(
                &mut std::io::Cursor::new(&mut whole),
                image::ImageFormat::Jpeg,
            )
            .unwrap();
        assert!(jpeg_ends(&whole));
        let mut trailer = whole.clone();
        trailer.extend_from_slice(b"camera trailer \xFF\xDA");
        assert!(jpeg_ends(&trailer), "data after the end is allowed");
        assert!(!jpeg_ends(&whole[..whole.len() / 2]), "cut in the scan");
        assert!(
            !jpeg_ends(&whole[..whole.len() - 2]),
            "cut before the end marker"
        );
        assert!(!jpeg_ends(&whole[..20]), "cut in the header");
    }
}
