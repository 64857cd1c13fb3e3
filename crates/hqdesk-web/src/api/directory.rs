//! `/api/v1/users`, `/api/v1/units`, `/api/v1/categories`.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use hqdesk_services::directory::{AddCategory, AddUnit, AddUser, UpdateCategory, UpdateUser};
use hqdesk_services::read::Category;
use hqdesk_services::read::Unit;
use hqdesk_services::read::User;
use hqdesk_services::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cases::double_option;
use super::ts;
use crate::auth::ApiActor;
use crate::extract::JsonBody;
use crate::problem::Problem;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub username: String,
    pub display_name: String,
    /// `agent`, `hotline`, `investigator`, `unit_officer`, `supervisor`, `admin` or `custodian`.
    #[schema(value_type = super::enums::Role)]
    pub role: String,
    pub unit: Option<String>,
    /// Where notifications are mailed; null: the console only.
    pub email: Option<String>,
    pub active: bool,
    pub created_at: String,
}

fn user_response(u: User, units: &[Unit]) -> UserResponse {
    UserResponse {
        unit: u
            .unit_id
            .and_then(|id| units.iter().find(|x| x.id == id).map(|x| x.code.clone())),
        username: u.username,
        display_name: u.display_name,
        email: u.email,
        role: u.role.as_str().into(),
        active: u.active,
        created_at: ts(u.created_at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserListResponse {
    pub items: Vec<UserResponse>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub username: String,
    pub display_name: Option<String>,
    #[schema(value_type = super::enums::Role)]
    pub role: String,
    /// Unit code.
    pub unit: Option<String>,
    /// 12–128 characters; without one the user can use API tokens only.
    pub password: Option<String>,
    /// Where notifications (escalation steps) are mailed.
    pub email: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    pub display_name: Option<String>,
    #[schema(value_type = Option<super::enums::Role>)]
    pub role: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub unit: Option<Option<String>>,
    /// `false` deactivates the user and revokes their tokens.
    pub active: Option<bool>,
    pub password: Option<String>,
    /// Where notifications are mailed; null removes the address.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
}

async fn all_units(s: &AppState, actor: &Actor) -> Result<Vec<Unit>, Problem> {
    Ok(s.services.list_units(actor).await?)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "users", responses((status = 200, body = UserResponse), (status = 401, body = crate::problem::ProblemBody)), security(("bearer" = [])))]
pub async fn me(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<UserResponse>, Problem> {
    let units = all_units(&s, &actor).await?;
    match actor {
        Actor::User { user, .. } => Ok(Json(user_response(user, &units))),
        _ => Err(Problem::unauthenticated()),
    }
}

/// All users (administrators).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = UserListResponse), (status = 403, body = crate::problem::ProblemBody)), security(("bearer" = [])))]
pub async fn list_users(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<UserListResponse>, Problem> {
    let users = s.services.list_users(&actor).await?;
    let units = all_units(&s, &actor).await?;
    Ok(Json(UserListResponse {
        items: users
            .into_iter()
            .map(|u| user_response(u, &units))
            .collect(),
    }))
}

/// Add a user (administrators).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUserRequest, responses((status = 201, body = UserResponse), (status = 403, body = crate::problem::ProblemBody), (status = 409, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)), security(("bearer" = [])))]
pub async fn create_user(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    body: JsonBody<CreateUserRequest>,
) -> Result<(StatusCode, Json<UserResponse>), Problem> {
    let r = body.value;
    let u = s
        .services
        .add_user(
            &actor,
            AddUser {
                username: r.username,
                display_name: r.display_name,
                role: r.role,
                unit: r.unit,
                password: r.password,
                email: r.email,
            },
        )
        .await?;
    let units = all_units(&s, &actor).await?;
    Ok((StatusCode::CREATED, Json(user_response(u, &units))))
}

/// Change a user (administrators).
#[utoipa::path(patch, path = "/api/v1/users/{username}", tag = "users", request_body = UpdateUserRequest, params(("username" = String, Path)), responses((status = 200, body = UserResponse), (status = 403, body = crate::problem::ProblemBody), (status = 404, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)), security(("bearer" = [])))]
pub async fn update_user(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(username): Path<String>,
    body: JsonBody<UpdateUserRequest>,
) -> Result<Json<UserResponse>, Problem> {
    let r = body.value;
    let u = s
        .services
        .update_user(
            &actor,
            &username,
            UpdateUser {
                display_name: r.display_name,
                role: r.role,
                unit: r.unit,
                active: r.active,
                password: r.password,
                email: r.email,
                reason: None,
            },
        )
        .await?;
    let units = all_units(&s, &actor).await?;
    Ok(Json(user_response(u, &units)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitResponse {
    pub code: String,
    pub name: String,
    /// `department`, `sub_department` or `team`.
    #[schema(value_type = super::enums::UnitLevel)]
    pub level: String,
    pub parent: Option<String>,
}

fn unit_response(u: &Unit, all: &[Unit]) -> UnitResponse {
    UnitResponse {
        code: u.code.clone(),
        name: u.name.clone(),
        level: u.level.as_str().into(),
        parent: u
            .parent_id
            .and_then(|p| all.iter().find(|x| x.id == p).map(|x| x.code.clone())),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitListResponse {
    pub items: Vec<UnitResponse>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUnitRequest {
    pub code: String,
    pub name: String,
    #[schema(value_type = super::enums::UnitLevel)]
    pub level: String,
    pub parent: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUnitRequest {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub parent: Option<Option<String>>,
}

/// The unit tree, as a flat list with parents.
#[utoipa::path(get, path = "/api/v1/units", tag = "units", responses((status = 200, body = UnitListResponse)), security(("bearer" = [])))]
pub async fn list_units(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<UnitListResponse>, Problem> {
    let units = all_units(&s, &actor).await?;
    Ok(Json(UnitListResponse {
        items: units.iter().map(|u| unit_response(u, &units)).collect(),
    }))
}

/// Add a unit (administrators).
#[utoipa::path(post, path = "/api/v1/units", tag = "units", request_body = CreateUnitRequest, responses((status = 201, body = UnitResponse), (status = 403, body = crate::problem::ProblemBody), (status = 409, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)), security(("bearer" = [])))]
pub async fn create_unit(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    body: JsonBody<CreateUnitRequest>,
) -> Result<(StatusCode, Json<UnitResponse>), Problem> {
    let r = body.value;
    let u = s
        .services
        .add_unit(
            &actor,
            AddUnit {
                code: r.code,
                name: r.name,
                level: r.level,
                parent: r.parent,
            },
        )
        .await?;
    let units = all_units(&s, &actor).await?;
    Ok((StatusCode::CREATED, Json(unit_response(&u, &units))))
}

/// Rename or move a unit (administrators).
#[utoipa::path(patch, path = "/api/v1/units/{code}", tag = "units", request_body = UpdateUnitRequest, params(("code" = String, Path)), responses((status = 200, body = UnitResponse), (status = 403, body = crate::problem::ProblemBody), (status = 404, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)), security(("bearer" = [])))]
pub async fn update_unit(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(code): Path<String>,
    body: JsonBody<UpdateUnitRequest>,
) -> Result<Json<UnitResponse>, Problem> {
    let r = body.value;
    let u = s
        .services
        .update_unit(&actor, &code, r.name, None, r.parent)
        .await?;
    let units = all_units(&s, &actor).await?;
    Ok(Json(unit_response(&u, &units)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryResponse {
    pub code: String,
    pub parent: Option<String>,
    pub name_vi: String,
    pub name_en: String,
    #[schema(value_type = super::enums::Branch)]
    pub branch: u8,
    #[schema(value_type = super::enums::CaseKind)]
    pub kind: String,
    pub active: bool,
}

fn category_response(c: &Category, all: &[Category]) -> CategoryResponse {
    CategoryResponse {
        code: c.code.clone(),
        parent: c
            .parent_id
            .and_then(|p| all.iter().find(|x| x.id == p).map(|x| x.code.clone())),
        name_vi: c.name_vi.clone(),
        name_en: c.name_en.clone(),
        branch: c.branch.number(),
        kind: c.kind.as_str().into(),
        active: c.active,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryListResponse {
    pub items: Vec<CategoryResponse>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryRequest {
    pub code: String,
    pub parent: Option<String>,
    pub name_vi: String,
    pub name_en: String,
    #[schema(value_type = Option<super::enums::Branch>)]
    pub branch: Option<i64>,
    #[schema(value_type = super::enums::CaseKind)]
    pub kind: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryRequest {
    pub name_vi: Option<String>,
    pub name_en: Option<String>,
    pub active: Option<bool>,
}

/// The category tree, as a flat list with parents.
#[utoipa::path(get, path = "/api/v1/categories", tag = "categories", responses((status = 200, body = CategoryListResponse)), security(("bearer" = [])))]
pub async fn list_categories(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<CategoryListResponse>, Problem> {
    let cats = s.services.list_categories(&actor).await?;
    Ok(Json(CategoryListResponse {
        items: cats.iter().map(|c| category_response(c, &cats)).collect(),
    }))
}

/// Add a category (administrators).
#[utoipa::path(post, path = "/api/v1/categories", tag = "categories", request_body = CreateCategoryRequest, responses((status = 201, body = CategoryResponse), (status = 403, body = crate::problem::ProblemBody), (status = 409, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)), security(("bearer" = [])))]
pub async fn create_category(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    body: JsonBody<CreateCategoryRequest>,
) -> Result<(StatusCode, Json<CategoryResponse>), Problem> {
    let r = body.value;
    let c = s
        .services
        .add_category(
            &actor,
            AddCategory {
                code: r.code,
                parent: r.parent,
                name_vi: r.name_vi,
                name_en: r.name_en,
                branch: r.branch,
                kind: r.kind,
            },
        )
        .await?;
    let cats = s.services.list_categories(&actor).await?;
    Ok((StatusCode::CREATED, Json(category_response(&c, &cats))))
}

/// Rename, deactivate or reactivate a category (administrators).
#[utoipa::path(patch, path = "/api/v1/categories/{code}", tag = "categories", request_body = UpdateCategoryRequest, params(("code" = String, Path)), responses((status = 200, body = CategoryResponse), (status = 403, body = crate::problem::ProblemBody), (status = 404, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)), security(("bearer" = [])))]
pub async fn update_category(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(code): Path<String>,
    body: JsonBody<UpdateCategoryRequest>,
) -> Result<Json<CategoryResponse>, Problem> {
    let r = body.value;
    let c = s
        .services
        .update_category(
            &actor,
            &code,
            UpdateCategory {
                name_vi: r.name_vi,
                name_en: r.name_en,
                active: r.active,
            },
        )
        .await?;
    let cats = s.services.list_categories(&actor).await?;
    Ok(Json(category_response(&c, &cats)))
}
