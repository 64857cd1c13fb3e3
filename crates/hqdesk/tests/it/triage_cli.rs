//! `hqdesk triage` as an operator uses it (issue 19): JSON lines in, one reading out for each,
//! with the starter set's best articles on a fresh database; a line that does not parse gets an
//! error naming its number and the run goes on; an empty text is `other` with low confidence.
//! Both engines.
use serde_json::{json, Value};

use crate::support::{fresh_database, Engine};

/// A denunciation as people write it to the support mailbox: polite, a question at the end.
const DENUNCIATION: &str = "Kính gửi Tổng cục Hải quan, tôi xin phản ánh: tại cửa khẩu Móng \
    Cái, cán bộ hải quan ca đêm nhận tiền của chủ hàng để cho các xe container chở hàng lậu \
    (thuốc lá, điện thoại) đi qua mà không kiểm tra. Việc này diễn ra hằng tuần. Tôi có thể gửi \
    thêm hình ảnh nếu cần.";
const QUESTION: &str = "Tôi không đăng nhập được hệ thống VNACCS, báo lỗi E1001 khi khai tờ \
    khai nhập khẩu, nhờ hướng dẫn giúp.";

async fn triage_command(engine: Engine) {
    let Some((url, _dir)) = fresh_database(engine).await else {
        return;
    };
    let input = format!(
        "{}\n{}\nnot json\n{{\"txt\":1}}\n{}\n",
        json!({ "text": QUESTION }),
        json!({ "text": DENUNCIATION }),
        json!({ "text": "" }),
    );
    let (code, out, err) = crate::cli::hqdesk(&url, &["triage"], Some(&input));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert_eq!(lines[0]["branch"], 2);
    assert!(lines[0]["kb"].as_array().unwrap().len() <= 3);
    assert!(
        lines[0]["kb"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().contains("loi")),
        "an error-code article for an error code, from the starter set: {}",
        lines[0]
    );
    assert_eq!(lines[1]["confidential"], true, "{}", lines[1]);
    assert_eq!(lines[2]["line"], 3);
    assert!(lines[2]["error"].as_str().unwrap().contains("JSON"));
    assert_eq!(lines[3]["line"], 4);
    assert_eq!(lines[4]["topic"], "other", "empty text: {}", lines[4]);
    assert!(lines[4]["confidence"]["topic"].as_f64().unwrap() <= 0.3 + 1e-6);
}

#[tokio::test]
async fn triage_command_reads_json_lines_sqlite() {
    triage_command(Engine::Sqlite).await;
}

#[tokio::test]
async fn triage_command_reads_json_lines_postgres() {
    triage_command(Engine::Postgres).await;
}
