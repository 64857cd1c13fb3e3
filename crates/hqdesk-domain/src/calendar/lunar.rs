//! Vietnamese lunar calendar (Hồ Ngọc Đức's method: astronomical new moons and solar terms at
//! UTC+7, which differs from the Chinese calendar at UTC+8 in some years).
use chrono::NaiveDate;

/// A lunar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LunarDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub leap: bool,
}

/// The solar date of the lunar new year (Tết, 1/1) of `year`.
pub fn new_year(year: i32) -> NaiveDate {
    let _ = year;
    todo!("issue 17: lunar conversion")
}

/// The solar date of a lunar date, or `None` if that date does not exist (a 30th of a 29-day
/// month, a leap month the year does not have).
pub fn to_solar(date: LunarDate) -> Option<NaiveDate> {
    let _ = date;
    todo!("issue 17: lunar conversion")
}

/// The lunar date of a solar date.
pub fn from_solar(date: NaiveDate) -> LunarDate {
    let _ = date;
    todo!("issue 17: lunar conversion")
}
