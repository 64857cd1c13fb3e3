//! Contacts: the requester directory (people and businesses).
use hqdesk_domain::access::Action;
use hqdesk_domain::requester::{Email, PhoneE164, TaxCode};
use hqdesk_domain::ValidationErrors;
use hqdesk_store::requesters::{self, Requester};
use hqdesk_store::Store;
use serde_json::json;

use crate::audit::record as audit;
use crate::cases::RequesterInput;
use crate::{Actor, ServiceError, Services};

/// Turn whatever identifier was typed (an e-mail, a phone number in any form, a tax code) into
/// its stored form, so that a lookup finds the contact however it was written.
pub fn normalise_identifier(s: &str) -> String {
    let s = s.trim();
    if let Ok(e) = Email::parse(s) {
        return e.as_str().to_string();
    }
    if let Ok(t) = TaxCode::parse(s) {
        return t.as_str().to_string();
    }
    if let Ok(p) = PhoneE164::parse(s) {
        return p.as_str().to_string();
    }
    s.to_string()
}

impl Services {
    pub async fn list_contacts(
        &self,
        actor: &Actor,
        identifier: Option<&str>,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Requester>, ServiceError> {
        actor.require(Action::ReadContacts, None)?;
        if !(1..=crate::cases::MAX_PAGE).contains(&limit) {
            return Err(ServiceError::invalid_field(
                "limit",
                "limit_range",
                "limit must be between 1 and 200",
            ));
        }
        let id = identifier
            .map(normalise_identifier)
            .filter(|s| !s.is_empty());
        let mut conn = self.store().read().await?;
        Ok(requesters::list(&mut conn, id.as_deref(), before_id, limit).await?)
    }

    pub async fn get_contact(&self, actor: &Actor, id: i64) -> Result<Requester, ServiceError> {
        actor.require(Action::ReadContacts, None)?;
        let mut conn = self.store().read().await?;
        Ok(requesters::get(&mut conn, id).await?)
    }

    /// Replace a contact's details (name and identifiers), validated like a new requester's.
    pub async fn update_contact(
        &self,
        actor: &Actor,
        id: i64,
        input: RequesterInput,
    ) -> Result<Requester, ServiceError> {
        actor.require(Action::ManageContacts, None)?;
        let mut errors = ValidationErrors::new();
        let opt = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
        };
        let email = opt(&input.email)
            .and_then(|v| errors.check("email", Email::parse(&v)))
            .map(String::from);
        let phone = opt(&input.phone)
            .and_then(|v| errors.check("phone", PhoneE164::parse(&v)))
            .map(String::from);
        let tax_code = opt(&input.tax_code)
            .and_then(|v| errors.check("tax_code", TaxCode::parse(&v)))
            .map(String::from);
        let business_name = opt(&input.business_name)
            .and_then(|v| errors.check("business_name", hqdesk_domain::case::parse_name(&v)));
        let name = match opt(&input.name) {
            Some(n) => errors.check("name", hqdesk_domain::case::parse_name(&n)),
            None => {
                errors.push(hqdesk_domain::FieldError {
                    field: "name".into(),
                    code: "name_empty",
                    message: "the name must not be empty".into(),
                });
                None
            }
        };
        errors.clone().into_result()?;
        let Some(name) = name else {
            return Err(ServiceError::Invalid(errors));
        };
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let fields = requesters::RequesterFields {
            name,
            business_name,
            email,
            phone,
            tax_code,
        };
        requesters::update(&mut tx, id, &fields, now).await?;
        audit(
            &mut tx,
            now,
            actor,
            "contact.update",
            &format!("contact:{id}"),
            json!({}),
        )
        .await?;
        Store::commit(tx).await?;
        let mut conn = self.store().read().await?;
        Ok(requesters::get(&mut conn, id).await?)
    }
}
