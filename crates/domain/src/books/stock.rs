//! Moving-average stock valuation.
//!
//! A position holds the quantity and the total value on hand, both exact integers; the average
//! rate is derived. An issue takes its proportional share of the value, and the last unit out
//! takes whatever value is left, so the value of an empty position is exactly zero.

use super::decimal::{div_round, Amount, Quantity, QUANTITY_SCALE};
use super::BooksError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StockPosition {
    pub qty: Quantity,
    pub value: Amount,
    /// The last average cost per unit, used to value stock issued into a negative balance.
    pub rate: Amount,
}

impl StockPosition {
    /// Average cost per whole unit, rounded to the penny (what is shown and recorded).
    fn average(qty: Quantity, value: Amount) -> Amount {
        Amount(div_round(
            i128::from(value.0) * i128::from(QUANTITY_SCALE),
            i128::from(qty.0),
        ) as i64)
    }

    /// Goods in, at a total cost.
    pub fn receive(&mut self, qty: Quantity, cost: Amount) {
        self.qty += qty;
        self.value += cost;
        if self.qty.0 > 0 {
            self.rate = Self::average(self.qty, self.value);
        } else if qty.0 > 0 {
            self.rate = Self::average(qty, cost);
        }
    }

    /// Undoes a recorded movement of `qty` and `value` (a cancelled document's): refused when
    /// taking goods back out would leave the balance below zero and that is not allowed.
    pub fn undo(
        &mut self,
        qty: Quantity,
        value: Amount,
        allow_negative: bool,
    ) -> Result<(), BooksError> {
        let after = self.qty - qty;
        if qty.0 > 0 && after.0 < 0 && !allow_negative {
            return Err(BooksError::InsufficientStock {
                available: self.qty,
                wanted: qty,
            });
        }
        self.qty = after;
        self.value -= value;
        if self.qty.0 > 0 {
            self.rate = Self::average(self.qty, self.value);
        }
        Ok(())
    }

    /// Goods out; returns their cost at valuation. Refused when it would take the balance below
    /// zero, unless negative stock is allowed (then the shortfall is valued at the last rate).
    pub fn issue(&mut self, qty: Quantity, allow_negative: bool) -> Result<Amount, BooksError> {
        if qty > self.qty && !allow_negative {
            return Err(BooksError::InsufficientStock {
                available: self.qty,
                wanted: qty,
            });
        }
        let cost = if qty == self.qty {
            self.value
        } else if qty < self.qty {
            self.value.share(qty.0, self.qty.0)
        } else {
            let on_hand = if self.qty.0 > 0 {
                self.value
            } else {
                Amount::ZERO
            };
            let short = qty
                - if self.qty.0 > 0 {
                    self.qty
                } else {
                    Quantity::ZERO
                };
            on_hand + Amount::of(short, self.rate)
        };
        self.qty -= qty;
        self.value -= cost;
        if self.qty.0 > 0 {
            self.rate = Self::average(self.qty, self.value);
        }
        Ok(cost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_average_worked_example() {
        // In: 10 @ £2.00 and 5 @ £3.50 → 15 units worth £37.50, average £2.50.
        let mut p = StockPosition::default();
        p.receive(Quantity::units(10), Amount(2_000));
        p.receive(Quantity::units(5), Amount(1_750));
        assert_eq!(p.rate, Amount(250));
        // Out: 4 → £10.00 of cost; 11 left worth £27.50.
        assert_eq!(p.issue(Quantity::units(4), false).unwrap(), Amount(1_000));
        assert_eq!(p.value, Amount(2_750));
        // 3 units of a £1.00 lot: each 33.33…p; out 1 → 33p, out 2 → 67p, the last takes what's left.
        let mut q = StockPosition::default();
        q.receive(Quantity::units(3), Amount(100));
        assert_eq!(q.issue(Quantity::units(1), false).unwrap(), Amount(33));
        assert_eq!(q.issue(Quantity::units(1), false).unwrap(), Amount(34));
        assert_eq!(q.issue(Quantity::units(1), false).unwrap(), Amount(33));
        assert_eq!(q.value, Amount::ZERO);
    }

    #[test]
    fn negative_stock_is_refused_unless_allowed() {
        let mut p = StockPosition::default();
        p.receive(Quantity::units(2), Amount(400));
        assert!(matches!(
            p.issue(Quantity::units(3), false),
            Err(BooksError::InsufficientStock { .. })
        ));
        assert_eq!(p.qty, Quantity::units(2));
        assert_eq!(p.issue(Quantity::units(3), true).unwrap(), Amount(600));
        assert_eq!(p.qty, Quantity::units(-1));
        assert_eq!(p.value, Amount(-200));
        p.receive(Quantity::units(1), Amount(200));
        assert_eq!(p.qty, Quantity::ZERO);
        assert_eq!(p.value, Amount::ZERO);
    }
}
