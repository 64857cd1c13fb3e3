//! Writing a chunk of generated rows in multi-row `INSERT`s.
use std::collections::HashMap;

use hqdesk_domain::case::timeline::DeliveryState;
use hqdesk_domain::channel::Channel;
use hqdesk_store::multirow::{add, values, MAX_PARAMS};
use hqdesk_store::StoreError;
use sqlx::any::AnyArguments;
use sqlx::AnyConnection;

use super::cases::Chunk;
use super::SeedStats;

/// Rows per multi-row `INSERT` of `cols` columns: `MAX_PARAMS` parameters at most.
pub(super) fn rows_per_insert(cols: usize) -> usize {
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

pub(super) async fn insert_chunk(
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
