//! Rating the handling of a resolved case.

use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::case::Status;
use hqdesk_store::cases::CaseRecord;
use hqdesk_store::timeline::NewEntry;
use hqdesk_store::{cases, portal, timeline, Store};
use serde_json::json;

use super::{Rating, PORTAL};
use crate::audit::record as audit;
use crate::cases::{OpenCase, RequesterInput};
use crate::texts;
use crate::{Actor, ServiceError, Services};

/// A dissatisfied rating (this score or lower) needs a comment and opens a follow-up case.
pub const DISSATISFIED_AT_MOST: i64 = 2;
const MAX_COMMENT_CHARS: usize = 2000;

impl Services {
    /// Rate the handling of a resolved case, once. A dissatisfied rating needs a comment and
    /// opens a follow-up case, so that someone answers the business.
    pub async fn portal_rate(
        &self,
        token: &str,
        score: i64,
        comment: &str,
    ) -> Result<(), ServiceError> {
        let case = self.tracked_case(token).await?;
        if !(1..=5).contains(&score) {
            return Err(ServiceError::invalid_field(
                "score",
                "score_invalid",
                "choose one of the five levels",
            ));
        }
        let comment = comment.trim();
        if score <= DISSATISFIED_AT_MOST && comment.is_empty() {
            return Err(ServiceError::invalid_field(
                "comment",
                "comment_required",
                "tell us what went wrong so that we can put it right",
            ));
        }
        if comment.chars().count() > MAX_COMMENT_CHARS {
            return Err(ServiceError::invalid_field(
                "comment",
                "comment_too_long",
                format!("at most {MAX_COMMENT_CHARS} characters"),
            ));
        }
        if !matches!(case.status, Status::Resolved | Status::Closed) {
            return Err(ServiceError::Conflict {
                code: "not_resolved",
                message: "a request can be rated once it is resolved".into(),
            });
        }
        let comment = (!comment.is_empty()).then(|| comment.to_string());
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if !portal::rate(&mut tx, case.id, score, comment.as_deref(), now).await? {
            return Err(ServiceError::Conflict {
                code: "already_rated",
                message: "this request has already been rated".into(),
            });
        }
        let detail = json!({ "rating": score, "comment": comment });
        timeline::insert(
            &mut tx,
            &NewEntry {
                case_id: case.id,
                kind: EntryKind::Event,
                channel: None,
                author_user_id: None,
                body: &format!("rating {score}/5"),
                delivery_state: None,
                meta: Some(detail.to_string()),
            },
            now,
        )
        .await?;
        audit(
            &mut tx,
            now,
            &PORTAL,
            "case.rated",
            &format!("case:{}", case.number),
            json!({ "score": score }),
        )
        .await?;
        Store::commit(tx).await?;
        if score <= DISSATISFIED_AT_MOST {
            self.open_rating_follow_up(&case, score, comment.as_deref().unwrap_or(""))
                .await?;
        }
        Ok(())
    }

    /// The follow-up of a dissatisfied rating, linked to the rated case. The follow-up of a
    /// confidential case is itself confidential: a denunciation (the only confidential kind)
    /// in the rated case's category, its reporter kept apart from the shared directory as on
    /// the rated case, so that only investigators ever see the rating's comment.
    async fn open_rating_follow_up(
        &self,
        rated: &CaseRecord,
        score: i64,
        comment: &str,
    ) -> Result<(), ServiceError> {
        let mut conn = self.store().read().await?;
        let (kind, category, requester) = if rated.confidential {
            let reporter = cases::confidential_reporter(&mut conn, rated.id).await?;
            let category = match &rated.category_code {
                Some(code) => match hqdesk_store::categories::by_code(&mut conn, code).await {
                    Ok(c) if c.active && c.kind.is_confidential() => Some(c.code),
                    Ok(_) | Err(hqdesk_store::StoreError::NotFound) => None,
                    Err(e) => return Err(e.into()),
                },
                None => None,
            };
            // A sealed case's reporter is under its identity key, which no tracking link
            // opens: the follow-up names no reporter (it is linked to the rated case, whose
            // identity a custodian can open).
            let reporter = reporter.filter(|_| !rated.sealed);
            let requester = reporter.filter(|r| !r.anonymous).map(|r| RequesterInput {
                name: r.name,
                business_name: None,
                email: r.email,
                phone: r.phone,
                tax_code: r.tax_code,
            });
            ("denunciation", category, requester)
        } else {
            let requester = match rated.requester_id {
                Some(id) => Some(hqdesk_store::requesters::get(&mut conn, id).await?),
                None => None,
            };
            let requester = requester.map(|r| RequesterInput {
                name: Some(r.name).filter(|n| !n.is_empty()),
                business_name: r.business_name,
                email: r.email,
                phone: r.phone,
                tax_code: r.tax_code,
            });
            ("rating_follow_up", None, requester)
        };
        drop(conn);
        let follow_up = self
            .open_case(
                &PORTAL,
                OpenCase {
                    kind: kind.into(),
                    channel: "portal".into(),
                    subject: texts::vi(
                        "portal.rating.follow_up_subject",
                        &[
                            ("score", &score.to_string()),
                            ("number", rated.number.as_str()),
                        ],
                    ),
                    body: Some(comment.to_string()),
                    category,
                    priority: Some("high".into()),
                    requester,
                    ..Default::default()
                },
                None,
            )
            .await?;
        self.link_cases(
            &PORTAL,
            follow_up.case.number.as_str(),
            rated.number.as_str(),
        )
        .await?;
        Ok(())
    }

    /// The rating of a case, for staff who may read it.
    pub async fn case_rating(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<Option<Rating>, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(
                &mut conn,
                actor,
                number,
                hqdesk_domain::access::Action::ReadCase,
            )
            .await?;
        Ok(portal::rating(&mut conn, case.id)
            .await?
            .map(Rating::from_row))
    }
}
