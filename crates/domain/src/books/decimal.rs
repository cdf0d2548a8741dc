//! Exact decimal amounts and quantities: parsed from text, held as integers, never as floats.
//!
//! Money is held in minor units (pence), quantities in thousandths of a unit. Every division
//! rounds half away from zero ("commercial" rounding, which HMRC accepts), in one function.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ValidationError;

/// Decimal places of a money amount (all supported currencies have two).
pub const MONEY_DECIMALS: u32 = 2;
/// Decimal places of a quantity.
pub const QUANTITY_DECIMALS: u32 = 3;
/// Thousandths in one unit of quantity.
pub const QUANTITY_SCALE: i64 = 1_000;
/// The largest magnitude of any amount or quantity in minor units: 10^13, so that products of
/// two of them stay far inside i128 and totals of many stay inside i64.
const MAX_MAGNITUDE: i64 = 10_000_000_000_000;

/// `numerator / denominator`, rounded half away from zero. `denominator` must not be zero.
pub fn div_round(numerator: i128, denominator: i128) -> i128 {
    debug_assert!(denominator != 0);
    let (n, d) = if denominator < 0 {
        (-numerator, -denominator)
    } else {
        (numerator, denominator)
    };
    let q = n / d;
    let r = n % d;
    if 2 * r.abs() >= d {
        q + n.signum()
    } else {
        q
    }
}

/// Parses `text` as a decimal with at most `decimals` places into an integer scaled by
/// 10^decimals. Accepts an optional sign, digits, and one point; nothing else (no exponent, no
/// grouping), so what a person typed is what is stored.
pub fn parse_scaled(
    text: &str,
    decimals: u32,
    field: &'static str,
) -> Result<i64, ValidationError> {
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, f),
        None => (digits, ""),
    };
    let well_formed = !(whole.is_empty() && fraction.is_empty())
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit());
    if !well_formed {
        return Err(ValidationError::new(
            field,
            format!("{text:?} is not a decimal number"),
        ));
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > decimals as usize {
        return Err(ValidationError::new(
            field,
            format!("{text} has more than {decimals} decimal places"),
        ));
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > 14 {
        return Err(ValidationError::new(field, format!("{text} is too large")));
    }
    let scale = 10_i64.pow(decimals);
    let whole_value: i64 = if whole.is_empty() {
        0
    } else {
        whole
            .parse::<i64>()
            .map_err(|_| ValidationError::new(field, format!("{text} is too large")))?
    };
    let mut fraction_value: i64 = 0;
    for (i, b) in fraction.bytes().enumerate() {
        fraction_value += i64::from(b - b'0') * 10_i64.pow(decimals - 1 - i as u32);
    }
    let value = whole_value
        .checked_mul(scale)
        .and_then(|v| v.checked_add(fraction_value))
        .filter(|v| *v <= MAX_MAGNITUDE)
        .ok_or_else(|| ValidationError::new(field, format!("{text} is too large")))?;
    Ok(if negative { -value } else { value })
}

/// Formats an integer scaled by 10^decimals as a decimal with exactly `decimals` places.
pub fn format_scaled(value: i64, decimals: u32) -> String {
    let scale = 10_u64.pow(decimals);
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    if decimals == 0 {
        return format!("{sign}{abs}");
    }
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = decimals as usize
    )
}

/// Reads a decimal from JSON text or a JSON number. A JSON number reaches serde as a float only
/// when it has a fraction; it is read back through its shortest exact decimal form, so `10.1`
/// is 10.1, and the value is then held as an integer. Strings are exact.
struct DecimalVisitor {
    decimals: u32,
    field: &'static str,
}

impl serde::de::Visitor<'_> for DecimalVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a decimal number with at most {} places", self.decimals)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<i64, E> {
        parse_scaled(v, self.decimals, self.field).map_err(|e| E::custom(e.message))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<i64, E> {
        if !v.is_finite() {
            return Err(E::custom("not a finite number"));
        }
        // Rust prints the shortest decimal that reads back as the same float: the literal sent.
        self.visit_str(&format!("{v}"))
    }
}

macro_rules! scaled_type {
    ($name:ident, $decimals:expr, $field:expr, $doc:expr) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub i64);

        impl $name {
            pub const ZERO: $name = $name(0);

            /// Parses a decimal typed by a person or sent by a client.
            pub fn parse(text: &str) -> Result<Self, ValidationError> {
                parse_scaled(text, $decimals, $field).map($name)
            }

            pub fn is_zero(self) -> bool {
                self.0 == 0
            }

            pub fn is_negative(self) -> bool {
                self.0 < 0
            }

            pub fn abs(self) -> Self {
                $name(self.0.abs())
            }
        }

        /// From a stored integer in the type's scale.
        impl From<i64> for $name {
            fn from(v: i64) -> $name {
                $name(v)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&format_scaled(self.0, $decimals))
            }
        }

        impl std::ops::Add for $name {
            type Output = $name;
            fn add(self, o: $name) -> $name {
                $name(self.0 + o.0)
            }
        }

        impl std::ops::Sub for $name {
            type Output = $name;
            fn sub(self, o: $name) -> $name {
                $name(self.0 - o.0)
            }
        }

        impl std::ops::Neg for $name {
            type Output = $name;
            fn neg(self) -> $name {
                $name(-self.0)
            }
        }

        impl std::ops::AddAssign for $name {
            fn add_assign(&mut self, o: $name) {
                self.0 += o.0;
            }
        }

        impl std::ops::SubAssign for $name {
            fn sub_assign(&mut self, o: $name) {
                self.0 -= o.0;
            }
        }

        impl std::iter::Sum for $name {
            fn sum<I: Iterator<Item = $name>>(iter: I) -> $name {
                $name(iter.map(|a| a.0).sum())
            }
        }

        /// Serialised as a JSON string holding the exact decimal, never as a float.
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_string())
            }
        }

        /// Described to API clients as what it is on the wire: a decimal string.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .pattern(Some(format!("^-?[0-9]+(\\.[0-9]{{1,{}}})?$", $decimals)))
                    .description(Some(format!(
                        "{} An exact decimal string; numbers are accepted on input.",
                        $doc
                    )))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(DecimalVisitor {
                    decimals: $decimals,
                    field: $field,
                })
                .map($name)
            }
        }
    };
}

scaled_type!(
    Amount,
    MONEY_DECIMALS,
    "amount",
    "An amount of money in minor units (pence) of the company's currency."
);
scaled_type!(
    Quantity,
    QUANTITY_DECIMALS,
    "qty",
    "A quantity of an item in thousandths of its unit."
);

impl Amount {
    /// `qty × rate`, rounded to the penny.
    pub fn of(qty: Quantity, rate: Amount) -> Amount {
        Amount(div_round(
            i128::from(qty.0) * i128::from(rate.0),
            i128::from(QUANTITY_SCALE),
        ) as i64)
    }

    /// `self × numerator / denominator`, rounded to the penny; `denominator` must not be zero.
    pub fn share(self, numerator: i64, denominator: i64) -> Amount {
        Amount(div_round(
            i128::from(self.0) * i128::from(numerator),
            i128::from(denominator),
        ) as i64)
    }

    /// Whole pounds, pence left out (as the VAT return's boxes 6 to 9 ask).
    pub fn whole_units(self) -> i64 {
        self.0 / 100
    }

    /// As people read money: thousands grouped and the currency's symbol before the figure,
    /// the sign before both (`£1,234.50`, `-£3.00`).
    pub fn with_symbol(self, symbol: &str) -> String {
        let text = self.abs().to_string();
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, "00"));
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let sign = if self.is_negative() { "-" } else { "" };
        format!("{sign}{symbol}{grouped}.{fraction}")
    }
}

/// The symbol shown before amounts in a currency: its sign for the common ones, else its code
/// and a space (`CHF 12.00`).
pub fn currency_symbol(code: &str) -> String {
    match code {
        "GBP" => "£".into(),
        "EUR" => "€".into(),
        "USD" => "$".into(),
        other => format!("{other} "),
    }
}

impl Quantity {
    pub fn units(n: i64) -> Quantity {
        Quantity(n * QUANTITY_SCALE)
    }

    /// Without needless decimals: `2`, `1.5`, `0.125`.
    pub fn plain(self) -> String {
        let t = self.to_string();
        t.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_quantities_read_as_people_write_them() {
        assert_eq!(Amount(123_456_789).with_symbol("£"), "£1,234,567.89");
        assert_eq!(Amount(-300).with_symbol("£"), "-£3.00");
        assert_eq!(Amount(5).with_symbol("€"), "€0.05");
        assert_eq!(Amount(100_000).with_symbol("CHF "), "CHF 1,000.00");
        assert_eq!(currency_symbol("GBP"), "£");
        assert_eq!(currency_symbol("CHF"), "CHF ");
        assert_eq!(Quantity(2000).plain(), "2");
        assert_eq!(Quantity(1500).plain(), "1.5");
        assert_eq!(Quantity(125).plain(), "0.125");
        assert_eq!(Quantity(-2000).plain(), "-2");
        assert_eq!(Quantity(0).plain(), "0");
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(div_round(5, 2), 3);
        assert_eq!(div_round(-5, 2), -3);
        assert_eq!(div_round(4, 3), 1);
        assert_eq!(div_round(-4, 3), -1);
        assert_eq!(div_round(7, -2), -4);
    }

    #[test]
    fn parses_exactly_or_refuses() {
        assert_eq!(Amount::parse("10.5").unwrap(), Amount(1050));
        assert_eq!(Amount::parse("-0.01").unwrap(), Amount(-1));
        assert_eq!(Amount::parse(".5").unwrap(), Amount(50));
        assert_eq!(Amount::parse("12.300").unwrap(), Amount(1230));
        assert!(Amount::parse("0.001").is_err());
        assert!(Amount::parse("1e3").is_err());
        assert!(Amount::parse("").is_err());
        assert!(Amount::parse(".").is_err());
        assert!(Amount::parse("1,000").is_err());
        assert!(Amount::parse("999999999999999").is_err());
        assert_eq!(Quantity::parse("2.125").unwrap(), Quantity(2125));
        assert!(Quantity::parse("2.1255").is_err());
    }

    #[test]
    fn json_numbers_and_strings_read_exactly() {
        let a: Amount = serde_json::from_str("0.1").unwrap();
        assert_eq!(a, Amount(10));
        let a: Amount = serde_json::from_str("\"19.99\"").unwrap();
        assert_eq!(a, Amount(1999));
        let a: Amount = serde_json::from_str("7").unwrap();
        assert_eq!(a, Amount(700));
        assert!(serde_json::from_str::<Amount>("0.005").is_err());
        assert_eq!(serde_json::to_string(&Amount(-1234)).unwrap(), "\"-12.34\"");
    }

    #[test]
    fn line_amounts_round_to_the_penny() {
        // 3 × £0.333 is not expressible; 1.5 × £0.33 = £0.495 → £0.50.
        assert_eq!(Amount::of(Quantity(1500), Amount(33)), Amount(50));
        assert_eq!(Amount::of(Quantity(-1500), Amount(33)), Amount(-50));
        assert_eq!(Amount(1000).share(1, 3), Amount(333));
        assert_eq!(Amount(-12_345).whole_units(), -123);
    }
}
