//! Bulk loading of realistic rows, for benchmarks (`hqdesk bench seed`).
//!
//! Writes units, staff users, requesters, cases spread over ten years with the status, branch,
//! kind, priority, unit and assignee mix of a customs contact centre, a conversation of five to
//! ten messages per case (the requester's, the answers, internal notes) and its status change,
//! the calls behind telephone cases and the attempts to call back missed ones, the requesters'
//! satisfaction ratings, and the search documents of every text, in multi-row `INSERT`s inside
//! transactions of 20,000 cases. One code path for both engines (`$N` placeholders); statements
//! carry at most [`MAX_PARAMS`] parameters (see there for why so few).
//!
//! Seeded data is **not audited**: nothing is written to the audit log, because the rows do not
//! come from anybody's action. It is for measuring, never for a production database.
//!
//! The generator is deterministic (a fixed seed gives the same rows) and runs on its own thread,
//! one chunk ahead of the database writes.
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use hqdesk_domain::case::timeline::{DeliveryState, EntryKind};
use hqdesk_domain::case::{Branch, CaseKind, CaseNumber, Priority, Status};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::requester::TaxCode;
use hqdesk_domain::text::{fold, search_tokens};
use hqdesk_domain::unit::UnitLevel;
use hqdesk_domain::user::Role;
use hqdesk_domain::Timestamp;
use sqlx::any::AnyArguments;
use sqlx::AnyConnection;

use crate::multirow::{add, values, MAX_PARAMS};
use crate::{Engine, Store, StoreError};

/// The seeded HelpDesk agent the benchmarks sign in as (it has cases assigned like any agent).
pub const BENCH_AGENT: &str = "agent.001";
/// The seeded unit with the most cases (the HelpDesk team): the benchmarks' unit filter.
pub const BENCH_UNIT: &str = "HELPDESK";

/// Cases generated (and sent to the writer) at a time.
const CASES_PER_CHUNK: usize = 1_000;
/// Cases per transaction.
const CASES_PER_TX: usize = 20_000;

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;
/// Ten years of cases, ending now.
const SPAN: i64 = 3_652 * DAY;

/// What to seed.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub cases: u64,
    /// The end of the ten years (the newest case is a few minutes old).
    pub now: Timestamp,
    /// The generator's seed: the same seed gives the same rows.
    pub seed: u64,
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedStats {
    pub units: u64,
    pub users: u64,
    pub requesters: u64,
    pub cases: u64,
    pub confidential_reporters: u64,
    pub timeline_entries: u64,
    /// Of the timeline entries, the messages (inbound, outbound, notes).
    pub messages: u64,
    pub search_documents: u64,
    pub calls: u64,
    pub callback_attempts: u64,
    pub ratings: u64,
}

impl SeedStats {
    /// Every row written.
    pub fn rows(&self) -> u64 {
        self.units
            + self.users
            + self.requesters
            + self.cases
            + self.confidential_reporters
            + self.timeline_entries
            + self.search_documents
            + self.calls
            + self.callback_attempts
            + self.ratings
    }
}

/// Seed `opts.cases` cases (and what they refer to) into a migrated database. Units and users are
/// added once (existing codes and usernames are kept); cases are always added, with numbers that
/// collide neither with each other nor with cases already there. `progress` is called after each
/// committed transaction.
pub async fn seed(
    store: &Store,
    opts: &SeedOptions,
    mut progress: impl FnMut(&SeedStats),
) -> Result<SeedStats, StoreError> {
    let mut stats = SeedStats::default();
    let mut tx = store.begin().await?;
    let units = insert_units(&mut tx, opts.now, &mut stats).await?;
    let staff = insert_users(&mut tx, &units, opts.now, &mut stats).await?;
    let categories: Vec<(i64, CaseKind, Branch)> = crate::categories::list(&mut tx)
        .await?
        .into_iter()
        .filter(|c| c.active)
        .map(|c| (c.id, c.kind, c.branch))
        .collect();
    let taken: HashSet<String> = sqlx::query_scalar::<_, String>("SELECT number FROM cases")
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
    Store::commit(tx).await?;
    progress(&stats);

    let requester_count = requesters_for(opts.cases);
    let requester_ids = insert_requesters(store, opts, requester_count, &mut stats).await?;
    progress(&stats);

    let world = World {
        opts: opts.clone(),
        units,
        staff,
        categories,
        requesters: requester_count,
    };
    let (send, mut recv) = tokio::sync::mpsc::channel::<Result<Chunk, StoreError>>(2);
    let generator = std::thread::Builder::new()
        .name("hqdesk-seed".into())
        .spawn(move || generate(world, taken, send))
        .map_err(|e| StoreError::Config(format!("starting the generator thread: {e}")))?;

    let mut tx = store.begin().await?;
    let mut in_tx = 0usize;
    while let Some(chunk) = recv.recv().await {
        let chunk = chunk?;
        insert_chunk(&mut tx, &chunk, &requester_ids, &mut stats).await?;
        in_tx += chunk.cases.len();
        if in_tx >= CASES_PER_TX {
            Store::commit(tx).await?;
            progress(&stats);
            tx = store.begin().await?;
            in_tx = 0;
        }
    }
    Store::commit(tx).await?;
    let _ = generator.join();
    progress(&stats);
    Ok(stats)
}

/// Bring the database to the state a server's database is in after such a load. On PostgreSQL,
/// `VACUUM ANALYZE`: what autovacuum does after a load (planner statistics, and the visibility
/// map that index-only scans need). On SQLite, nothing: a server's file has no planner
/// statistics unless an operator runs `ANALYZE`, so the benchmark measures plans without them
/// (README, "Performance", has the numbers with them too).
pub async fn settle(store: &Store) -> Result<(), StoreError> {
    if store.engine() == Engine::Postgres {
        // VACUUM cannot run in a transaction; on PostgreSQL reads and writes share a pool. The
        // second pass marks all-visible the pages the first could not (an autovacuum running
        // beside it holds a snapshot back), as the next autovacuum would.
        let mut conn = store.read().await?;
        sqlx::query("VACUUM ANALYZE").execute(&mut *conn).await?;
        sqlx::query("VACUUM").execute(&mut *conn).await?;
    }
    Ok(())
}

/// How many cases the database holds (for the benchmark's report).
pub async fn case_count(store: &Store) -> Result<i64, StoreError> {
    let mut conn = store.read().await?;
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM cases")
        .fetch_one(&mut *conn)
        .await?)
}

/// One requester for about every two cases: businesses and people come back.
fn requesters_for(cases: u64) -> usize {
    usize::try_from((cases / 2).clamp(1, 5_000_000)).unwrap_or(1)
}

// ---- a small deterministic generator ----------------------------------------------------------

/// SplitMix64: fast, good enough for test data, and needs no dependency.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0; the modulo bias is irrelevant here).
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % (n.max(1) as u64)) as usize
    }
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo).max(1) as u64)) as i64
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> Option<T> {
        if xs.is_empty() {
            None
        } else {
            Some(xs[self.below(xs.len())])
        }
    }
    fn pick_str(&mut self, xs: &[&'static str]) -> &'static str {
        self.pick(xs).unwrap_or("")
    }
    fn weighted<T: Copy>(&mut self, xs: &[(T, u32)]) -> Option<T> {
        let total: u32 = xs.iter().map(|(_, w)| w).sum();
        let mut r = self.below(total as usize) as u32;
        for (x, w) in xs {
            if r < *w {
                return Some(*x);
            }
            r -= w;
        }
        None
    }
}

// ---- words ------------------------------------------------------------------------------------

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lâm", "Mai",
];
const MIDDLE: &[&str] = &[
    "Văn", "Thị", "Minh", "Thanh", "Hữu", "Ngọc", "Đức", "Quang", "Thu", "Kim", "Xuân", "Hoài",
    "Bảo", "Gia",
];
const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hùng", "Hương", "Lan", "Linh", "Long",
    "Mai", "Nam", "Nga", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Việt",
    "Yến", "Khoa", "Đạt", "Huyền", "Giang", "Châu",
];
const FIRM_FORM: &[&str] = &[
    "Công ty TNHH",
    "Công ty Cổ phần",
    "Công ty TNHH MTV",
    "Tập đoàn",
];
const FIRM_NAME: &[&str] = &[
    "Tân Phát",
    "Hưng Thịnh",
    "Minh Long",
    "Đại Việt",
    "Sao Mai",
    "Phú Gia",
    "Hoàng Hà",
    "Thành Công",
    "Việt Nhật",
    "Kim Ngân",
    "Trường Sơn",
    "An Khang",
    "Bến Nghé",
    "Đông Á",
    "Hải Long",
    "Phương Nam",
    "Sông Hồng",
    "Thái Bình Dương",
    "Mekong",
    "Lạc Hồng",
];
const FIRM_TRADE: &[&str] = &[
    "Xuất nhập khẩu",
    "Thương mại",
    "Logistics",
    "Sản xuất",
    "Giao nhận vận tải",
    "Điện tử",
    "Dệt may",
    "Thủy sản",
    "Nông sản",
];
const MAIL_HOSTS: &[&str] = &["gmail.com", "yahoo.com", "outlook.com", "vnn.vn", "fpt.vn"];
const MOBILE: &[&str] = &[
    "90", "91", "93", "94", "96", "97", "98", "32", "33", "34", "35", "36", "37", "38", "39", "70",
    "76", "77", "78", "79", "81", "82", "83", "84", "85", "86", "88", "89",
];
const GOODS: &[&str] = &[
    "linh kiện điện tử",
    "máy móc thiết bị",
    "hàng may mặc",
    "thủy sản đông lạnh",
    "gỗ và sản phẩm gỗ",
    "phân bón",
    "ô tô nguyên chiếc",
    "thiết bị y tế",
    "hạt nhựa",
    "sắt thép",
    "cà phê nhân",
    "hạt điều",
    "dược phẩm",
    "mỹ phẩm",
    "giày dép",
    "nguyên liệu gia công",
];
const PORTS: &[&str] = &[
    "cảng Cát Lái",
    "cảng Hải Phòng",
    "cửa khẩu Móng Cái",
    "sân bay Nội Bài",
    "cửa khẩu Hữu Nghị",
    "cảng Đà Nẵng",
    "cửa khẩu Mộc Bài",
    "cảng Cái Mép",
    "sân bay Tân Sơn Nhất",
    "cửa khẩu Lào Cai",
    "cảng Quy Nhơn",
    "cửa khẩu Cha Lo",
];
const SYSTEMS: &[&str] = &[
    "VNACCS/VCIS",
    "Cổng thông tin một cửa quốc gia",
    "Cơ chế một cửa ASEAN",
    "hệ thống E-Manifest",
    "nộp thuế điện tử 24/7",
    "hệ thống VASSCM",
    "chữ ký số",
    "Cổng dịch vụ công",
];
const DECLARATIONS: &[&str] = &["IDA", "EDA", "IDC", "EDC", "IDB", "HYS", "OLA", "MIC"];
const ERRORS: &[&str] = &[
    "E1000", "E0010", "E2203", "E4031", "W0023", "E0505", "E1702", "E3001", "E0308",
];
const CONTRABAND: &[&str] = &[
    "thuốc lá điếu",
    "rượu ngoại",
    "đường cát",
    "hàng giả nhãn hiệu",
    "pháo nổ",
    "động vật hoang dã",
    "ma túy",
    "ngoại tệ",
    "vàng",
];
const GREETINGS: &[&str] = &[
    "Kính gửi Tổng đài hỗ trợ.",
    "Chào bộ phận hỗ trợ,",
    "Kính gửi Hải quan,",
    "Xin chào,",
    "",
];
const CLOSINGS: &[&str] = &[
    "Đề nghị hướng dẫn cách xử lý. Xin cảm ơn.",
    "Mong nhận được phản hồi sớm.",
    "Trân trọng cảm ơn.",
    "Rất mong được hỗ trợ gấp vì hàng đang chờ thông quan.",
    "Xin cảm ơn.",
];
const ADVICE: &[&str] = &[
    "Doanh nghiệp vui lòng cập nhật chứng thư số mới và khai báo lại",
    "Đề nghị doanh nghiệp kiểm tra lại mã loại hình và gửi lại thông điệp",
    "Lỗi do hệ thống đã được khắc phục, doanh nghiệp vui lòng thử lại",
    "Doanh nghiệp liên hệ Chi cục Hải quan nơi mở tờ khai để được hướng dẫn thủ tục",
    "Hồ sơ hoàn thuế cần bổ sung chứng từ thanh toán qua ngân hàng",
    "Đề nghị doanh nghiệp nâng cấp phần mềm khai báo lên phiên bản mới nhất",
];

const FOLLOW_UPS: &[&str] = &[
    "Doanh nghiệp gửi bổ sung chứng từ cho tờ khai {decl} số {declno} theo yêu cầu.",
    "Đã thử lại theo hướng dẫn nhưng hệ thống vẫn báo lỗi {error}. Đề nghị hỗ trợ thêm.",
    "Cho tôi hỏi thêm: lô hàng {goods} tại {port} có phải kiểm tra chuyên ngành không?",
    "Xin cảm ơn, doanh nghiệp đã khai báo lại thành công trên {system}.",
    "Hàng đang lưu kho tại {port} phát sinh chi phí, đề nghị xử lý sớm giúp doanh nghiệp.",
    "Tôi gửi kèm ảnh chụp màn hình lỗi {error} khi truyền tờ khai {decl}.",
    "Đến nay tờ khai số {declno} vẫn chưa được phản hồi, đề nghị kiểm tra lại.",
    "Doanh nghiệp đã nộp thuế {amount} đồng nhưng {system} chưa ghi nhận.",
];
const DENUNCIATION_FOLLOW_UPS: &[&str] = &[
    "Bổ sung thông tin: đối tượng tiếp tục vận chuyển {contraband} qua {port} tối qua.",
    "Tôi có thêm hình ảnh phương tiện vận chuyển {contraband} gần {port}.",
    "Đề nghị giữ bí mật danh tính người cung cấp thông tin.",
];
const REPLIES: &[&str] = &[
    "Bộ phận hỗ trợ đã chuyển hồ sơ tờ khai {declno} tới Chi cục Hải quan {port} để xử lý.",
    "Đề nghị doanh nghiệp gửi ảnh chụp màn hình lỗi {error} và số tờ khai để kiểm tra.",
    "Lỗi {error} trên {system} đã được khắc phục, doanh nghiệp vui lòng gửi lại thông điệp.",
    "Theo quy định, lô hàng {goods} phải kiểm tra chuyên ngành trước khi thông quan.",
    "Chứng từ đã đủ, tờ khai {decl} số {declno} đã được thông quan. Trân trọng.",
    "Doanh nghiệp vui lòng liên hệ Chi cục Hải quan {port} để được hướng dẫn trực tiếp.",
];
const DENUNCIATION_REPLIES: &[&str] = &[
    "Tổ công tác đã tiếp nhận thông tin và đang tổ chức xác minh.",
    "Cảm ơn ông/bà đã cung cấp thông tin; danh tính người tố giác được giữ bí mật.",
];
const NOTES: &[&str] = &[
    "Đã chuyển Chi cục Hải quan {port} xác minh.",
    "Kiểm tra trên {system}: thông điệp đã được tiếp nhận, chờ phản hồi.",
    "Đã trao đổi với bộ phận kỹ thuật về lỗi {error}, đang chờ khắc phục.",
    "Gọi điện cho doanh nghiệp theo số {phone}, đã hướng dẫn khai bổ sung.",
    "Đối chiếu tờ khai {declno}: hồ sơ thiếu giấy chứng nhận xuất xứ.",
];
const CALLBACK_NOTES: &[&str] = &[
    "khách hàng không nghe máy.",
    "máy bận, sẽ gọi lại sau.",
    "đã liên hệ được, hướng dẫn khách hàng tra cứu tờ khai trên {system}.",
    "khách hàng hẹn gọi lại vào buổi chiều.",
];
const COMPLAINTS: &[&str] = &[
    "Chờ quá lâu mới được trả lời.",
    "Hướng dẫn chưa rõ, doanh nghiệp phải hỏi lại nhiều lần.",
    "Gọi tổng đài nhiều lần không ai nghe máy.",
];

// ---- units and staff --------------------------------------------------------------------------

const ROMAN: [&str; 20] = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
    "XVI", "XVII", "XVIII", "XIX", "XX",
];

/// Unit ids by role in the routing.
#[derive(Debug, Clone)]
struct Units {
    helpdesk: i64,
    task_force: i64,
    /// Per sub-department: (its id, its Q&A team, its control team), biggest ports first.
    regions: Vec<(i64, i64, i64)>,
}

async fn insert_units(
    conn: &mut AnyConnection,
    now: Timestamp,
    stats: &mut SeedStats,
) -> Result<Units, StoreError> {
    let mut tree: Vec<(String, String, UnitLevel, Option<String>)> = vec![
        (
            "CHQ".into(),
            "Cục Hải quan".into(),
            UnitLevel::Department,
            None,
        ),
        (
            "TTDL".into(),
            "Trung tâm Dữ liệu và Công nghệ thông tin".into(),
            UnitLevel::Department,
            Some("CHQ".into()),
        ),
        (
            BENCH_UNIT.into(),
            "Bộ phận HelpDesk".into(),
            UnitLevel::Team,
            Some("TTDL".into()),
        ),
        (
            "DTCBL".into(),
            "Cục Điều tra chống buôn lậu".into(),
            UnitLevel::Department,
            Some("CHQ".into()),
        ),
        (
            "DDN".into(),
            "Đội đặc nhiệm".into(),
            UnitLevel::Team,
            Some("DTCBL".into()),
        ),
    ];
    for (i, roman) in ROMAN.iter().enumerate() {
        let code = format!("KV{}", i + 1);
        tree.push((
            code.clone(),
            format!("Chi cục Hải quan khu vực {roman}"),
            UnitLevel::SubDepartment,
            Some("CHQ".into()),
        ));
        tree.push((
            format!("{code}-TT"),
            format!("Đội Thủ tục hải quan khu vực {roman}"),
            UnitLevel::Team,
            Some(code.clone()),
        ));
        tree.push((
            format!("{code}-KS"),
            format!("Đội Kiểm soát hải quan khu vực {roman}"),
            UnitLevel::Team,
            Some(code),
        ));
    }
    let mut ids: HashMap<String, i64> = HashMap::new();
    for (code, name, level, parent) in &tree {
        let parent_id = parent.as_ref().and_then(|p| ids.get(p).copied());
        let n = sqlx::query(
            "INSERT INTO units (code, name, level, parent_id, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(code.as_str())
        .bind(name.as_str())
        .bind(level.as_str())
        .bind(parent_id)
        .bind(now.millis() - SPAN - DAY)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        stats.units += n;
        let id: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = $1")
            .bind(code.as_str())
            .fetch_one(&mut *conn)
            .await?;
        ids.insert(code.clone(), id);
    }
    let id = |code: &str| {
        ids.get(code)
            .copied()
            .ok_or_else(|| StoreError::Corrupt(format!("unit {code} vanished")))
    };
    let mut regions = Vec::new();
    for i in 1..=ROMAN.len() {
        regions.push((
            id(&format!("KV{i}"))?,
            id(&format!("KV{i}-TT"))?,
            id(&format!("KV{i}-KS"))?,
        ));
    }
    Ok(Units {
        helpdesk: id(BENCH_UNIT)?,
        task_force: id("DDN")?,
        regions,
    })
}

/// User ids by what they work on.
#[derive(Debug, Clone)]
struct Staff {
    agents: Vec<i64>,
    hotline: Vec<i64>,
    investigators: Vec<i64>,
    /// Unit officers per region (same order as `Units::regions`).
    officers: Vec<Vec<i64>>,
}

fn person_name(rng: &mut Rng) -> String {
    format!(
        "{} {} {}",
        rng.pick_str(FAMILY),
        rng.pick_str(MIDDLE),
        rng.pick_str(GIVEN)
    )
}

async fn insert_users(
    conn: &mut AnyConnection,
    units: &Units,
    now: Timestamp,
    stats: &mut SeedStats,
) -> Result<Staff, StoreError> {
    let mut wanted: Vec<(String, Role, Option<i64>)> = Vec::new();
    for i in 1..=60 {
        wanted.push((format!("agent.{i:03}"), Role::Agent, Some(units.helpdesk)));
    }
    for i in 1..=30 {
        wanted.push((format!("hotline.{i:03}"), Role::Hotline, None));
    }
    for i in 1..=10 {
        wanted.push((
            format!("investigator.{i:03}"),
            Role::Investigator,
            Some(units.task_force),
        ));
    }
    for (r, (region, _, _)) in units.regions.iter().enumerate() {
        for i in 1..=2 {
            wanted.push((
                format!("officer.kv{}.{i}", r + 1),
                Role::UnitOfficer,
                Some(*region),
            ));
        }
    }
    for i in 1..=5 {
        wanted.push((format!("supervisor.{i:03}"), Role::Supervisor, None));
    }
    let mut rng = Rng::new(7);
    let mut args = AnyArguments::default();
    for (name, role, unit) in &wanted {
        add(&mut args, name.clone())?;
        add(&mut args, person_name(&mut rng))?;
        add(&mut args, role.as_str())?;
        add(&mut args, *unit)?;
        add(&mut args, now.millis() - SPAN)?;
    }
    let sql = format!(
        "INSERT INTO users (username, display_name, role, unit_id, created_at) VALUES {} \
         ON CONFLICT (username) DO NOTHING",
        values(wanted.len(), 5)
    );
    stats.users += sqlx::query_with(&sql, args)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, username FROM users")
        .fetch_all(&mut *conn)
        .await?;
    let by_name: HashMap<String, i64> = rows.into_iter().map(|(id, n)| (n, id)).collect();
    let ids = |prefix: &str| -> Vec<i64> {
        wanted
            .iter()
            .filter(|(n, _, _)| n.starts_with(prefix))
            .filter_map(|(n, _, _)| by_name.get(n).copied())
            .collect()
    };
    Ok(Staff {
        agents: ids("agent."),
        hotline: ids("hotline."),
        investigators: ids("investigator."),
        officers: (1..=units.regions.len())
            .map(|r| ids(&format!("officer.kv{r}.")))
            .collect(),
    })
}

// ---- requesters ---------------------------------------------------------------------------------

/// A requester, derived from its index alone so that cases can rebuild it for their search
/// document without keeping half a million of them in memory.
struct Requester {
    kind: &'static str,
    name: String,
    business_name: Option<String>,
    email: Option<String>,
    phone: String,
    tax_code: Option<String>,
}

fn requester(seed: u64, k: usize) -> Requester {
    let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(k as u64 * 0x2545_F491));
    let name = person_name(&mut rng);
    // Unique per index (a bijection of 0..10^7), so the phone identifies the row.
    let digits = ((k as u64 % 10_000_000) * 3_571_229 + 1_234_567) % 10_000_000;
    let phone = format!("+84{}{digits:07}", rng.pick_str(MOBILE));
    let business = rng.chance(0.45);
    let (business_name, tax_code) = if business {
        let firm = format!(
            "{} {} {}",
            rng.pick_str(FIRM_FORM),
            rng.pick_str(FIRM_TRADE),
            rng.pick_str(FIRM_NAME)
        );
        let mut tax = None;
        for _ in 0..20 {
            let prefix = format!("0{:08}", rng.below(100_000_000));
            if let Some(t) = TaxCode::with_check_digit(&prefix) {
                tax = Some(t.as_str().to_string());
                break;
            }
        }
        (Some(firm), tax)
    } else {
        (None, None)
    };
    let email = rng.chance(0.6).then(|| {
        let local: String = fold(&name)
            .split(' ')
            .collect::<Vec<_>>()
            .join(".")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        format!("{local}{}@{}", k % 1000, rng.pick_str(MAIL_HOSTS))
    });
    Requester {
        kind: if business { "business" } else { "person" },
        name,
        business_name,
        email,
        phone,
        tax_code,
    }
}

/// Insert `count` requesters; returns their ids by index.
async fn insert_requesters(
    store: &Store,
    opts: &SeedOptions,
    count: usize,
    stats: &mut SeedStats,
) -> Result<Vec<i64>, StoreError> {
    let mut ids = vec![0i64; count];
    let mut start = 0;
    let mut tx = store.begin().await?;
    while start < count {
        let end = (start + rows_per_insert(8)).min(count);
        let rows: Vec<Requester> = (start..end).map(|k| requester(opts.seed, k)).collect();
        let mut index: HashMap<&str, usize> = HashMap::with_capacity(rows.len());
        let mut args = AnyArguments::default();
        for (i, r) in rows.iter().enumerate() {
            index.insert(r.phone.as_str(), start + i);
            // Older requesters first: spread over the ten years like the cases.
            let at = opts.now.millis() - SPAN
                + (SPAN as f64 * ((start + i) as f64 / count as f64)) as i64;
            add(&mut args, r.kind)?;
            add(&mut args, r.name.as_str())?;
            add(&mut args, r.business_name.as_deref())?;
            add(&mut args, r.email.as_deref())?;
            add(&mut args, r.phone.as_str())?;
            add(&mut args, r.tax_code.as_deref())?;
            add(&mut args, at)?;
            add(&mut args, at)?;
        }
        let sql = format!(
            "INSERT INTO requesters (kind, name, business_name, email, phone, tax_code, created_at, updated_at) \
             VALUES {} RETURNING id, phone",
            values(rows.len(), 8)
        );
        let back: Vec<(i64, String)> = sqlx::query_as_with(&sql, args).fetch_all(&mut *tx).await?;
        for (id, phone) in back {
            if let Some(k) = index.get(phone.as_str()) {
                ids[*k] = id;
            }
        }
        stats.requesters += (end - start) as u64;
        start = end;
        if start % 20_000 < rows_per_insert(8) {
            Store::commit(tx).await?;
            tx = store.begin().await?;
        }
    }
    Store::commit(tx).await?;
    Ok(ids)
}

// ---- cases ------------------------------------------------------------------------------------

struct World {
    opts: SeedOptions,
    units: Units,
    staff: Staff,
    categories: Vec<(i64, CaseKind, Branch)>,
    requesters: usize,
}

struct CaseRow {
    number: String,
    kind: CaseKind,
    branch: Branch,
    channel: Channel,
    category_id: Option<i64>,
    priority: Priority,
    status: Status,
    subject: String,
    /// Index into the requesters.
    requester: Option<usize>,
    unit_id: Option<i64>,
    assignee_id: Option<i64>,
    created_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
    first_response_due_at: Option<i64>,
    resolution_due_at: Option<i64>,
    first_responded_at: Option<i64>,
    resolved_at: Option<i64>,
    closed_at: Option<i64>,
    message_count: i64,
    /// A denunciation's reporter: (anonymous, name, phone).
    reporter: Option<(bool, Option<String>, Option<String>)>,
    /// A callback's number to call back.
    callback_number: Option<String>,
}

struct EntryRow {
    /// Index of the case in its chunk.
    case: usize,
    kind: EntryKind,
    channel: Option<Channel>,
    author_user_id: Option<i64>,
    body: String,
    delivery_state: Option<DeliveryState>,
    meta: Option<String>,
    created_at: i64,
}

struct CallRow {
    case: usize,
    call_id: String,
    from_number: String,
    branch: i64,
    answered_user_id: Option<i64>,
    offered_at: i64,
    answered_at: Option<i64>,
    ended_at: i64,
    cause: &'static str,
}

struct AttemptRow {
    case: usize,
    outcome: &'static str,
    user_id: Option<i64>,
    at: i64,
}

struct RatingRow {
    case: usize,
    score: i64,
    comment: Option<String>,
    created_at: i64,
}

/// Cases ready to insert, with what hangs off them (rows refer to their case by its index in
/// the chunk) and their search documents (tokens, case index).
#[derive(Default)]
struct Chunk {
    cases: Vec<CaseRow>,
    entries: Vec<EntryRow>,
    docs: Vec<(String, usize)>,
    calls: Vec<CallRow>,
    attempts: Vec<AttemptRow>,
    ratings: Vec<RatingRow>,
}

/// Generate every case in chunks of `CASES_PER_CHUNK`, in creation order, and send them.
fn generate(
    world: World,
    mut taken: HashSet<String>,
    send: tokio::sync::mpsc::Sender<Result<Chunk, StoreError>>,
) {
    let n = world.opts.cases;
    let mut rng = Rng::new(world.opts.seed);
    let mut per_month: HashMap<String, u32> = HashMap::new();
    let mut i = 0u64;
    while i < n {
        let end = (i + CASES_PER_CHUNK as u64).min(n);
        let mut chunk = Chunk {
            cases: Vec::with_capacity((end - i) as usize),
            entries: Vec::with_capacity((end - i) as usize * 9),
            docs: Vec::with_capacity((end - i) as usize * 9),
            ..Chunk::default()
        };
        for j in i..end {
            // Volume grows over the years: density rises linearly towards now.
            let f = ((j as f64 + rng.unit()) / n as f64).sqrt();
            let created_at = world.opts.now.millis() - SPAN + (SPAN as f64 * f) as i64
                - rng.between(MINUTE, 30 * MINUTE);
            let number = match unique_number(created_at, &mut per_month, &mut taken) {
                Ok(n) => n,
                Err(e) => {
                    let _ = send.blocking_send(Err(e));
                    return;
                }
            };
            make_case(&world, &mut rng, &mut chunk, number, created_at);
        }
        if send.blocking_send(Ok(chunk)).is_err() {
            return;
        }
        i = end;
    }
}

/// A valid case number for the month of `at`, never used before: the six-digit serial is a
/// per-month counter scrambled by a bijection of 0..10^6 (so numbers still look random).
fn unique_number(
    at: i64,
    per_month: &mut HashMap<String, u32>,
    taken: &mut HashSet<String>,
) -> Result<String, StoreError> {
    let probe = CaseNumber::compose(Timestamp(at), 0);
    let month = probe.as_str().get(2..6).unwrap_or("").to_string();
    let counter = per_month.entry(month.clone()).or_insert(0);
    loop {
        if *counter >= 1_000_000 {
            return Err(StoreError::Config(format!(
                "more than a million cases in month {month}: seed fewer cases"
            )));
        }
        let serial = (u64::from(*counter) * 738_211 + 421_559) % 1_000_000;
        *counter += 1;
        let number = CaseNumber::compose(Timestamp(at), serial as u32)
            .as_str()
            .to_string();
        if taken.is_empty() || taken.insert(number.clone()) {
            return Ok(number);
        }
    }
}

fn fill(rng: &mut Rng, template: &str, phone: &str) -> String {
    let mut out = String::with_capacity(template.len() + 40);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let key = &rest[open + 1..open + close];
        match key {
            "goods" => out.push_str(rng.pick_str(GOODS)),
            "port" => out.push_str(rng.pick_str(PORTS)),
            "system" => out.push_str(rng.pick_str(SYSTEMS)),
            "decl" => out.push_str(rng.pick_str(DECLARATIONS)),
            "error" => out.push_str(rng.pick_str(ERRORS)),
            "contraband" => out.push_str(rng.pick_str(CONTRABAND)),
            "phone" => out.push_str(phone),
            "declno" => {
                let _ = write!(out, "10{:010}", rng.next_u64() % 10_000_000_000);
            }
            "amount" => {
                let _ = write!(out, "{}", rng.between(5, 900) * 1_000_000);
            }
            _ => {}
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

fn subject_template(kind: CaseKind, branch: Branch, rng: &mut Rng) -> &'static str {
    match (kind, branch) {
        (CaseKind::Inquiry, Branch::Two) => rng.pick_str(&[
            "Lỗi ký số khi gửi tờ khai {decl} trên VNACCS",
            "Không đăng nhập được {system}",
            "Hỏi thủ tục hoàn thuế nhập khẩu {goods}",
            "Tra cứu trạng thái tờ khai số {declno}",
            "Lỗi {error} khi khai báo tờ khai {decl}",
            "Hướng dẫn khai bổ sung tờ khai {decl} sau thông quan",
            "Chứng thư số hết hạn, không ký được trên {system}",
            "Hỏi chính sách thuế đối với {goods}",
            "Không nhận được phản hồi từ {system}",
            "Đăng ký tài khoản {system}",
        ]),
        (CaseKind::Inquiry, Branch::One) => rng.pick_str(&[
            "Hỏi thủ tục kiểm tra chuyên ngành {goods} tại {port}",
            "Hỏi quy định quá cảnh hàng {goods} qua {port}",
        ]),
        (CaseKind::ProcedureProblem, _) => rng.pick_str(&[
            "Vướng mắc kiểm tra chuyên ngành {goods} tại {port}",
            "Lô hàng {goods} bị giữ quá thời hạn tại {port}",
            "Chậm thông quan lô hàng {goods} tại {port}",
            "Vướng mắc xác định trị giá hải quan {goods}",
            "Phân luồng đỏ không rõ lý do, tờ khai {declno}",
        ]),
        (CaseKind::Denunciation, _) => rng.pick_str(&[
            "Tố giác buôn lậu {contraband} qua {port}",
            "Phản ánh cán bộ có dấu hiệu nhũng nhiễu tại {port}",
            "Tố giác gian lận xuất xứ {goods}",
            "Tố giác vận chuyển trái phép {contraband} khu vực {port}",
        ]),
        (CaseKind::Suggestion, _) => rng.pick_str(&[
            "Góp ý cải tiến giao diện {system}",
            "Đề nghị kéo dài thời gian làm việc tại {port}",
            "Góp ý đơn giản hóa thủ tục với {goods}",
        ]),
        (CaseKind::RatingFollowUp, _) => rng.pick_str(&[
            "Khách hàng không hài lòng với hỗ trợ về {system}",
            "Theo dõi đánh giá không hài lòng: {goods} tại {port}",
        ]),
        (CaseKind::Callback, _) => rng.pick_str(&[
            "Gọi lại cuộc gọi nhỡ từ {phone}",
            "Gọi lại: hỏi về {system}",
        ]),
    }
}

fn inbound_body(kind: CaseKind, rng: &mut Rng, phone: &str) -> String {
    let middle = match kind {
        CaseKind::Denunciation => rng.pick_str(&[
            "Tôi phát hiện một nhóm đối tượng thường xuyên vận chuyển {contraband} qua {port} vào ban đêm, dùng xe tải biển số tỉnh ngoài.",
            "Tại {port} có cán bộ yêu cầu doanh nghiệp chi thêm {amount} đồng để được thông quan nhanh.",
            "Doanh nghiệp khai {goods} xuất xứ Việt Nam nhưng thực chất nhập khẩu nguyên chiếc, chỉ thay nhãn mác.",
        ]),
        CaseKind::Callback => "Khách hàng gọi {phone} ngoài giờ, tổng đài ghi nhận cuộc gọi nhỡ.",
        CaseKind::ProcedureProblem => rng.pick_str(&[
            "Lô hàng {goods} của doanh nghiệp đã nằm tại {port} hơn năm ngày chưa có kết quả kiểm tra chuyên ngành.",
            "Tờ khai {decl} số {declno} bị phân luồng đỏ, cán bộ yêu cầu bổ sung hồ sơ nhưng không nêu rõ chứng từ nào.",
        ]),
        _ => rng.pick_str(&[
            "Doanh nghiệp chúng tôi gặp lỗi {error} khi truyền tờ khai {decl} số {declno} tại {port}.",
            "Khi đăng nhập {system} hệ thống báo chứng thư số không hợp lệ dù chứng thư còn hạn.",
            "Chúng tôi cần hướng dẫn thủ tục và hồ sơ hoàn thuế cho lô hàng {goods} đã tái xuất.",
            "Tờ khai {decl} số {declno} đã nộp thuế qua {system} nhưng trạng thái vẫn chưa cập nhật.",
        ]),
    };
    let text = format!(
        "{} {} {}",
        rng.pick_str(GREETINGS),
        middle,
        rng.pick_str(CLOSINGS)
    );
    fill(rng, text.trim(), phone)
}

/// Messages in one case's conversation (inbound, replies and notes), at least and at most.
const MESSAGES_PER_CASE: (usize, usize) = (5, 10);

/// What a case's timeline is made from.
struct Conversation<'a> {
    index: usize,
    kind: CaseKind,
    channel: Channel,
    phone: &'a str,
    number: &'a str,
    created_by: Option<i64>,
    assignee_id: Option<i64>,
    created_at: i64,
    first_responded_at: Option<i64>,
    resolved_at: Option<i64>,
    now: i64,
}

impl Conversation<'_> {
    /// Push the case's timeline entries and search documents; returns its message count.
    ///
    /// The first message is what came in (for a callback, the missed call and then the agent's
    /// call notes); an unanswered case has only the requester's messages; an answered one has
    /// the first answer at its first-response time, then follow-ups, replies and notes spread up
    /// to its resolution (or now), then the status change.
    fn write(&self, rng: &mut Rng, chunk: &mut Chunk) -> i64 {
        let (lo, hi) = MESSAGES_PER_CASE;
        let n = lo + rng.below(hi - lo + 1);
        let end = self
            .resolved_at
            .unwrap_or(self.now - MINUTE)
            .max(self.created_at + MINUTE);
        let mut times: Vec<i64> = Vec::with_capacity(n);
        times.push(self.created_at);
        let rest_from = match self.first_responded_at {
            Some(at) => {
                times.push(at.max(self.created_at));
                at.max(self.created_at)
            }
            // Nobody answered yet: the requester wrote again within a few days.
            None => self.created_at,
        };
        let rest_to = match self.first_responded_at {
            Some(_) => end.max(rest_from + 1),
            None => end.min(self.created_at + 3 * DAY).max(rest_from + 1),
        };
        let fixed = times.len();
        while times.len() < n {
            times.push(rng.between(rest_from, rest_to));
        }
        times[fixed..].sort_unstable();

        if self.kind == CaseKind::Callback {
            chunk.entries.push(EntryRow {
                case: self.index,
                kind: EntryKind::Call,
                channel: Some(Channel::Phone),
                author_user_id: None,
                body: format!("Cuộc gọi nhỡ từ {}", self.phone),
                delivery_state: None,
                meta: Some(format!(
                    "{{\"direction\":\"in\",\"from\":\"{}\",\"duration_s\":0}}",
                    self.phone
                )),
                created_at: self.created_at,
            });
        }
        let answered = self.first_responded_at.is_some();
        for (i, at) in times.into_iter().enumerate() {
            let kind = match (i, answered, self.kind) {
                (0, _, CaseKind::Callback) => EntryKind::Note,
                (0, _, _) | (_, false, _) => EntryKind::Inbound,
                (1, true, _) if self.channel.delivers_replies() || rng.chance(0.5) => {
                    EntryKind::Outbound
                }
                (1, true, _) => EntryKind::Note,
                _ => rng
                    .weighted(&[
                        (EntryKind::Inbound, 45),
                        (EntryKind::Outbound, 40),
                        (EntryKind::Note, 15),
                    ])
                    .unwrap_or(EntryKind::Note),
            };
            let body = self.body(rng, i, kind);
            let (author, channel, delivery) = match kind {
                EntryKind::Inbound => (
                    if self.channel.delivers_replies() {
                        None
                    } else {
                        self.created_by.or(self.assignee_id)
                    },
                    Some(self.channel),
                    None,
                ),
                EntryKind::Outbound => (
                    self.assignee_id.or(self.created_by),
                    Some(self.channel),
                    Some(if self.channel.delivers_replies() {
                        DeliveryState::Sent
                    } else {
                        DeliveryState::NotApplicable
                    }),
                ),
                _ => (self.assignee_id.or(self.created_by), None, None),
            };
            chunk.docs.push((search_tokens(&body), self.index));
            chunk.entries.push(EntryRow {
                case: self.index,
                kind,
                channel,
                author_user_id: author,
                body,
                delivery_state: delivery,
                meta: None,
                created_at: at,
            });
        }
        if let Some(at) = self.resolved_at {
            chunk.entries.push(EntryRow {
                case: self.index,
                kind: EntryKind::Event,
                channel: None,
                author_user_id: self.assignee_id,
                body: "status".into(),
                delivery_state: None,
                meta: Some("{\"status\":{\"from\":\"open\",\"to\":\"resolved\"}}".into()),
                created_at: at,
            });
        }
        n as i64
    }

    fn body(&self, rng: &mut Rng, i: usize, kind: EntryKind) -> String {
        let denunciation = self.kind == CaseKind::Denunciation;
        let text = match kind {
            EntryKind::Inbound if i == 0 => return inbound_body(self.kind, rng, self.phone),
            EntryKind::Inbound if denunciation => rng.pick_str(DENUNCIATION_FOLLOW_UPS).to_string(),
            EntryKind::Inbound => rng.pick_str(FOLLOW_UPS).to_string(),
            EntryKind::Outbound if denunciation => rng.pick_str(DENUNCIATION_REPLIES).to_string(),
            EntryKind::Outbound if i == 1 && self.channel.delivers_replies() => format!(
                "Chào anh/chị, bộ phận hỗ trợ đã tiếp nhận yêu cầu {}. {}. Trân trọng.",
                self.number,
                rng.pick_str(ADVICE)
            ),
            EntryKind::Outbound if !self.channel.delivers_replies() => {
                format!("Đã trả lời qua điện thoại: {}.", rng.pick_str(ADVICE))
            }
            EntryKind::Outbound => rng.pick_str(REPLIES).to_string(),
            _ if self.kind == CaseKind::Callback => {
                format!("Gọi lại lần {}: {}", i + 1, rng.pick_str(CALLBACK_NOTES))
            }
            _ => rng.pick_str(NOTES).to_string(),
        };
        fill(rng, &text, self.phone)
    }
}

/// The calls behind a telephone case: the answered call that opened it, or for a callback the
/// missed call and the agents' attempts to call back.
fn add_calls(rng: &mut Rng, chunk: &mut Chunk, c: &Conversation<'_>, branch: Branch) {
    let missed = c.kind == CaseKind::Callback;
    let offered_at = c.created_at - rng.between(20_000, 120_000);
    let answered_at = (!missed).then(|| offered_at + rng.between(3_000, 40_000));
    let ended_at = answered_at.unwrap_or(offered_at) + rng.between(20_000, 15 * MINUTE);
    chunk.calls.push(CallRow {
        case: c.index,
        call_id: format!("seed-{}", c.number),
        from_number: c.phone.to_string(),
        branch: i64::from(branch.number()),
        answered_user_id: answered_at.and(c.created_by),
        offered_at,
        answered_at,
        ended_at,
        cause: if missed {
            "no_answer"
        } else {
            "normalClearing"
        },
    });
    if missed {
        let attempts = 1 + rng.below(3);
        let base = c.first_responded_at.unwrap_or(c.created_at + 10 * MINUTE);
        for k in 0..attempts {
            let reached = k + 1 == attempts && c.resolved_at.is_some();
            chunk.attempts.push(AttemptRow {
                case: c.index,
                outcome: if reached {
                    "reached"
                } else if rng.chance(0.3) {
                    "busy"
                } else {
                    "no_answer"
                },
                user_id: c.assignee_id.or(c.created_by),
                at: (base + k as i64 * 30 * MINUTE).min(c.now - MINUTE),
            });
        }
    }
}

fn make_case(world: &World, rng: &mut Rng, chunk: &mut Chunk, number: String, created_at: i64) {
    let now = world.opts.now.millis();
    let index = chunk.cases.len();
    let kind = rng
        .weighted(&[
            (CaseKind::Inquiry, 55),
            (CaseKind::ProcedureProblem, 14),
            (CaseKind::Callback, 10),
            (CaseKind::RatingFollowUp, 8),
            (CaseKind::Suggestion, 5),
            (CaseKind::Denunciation, 8),
        ])
        .unwrap_or(CaseKind::Inquiry);
    let branch = if kind != CaseKind::Denunciation && rng.chance(0.08) {
        match kind.default_branch() {
            Branch::One => Branch::Two,
            Branch::Two => Branch::One,
        }
    } else {
        kind.default_branch()
    };
    let channel = rng
        .weighted(&[
            (Channel::Phone, 55),
            (Channel::Email, 25),
            (Channel::Portal, 12),
            (Channel::Api, 3),
            (Channel::Staff, 5),
        ])
        .unwrap_or(Channel::Phone);
    let priority = rng
        .weighted(&[
            (Priority::Low, 15),
            (Priority::Normal, 65),
            (Priority::High, 15),
            (Priority::Urgent, 5),
        ])
        .unwrap_or(Priority::Normal);
    let age = now - created_at;
    let status = if age < 2 * DAY {
        rng.weighted(&[
            (Status::New, 40),
            (Status::Open, 35),
            (Status::Waiting, 10),
            (Status::Resolved, 10),
            (Status::Closed, 5),
        ])
    } else if age < 60 * DAY {
        rng.weighted(&[
            (Status::New, 8),
            (Status::Open, 25),
            (Status::Waiting, 15),
            (Status::Resolved, 27),
            (Status::Closed, 25),
        ])
    } else {
        rng.weighted(&[
            (Status::New, 5),
            (Status::Open, 12),
            (Status::Waiting, 10),
            (Status::Resolved, 25),
            (Status::Closed, 948),
        ])
    }
    .unwrap_or(Status::Closed);
    let matching: Vec<i64> = world
        .categories
        .iter()
        .filter(|(_, k, b)| *k == kind && *b == branch)
        .map(|(id, _, _)| *id)
        .collect();
    let category_id = if rng.chance(0.85) {
        rng.pick(&matching)
    } else {
        None
    };
    // Routing: the task force for denunciations, the HelpDesk or a region's Q&A team for
    // branch 2, a region (bigger ports more often) for branch 1.
    let region = {
        let r = world.units.regions.len().max(1);
        // Roughly Zipf: region k with weight 1/(k+1).
        let weights: Vec<(usize, u32)> = (0..r).map(|k| (k, 1000 / (k as u32 + 1))).collect();
        rng.weighted(&weights).unwrap_or(0)
    };
    let region_units = world.units.regions.get(region).copied();
    let unit_id = match (kind, branch) {
        (CaseKind::Denunciation, _) => rng.chance(0.9).then_some(world.units.task_force),
        (_, Branch::Two) => {
            let r = rng.unit();
            if r < 0.65 {
                Some(world.units.helpdesk)
            } else if r < 0.85 {
                region_units.map(|(_, qa, _)| qa)
            } else {
                None
            }
        }
        (_, Branch::One) => {
            let r = rng.unit();
            if r < 0.5 {
                region_units.map(|(sub, _, _)| sub)
            } else if r < 0.7 {
                region_units.map(|(_, _, ks)| ks)
            } else {
                None
            }
        }
    };
    let assigned = match status {
        Status::New => rng.chance(0.15),
        Status::Open | Status::Waiting => rng.chance(0.9),
        Status::Resolved | Status::Closed => true,
    };
    let officers = world
        .staff
        .officers
        .get(region)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let assignee_id = if !assigned {
        None
    } else if kind == CaseKind::Denunciation {
        rng.pick(&world.staff.investigators)
    } else if unit_id.is_some() && unit_id != Some(world.units.helpdesk) && rng.chance(0.7) {
        rng.pick(officers)
    } else if branch == Branch::Two {
        rng.pick(&world.staff.agents)
    } else {
        rng.pick(&world.staff.hotline)
    };
    let created_by = match channel {
        Channel::Phone | Channel::Staff => {
            if branch == Branch::One {
                rng.pick(&world.staff.hotline)
            } else {
                rng.pick(&world.staff.agents)
            }
        }
        _ => None,
    };
    let (first_target, resolution_target) = priority.default_targets_minutes();
    let first_response_due_at = Some(created_at + first_target * MINUTE);
    // Suggestions carry no resolution target: they sort last in "most urgent first".
    let resolution_due_at =
        (kind != CaseKind::Suggestion).then_some(created_at + resolution_target * MINUTE);
    let first_responded_at = (status != Status::New).then(|| {
        (created_at + rng.between(5 * MINUTE, first_target * MINUTE * 3 / 2)).min(now - MINUTE)
    });
    let resolved_at = matches!(status, Status::Resolved | Status::Closed).then(|| {
        let base = first_responded_at.unwrap_or(created_at);
        (base + rng.between(10 * MINUTE, resolution_target * MINUTE * 2)).min(now - MINUTE)
    });
    let closed_at = (status == Status::Closed).then(|| {
        resolved_at
            .map(|r| r + 7 * DAY)
            .unwrap_or(created_at)
            .min(now - MINUTE)
    });

    let requester = (kind != CaseKind::Denunciation
        && !(kind == CaseKind::Suggestion && rng.chance(0.5)))
    .then(|| rng.below(world.requesters.max(1)));
    let req = requester.map(|k| self::requester(world.opts.seed, k));
    let reporter = (kind == CaseKind::Denunciation).then(|| {
        if rng.chance(0.6) {
            (true, None, None)
        } else {
            let phone = format!("+84{}{:07}", rng.pick_str(MOBILE), rng.below(10_000_000));
            (false, Some(person_name(rng)), Some(phone))
        }
    });
    let phone = req
        .as_ref()
        .map(|r| r.phone.clone())
        .or_else(|| reporter.as_ref().and_then(|r| r.2.clone()))
        .unwrap_or_default();
    let template = subject_template(kind, branch, rng);
    let subject = fill(rng, template, &phone);

    // The search document of the header: number, subject, requester (or reporter).
    let mut header = vec![number.clone(), subject.clone()];
    if let Some(r) = &req {
        header.push(r.name.clone());
        header.extend(
            [&r.business_name, &r.email, &r.tax_code]
                .into_iter()
                .flatten()
                .cloned(),
        );
        header.push(r.phone.clone());
    }
    if let Some((_, name, phone)) = &reporter {
        header.extend([name, phone].into_iter().flatten().cloned());
    }
    chunk.docs.push((search_tokens(&header.join(" ")), index));

    // The timeline: what came in, the conversation that followed, the resolution.
    let conversation = Conversation {
        index,
        kind,
        channel,
        phone: &phone,
        number: &number,
        created_by,
        assignee_id,
        created_at,
        first_responded_at,
        resolved_at,
        now,
    };
    let message_count = conversation.write(rng, chunk);
    if channel == Channel::Phone || kind == CaseKind::Callback {
        add_calls(rng, chunk, &conversation, branch);
    }
    if resolved_at.is_some() && requester.is_some() && rng.chance(0.25) {
        let score = rng
            .weighted(&[(5i64, 55), (4, 25), (3, 10), (2, 6), (1, 4)])
            .unwrap_or(5);
        let comment = match score {
            1 | 2 => Some(rng.pick_str(COMPLAINTS).to_string()),
            5 if rng.chance(0.3) => Some("Cán bộ hỗ trợ nhiệt tình, cảm ơn.".to_string()),
            _ => None,
        };
        let at = resolved_at.unwrap_or(created_at) + rng.between(MINUTE, 3 * DAY);
        chunk.ratings.push(RatingRow {
            case: index,
            score,
            comment,
            created_at: at.min(now - MINUTE),
        });
    }
    let updated_at = [Some(created_at), first_responded_at, resolved_at, closed_at]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(created_at);
    chunk.cases.push(CaseRow {
        number,
        kind,
        branch,
        channel,
        category_id,
        priority,
        status,
        subject,
        requester,
        unit_id,
        assignee_id,
        created_by,
        created_at,
        updated_at,
        first_response_due_at,
        resolution_due_at,
        first_responded_at,
        resolved_at,
        closed_at,
        message_count,
        reporter,
        callback_number: (kind == CaseKind::Callback && !phone.is_empty()).then_some(phone),
    });
}

// ---- writing ------------------------------------------------------------------------------------

/// Rows per multi-row `INSERT` of `cols` columns: `MAX_PARAMS` parameters at most.
fn rows_per_insert(cols: usize) -> usize {
    (MAX_PARAMS / cols.max(1)).max(1)
}

/// Insert `rows` into `table` with multi-row statements of at most [`MAX_PARAMS`] parameters;
/// `bind` adds one row's values in the order of `columns`. Returns the rows written.
async fn insert_all<'r, T: Sync>(
    conn: &mut AnyConnection,
    table: &str,
    columns: &[&str],
    rows: &'r [T],
    mut bind: impl FnMut(&mut AnyArguments<'r>, &'r T) -> Result<(), StoreError>,
) -> Result<u64, StoreError> {
    for part in rows.chunks(rows_per_insert(columns.len())) {
        let mut args = AnyArguments::default();
        for row in part {
            bind(&mut args, row)?;
        }
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {}",
            columns.join(", "),
            values(part.len(), columns.len())
        );
        sqlx::query_with(&sql, args).execute(&mut *conn).await?;
    }
    Ok(rows.len() as u64)
}

async fn insert_chunk(
    conn: &mut AnyConnection,
    chunk: &Chunk,
    requester_ids: &[i64],
    stats: &mut SeedStats,
) -> Result<(), StoreError> {
    let mut case_ids = vec![0i64; chunk.cases.len()];
    let per = rows_per_insert(23);
    for (part, rows) in chunk.cases.chunks(per).enumerate() {
        let base = part * per;
        let mut args = AnyArguments::default();
        for c in rows {
            add(&mut args, c.number.as_str())?;
            add(&mut args, c.kind.as_str())?;
            add(&mut args, i64::from(c.branch.number()))?;
            add(&mut args, c.channel.as_str())?;
            add(&mut args, c.category_id)?;
            add(&mut args, c.priority.as_str())?;
            add(&mut args, c.status.as_str())?;
            add(&mut args, i64::from(c.kind.is_confidential()))?;
            add(&mut args, c.subject.as_str())?;
            add(
                &mut args,
                c.requester.and_then(|k| requester_ids.get(k).copied()),
            )?;
            add(&mut args, c.unit_id)?;
            add(&mut args, c.assignee_id)?;
            add(&mut args, c.created_by)?;
            add(&mut args, c.created_at)?;
            add(&mut args, c.updated_at)?;
            add(&mut args, c.first_response_due_at)?;
            add(&mut args, c.resolution_due_at)?;
            add(&mut args, c.first_responded_at)?;
            add(&mut args, c.resolved_at)?;
            add(&mut args, c.closed_at)?;
            add(&mut args, c.message_count)?;
            add(&mut args, c.callback_number.as_deref())?;
            add(&mut args, i64::from(c.callback_number.is_some()))?;
        }
        let sql = format!(
            "INSERT INTO cases (number, kind, branch, channel, category_id, priority, status, \
             confidential, subject, requester_id, unit_id, assignee_id, created_by, created_at, \
             updated_at, first_response_due_at, resolution_due_at, first_responded_at, \
             resolved_at, closed_at, message_count, callback_number, callback_calls) \
             VALUES {} RETURNING id, number",
            values(rows.len(), 23)
        );
        let back: Vec<(i64, String)> = sqlx::query_as_with(&sql, args)
            .fetch_all(&mut *conn)
            .await?;
        let index: HashMap<&str, usize> = rows
            .iter()
            .enumerate()
            .map(|(i, c)| (c.number.as_str(), base + i))
            .collect();
        for (id, number) in &back {
            if let Some(i) = index.get(number.as_str()) {
                case_ids[*i] = *id;
            }
        }
        stats.cases += rows.len() as u64;
        stats.messages += rows.iter().map(|c| c.message_count as u64).sum::<u64>();
    }
    let id_of = |i: usize| case_ids.get(i).copied().unwrap_or(0);

    let reporters: Vec<(i64, &_)> = chunk
        .cases
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.reporter.as_ref().map(|r| (id_of(i), r)))
        .collect();
    stats.confidential_reporters += insert_all(
        conn,
        "confidential_reporters",
        &["case_id", "anonymous", "name", "phone"],
        &reporters,
        |args, (id, (anonymous, name, phone))| {
            add(args, *id)?;
            add(args, i64::from(*anonymous))?;
            add(args, name.as_deref())?;
            add(args, phone.as_deref())
        },
    )
    .await?;

    stats.timeline_entries += insert_all(
        conn,
        "timeline_entries",
        &[
            "case_id",
            "kind",
            "channel",
            "author_user_id",
            "body",
            "delivery_state",
            "meta",
            "created_at",
        ],
        &chunk.entries,
        |args, e| {
            add(args, id_of(e.case))?;
            add(args, e.kind.as_str())?;
            add(args, e.channel.map(Channel::as_str))?;
            add(args, e.author_user_id)?;
            add(args, e.body.as_str())?;
            add(args, e.delivery_state.map(DeliveryState::as_str))?;
            add(args, e.meta.as_deref())?;
            add(args, e.created_at)
        },
    )
    .await?;

    let docs: Vec<&(String, usize)> = chunk.docs.iter().filter(|(t, _)| !t.is_empty()).collect();
    stats.search_documents += insert_all(
        conn,
        "case_search",
        &["tokens", "case_id"],
        &docs,
        |args, (tokens, case)| {
            add(args, tokens.as_str())?;
            add(args, id_of(*case))
        },
    )
    .await?;

    stats.calls += insert_all(
        conn,
        "calls",
        &[
            "call_id",
            "direction",
            "from_number",
            "to_number",
            "branch",
            "state",
            "answered_user_id",
            "offered_at",
            "answered_at",
            "ended_at",
            "cause",
            "requester_id",
            "case_id",
            "created_at",
            "updated_at",
        ],
        &chunk.calls,
        |args, c| {
            let requester = chunk
                .cases
                .get(c.case)
                .and_then(|case| case.requester)
                .and_then(|k| requester_ids.get(k).copied());
            add(args, c.call_id.as_str())?;
            add(args, "in")?;
            add(args, c.from_number.as_str())?;
            add(args, "19009299")?;
            add(args, c.branch)?;
            add(args, "ended")?;
            add(args, c.answered_user_id)?;
            add(args, c.offered_at)?;
            add(args, c.answered_at)?;
            add(args, c.ended_at)?;
            add(args, c.cause)?;
            add(args, requester)?;
            add(args, id_of(c.case))?;
            add(args, c.offered_at)?;
            add(args, c.ended_at)
        },
    )
    .await?;

    stats.callback_attempts += insert_all(
        conn,
        "callback_attempts",
        &["case_id", "outcome", "user_id", "at"],
        &chunk.attempts,
        |args, a| {
            add(args, id_of(a.case))?;
            add(args, a.outcome)?;
            add(args, a.user_id)?;
            add(args, a.at)
        },
    )
    .await?;

    stats.ratings += insert_all(
        conn,
        "ratings",
        &["case_id", "score", "comment", "created_at"],
        &chunk.ratings,
        |args, r| {
            add(args, id_of(r.case))?;
            add(args, r.score)?;
            add(args, r.comment.as_deref())?;
            add(args, r.created_at)
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_valid_and_unique_within_a_month() {
        let mut per_month = HashMap::new();
        let mut taken = HashSet::new();
        let at = 1_795_425_600_000;
        let mut seen = HashSet::new();
        for _ in 0..5_000 {
            let n = unique_number(at, &mut per_month, &mut taken).unwrap_or_default();
            assert!(CaseNumber::parse(&n).is_ok(), "{n}");
            assert!(seen.insert(n));
        }
    }

    #[test]
    fn existing_numbers_are_skipped() {
        let at = 1_795_425_600_000;
        let mut first = HashMap::new();
        let mut none = HashSet::new();
        let n0 = unique_number(at, &mut first, &mut none).unwrap_or_default();
        let mut taken: HashSet<String> = [n0.clone()].into_iter().collect();
        let n = unique_number(at, &mut HashMap::new(), &mut taken).unwrap_or_default();
        assert_ne!(n, n0);
    }

    #[test]
    fn requesters_have_unique_phones() {
        let phones: HashSet<String> = (0..10_000).map(|k| requester(1, k).phone).collect();
        assert_eq!(phones.len(), 10_000);
    }
}
