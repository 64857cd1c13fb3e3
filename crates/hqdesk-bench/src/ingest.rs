//! `hqdesk-bench ingest`: email intake throughput, parse plus store (raw mail to the blob store,
//! its row, the case or message, attachments, the Message-ID index, the acknowledgement job), on
//! the configured engine. A realistic mix: mostly new mails in Vietnamese from distinct senders,
//! a fifth replies threading by In-Reply-To, one in ten with a small attachment.
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use hqdesk_services::mail::MailSource;
use hqdesk_services::Services;

/// What one run measured.
#[derive(Debug, Clone)]
pub struct IngestReport {
    pub engine: &'static str,
    pub messages: usize,
    pub cases_created: usize,
    pub threaded: usize,
    pub parse_per_sec: f64,
    pub ingest_secs: f64,
    pub ingest_per_sec: f64,
    pub cores: usize,
}

impl IngestReport {
    pub fn line(&self) -> String {
        format!(
            "ingest {}: {} messages ({} new cases, {} replies threaded) in {:.2} s: {:.0} messages/s \
             parse+store ({:.0} messages/s parse only), {} cores",
            self.engine,
            self.messages,
            self.cases_created,
            self.threaded,
            self.ingest_secs,
            self.ingest_per_sec,
            self.parse_per_sec,
            self.cores
        )
    }
}

/// The `n` raw mails of a run; `tag` keeps Message-IDs and senders unique across runs.
pub fn messages(n: usize, tag: &str) -> Vec<Vec<u8>> {
    let topics = [
        ("Không khai được tờ khai trên VNACCS", "Hệ thống báo lỗi E1234 khi gửi tờ khai nhập khẩu, xin hướng dẫn cách khắc phục."),
        ("Hoàn thuế hàng tái xuất", "Công ty chúng tôi cần hoàn thuế nhập khẩu cho lô hàng đã tái xuất, hồ sơ gồm những gì?"),
        ("Hàng kẹt tại cảng Cát Lái", "Container TCLU1234567 bị giữ tại cảng đã năm ngày, đề nghị kiểm tra giúp."),
        ("Đăng ký chữ ký số", "Doanh nghiệp mới thành lập cần đăng ký chữ ký số để khai hải quan điện tử."),
        ("Thuế suất mã HS 8471.30", "Xin hỏi thuế suất nhập khẩu ưu đãi đặc biệt cho máy tính xách tay."),
    ];
    (0..n)
        .map(|i| {
            let (subject, body) = topics[i % topics.len()];
            let reply = i % 5 == 4 && i >= 5;
            let sender = if reply { i - 4 } else { i };
            let mut extra = String::new();
            if reply {
                extra.push_str(&format!("In-Reply-To: <bench-{tag}-{}@khach.test>\r\n", i - 4));
            }
            let head = format!(
                "Received: from mx.khach.test by mx.hqdesk.test\r\nFrom: =?UTF-8?B?Tmd1eeG7hW4gVsSDbiBBbg==?= <bench{sender}.{tag}@khach.test>\r\nTo: support@hqdesk.test\r\nSubject: =?UTF-8?Q?{}?=\r\nMessage-ID: <bench-{tag}-{i}@khach.test>\r\nDate: Mon, 23 Nov 2026 09:15:00 +0700\r\nMIME-Version: 1.0\r\n{extra}",
                q_encode(&if reply { format!("Re: {subject}") } else { subject.to_string() }),
            );
            let text = format!("Kính gửi Tổng cục Hải quan,\r\n\r\n{body}\r\n\r\nMã tham chiếu {i}.\r\nTrân trọng.\r\n");
            if i % 10 == 9 {
                format!(
                    "{head}Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}--b{i}\r\nContent-Type: application/pdf; name=\"to-khai-{i}.pdf\"\r\nContent-Disposition: attachment; filename=\"to-khai-{i}.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSL0ZpbHRlci9GbGF0ZURl\r\n--b{i}--\r\n"
                )
            } else {
                format!("{head}Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}")
            }
            .into_bytes()
        })
        .collect()
}

fn q_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b' ' => "_".to_string(),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("={b:02X}"),
        })
        .collect()
}

/// Ingest `n` generated mails into a fresh mailbox, `concurrency` at a time.
pub async fn run(
    services: &Services,
    n: usize,
    concurrency: usize,
) -> anyhow::Result<IngestReport> {
    let tag = format!("{:08x}", rand::random::<u32>());
    let mailbox_id = {
        let mut tx = services.store().begin().await?;
        let id = bench_mailbox(&mut tx, &format!("bench-{tag}"), services.now()).await?;
        hqdesk_services::Store::commit(tx).await?;
        id
    };
    let raws = Arc::new(messages(n, &tag));
    let jobs_before = {
        let mut conn = services.store().read().await?;
        hqdesk_store::jobs::last_id(&mut conn).await?
    };

    let start = Instant::now();
    for r in raws.iter() {
        let _ = hqdesk_mail_parse(r);
    }
    let parse_secs = start.elapsed().as_secs_f64().max(1e-9);

    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let workers = concurrency.max(1);
    for w in 0..workers {
        let services = services.clone();
        let raws = raws.clone();
        tasks.spawn(async move {
            let mut created = 0usize;
            let mut threaded = 0usize;
            // Replies follow their originals by 4 positions; a worker takes every `workers`-th
            // mail, in order, so most originals are in before their replies.
            for i in (w..raws.len()).step_by(workers) {
                let out = services
                    .ingest_raw_mail(
                        mailbox_id,
                        MailSource {
                            uidvalidity: Some(1),
                            uid: Some(i64::try_from(i).unwrap_or(i64::MAX) + 1),
                        },
                        &raws[i],
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!("ingesting message {i}: {e}"))?;
                if out.created_case {
                    created += 1;
                } else {
                    threaded += 1;
                }
            }
            anyhow::Ok((created, threaded))
        });
    }
    let (mut created, mut threaded) = (0, 0);
    while let Some(r) = tasks.join_next().await {
        let (c, t) = r.context("ingest worker")??;
        created += c;
        threaded += t;
    }
    let secs = start.elapsed().as_secs_f64().max(1e-9);
    // The acknowledgements were queued as part of intake (and so measured); sending them would
    // only fail against the benchmark mailbox's dead SMTP address, retried by every server
    // that opens this database afterwards and slowing its benchmarks down.
    // Likewise the cases' escalation timers (service levels): a server opening this database
    // would otherwise notify about every benchmark case.
    let mut tx = services.store().begin().await?;
    let jobs_after = hqdesk_store::jobs::last_id(&mut tx).await?;
    for (kind, reason) in [
        (
            hqdesk_services::outbox::SEND_NOTIFICATION_JOB,
            "benchmark mail: never sent",
        ),
        (
            hqdesk_services::sla::ESCALATE_JOB,
            "benchmark case: never escalated",
        ),
    ] {
        hqdesk_store::jobs::cancel_range(
            &mut tx,
            kind,
            jobs_before,
            jobs_after,
            reason,
            services.now(),
        )
        .await?;
    }
    hqdesk_services::Store::commit(tx).await?;
    Ok(IngestReport {
        engine: services.store().engine().name(),
        messages: n,
        cases_created: created,
        threaded,
        parse_per_sec: n as f64 / parse_secs,
        ingest_secs: secs,
        ingest_per_sec: n as f64 / secs,
        cores: std::thread::available_parallelism().map_or(1, |c| c.get()),
    })
}

/// A disabled mailbox pointing nowhere: intake alone is measured.
async fn bench_mailbox(
    conn: &mut sqlx::AnyConnection,
    name: &str,
    now: hqdesk_domain::Timestamp,
) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO mailboxes (name, address, imap_url, smtp_url, insecure_plain, enabled, \
         last_uid, created_at, updated_at) VALUES ($1, $2, 'imap://bench:bench@127.0.0.1:9/INBOX', \
         'smtp://127.0.0.1:9', 1, 0, 0, $3, $3) RETURNING id",
    )
    .bind(name)
    .bind(format!("{name}@bench.invalid"))
    .bind(now.millis())
    .fetch_one(conn)
    .await?)
}

fn hqdesk_mail_parse(raw: &[u8]) -> bool {
    hqdesk_services::mail::parse_mail(raw).is_ok()
}
