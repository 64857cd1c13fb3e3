use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;

/// The hotline's two branches ("press 1" / "press 2"), which have their own queues and staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Branch {
    /// Denunciations of crime, smuggling, trade fraud, corruption; problems met during
    /// customs procedures.
    One,
    /// Support for e-customs (VNACCS/VCIS), the National and ASEAN Single Windows; policy and
    /// procedure guidance; recommendations.
    Two,
}

impl Branch {
    pub fn number(self) -> u8 {
        match self {
            Branch::One => 1,
            Branch::Two => 2,
        }
    }
    pub fn from_number(n: i64) -> Result<Self, InvalidValue> {
        match n {
            1 => Ok(Branch::One),
            2 => Ok(Branch::Two),
            _ => Err(InvalidValue::new(
                "branch_unknown",
                format!("branch must be 1 or 2, not {n}"),
            )),
        }
    }
}

impl Serialize for Branch {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.number())
    }
}

impl<'de> Deserialize<'de> for Branch {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        Branch::from_number(n).map_err(serde::de::Error::custom)
    }
}
