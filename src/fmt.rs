//! Numbers as people read them: USD, token counts, thousands separators.
//! A leaf: the analyses and the report both format with it.

/// Format USD the way a finance reader expects: `$56,064`, `$1.23 M`.
pub fn usd(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let a = x.abs();
    let sign = if x < 0.0 { "-" } else { "" };
    if a >= 1e12 {
        // Past a thousand billions, digits stop being readable.
        format!("{sign}${a:.2e}")
    } else if a >= 1e9 {
        format!("{sign}${:.2} B", a / 1e9)
    } else if a >= 1e6 {
        format!("{sign}${:.2} M", a / 1e6)
    } else if a >= 100.0 {
        format!("{sign}${}", thousands(a.round() as u64))
    } else {
        format!("{sign}${a:.2}")
    }
}

/// Tokens as `460.8 M`, `1.29 B`.
pub fn tokens(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    if x >= 1e15 {
        format!("{x:.2e}")
    } else if x >= 1e12 {
        format!("{:.2} T", x / 1e12)
    } else if x >= 1e9 {
        format!("{:.2} B", x / 1e9)
    } else if x >= 1e6 {
        format!("{:.1} M", x / 1e6)
    } else {
        thousands(x.round() as u64)
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A horizon of `hours` as an adjective for its cost: "annual" for a year,
/// "3-year" for whole years, else "1000-hour".
pub fn span(hours: u64) -> String {
    match hours {
        8760 => "annual".into(),
        h if h % 8760 == 0 => format!("{}-year", h / 8760),
        h => format!("{h}-hour"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_figures_print_in_scientific_form() {
        assert_eq!(usd(56_064.2), "$56,064");
        assert_eq!(usd(1.234e9), "$1.23 B");
        assert_eq!(usd(4.63e20), "$4.63e20");
        assert_eq!(tokens(2.5e18), "2.50e18");
        assert_eq!(tokens(1.29e9), "1.29 B");
    }
}

#[cfg(test)]
mod span_tests {
    /// A year is "annual", whole years count in years, anything else in hours.
    #[test]
    fn spans() {
        assert_eq!(super::span(8760), "annual");
        assert_eq!(super::span(26_280), "3-year");
        assert_eq!(super::span(21_900), "21900-hour");
    }
}
