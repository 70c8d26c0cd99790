//! Billing: prices and billing minimums.

pub mod prices;
