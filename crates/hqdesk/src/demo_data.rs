//! Placeholder until the demo data module lands.
pub struct DemoUnit { pub code: &'static str, pub name: &'static str, pub parent: Option<&'static str>, pub level: &'static str }
pub fn units() -> Vec<DemoUnit> { vec![] }
pub struct DemoUser { pub username: &'static str, pub display_name: &'static str, pub role: &'static str, pub unit: Option<&'static str> }
pub fn users() -> Vec<DemoUser> { vec![] }
pub struct DemoRequester { pub name: String, pub business_name: Option<String>, pub tax_code: Option<String>, pub email: Option<String>, pub phone: Option<String> }
pub struct DemoMessage { pub from_staff: bool, pub internal: bool, pub body: String }
pub struct DemoCase { pub kind: &'static str, pub branch: u8, pub channel: &'static str, pub category: &'static str, pub priority: &'static str, pub subject: String, pub body: String, pub requester: Option<DemoRequester>, pub unit: Option<&'static str>, pub assignee: Option<&'static str>, pub replies: Vec<DemoMessage>, pub status: &'static str }
pub fn cases(_count: usize, _seed: u64) -> Vec<DemoCase> { vec![] }
