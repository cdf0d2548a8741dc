//! A client's branding on its documents: the brand colour and the logo, checked before they are
//! stored. No I/O: the logo is inspected from its bytes alone.
//!
//! The logo is placed in PDFs as it is (PDF readers decode JPEG themselves, `DCTDecode`), so only
//! what every reader decodes is accepted: a baseline, extended or progressive Huffman-coded JPEG
//! with 8-bit samples, greyscale or colour (YCbCr/RGB). CMYK (4-component) JPEGs are refused:
//! Adobe's inverted CMYK shows as a negative in some readers.

/// The largest logo accepted, in bytes.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;
/// The largest logo accepted, in pixels on either side.
pub const MAX_LOGO_SIDE: u32 = 4000;

/// Why a colour or a logo was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrandingError {
    #[error("the brand colour must be written #rrggbb (six hexadecimal digits), not {0:?}")]
    Colour(String),
    #[error("the logo is empty")]
    Empty,
    #[error("the logo is {0} bytes; at most {max} are accepted", max = MAX_LOGO_BYTES)]
    TooLarge(usize),
    #[error("the logo is not a JPEG image")]
    NotJpeg,
    #[error("the logo's JPEG data is cut short or damaged")]
    Truncated,
    #[error("the logo is a {0} JPEG; use a baseline or progressive JPEG")]
    Unsupported(&'static str),
    #[error("the logo is a CMYK JPEG; save it as an RGB (or greyscale) JPEG")]
    Cmyk,
    #[error("the logo has {0} colour components; only greyscale (1) and colour (3) are accepted")]
    Components(u8),
    #[error("the logo has no width or height")]
    ZeroSize,
    #[error("the logo is {width}×{height} pixels; at most {max}×{max} are accepted", max = MAX_LOGO_SIDE)]
    TooManyPixels { width: u32, height: u32 },
}

/// Checks a brand colour and returns it as stored: `#rrggbb` in lower case.
pub fn parse_brand_colour(text: &str) -> Result<String, BrandingError> {
    let t = text.trim();
    let ok = t.len() == 7 && t.starts_with('#') && t.bytes().skip(1).all(|b| b.is_ascii_hexdigit());
    if !ok {
        let shown: String = t.chars().take(40).collect();
        return Err(BrandingError::Colour(shown));
    }
    Ok(t.to_ascii_lowercase())
}

/// What a logo's JPEG header says about the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegInfo {
    pub width: u32,
    pub height: u32,
    /// 1 (greyscale) or 3 (colour).
    pub components: u8,
    pub progressive: bool,
}

/// Checks a logo: a whole JPEG of an accepted kind and size. Walks the marker segments from the
/// start-of-image marker to the frame header (SOFn) for the size and components, then to the
/// first scan, and makes sure the image ends (an end-of-image marker after the scan data).
pub fn inspect_logo(bytes: &[u8]) -> Result<JpegInfo, BrandingError> {
    if bytes.is_empty() {
        return Err(BrandingError::Empty);
    }
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(BrandingError::TooLarge(bytes.len()));
    }
    if bytes.len() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8 {
        return Err(BrandingError::NotJpeg);
    }
    let mut pos = 2;
    let mut frame: Option<JpegInfo> = None;
    loop {
        // A marker: 0xFF, optional 0xFF fill bytes, then the marker code.
        if *bytes.get(pos).ok_or(BrandingError::Truncated)? != 0xFF {
            return Err(if frame.is_some() {
                BrandingError::Truncated
            } else {
                BrandingError::NotJpeg
            });
        }
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *bytes.get(pos).ok_or(BrandingError::Truncated)?;
        pos += 1;
        match marker {
            // Markers without a segment.
            0x01 | 0xD0..=0xD7 => continue,
            0xD8 => return Err(BrandingError::NotJpeg),
            0xD9 => return Err(BrandingError::Truncated),
            0x00 => return Err(BrandingError::NotJpeg),
            _ => {}
        }
        let len = match bytes.get(pos..pos + 2) {
            Some(l) => usize::from(u16::from_be_bytes([l[0], l[1]])),
            None => return Err(BrandingError::Truncated),
        };
        if len < 2 {
            return Err(BrandingError::NotJpeg);
        }
        let segment = bytes
            .get(pos + 2..pos + len)
            .ok_or(BrandingError::Truncated)?;
        pos += len;
        match marker {
            0xC0..=0xC2 => {
                if frame.is_some() {
                    return Err(BrandingError::NotJpeg);
                }
                frame = Some(frame_header(segment, marker == 0xC2)?);
            }
            0xC3 => return Err(BrandingError::Unsupported("lossless")),
            0xC5..=0xC7 => return Err(BrandingError::Unsupported("hierarchical")),
            0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(BrandingError::Unsupported("arithmetic-coded"))
            }
            0xDA => {
                let info = frame.ok_or(BrandingError::NotJpeg)?;
                // The scan data runs to the end-of-image marker; inside it 0xFF is always
                // followed by 0x00 or a restart marker, so the first FF D9 is the end.
                let rest = &bytes[pos..];
                if !rest.windows(2).any(|w| w == [0xFF, 0xD9]) {
                    return Err(BrandingError::Truncated);
                }
                return Ok(info);
            }
            _ => {}
        }
    }
}

fn frame_header(s: &[u8], progressive: bool) -> Result<JpegInfo, BrandingError> {
    if s.len() < 6 {
        return Err(BrandingError::Truncated);
    }
    let precision = s[0];
    let height = u32::from(u16::from_be_bytes([s[1], s[2]]));
    let width = u32::from(u16::from_be_bytes([s[3], s[4]]));
    let components = s[5];
    if s.len() < 6 + 3 * usize::from(components) {
        return Err(BrandingError::Truncated);
    }
    if precision != 8 {
        return Err(BrandingError::Unsupported("12-bit"));
    }
    match components {
        1 | 3 => {}
        4 => return Err(BrandingError::Cmyk),
        n => return Err(BrandingError::Components(n)),
    }
    if width == 0 || height == 0 {
        return Err(BrandingError::ZeroSize);
    }
    if width > MAX_LOGO_SIDE || height > MAX_LOGO_SIDE {
        return Err(BrandingError::TooManyPixels { width, height });
    }
    Ok(JpegInfo {
        width,
        height,
        components,
        progressive,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASELINE: &[u8] = include_bytes!("../../testdata/branding/logo.jpg");
    const PROGRESSIVE: &[u8] = include_bytes!("../../testdata/branding/logo-progressive.jpg");
    const GREY: &[u8] = include_bytes!("../../testdata/branding/logo-grey.jpg");
    const CMYK: &[u8] = include_bytes!("../../testdata/branding/logo-cmyk.jpg");
    const PNG: &[u8] = include_bytes!("../../testdata/branding/logo.png");

    #[test]
    fn colours_are_six_hex_digits_with_a_hash() {
        assert_eq!(parse_brand_colour("#1F6FEB").unwrap(), "#1f6feb");
        assert_eq!(parse_brand_colour(" #00aa00 ").unwrap(), "#00aa00");
        for bad in [
            "",
            "#",
            "1f6feb",
            "#1f6fe",
            "#1f6feb0",
            "#gg0000",
            "red",
            "#1f6f eb",
            "#１f6feb",
        ] {
            assert!(
                matches!(parse_brand_colour(bad), Err(BrandingError::Colour(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn real_jpegs_are_read() {
        assert_eq!(
            inspect_logo(BASELINE).unwrap(),
            JpegInfo {
                width: 24,
                height: 12,
                components: 3,
                progressive: false
            }
        );
        let p = inspect_logo(PROGRESSIVE).unwrap();
        assert_eq!(
            (p.width, p.height, p.components, p.progressive),
            (24, 12, 3, true)
        );
        let g = inspect_logo(GREY).unwrap();
        assert_eq!((g.width, g.height, g.components), (24, 12, 1));
    }

    #[test]
    fn cmyk_and_other_images_are_refused() {
        assert_eq!(inspect_logo(CMYK), Err(BrandingError::Cmyk));
        assert_eq!(inspect_logo(PNG), Err(BrandingError::NotJpeg));
        assert_eq!(inspect_logo(b"GIF89a....."), Err(BrandingError::NotJpeg));
        assert_eq!(inspect_logo(b""), Err(BrandingError::Empty));
        assert_eq!(
            inspect_logo(&[0xFF, 0xD8, 0x00, 0x00, 0x00]),
            Err(BrandingError::NotJpeg)
        );
    }

    #[test]
    fn every_truncation_is_refused() {
        // Cut anywhere short of the end-of-image marker, the logo is refused, never read.
        for n in 0..BASELINE.len() {
            let r = inspect_logo(&BASELINE[..n]);
            assert!(r.is_err(), "accepted the first {n} bytes");
        }
        for n in 0..PROGRESSIVE.len() {
            assert!(inspect_logo(&PROGRESSIVE[..n]).is_err(), "progressive {n}");
        }
    }

    #[test]
    fn garbage_never_panics() {
        // A cheap deterministic fuzz: flipped bytes and random tails.
        let mut x: u32 = 0x1234_5678;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        for _ in 0..2_000 {
            let mut b = BASELINE.to_vec();
            for _ in 0..4 {
                let i = next() as usize % b.len();
                b[i] = next() as u8;
            }
            let _ = inspect_logo(&b);
            let tail: Vec<u8> = (0..next() % 64).map(|_| next() as u8).collect();
            let mut c = vec![0xFF, 0xD8];
            c.extend(tail);
            let _ = inspect_logo(&c);
        }
    }

    /// A hand-made header with the given frame fields, a scan and the end marker.
    fn header(width: u16, height: u16, components: u8) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xC0];
        let len = 8 + 3 * u16::from(components);
        b.extend(len.to_be_bytes());
        b.push(8);
        b.extend(height.to_be_bytes());
        b.extend(width.to_be_bytes());
        b.push(components);
        for i in 0..components {
            b.extend([i + 1, 0x11, 0]);
        }
        b.extend([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        b.extend([0x12, 0x34, 0xFF, 0xD9]);
        b
    }

    #[test]
    fn sizes_are_bounded() {
        assert!(inspect_logo(&header(4000, 4000, 3)).is_ok());
        assert_eq!(
            inspect_logo(&header(4001, 10, 3)),
            Err(BrandingError::TooManyPixels {
                width: 4001,
                height: 10
            })
        );
        assert_eq!(
            inspect_logo(&header(10, 0, 3)),
            Err(BrandingError::ZeroSize)
        );
        assert_eq!(
            inspect_logo(&header(0, 10, 1)),
            Err(BrandingError::ZeroSize)
        );
        assert_eq!(
            inspect_logo(&header(10, 10, 2)),
            Err(BrandingError::Components(2))
        );
        let mut big = BASELINE.to_vec();
        big.resize(MAX_LOGO_BYTES + 1, 0);
        assert_eq!(
            inspect_logo(&big),
            Err(BrandingError::TooLarge(MAX_LOGO_BYTES + 1))
        );
        let mut lossless = header(10, 10, 3);
        lossless[3] = 0xC3;
        assert_eq!(
            inspect_logo(&lossless),
            Err(BrandingError::Unsupported("lossless"))
        );
    }
}
