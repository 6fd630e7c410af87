//! Staff accounts (admin only): `GET /api/users`, `POST /api/users`,
//! `PATCH /api/users/{name}`, `DELETE /api/users/{name}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, patch};
use axum::{Json, Router};
use ekran_core::accounts::{Role, User};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{Admin, Signed};
use super::{core, ApiError, Body};
use crate::AppState;

/// The user routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(add))
        .route("/users/{name}", patch(update).delete(remove))
        .route("/users/{name}/lock", axum::routing::delete(unlock))
}

fn user_json(u: &User) -> Value {
    json!({
        "name": u.name,
        "role": u.role.as_str(),
        "created_at": u.created_at,
        "changed_at": u.changed_at,
        "sessions": u.sessions,
    })
}

fn role(s: &str) -> Result<Role, ApiError> {
    Role::parse(s)
        .ok_or_else(|| ApiError::BadRequest(format!("{s:?} is not a role: admin or editor")))
}

/// `GET /api/users`: every account by name, with its open sessions and, while failed
/// sign-ins lock it (from some address or from all), `locked_s`: seconds until the
/// longest lock ends (else null).
async fn list(State(state): State<AppState>, _: Admin) -> Result<Json<Value>, ApiError> {
    let users = core(&state, |c| c.users()).await?;
    let locked = state.throttle.locked_names();
    Ok(Json(Value::Array(
        users
            .iter()
            .map(|u| {
                let mut v = user_json(u);
                v["locked_s"] = json!(locked.get(&u.name.to_lowercase()));
                v
            })
            .collect(),
    )))
}

/// A new account.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    name: String,
    role: String,
    password: String,
}

/// `POST /api/users` `{"name","role","password"}`: 201 with the user; 422 for an
/// invalid name or password, 409 for a name taken.
async fn add(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Body(f): Body<NewUser>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let r = role(&f.role)?;
    let u = core(&state, move |c| {
        c.add_user(&f.name, r, &f.password, admin.actor())
    })
    .await?;
    Ok((StatusCode::CREATED, Json(user_json(&u))))
}

/// A change of an account.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    password: Option<String>,
    role: Option<String>,
}

/// `PATCH /api/users/{name}` `{"password"?, "role"?}`: a new password ends the user's
/// sessions; a new role applies to them at once. 409 for the last admin's role. An
/// admin may change anyone; anyone may change their own password (not their role).
async fn update(
    State(state): State<AppState>,
    admin: Signed,
    Path(name): Path<String>,
    Body(f): Body<UserPatch>,
) -> Result<Json<Value>, ApiError> {
    let own_password = admin.name.eq_ignore_ascii_case(&name) && f.role.is_none();
    if admin.role != Role::Admin && !own_password {
        return Err(ApiError::forbidden(
            "only an admin may do this (you may change your own password)",
        ));
    }
    let new_role = f.role.as_deref().map(role).transpose()?;
    let u = core(&state, move |c| {
        // Checked first, so a refused password does not leave a role change behind.
        if let Some(p) = &f.password {
            ekran_core::accounts::check_password(p)?;
        }
        if let Some(r) = new_role {
            c.set_role(&name, r, admin.actor())?;
        }
        if let Some(p) = &f.password {
            c.set_password(&name, p, admin.actor())?;
        }
        c.users()?
            .into_iter()
            .find(|u| u.name.eq_ignore_ascii_case(&name))
            .ok_or_else(|| ekran_core::CoreError::NotFound(format!("user {name}")))
    })
    .await?;
    Ok(Json(user_json(&u)))
}

/// `DELETE /api/users/{name}/lock` (admin): lifts the sign-in lock of a name locked by
/// wrong passwords (see [`super::throttle`]), 204; recorded in the audit log.
async fn unlock(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.throttle.unlock(&name);
    core(&state, move |c| c.record_unlock(&name, admin.actor())).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/users/{name}`: 204; the user's sessions end at once. 409 for the last
/// admin.
async fn remove(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    core(&state, move |c| c.remove_user(&name, admin.actor())).await?;
    Ok(StatusCode::NO_CONTENT)
}
