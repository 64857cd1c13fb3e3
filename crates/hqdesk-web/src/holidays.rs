//! Holidays' names as people read them, shared by the console and the API (which gives both
//! languages).
use hqdesk_domain::calendar::HolidayName;

use crate::i18n::Tr;

/// A holiday's name in the reader's language.
pub(crate) fn holiday_name(tr: Tr, n: &HolidayName) -> String {
    match n {
        HolidayName::NewYear => tr.t("cal.holiday.new_year").into(),
        HolidayName::Tet {
            lunar_day,
            old_year,
        } => {
            if *old_year {
                tr.fill("cal.holiday.tet_eve", &[("n", &lunar_day.to_string())])
            } else {
                tr.fill("cal.holiday.tet", &[("n", &lunar_day.to_string())])
            }
        }
        HolidayName::HungKings => tr.t("cal.holiday.hung_kings").into(),
        HolidayName::ReunificationDay => tr.t("cal.holiday.reunification_day").into(),
        HolidayName::LabourDay => tr.t("cal.holiday.labour_day").into(),
        HolidayName::NationalDay => tr.t("cal.holiday.national_day").into(),
        HolidayName::NationalDayExtra => tr.t("cal.holiday.national_day_extra").into(),
        HolidayName::CompensatoryFor(d) => tr.fill(
            "cal.holiday.compensatory_for",
            &[("date", &d.format("%d/%m/%Y").to_string())],
        ),
        HolidayName::Announced(name) => name.clone(),
    }
}
