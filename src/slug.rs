//! Slugs for URLs and heading ids: lowercase ASCII, Dutch (and other) diacritics
//! folded by `deunicode`, so that `Henriëtte` and `Henriette` meet on one page.

/// Turns any text into a URL slug: `"Henriëtte de Kok"` -> `"henriette-de-kok"`.
/// Never returns a string containing `/`, `.` or `..`; may return an empty string.
pub fn slugify(text: &str) -> String {
    let folded = deunicode::deunicode(text);
    let mut out = String::with_capacity(folded.len());
    let mut pending_dash = false;
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    out
}

/// The longest URL segment (a slug, or a file or folder name that becomes one), in bytes.
/// Each segment is a folder name in the output, and file systems refuse names of 255
/// bytes or more (some, such as encrypted home folders, far fewer): 200 leaves room.
pub const MAX_SEGMENT_BYTES: usize = 200;

/// File names the build writes inside a page's folder: a slug cannot be one of them.
const RESERVED: &[&str] = &["index.html"];

/// Why a slug written by an editor is not acceptable, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlugError {
    pub why: String,
    pub help: &'static str,
}

/// Checks a slug written by an editor (`slug:` in front matter). Returns why it
/// is not acceptable, if it is not: a slug is one URL segment, never a path, and a
/// folder name in the output.
pub fn check_user_slug(slug: &str) -> Result<(), SlugError> {
    const WORDS: &str = "use lowercase words joined by hyphens, such as `my-page`";
    let err = |why: String, help| Err(SlugError { why, help });
    if slug.is_empty() {
        return err("the slug is empty".into(), "remove the `slug:` line to use the file name, or write a slug");
    }
    if slug.trim().is_empty() {
        return err("the slug is only spaces".into(), "remove the `slug:` line to use the file name, or write a slug");
    }
    if slug.contains('/') || slug.contains('\\') {
        return err("a slug is one URL segment and cannot contain `/` or `\\`".into(), WORDS);
    }
    if slug == "." || slug == ".." || slug.starts_with('.') {
        return err("a slug cannot start with `.`".into(), WORDS);
    }
    if slug.chars().any(|c| c.is_control() || c == '?' || c == '#' || c == '%') {
        return err("a slug cannot contain control characters, `?`, `#` or `%`".into(), WORDS);
    }
    if let Some(name) = RESERVED.iter().find(|r| r.eq_ignore_ascii_case(slug)) {
        return err(format!("`{name}` is the file the build writes inside every page's folder"), WORDS);
    }
    if slug.len() > MAX_SEGMENT_BYTES {
        return err(
            format!(
                "a slug is at most {MAX_SEGMENT_BYTES} bytes long (this one has {}): it becomes a folder name, and file names must stay under 255 bytes",
                slug.len()
            ),
            "use a shorter slug: a few words that name the page",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_dutch_diacritics() {
        assert_eq!(slugify("Henriëtte de Kok"), "henriette-de-kok");
        assert_eq!(slugify("Willy Blom - van 't Land"), "willy-blom-van-t-land");
        assert_eq!(slugify("Bèta Bibliotheek"), "beta-bibliotheek");
        assert_eq!(slugify("  Jeugd & onderwijs!  "), "jeugd-onderwijs");
        assert_eq!(slugify("../../etc/x"), "etc-x");
        assert_eq!(slugify("IJsselmonde"), "ijsselmonde");
        assert_eq!(slugify("—"), "");
    }

    #[test]
    fn rejects_path_like_user_slugs() {
        assert!(check_user_slug("../../etc/x").is_err());
        assert!(check_user_slug("a/b").is_err());
        assert!(check_user_slug("..").is_err());
        assert!(check_user_slug("").is_err());
        assert!(check_user_slug("   ").is_err());
        assert!(check_user_slug("index.html").is_err());
        assert!(check_user_slug("INDEX.HTML").is_err());
        assert!(check_user_slug(&"a".repeat(MAX_SEGMENT_BYTES + 1)).is_err());
        assert!(check_user_slug(&"a".repeat(MAX_SEGMENT_BYTES)).is_ok());
        assert!(check_user_slug("goede-slug").is_ok());
    }
}
