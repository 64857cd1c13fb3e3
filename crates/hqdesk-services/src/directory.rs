//! The directory: users, units and categories.
use hqdesk_domain::access::Action;
use hqdesk_domain::case::{self, Branch, CaseKind};
use hqdesk_domain::requester::Email;
use hqdesk_domain::unit::{parse_unit_code, UnitLevel};
use hqdesk_domain::user::{check_password, parse_username, Role};
use hqdesk_domain::ValidationErrors;
use hqdesk_store::categories::{self, Category};
use hqdesk_store::units::{self, Unit};
use hqdesk_store::users::{self, NewUser, User};
use hqdesk_store::{Store, StoreError};
use serde_json::json;

use crate::audit::record as audit;
use crate::{Actor, ServiceError, Services};

#[derive(Debug, Clone, Default)]
pub struct AddUser {
    pub username: String,
    pub display_name: Option<String>,
    pub role: String,
    pub unit: Option<String>,
    pub password: Option<String>,
    /// Where notifications are mailed (optional).
    pub email: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UpdateUser {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub unit: Option<Option<String>>,
    pub active: Option<bool>,
    pub password: Option<String>,
    /// `Some(None)` (or an empty address) removes the address.
    pub email: Option<Option<String>>,
    /// Why (written into the audit entry; required of changes made in the console).
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AddUnit {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AddCategory {
    pub code: String,
    pub parent: Option<String>,
    pub name_vi: String,
    pub name_en: String,
    pub branch: Option<i64>,
    pub kind: String,
}

#[derive(Debug, Clone, Default)]
pub struct UpdateCategory {
    pub name_vi: Option<String>,
    pub name_en: Option<String>,
    pub active: Option<bool>,
}

/// A staff member's notification address: empty is none; otherwise a valid address, kept in
/// its normalised form.
fn staff_email(raw: Option<&str>, errors: &mut ValidationErrors) -> Option<String> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty())?;
    errors
        .check("email", Email::parse(raw))
        .map(|e| e.as_str().to_string())
}

fn conflict(code: &'static str, message: String) -> impl FnOnce(StoreError) -> ServiceError {
    move |e| match e {
        StoreError::Conflict(_) => ServiceError::Conflict { code, message },
        other => other.into(),
    }
}

impl Services {
    async fn unit_by_code(
        &self,
        conn: &mut hqdesk_store::Connection,
        field: &str,
        code: &str,
        errors: &mut ValidationErrors,
    ) -> Result<Option<Unit>, ServiceError> {
        let Some(code) = errors.check(field, parse_unit_code(code)) else {
            return Ok(None);
        };
        crate::lookup::unit_named(conn, field, &code, errors).await
    }

    pub async fn add_user(&self, actor: &Actor, cmd: AddUser) -> Result<User, ServiceError> {
        actor.require(Action::ManageUsers, None)?;
        let mut errors = ValidationErrors::new();
        let username = errors.check("username", parse_username(&cmd.username));
        let role = errors.check("role", Role::parse(cmd.role.trim()));
        let display_name = match cmd
            .display_name
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(n) => errors.check("display_name", case::parse_name(n)),
            None => username.clone(),
        };
        if let Some(p) = &cmd.password {
            errors.check("password", check_password(p));
        }
        let email = staff_email(cmd.email.as_deref(), &mut errors);
        let mut conn = self.store().read().await?;
        let unit = match cmd.unit.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(code) => {
                self.unit_by_code(&mut conn, "unit", code, &mut errors)
                    .await?
            }
            None => None,
        };
        drop(conn);
        errors.clone().into_result()?;
        let (Some(username), Some(role), Some(display_name)) = (username, role, display_name)
        else {
            return Err(ServiceError::Invalid(errors));
        };
        if role.appointed_on_server_only() {
            actor.require(Action::ManageConfidentialAccounts, None)?;
        }
        // An investigator with a password gets their key pair with it (design note 006 §1).
        let set = cmd
            .password
            .as_deref()
            .map(|p| self.server_set_password(role, p))
            .transpose()?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let id = users::insert(
            &mut tx,
            &NewUser {
                username: &username,
                display_name: &display_name,
                role,
                unit_id: unit.as_ref().map(|u| u.id),
                password_hash: set.as_ref().map(|s| s.hash.as_str()),
                email: email.as_deref(),
            },
            now,
        )
        .await
        .map_err(conflict(
            "username_taken",
            format!("the username {username:?} is taken"),
        ))?;
        if let Some(new) = set.as_ref().and_then(|s| s.key_pair.as_ref()) {
            Self::store_key_pair(&mut tx, actor, (id, &username), new, now).await?;
        }
        audit(
            &mut tx,
            now,
            actor,
            "user.create",
            &format!("user:{username}"),
            json!({ "role": role.as_str(), "unit": unit.as_ref().map(|u| u.code.clone()) }),
        )
        .await?;
        Store::commit(tx).await?;
        let mut conn = self.store().read().await?;
        Ok(users::get(&mut conn, id).await?)
    }

    pub async fn update_user(
        &self,
        actor: &Actor,
        username: &str,
        cmd: UpdateUser,
    ) -> Result<User, ServiceError> {
        actor.require(Action::ManageUsers, None)?;
        let mut conn = self.store().read().await?;
        let user = users::by_username(&mut conn, &username.trim().to_ascii_lowercase()).await?;
        let mut errors = ValidationErrors::new();
        let display_name = match &cmd.display_name {
            Some(n) => errors.check("display_name", case::parse_name(n)),
            None => Some(user.display_name.clone()),
        };
        let role = match &cmd.role {
            Some(r) => errors.check("role", Role::parse(r.trim())),
            None => Some(user.role),
        };
        let unit_id = match &cmd.unit {
            Some(Some(code)) if !code.trim().is_empty() => self
                .unit_by_code(&mut conn, "unit", code, &mut errors)
                .await?
                .map(|u| u.id),
            Some(_) => None,
            None => user.unit_id,
        };
        if let Some(p) = &cmd.password {
            errors.check("password", check_password(p));
        }
        let email = match &cmd.email {
            Some(e) => staff_email(e.as_deref(), &mut errors),
            None => user.email.clone(),
        };
        drop(conn);
        errors.clone().into_result()?;
        let (Some(display_name), Some(role)) = (display_name, role) else {
            return Err(ServiceError::Invalid(errors));
        };
        if Some(user.id) == actor.user_id() && (role != user.role || cmd.active == Some(false)) {
            return Err(ServiceError::Conflict { code: "self_lockout", message: "you cannot change your own role or deactivate yourself; ask another administrator".into() });
        }
        // Appointing someone who sees confidential cases, or setting such a user's password,
        // is for the server's command line only. Taking the role away is not.
        let promoted = role.appointed_on_server_only() && role != user.role;
        let confidential_password = cmd.password.is_some() && role.appointed_on_server_only();
        if promoted || confidential_password {
            actor.require(Action::ManageConfidentialAccounts, None)?;
        }
        if promoted && cmd.password.is_none() {
            return Err(ServiceError::invalid_field(
                "password",
                "password_required",
                "appointing a user who sees confidential cases takes a new password \
                 (whoever set the old one could otherwise sign in as them)",
            ));
        }
        let active = cmd.active.unwrap_or(user.active);
        let now = self.now();
        // A password set here gives an investigator a new key pair; taking the role away
        // retires the key and deletes the wraps of every case for the user's keys.
        let set = cmd
            .password
            .as_deref()
            .map(|p| self.server_set_password(role, p))
            .transpose()?;
        let demoted = crate::vault::holds_keys(user.role) && !crate::vault::holds_keys(role);
        let mut tx = self.store().begin().await?;
        users::update(
            &mut tx,
            user.id,
            &users::UserChanges {
                display_name: &display_name,
                role,
                unit_id,
                email: email.as_deref(),
                active,
            },
        )
        .await?;
        if let Some(set) = &set {
            users::set_password_hash(&mut tx, user.id, &set.hash).await?;
        }
        if !active {
            hqdesk_store::tokens::revoke_all(&mut tx, user.id, now).await?;
        }
        if let Some(new) = set.as_ref().and_then(|s| s.key_pair.as_ref()) {
            Self::store_key_pair(&mut tx, actor, (user.id, &user.username), new, now).await?;
        }
        if demoted {
            Self::retire_on_role_removal(&mut tx, actor, (user.id, &user.username), now).await?;
        }
        if promoted {
            // A fresh start: the second factor and every session and token of the old role
            // end, so that nothing set up before the appointment (by an administrator who knew
            // the old password, say) carries over.
            hqdesk_store::sessions::set_totp(&mut tx, user.id, None, false).await?;
            hqdesk_store::sessions::replace_recovery_codes(&mut tx, user.id, &[]).await?;
            hqdesk_store::sessions::delete_for_user(&mut tx, user.id, None).await?;
            hqdesk_store::tokens::revoke_all(&mut tx, user.id, now).await?;
        }
        audit(
            &mut tx,
            now,
            actor,
            "user.update",
            &format!("user:{}", user.username),
            json!({ "role": role.as_str(), "active": active, "password_changed": set.is_some(),
                    "appointed_to_confidential_role": promoted, "display_name": display_name,
                    "unit_id": unit_id, "email_changed": email != user.email,
                    "reason": cmd.reason }),
        )
        .await?;
        Store::commit(tx).await?;
        let mut conn = self.store().read().await?;
        Ok(users::get(&mut conn, user.id).await?)
    }

    /// Every account (administrators and supervisors; read-only for supervisors).
    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<User>, ServiceError> {
        actor.require(Action::ReadUsers, None)?;
        let mut conn = self.store().read().await?;
        Ok(users::list(&mut conn).await?)
    }

    pub async fn add_unit(&self, actor: &Actor, cmd: AddUnit) -> Result<Unit, ServiceError> {
        actor.require(Action::ManageUnits, None)?;
        let mut errors = ValidationErrors::new();
        let code = errors.check("code", parse_unit_code(&cmd.code));
        let name = errors.check("name", case::parse_name(&cmd.name));
        let level = errors.check("level", UnitLevel::parse(cmd.level.trim()));
        let mut conn = self.store().read().await?;
        let parent = match cmd.parent.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(p) => {
                self.unit_by_code(&mut conn, "parent", p, &mut errors)
                    .await?
            }
            None => None,
        };
        drop(conn);
        if let (Some(l), Some(p)) = (level, &parent) {
            if !l.may_be_child_of(p.level) {
                errors.push(hqdesk_domain::FieldError {
                    field: "level".into(),
                    code: "unit_level_order",
                    message: format!("a {} cannot sit under a {}", l.as_str(), p.level.as_str()),
                });
            }
        }
        errors.clone().into_result()?;
        let (Some(code), Some(name), Some(level)) = (code, name, level) else {
            return Err(ServiceError::Invalid(errors));
        };
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let id = units::insert(
            &mut tx,
            &code,
            &name,
            level,
            parent.as_ref().map(|p| p.id),
            now,
        )
        .await
        .map_err(conflict(
            "unit_code_taken",
            format!("the unit code {code:?} is taken"),
        ))?;
        audit(
            &mut tx,
            now,
            actor,
            "unit.create",
            &format!("unit:{code}"),
            json!({ "name": name, "level": level.as_str(), "parent": parent.map(|p| p.code) }),
        )
        .await?;
        Store::commit(tx).await?;
        let mut conn = self.store().read().await?;
        Ok(units::get(&mut conn, id).await?)
    }

    /// Rename a unit, change its level or move it under another (never under itself or its
    /// own descendants; a level must fit between its parent's and its sub-units').
    pub async fn update_unit(
        &self,
        actor: &Actor,
        code: &str,
        name: Option<String>,
        level: Option<String>,
        parent: Option<Option<String>>,
    ) -> Result<Unit, ServiceError> {
        actor.require(Action::ManageUnits, None)?;
        let mut conn = self.store().read().await?;
        let mut errors = ValidationErrors::new();
        let Some(unit) = self
            .unit_by_code(&mut conn, "code", code, &mut errors)
            .await?
        else {
            return Err(ServiceError::NotFound);
        };
        let name = match &name {
            Some(n) => errors.check("name", case::parse_name(n)),
            None => Some(unit.name.clone()),
        };
        let level = match level.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
            Some(l) => errors
                .check("level", UnitLevel::parse(l))
                .unwrap_or(unit.level),
            None => unit.level,
        };
        if level != unit.level {
            let children = units::list(&mut conn).await?;
            if let Some(child) = children
                .iter()
                .find(|c| c.parent_id == Some(unit.id) && !c.level.may_be_child_of(level))
            {
                errors.push(hqdesk_domain::FieldError {
                    field: "level".into(),
                    code: "unit_level_order",
                    message: format!(
                        "a {} cannot sit under a {} (sub-unit {})",
                        child.level.as_str(),
                        level.as_str(),
                        child.code
                    ),
                });
            }
        }
        let parent_id = match &parent {
            Some(Some(p)) if !p.trim().is_empty() => match self
                .unit_by_code(&mut conn, "parent", p, &mut errors)
                .await?
            {
                Some(p) => {
                    if units::ancestors(&mut conn, p.id).await?.contains(&unit.id) {
                        errors.push(hqdesk_domain::FieldError {
                            field: "parent".into(),
                            code: "unit_cycle",
                            message: "a unit cannot sit under itself or one of its own sub-units"
                                .into(),
                        });
                    } else if !level.may_be_child_of(p.level) {
                        errors.push(hqdesk_domain::FieldError {
                            field: "parent".into(),
                            code: "unit_level_order",
                            message: format!(
                                "a {} cannot sit under a {}",
                                level.as_str(),
                                p.level.as_str()
                            ),
                        });
                    }
                    Some(p.id)
                }
                None => None,
            },
            Some(_) => None,
            None => unit.parent_id,
        };
        if parent.is_none() && level != unit.level {
            if let Some(pid) = unit.parent_id {
                let p = units::get(&mut conn, pid).await?;
                if !level.may_be_child_of(p.level) {
                    errors.push(hqdesk_domain::FieldError {
                        field: "level".into(),
                        code: "unit_level_order",
                        message: format!(
                            "a {} cannot sit under a {}",
                            level.as_str(),
                            p.level.as_str()
                        ),
                    });
                }
            }
        }
        drop(conn);
        errors.clone().into_result()?;
        let Some(name) = name else {
            return Err(ServiceError::Invalid(errors));
        };
        let now = self.now();
        let mut tx = self.store().begin().await?;
        units::update(&mut tx, unit.id, &name, level, parent_id).await?;
        audit(
            &mut tx,
            now,
            actor,
            "unit.update",
            &format!("unit:{}", unit.code),
            json!({ "name": name, "level": level.as_str(), "parent_id": parent_id }),
        )
        .await?;
        Store::commit(tx).await?;
        let mut conn = self.store().read().await?;
        Ok(units::get(&mut conn, unit.id).await?)
    }

    pub async fn list_units(&self, actor: &Actor) -> Result<Vec<Unit>, ServiceError> {
        actor.require(Action::ReadUnits, None)?;
        let mut conn = self.store().read().await?;
        Ok(units::list(&mut conn).await?)
    }

    pub async fn list_categories(&self, actor: &Actor) -> Result<Vec<Category>, ServiceError> {
        actor.require(Action::ReadCategories, None)?;
        let mut conn = self.store().read().await?;
        Ok(categories::list(&mut conn).await?)
    }

    pub async fn add_category(
        &self,
        actor: &Actor,
        cmd: AddCategory,
    ) -> Result<Category, ServiceError> {
        actor.require(Action::ManageCategories, None)?;
        let mut errors = ValidationErrors::new();
        let code = cmd.code.trim().to_ascii_lowercase();
        if code.is_empty()
            || code.len() > 64
            || !code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        {
            errors.push(hqdesk_domain::FieldError {
                field: "code".into(),
                code: "category_code_invalid",
                message: "a category code has 1–64 lowercase letters, digits, '.', '_' or '-'"
                    .into(),
            });
        }
        let name_vi = errors.check("name_vi", case::parse_name(&cmd.name_vi));
        let name_en = errors.check("name_en", case::parse_name(&cmd.name_en));
        let kind = errors.check("kind", CaseKind::parse(cmd.kind.trim()));
        let mut conn = self.store().read().await?;
        let parent = match cmd
            .parent
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(p) => match categories::by_code(&mut conn, p).await {
                Ok(c) => Some(c),
                Err(StoreError::NotFound) => {
                    errors.push(hqdesk_domain::FieldError {
                        field: "parent".into(),
                        code: "category_unknown",
                        message: format!("there is no category {p:?}"),
                    });
                    None
                }
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        drop(conn);
        let branch = match cmd.branch {
            Some(b) => errors.check("branch", Branch::from_number(b)),
            None => parent
                .as_ref()
                .map(|p| p.branch)
                .or(kind.map(CaseKind::default_branch)),
        };
        if let (Some(k), Some(p)) = (kind, &parent) {
            if k.is_confidential() != p.kind.is_confidential() {
                errors.push(hqdesk_domain::FieldError {
                    field: "kind".into(),
                    code: "category_kind_mismatch",
                    message: "a category must be as confidential as its parent".into(),
                });
            }
        }
        errors.clone().into_result()?;
        let (Some(name_vi), Some(name_en), Some(kind), Some(branch)) =
            (name_vi, name_en, kind, branch)
        else {
            return Err(ServiceError::Invalid(errors));
        };
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let id = categories::insert(
            &mut tx,
            &code,
            parent.as_ref().map(|p| p.id),
            &name_vi,
            &name_en,
            branch,
            kind,
            now,
        )
        .await
        .map_err(conflict(
            "category_code_taken",
            format!("the category code {code:?} is taken"),
        ))?;
        audit(
            &mut tx,
            now,
            actor,
            "category.create",
            &format!("category:{code}"),
            json!({ "kind": kind.as_str(), "branch": branch.number() }),
        )
        .await?;
        Store::commit(tx).await?;
        let mut conn = self.store().read().await?;
        Ok(categories::get(&mut conn, id).await?)
    }

    pub async fn update_category(
        &self,
        actor: &Actor,
        code: &str,
        cmd: UpdateCategory,
    ) -> Result<Category, ServiceError> {
        actor.require(Action::ManageCategories, None)?;
        let mut conn = self.store().read().await?;
        let cat = categories::by_code(&mut conn, code.trim()).await?;
        drop(conn);
        let mut errors = ValidationErrors::new();
        let name_vi = match &cmd.name_vi {
            Some(n) => errors.check("name_vi", case::parse_name(n)),
            None => Some(cat.name_vi.clone()),
        };
        let name_en = match &cmd.name_en {
            Some(n) => errors.check("name_en", case::parse_name(n)),
            None => Some(cat.name_en.clone()),
        };
        errors.clone().into_result()?;
        let (Some(name_vi), Some(name_en)) = (name_vi, name_en) else {
            return Err(ServiceError::Invalid(errors));
        };
        let active = cmd.active.unwrap_or(cat.active);
        let now = self.now();
        let mut tx = self.store().begin().await?;
        categories::update(&mut tx, cat.id, &name_vi, &name_en, active).await?;
        audit(
            &mut tx,
            now,
            actor,
            "category.update",
            &format!("category:{}", cat.code),
            json!({ "name_vi": name_vi, "name_en": name_en, "active": active }),
        )
        .await?;
        Store::commit(tx).await?;
        let mut conn = self.store().read().await?;
        Ok(categories::get(&mut conn, cat.id).await?)
    }
}
