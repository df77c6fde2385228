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

/// Checks a slug written by an editor (`slug:` in front matter). Returns why it
/// is not acceptable, if it is not: a slug is one URL segment, never a path.
pub fn check_user_slug(slug: &str) -> Result<(), &'static str> {
    if slug.is_empty() {
        return Err("the slug is empty");
    }
    if slug.contains('/') || slug.contains('\\') {
        return Err("a slug is one URL segment and cannot contain `/` or `\\`");
    }
    if slug == "." || slug == ".." || slug.starts_with('.') {
        return Err("a slug cannot start with `.`");
    }
    if slug.chars().any(|c| c.is_control() || c == '?' || c == '#' || c == '%') {
        return Err("a slug cannot contain control characters, `?`, `#` or `%`");
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
        assert!(check_user_slug("goede-slug").is_ok());
    }
}
