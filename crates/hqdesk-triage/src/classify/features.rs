//! From a text to a sparse, hashed feature vector.
//!
//! The text is cut to a prefix ([`MAX_INPUT_BYTES`]), folded with `hqdesk_domain::text::fold`
//! (case and diacritics gone, `đ` → `d`), split into tokens on anything that is not a letter or
//! digit, and Telex/VNI leftovers are decoded where that is cheap and safe ("tooi" → "toi",
//! "d9uo7c5" → "duoc"). Features, each hashed (FNV-1a) into [`BUCKETS`] buckets:
//!
//! - word unigrams (the token as typed and, when it differs, its decoded form);
//! - word bigrams over the decoded tokens, numbers replaced by their shape;
//! - character 3- to 5-grams inside each word (with `<` `>` at its ends), which carry typos,
//!   missing tone marks and Telex leftovers over to the words they were meant to be;
//! - a few hand features: a VNACCS-like error code, a 12-digit declaration number, a tax code,
//!   a money amount, words of accusation, smuggling, fraud or scams, insults and threats.
//!
//! Values are binary and the vector is scaled to unit length, so long e-mails and one-liners
//! weigh the same.
use hqdesk_domain::text::fold;
use std::collections::HashMap;
use std::sync::OnceLock;

/// How many bytes of a text are read; the rest is ignored (cut at a character boundary).
/// 8 KiB is three times a long e-mail with a signature and quoted history in the corpus.
pub const MAX_INPUT_BYTES: usize = 8 * 1024;
/// log2 of the number of hash buckets.
pub const HASH_BITS: u32 = 18;
/// The number of hash buckets.
pub const BUCKETS: u32 = 1 << HASH_BITS;
/// Character n-grams weigh less than words: there are many more of them.
const CHAR_WEIGHT: f32 = 0.25;
/// Hand features weigh more than one word: each stands for a whole family of words.
const HAND_WEIGHT: f32 = 1.5;
/// Longer tokens (URLs, base64, garbage) get no character n-grams.
const MAX_GRAM_TOKEN_CHARS: usize = 24;

/// A text as the model sees it.
#[derive(Debug, Clone, Default)]
pub struct Features {
    /// (bucket, value), sorted by bucket, buckets unique.
    pub items: Vec<(u32, f32)>,
    /// Buckets of the word unigrams that contain a letter, for the coverage measure: how much of
    /// the text is made of words the model has seen.
    pub words: Vec<u32>,
    /// The text names drugs, weapons, explosives or trafficked people (the `t_crime_goods`
    /// family): under the round-three label rules such a denunciation is `crime` whatever route
    /// the goods take (see [`super::decide`]).
    pub crime_goods: bool,
}

/// The prefix of `text` that is read, cut at a character boundary.
pub fn prefix(text: &str) -> &str {
    if text.len() <= MAX_INPUT_BYTES {
        return text;
    }
    let mut end = MAX_INPUT_BYTES;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn fnv(namespace: u8, parts: &[&[u8]]) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    };
    eat(namespace);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            eat(0x1f);
        }
        for &b in *part {
            eat(b);
        }
    }
    // Fold the high bits in: the low bits of FNV alone are weak for short keys.
    ((h ^ (h >> 29) ^ (h >> 47)) as u32) & (BUCKETS - 1)
}

/// The bucket of a word unigram (used for the coverage measure too).
pub fn word_bucket(token: &str) -> u32 {
    fnv(b'w', &[token.as_bytes()])
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// Does a folded ASCII word look like one Vietnamese syllable (onset, vowels, final)?
fn plausible_syllable(w: &[u8]) -> bool {
    const ONSETS: &[&[u8]] = &[
        b"ngh", b"ch", b"gh", b"gi", b"kh", b"ng", b"nh", b"ph", b"qu", b"th", b"tr", b"b", b"c",
        b"d", b"g", b"h", b"k", b"l", b"m", b"n", b"p", b"r", b"s", b"t", b"v", b"x", b"",
    ];
    const FINALS: &[&[u8]] = &[b"ng", b"nh", b"ch", b"c", b"m", b"n", b"p", b"t", b""];
    let Some(onset) = ONSETS.iter().find(|o| w.starts_with(o)) else {
        return false;
    };
    let rest = &w[onset.len()..];
    let vowels = rest.iter().take_while(|c| is_vowel(**c)).count();
    if vowels == 0 || vowels > 3 {
        return false;
    }
    FINALS.contains(&&rest[vowels..])
}

/// Decode a Telex or VNI leftover ("tooi", "khoanr", "baso", "d9uo7c5") into the folded word
/// it was meant to be; `None` when the token does not look like one.
pub fn decode_leftover(token: &str) -> Option<String> {
    let b = token.as_bytes();
    if b.len() < 2 || b.len() > 10 || !b.iter().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    if digits > 0 {
        // VNI: single digits 1-9 after letters, each digit run of length one.
        let letters = b.len() - digits;
        let single_runs = b
            .windows(2)
            .all(|p| !(p[0].is_ascii_digit() && p[1].is_ascii_digit()));
        if letters < 2 || !single_runs || b[0].is_ascii_digit() || b.contains(&b'0') {
            return None;
        }
        let w: Vec<u8> = b.iter().copied().filter(|c| !c.is_ascii_digit()).collect();
        return plausible_syllable(&w).then(|| String::from_utf8_lossy(&w).into_owned());
    }
    // Telex: tone keys (s f r x j) typed after the first vowel, doubled vowels for the
    // circumflex, `w` for the breve and horn, `dd` for `đ`.
    let first_vowel = b.iter().position(|c| is_vowel(*c))?;
    let mut w: Vec<u8> = Vec::with_capacity(b.len());
    let mut marked = false;
    let mut tone_seen = false;
    for (i, &c) in b.iter().enumerate() {
        if i > first_vowel && matches!(c, b's' | b'f' | b'r' | b'x' | b'j') && !tone_seen {
            tone_seen = true;
            marked = true;
            continue;
        }
        if c == b'w' && i > 0 {
            marked = true;
            continue;
        }
        if let Some(&last) = w.last() {
            if last == c && matches!(c, b'a' | b'e' | b'o' | b'd') {
                marked = true;
                continue;
            }
        }
        w.push(c);
    }
    (marked && w.as_slice() != b && plausible_syllable(&w))
        .then(|| String::from_utf8_lossy(&w).into_owned())
}

/// What a number looks like, for bigrams and hand features: `#d12` for a 12-digit number.
fn shape(token: &str) -> Option<String> {
    if token.bytes().all(|c| c.is_ascii_digit()) {
        return Some(format!("#d{}", token.len().min(16)));
    }
    None
}

fn is_error_code(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() == 5 && matches!(b[0], b'e' | b'w') && b[1..].iter().all(|c| c.is_ascii_digit())
}

const MONEY_UNITS: &[&str] = &[
    "trieu", "tr", "nghin", "ngan", "k", "usd", "vnd", "dong", "d", "ty", "million", "cont",
];

/// Folded words and phrases that mark a family of texts; each family is one hand feature, so
/// that a word seen once in training still counts with its family: the customs vocabulary of
/// each topic, accusations, insults and threats.
const FAMILIES: &[(&str, &[&str])] = &[
    (
        "t_account",
        &[
            "tai khoan",
            "mat khau",
            "user",
            "user id",
            "user code",
            "terminal",
            "dang nhap",
            "password",
            "nguoi su dung",
            "bi khoa",
            "login",
            "account",
            "tk vnaccs",
        ],
    ),
    (
        "t_declaration",
        &[
            "to khai",
            "tkhq",
            "ida",
            "eda",
            "idc",
            "edc",
            "ida01",
            "hys",
            "ola",
            "ecus",
            "ecus5",
            "khai bo sung",
            "khai sua",
            "huy to khai",
            "declaration",
            "e manifest",
            "loai hinh",
            "chi tieu",
            "phan hoi",
            "gui lai",
            "trung to khai",
        ],
    ),
    (
        "t_signature",
        &[
            "chu ky so",
            "chu ky",
            "ky so",
            "cks",
            "token",
            "usb token",
            "chung thu",
            "chung thu so",
            "ca",
            "vnpt ca",
            "viettel ca",
            "fpt ca",
            "bkav ca",
            "misa ca",
            "certificate",
            "signature",
            "smartca",
            "pin",
            "serial",
        ],
    ),
    (
        "t_nsw",
        &[
            "mot cua quoc gia",
            "nsw",
            "vnsw",
            "single window",
            "giay phep",
            "kiem dich",
            "bo nganh",
            "ho so",
            "cap phep",
            "kiem tra chuyen nganh",
            "an toan thuc pham",
            "licence",
            "license",
        ],
    ),
    (
        "t_asw",
        &[
            "asw",
            "mot cua asean",
            "asean",
            "e c o",
            "c o",
            "eco",
            "form d",
            "mau d",
            "e form d",
            "ephyto",
            "atiga",
            "acdd",
            "form ak",
        ],
    ),
    (
        "t_payment",
        &[
            "nop thue",
            "dong thue",
            "tien thue",
            "ngan hang",
            "thanh toan",
            "no thue",
            "bao no",
            "le phi",
            "chuyen tien",
            "bao lanh",
            "giao dich",
            "vietcombank",
            "bidv",
            "vietinbank",
            "agribank",
            "techcombank",
            "mb bank",
            "paid",
            "bank",
            "payment",
            "ntdt",
            "cham nop",
            "ghi nhan",
            "uy nhiem chi",
            "bien lai",
        ],
    ),
    (
        "t_hs",
        &[
            "reclassified",
            "advance ruling",
            "classification",
            "tariff",
            "ma hs",
            "hs",
            "hs code",
            "ma so",
            "phan loai",
            "xac dinh truoc",
            "chuong",
            "bieu thue",
            "ap ma",
            "quy tac",
            "thue suat",
        ],
    ),
    (
        "t_valuation",
        &[
            "declared value",
            "price database",
            "customs value",
            "identical goods",
            "tri gia",
            "tham van",
            "gia tinh thue",
            "tri gia tinh thue",
            "cif",
            "fob",
            "exw",
            "chiet khau",
            "phi ban quyen",
            "co so du lieu gia",
            "valuation",
            "transaction value",
            "transfer price",
            "ty gia",
            "phi bao hiem",
            "hoa hong",
        ],
    ),
    (
        "t_refund",
        &[
            "refund claim",
            "duty refund",
            "state treasury",
            "kho bac",
            "kbnn",
            "hoan thue",
            "hoan lai",
            "refund",
            "nop thua",
            "khong thu thue",
            "quyet dinh hoan",
            "ho so hoan",
        ],
    ),
    (
        "t_procedure",
        &[
            "temporary import",
            "extend",
            "priority status",
            "originals",
            "regulation",
            "allowed",
            "duty free",
            "second hand",
            "used",
            "thu tuc",
            "quy dinh",
            "tam nhap",
            "tai xuat",
            "gia cong",
            "che xuat",
            "mien thue",
            "qua bieu",
            "hang mau",
            "ngoai quan",
            "xuat canh",
            "nhap canh",
            "thong tu",
            "nghi dinh",
            "aeo",
            "dinh muc",
            "thanh khoan",
            "quyet toan",
            "procedure",
        ],
    ),
    (
        "t_inspection",
        &[
            "x ray",
            "physical inspection",
            "inspection slot",
            "sample analysis",
            "screening",
            "release",
            "released",
            "reefer",
            "cargo",
            "kiem hoa",
            "luong do",
            "luong vang",
            "phan luong",
            "kiem tra thuc te",
            "soi chieu",
            "giai phong hang",
            "lay mau",
            "giam dinh",
            "container",
            "cang",
            "kho",
            "bai",
            "niem phong",
            "giam sat",
            "inspection",
            "held",
            "hold",
            "xe hang",
            "cho kiem",
        ],
    ),
    (
        "t_smuggling",
        &[
            "across the river",
            "across the border",
            "without declaring",
            "cartons",
            "cigarettes",
            "cigarette",
            "wildlife",
            "ivory",
            "rhino",
            "tieu ngach",
            "qua song",
            "khong qua cua khau",
            "chia nho",
            "buon lau",
            "hang lau",
            "nhap lau",
            "van chuyen trai phep",
            "duong mon",
            "smuggling",
            "contraband",
            "khong tem",
            "tap ket",
            "thuoc la",
            "ruou ngoai",
            "dong vat hoang da",
            "vang",
            "ngoai te",
            "phao",
            "xach tay",
            "qua song",
            "ban dem",
            "bien gioi",
            "te giac",
            "nga voi",
            "smuggled",
        ],
    ),
    (
        "t_fraud",
        &[
            "certificate of origin",
            "declaring",
            "real value",
            "half the",
            "transshipment",
            "tariffs",
            "avoid",
            "evade",
            "mislabel",
            "khai la",
            "thuc te",
            "cong ty ma",
            "tach nho",
            "chia nho",
            "gian lan",
            "khai sai",
            "khai thap",
            "hai bo",
            "chuyen tai",
            "xuat xu",
            "khai khong",
            "transshipping",
            "undervalue",
            "two invoices",
            "gia mao",
            "lam gia",
            "dinh muc",
            "made in",
            "ne thue",
            "tron thue",
            "invoices",
            "chong ban pha gia",
            "anti dumping",
        ],
    ),
    (
        "t_corruption",
        &[
            "cash",
            "personal",
            "personal bank account",
            "speed up",
            "gifts",
            "tet",
            "overtime fee",
            "receipt",
            "no receipt",
            "tai khoan ca nhan",
            "tien mat",
            "khong co bien lai",
            "lanh dao",
            "nguoi nha",
            "nguoi quen",
            "ep",
            "doi tien",
            "boi tron",
            "hoi lo",
            "nhan tien",
            "phong bi",
            "tham nhung",
            "tieu cuc",
            "sach nhieu",
            "voi vinh",
            "lot tay",
            "bao che",
            "cau ket",
            "an tien",
            "ca phe",
            "biet dieu",
            "bribe",
            "bribes",
            "tea money",
            "chi phi ngoai",
            "boi duong",
            "gui qua",
            "an ban",
            "cong chuc",
            "can bo",
            "doi truong",
            "to truong",
            "officer",
            "ghi am",
            "tin nhan",
            "zalo",
        ],
    ),
    (
        "t_crime",
        &[
            "claiming",
            "pretending",
            "impersonat",
            "phishing",
            "hack",
            "website",
            "fake website",
            "safe account",
            "drugs",
            "weapon",
            "weapons",
            "gun",
            "bot trang",
            "hoa don gia",
            "con dau gia",
            "buon nguoi",
            "gia danh",
            "mao danh",
            "lua dao",
            "scam",
            "tu xung",
            "ma doc",
            "ma tuy",
            "vu khi",
            "sung",
            "de doa",
            "lua",
            "chuyen tien",
            "fake",
            "tien chat",
            "trung thuong",
        ],
    ),
    (
        // Round three's rule 1 (corpus/README.md): drugs, weapons, explosives and people are
        // `crime` wherever they travel; their names alone decide the topic.
        "t_crime_goods",
        &[
            "ma tuy",
            "ma tuy da",
            "ma tuy tong hop",
            "thuoc lac",
            "heroin",
            "can sa",
            "cannabis",
            "cocaine",
            "ketamine",
            "methamphetamine",
            "narcotics",
            "drugs",
            "drug",
            "tien chat ma tuy",
            "bot trang",
            "vu khi",
            "sung ngan",
            "sung san",
            "sung that",
            "sung tu che",
            "sung quan dung",
            "dan sung",
            "linh kien sung",
            "sung hoi",
            "dan duoc",
            "dan chi",
            "dan that",
            "thuoc no",
            "kip no",
            "explosive",
            "explosives",
            "weapon",
            "weapons",
            "gun",
            "guns",
            "pistol",
            "pistols",
            "ammunition",
            "buon nguoi",
            "human trafficking",
            "trafficking",
            "dua nguoi qua bien gioi",
        ],
    ),
    (
        "accuse",
        &[
            "i would like to report",
            "report this",
            "want to report",
            "please forward",
            "tip",
            "anti smuggling",
            "keep our",
            "confidential",
            "anonymous",
            "to cao",
            "to giac",
            "phan anh",
            "bao tin",
            "giau ten",
            "giu bi mat",
            "an danh",
            "report",
            "tip",
            "doi dac nhiem",
            "xac minh",
            "xu ly nghiem",
        ],
    ),
    (
        "problem",
        &[
            "waiting",
            "still",
            "no reply",
            "pending",
            "refuses",
            "refused",
            "rejected",
            "sub department",
            "held",
            "on hold",
            "for days",
            "weeks",
            "months",
            "keeps asking",
            "not their problem",
            "without",
            "delay",
            "delayed",
            "escalate",
            "tra lai",
            "bac bo",
            "an dinh",
            "khong chap nhan",
            "khong cho",
            "chua duoc",
            "ep",
            "bat",
            "chua",
            "van chua",
            "keo dai",
            "cham",
            "qua han",
            "ngay",
            "khong tra loi",
            "chi cuc",
            "yeu cau",
            "tu choi",
            "ton",
            "phi luu",
            "luu container",
            "de nghi",
            "kien nghi",
        ],
    ),
    (
        "question",
        &[
            "cho hoi",
            "xin hoi",
            "em hoi",
            "toi hoi",
            "lam sao",
            "the nao",
            "nhu the nao",
            "bao lau",
            "co duoc",
            "khong a",
            "duoc khong",
            "gi a",
            "nao a",
            "huong dan",
            "how",
            "what",
            "which",
            "can we",
            "could you",
            "do we",
            "is it",
            "does",
            "should we",
            "please advise",
        ],
    ),
    (
        "praise",
        &[
            "cam on",
            "khen",
            "bieu duong",
            "hai long",
            "nhiet tinh",
            "tan tinh",
            "thank",
            "thanks",
            "commend",
            "appreciate",
            "gop y",
            "de xuat",
            "kien nghi",
            "suggest",
            "suggestion",
            "feedback",
            "nen co",
            "nen bo tri",
            "nen cho",
        ],
    ),
    (
        "system",
        &[
            "he thong",
            "phan mem",
            "ecus",
            "loi",
            "bao loi",
            "error",
            "ket noi",
            "cong thong tin",
            "dang nhap",
            "vnaccs",
            "server",
            "may chu",
            "website",
            "link",
            "file",
            "system",
            "software",
            "portal",
            "ma loi",
        ],
    ),
    (
        "officer",
        &[
            "cong chuc",
            "can bo",
            "chi cuc",
            "doi truong",
            "to truong",
            "lanh dao",
            "officer",
            "officers",
            "sub department",
            "customs branch",
            "doan kiem tra",
            "to kiem hoa",
            "doi kiem soat",
            "team leader",
        ],
    ),
    (
        "t_other",
        &[
            "alo",
            "test",
            "nham so",
            "xin chao",
            "hello",
            "ok",
            "quang cao",
            "trung thuong",
            "vay tien",
        ],
    ),
    (
        "insult",
        &[
            "an hai",
            "vo dung",
            "vo tich su",
            "ngu nhu",
            "do cho",
            "khon nan",
            "mat day",
            "dm",
            "idiot",
            "idiots",
            "morons",
            "fuck",
            "useless",
            "incompetent",
            "sau mot",
            "do khon",
            "rac ruoi",
            "bat tai",
            "nhu cut",
            "lu",
            "bon may",
            "chung may",
            "tui bay",
            "thang",
            "do an hai",
            "ngu",
            "ngu dot",
            "con mu",
            "do vo",
            "lu an hai",
        ],
    ),
    (
        "threat",
        &[
            "tinh so",
            "biet tay",
            "cho nghi viec",
            "den tan noi",
            "nha cua",
            "dung trach",
            "tao se",
            "tao ma",
            "cho may",
            "len bao",
            "kien ca",
            "xu ly dua",
            "di tu",
        ],
    ),
];

/// The families' phrases, looked up by the word n-grams of a text.
struct PhraseIndex {
    /// Phrase → bit mask of the families it belongs to (bit i: `FAMILIES[i]`).
    phrases: HashMap<&'static str, u64>,
    /// Words in the longest phrase.
    longest: usize,
}

fn phrase_index() -> &'static PhraseIndex {
    static INDEX: OnceLock<PhraseIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut phrases: HashMap<&'static str, u64> = HashMap::new();
        let mut longest = 1;
        for (i, (_, list)) in FAMILIES.iter().enumerate().take(64) {
            for p in *list {
                *phrases.entry(p).or_default() |= 1u64 << i;
                longest = longest.max(p.split(' ').count());
            }
        }
        PhraseIndex { phrases, longest }
    })
}

/// Rude pronouns, recognised only with their diacritics (folded, `mày` is also `máy`).
const RUDE_RAW: &[&str] = &["mày", "tao", "tụi", "bọn", "đồ", "lũ", "thằng", "con mụ"];

struct Builder {
    raw: Vec<(u32, f32)>,
    words: Vec<u32>,
}

impl Builder {
    fn push(&mut self, bucket: u32, weight: f32) {
        self.raw.push((bucket, weight));
    }

    fn char_grams(&mut self, word: &str) {
        let chars: Vec<char> = std::iter::once('<')
            .chain(word.chars())
            .chain(std::iter::once('>'))
            .collect();
        if chars.len() - 2 > MAX_GRAM_TOKEN_CHARS {
            return;
        }
        let mut buf = [0u8; 4 * 5];
        for n in 3..=5 {
            if chars.len() < n {
                break;
            }
            for window in chars.windows(n) {
                let mut len = 0;
                for c in window {
                    len += c.encode_utf8(&mut buf[len..]).len();
                }
                self.push(fnv(b'c', &[&buf[..len]]), CHAR_WEIGHT);
            }
        }
    }

    fn finish(mut self) -> Features {
        self.raw.sort_by_key(|(b, _)| *b);
        let mut items: Vec<(u32, f32)> = Vec::with_capacity(self.raw.len());
        for (b, v) in self.raw {
            match items.last_mut() {
                // Presence, not counts: keep the larger weight of a repeated bucket.
                Some((lb, lv)) if *lb == b => *lv = lv.max(v),
                _ => items.push((b, v)),
            }
        }
        let norm: f32 = items.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, v) in &mut items {
                *v /= norm;
            }
        }
        self.words.sort_unstable();
        self.words.dedup();
        Features {
            items,
            words: self.words,
            crime_goods: false,
        }
    }
}

/// The features of a text.
pub fn extract(text: &str) -> Features {
    let text = prefix(text);
    let folded = fold(text);
    let mut b = Builder {
        raw: Vec::with_capacity(folded.len() * 4),
        words: Vec::new(),
    };
    b.push(fnv(b'h', &[b"bias"]), 1.0);

    let tokens: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    // The decoded sequence: what bigrams, families and character n-grams read.
    let mut seq: Vec<String> = Vec::with_capacity(tokens.len());
    let mut money = false;
    for (i, &tok) in tokens.iter().enumerate() {
        let has_letter = tok.chars().any(char::is_alphabetic);
        let wb = word_bucket(tok);
        b.push(wb, 1.0);
        // Coverage reads words of three letters or more: shorter ones ("la", "de", "an") are
        // words in too many languages to tell them apart.
        // Words of three letters or more count for coverage; tokens too long to be words
        // (base64, hashes, URLs run together) do not: one of them colliding with a known bucket
        // would make a pasted attachment look fully known.
        let chars = tok.chars().count();
        let long_word = has_letter && (3..=MAX_GRAM_TOKEN_CHARS).contains(&chars);
        if long_word {
            b.words.push(wb);
        }
        let decoded = decode_leftover(tok);
        if let Some(d) = &decoded {
            let db = word_bucket(d);
            b.push(db, 1.0);
            if long_word {
                b.words.push(db);
            }
        }
        let word = decoded.unwrap_or_else(|| tok.to_owned());
        if is_error_code(&word) {
            b.push(fnv(b'h', &[b"errcode"]), 1.0);
        }
        if let Some(s) = shape(&word) {
            match word.len() {
                12 => b.push(fnv(b'h', &[b"declaration_number"]), 1.0),
                10 | 13 => b.push(fnv(b'h', &[b"tax_code"]), 1.0),
                _ => {}
            }
            if let Some(next) = tokens.get(i + 1) {
                if MONEY_UNITS.contains(next) {
                    money = true;
                }
            }
            seq.push(s);
            continue;
        }
        if word.len() > 1 && word.as_bytes()[0].is_ascii_digit() {
            // "500k", "2tr": an amount written as one token.
            let unit = word.trim_start_matches(|c: char| c.is_ascii_digit());
            if MONEY_UNITS.contains(&unit) {
                money = true;
            }
        }
        if has_letter && !word.bytes().any(|c| c.is_ascii_digit()) && word.chars().count() >= 2 {
            b.char_grams(&word);
        }
        seq.push(word);
    }
    if money {
        b.push(fnv(b'h', &[b"money"]), 1.0);
    }
    for pair in seq.windows(2) {
        b.push(fnv(b'b', &[pair[0].as_bytes(), pair[1].as_bytes()]), 1.0);
    }
    let index = phrase_index();
    // The families are looked up in the decoded words and in the words as typed: decoding
    // reads some English and foreign words as Telex ("heroin" → "heoin").
    let typed: Vec<&str> = tokens.iter().map(|t| t.as_ref()).collect();
    let decoded: Vec<&str> = seq.iter().map(String::as_str).collect();
    let mut hits: u64 = 0;
    let mut gram = String::new();
    for words in [&decoded, &typed] {
        for start in 0..words.len() {
            gram.clear();
            for (n, w) in words[start..].iter().take(index.longest).enumerate() {
                if n > 0 {
                    gram.push(' ');
                }
                gram.push_str(w);
                if let Some(mask) = index.phrases.get(gram.as_str()) {
                    hits |= mask;
                }
            }
        }
    }
    let mut families: Vec<&str> = FAMILIES
        .iter()
        .enumerate()
        .filter(|(i, _)| hits & (1u64 << i) != 0)
        .map(|(_, (name, _))| *name)
        .collect();
    if text.contains('?') {
        families.push("question_mark");
    }
    let crime_goods = families.contains(&"t_crime_goods");
    for name in families {
        b.push(fnv(b'h', &[name.as_bytes()]), HAND_WEIGHT);
    }
    let lower = text.to_lowercase();
    let rude = lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|t| RUDE_RAW.contains(&t));
    if rude {
        b.push(fnv(b'h', &[b"rude_pronoun"]), 1.0);
    }
    let mut f = b.finish();
    f.crime_goods = crime_goods;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crime_goods_are_named_words_not_lookalikes() {
        for text in [
            "trong bao măng khô có giấu heroin",
            "kho cất súng săn tự chế và đạn dược",
            "a parcel with two pistols and ammunition",
            "có đường dây buôn người qua biên giới",
        ] {
            assert!(extract(text).crime_goods, "{text}");
        }
        for text in [
            "chi cục yêu cầu khai bổ sung hồ sơ",
            "xe chở thuốc lá lậu qua đường mòn",
            "nhập pháo hoa qua cửa khẩu phụ",
        ] {
            assert!(!extract(text).crime_goods, "{text}");
        }
    }

    #[test]
    fn decodes_telex_and_vni_leftovers() {
        for (typed, want) in [
            ("tooi", "toi"),
            ("ddang", "dang"),
            ("kys", "ky"),
            ("khoanr", "khoan"),
            ("baso", "bao"),
            ("looxi", "loi"),
            ("nhuwng", "nhung"),
            ("xuaats", "xuat"),
            ("khaaur", "khau"),
            ("d9uo7c5", "duoc"),
            ("to7", "to"),
        ] {
            assert_eq!(decode_leftover(typed).as_deref(), Some(want), "{typed}");
        }
        for plain in [
            "toi",
            "customs",
            "e1001",
            "g12",
            "a11",
            "ida01",
            "declaration",
            "vnaccs",
            "khai",
            "",
        ] {
            assert_eq!(decode_leftover(plain), None, "{plain}");
        }
    }

    #[test]
    fn prefix_cuts_at_a_char_boundary() {
        let text = "ả".repeat(MAX_INPUT_BYTES);
        let p = prefix(&text);
        assert!(p.len() <= MAX_INPUT_BYTES && p.len() > MAX_INPUT_BYTES - 4);
        assert!(p.chars().all(|c| c == 'ả'));
    }

    #[test]
    fn features_are_unit_length_and_sorted() {
        let f = extract("Tờ khai 105987654321 báo lỗi E1001, đã nộp 2 triệu");
        let norm: f32 = f.items.iter().map(|(_, v)| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-4);
        assert!(f.items.windows(2).all(|w| w[0].0 < w[1].0));
        let has = |name: &[u8]| f.items.iter().any(|(b, _)| *b == fnv(b'h', &[name]));
        assert!(has(b"errcode") && has(b"declaration_number") && has(b"money"));
        assert!(!has(b"tax_code"));
    }

    #[test]
    fn diacritics_do_not_change_the_features() {
        assert_eq!(
            extract("Chữ ký số hết hạn").items,
            extract("chu ky so het han").items
        );
    }

    #[test]
    fn empty_text_has_only_the_bias() {
        let f = extract("");
        assert_eq!(f.items.len(), 1);
        assert!(f.words.is_empty());
    }
}
