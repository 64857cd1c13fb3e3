//! One unit's page: administrators edit its name, level and parent.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hqdesk_domain::access::Action;
use hqdesk_services::ServiceError;
use serde::Deserialize;

use super::{banner_text, level_choices, may, unit_rows, Choices, UnitRow};
use crate::console::session::Console;
use crate::console::views::Me;
use crate::console::{refused, service_error_for};
use crate::csrf::{token_in_csrf_field, CsrfForm};
use crate::html::render;
use crate::i18n::Tr;
use crate::state::AppState;

token_in_csrf_field!(EditUnitForm,);

#[derive(Template)]
#[template(path = "admin_unit.html")]
struct UnitPage {
    tr: Tr,
    me: Me,
    csrf: String,
    q: String,
    recommend_2fa: bool,
    message: String,
    code: String,
    name: String,
    level: String,
    parent: String,
    levels: Choices,
    /// Every other unit, as a possible parent.
    units: Vec<UnitRow>,
}

#[derive(Deserialize)]
pub(crate) struct EditUnitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    parent: String,
}

async fn unit_page(
    s: &AppState,
    c: &Console,
    code: &str,
    typed: Option<EditUnitForm>,
    message: String,
    status: StatusCode,
) -> Response {
    let tr = c.tr;
    if !may(c, Action::ManageUnits) {
        return refused(c, tr.t("adm.forbidden"));
    }
    let units_raw = match s.services.list_units(&c.actor()).await {
        Ok(u) => u,
        Err(e) => return service_error_for(c, e),
    };
    let rows = unit_rows(tr, &units_raw);
    let Some(unit) = rows.iter().find(|u| u.code == code.trim()) else {
        return service_error_for(c, ServiceError::NotFound);
    };
    let (name, level, parent) = match typed {
        Some(f) => (f.name, f.level, f.parent),
        None => (unit.name.clone(), unit.level.clone(), unit.parent.clone()),
    };
    let code = unit.code.clone();
    render(
        status,
        &UnitPage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message,
            units: rows.into_iter().filter(|u| u.code != code).collect(),
            code,
            name,
            level,
            parent,
            levels: level_choices(tr),
        },
    )
}

pub(crate) async fn unit_edit(
    State(s): State<AppState>,
    c: Console,
    Path(code): Path<String>,
) -> Response {
    unit_page(&s, &c, &code, None, String::new(), StatusCode::OK).await
}

pub(crate) async fn unit_save(
    State(s): State<AppState>,
    c: Console,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<EditUnitForm>,
) -> Response {
    let r = s
        .services
        .update_unit(
            &c.actor(),
            &code,
            Some(f.name.clone()),
            Some(f.level.clone()),
            Some(Some(f.parent.clone()).filter(|p| !p.is_empty())),
        )
        .await;
    match r {
        Ok(_) => Redirect::to("/console/admin#units").into_response(),
        Err(e) => match banner_text(c.tr, &e) {
            Some((message, status)) => unit_page(&s, &c, &code, Some(f), message, status).await,
            None => service_error_for(&c, e),
        },
    }
}
