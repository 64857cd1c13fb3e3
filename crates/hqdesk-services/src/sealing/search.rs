//! Search over sealed cases (design note 006 §4). The full-text index holds nothing of a sealed
//! case, so an investigator's search opens the sealed cases they may see in the request — a small
//! set: denunciations are a few hundred a year — and matches the query's tokens against their
//! subject and timeline, folded as the index folds them. The reporter's identity is not searched
//! (it is not the investigators' to read without the custodian).
//!
//! Nothing of it is kept: the opened texts live for the request only.
use std::collections::HashSet;

use hqdesk_domain::text;
use hqdesk_store::cases::{self, CaseFilter, CaseOrder, CaseRecord};
use hqdesk_store::{timeline, Connection};

use super::CaseKeys;
use crate::{Actor, ServiceError};

/// The newest sealed cases a search opens. Past it, older sealed cases are not searched (the
/// page says how many were searched).
pub const SEALED_SEARCH_SET: i64 = 2000;

/// What a search found among the sealed cases the actor may open.
#[derive(Debug, Clone, Default)]
pub struct SealedMatches {
    /// The matching cases, newest first, their subjects opened.
    pub items: Vec<CaseRecord>,
    /// How many sealed cases were opened and searched.
    pub searched: usize,
}

/// The sealed cases among those `filter` admits (its search tokens aside) whose subject or
/// timeline holds every token. Empty for an actor without a key: only an investigator signed
/// in to the console opens sealed cases.
pub async fn sealed_matches(
    conn: &mut Connection,
    actor: &Actor,
    filter: &CaseFilter,
) -> Result<SealedMatches, ServiceError> {
    if actor.unlocked_key().is_none() || filter.search_tokens.is_empty() {
        return Ok(SealedMatches::default());
    }
    let mut sealed = filter.clone();
    sealed.search_tokens.clear();
    sealed.sealed_only = true;
    let (mut candidates, _) = cases::list(
        conn,
        &sealed,
        CaseOrder::CreatedDesc,
        None,
        SEALED_SEARCH_SET,
    )
    .await?;
    let mut keys = CaseKeys::for_actor(actor);
    keys.open_cases(conn, &mut candidates).await?;
    let ids: Vec<i64> = candidates.iter().map(|c| c.id).collect();
    let mut entries = timeline::list_for_cases(conn, &ids).await?;
    keys.open_entries(conn, &mut entries).await?;
    let mut words: std::collections::HashMap<i64, HashSet<String>> = candidates
        .iter()
        .map(|c| (c.id, tokens_of(&c.subject)))
        .collect();
    for e in &entries {
        if let Some(set) = words.get_mut(&e.case_id) {
            set.extend(tokens_of(&e.body));
        }
    }
    let searched = candidates.len();
    let items = candidates
        .into_iter()
        .filter(|c| {
            words
                .get(&c.id)
                .is_some_and(|w| holds_all(w, &filter.search_tokens))
        })
        .collect();
    Ok(SealedMatches { items, searched })
}

fn tokens_of(text: &str) -> HashSet<String> {
    text::search_tokens(text)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Every query token is a word of the text; a token `a|b` matches either form, as in the index.
fn holds_all(words: &HashSet<String>, tokens: &[String]) -> bool {
    tokens
        .iter()
        .all(|t| t.split('|').any(|form| words.contains(form)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_token_must_be_a_word_of_the_text_folded() {
        let words = tokens_of("Tố giác kho xăng lậu ở Xuyên Mộc, xe bồn 51C-12345");
        let q = |s: &str| -> Vec<String> {
            text::search_tokens(s)
                .split(' ')
                .map(str::to_string)
                .collect()
        };
        assert!(holds_all(&words, &q("xăng Xuyên Mộc")));
        assert!(holds_all(&words, &q("xang xuyen moc")));
        assert!(holds_all(&words, &q("51c 12345")));
        assert!(!holds_all(&words, &q("xăng Móng Cái")));
        // Whole words, as the index matches them: a prefix is not a word.
        assert!(!holds_all(&words, &q("xuy")));
        assert!(holds_all(&words, &["khong|kho".to_string()]));
    }
}
