//! What the portal shows of a procedure besides its steps: the official code (national database
//! of administrative procedures), where to submit it online, and its forms to download.
use hqdesk_domain::access::Action;
use hqdesk_domain::{input, FieldError, ValidationErrors};
use hqdesk_store::{portal, Store};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::record as audit;
use crate::{Actor, ServiceError, Services};

/// One form of a procedure: its name and where to download it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcedureForm {
    pub name: String,
    pub url: String,
}

/// The forms of a procedure as stored (JSON); an unreadable value reads as none.
pub fn procedure_forms(json: &str) -> Vec<ProcedureForm> {
    serde_json::from_str(json).unwrap_or_default()
}

/// Only web addresses are links: anything else (`javascript:` …) is refused.
fn is_web_address(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"')
}

impl Services {
    /// Set the official code, the online submission address and the forms of the procedure
    /// `code` (which must exist).
    pub async fn save_procedure_links(
        &self,
        actor: &Actor,
        code: &str,
        official_code: &str,
        submit_online: &str,
        forms: &[ProcedureForm],
    ) -> Result<(), ServiceError> {
        actor.require(Action::EditKnowledge, None)?;
        let mut errors = ValidationErrors::new();
        for (field, value) in [
            ("official_code", official_code),
            ("submit_online", submit_online),
        ] {
            if let Err(e) = input::check_field(field, value) {
                errors.push(e);
            }
        }
        for (i, f) in forms.iter().enumerate() {
            if let Err(e) = input::check_field("forms", &f.name) {
                errors.push(e);
            }
            if f.name.trim().is_empty() || !is_web_address(f.url.trim()) {
                errors.push(FieldError {
                    field: format!("forms[{i}]"),
                    code: "url_invalid",
                    message: "a form has a name and an address starting with https://".into(),
                });
            }
        }
        errors.into_result()?;
        let forms: Vec<ProcedureForm> = forms
            .iter()
            .map(|f| ProcedureForm {
                name: f.name.trim().into(),
                url: f.url.trim().into(),
            })
            .collect();
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if !portal::set_procedure_links(
            &mut tx,
            code.trim(),
            official_code.trim(),
            submit_online.trim(),
            &json!(forms).to_string(),
        )
        .await?
        {
            return Err(ServiceError::NotFound);
        }
        audit(
            &mut tx,
            now,
            actor,
            "procedure.links",
            &format!("procedure:{}", code.trim()),
            json!({}),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_addresses_are_links() {
        assert!(is_web_address(
            "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html"
        ));
        assert!(!is_web_address("javascript:alert(1)"));
        assert!(!is_web_address("https://x.vn/\" onclick=\"x"));
        assert_eq!(procedure_forms("not json"), Vec::new());
    }
}
