//! Users (admin): list, create, change role, disable/enable, reset password.

use crate::components::form::{action_error, Field, FormError};
use crate::components::format::datetime;
use crate::components::layout::{is_admin, Forbidden, PageHeader};
use crate::components::table::{use_list_query, Column, DataTable, FilterSelect};
use crate::components::toast::toast_action;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use bosun_core::accounts;
use bosun_core::types::{ListQuery, Page, Role, UserSummary};
use leptos::form::ActionForm;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn parse_role(role: &str) -> Result<Role, AppError> {
    Role::parse(role).ok_or_else(|| AppError::invalid("role", "Choose admin, operator or viewer."))
}

#[server(prefix = "/api", endpoint = "list_users", input = leptos::server_fn::codec::Json)]
pub async fn list_users(query: ListQuery) -> Result<Page<UserSummary>, AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(accounts::list_users(&core, &actor, &query).await?)
}

#[server(prefix = "/api", endpoint = "create_user")]
pub async fn create_user(
    name: String,
    role: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    if password != confirm {
        return Err(AppError::invalid("confirm", "The two passwords differ."));
    }
    Ok(accounts::create_user(&core, &actor, name.trim(), parse_role(&role)?, &password).await?)
}

#[server(prefix = "/api", endpoint = "set_user_role")]
pub async fn set_user_role(name: String, role: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(accounts::set_user_role(&core, &actor, &name, parse_role(&role)?).await?)
}

#[server(prefix = "/api", endpoint = "set_user_disabled")]
pub async fn set_user_disabled(name: String, disabled: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(accounts::set_user_disabled(&core, &actor, &name, disabled == "true").await?)
}

#[server(prefix = "/api", endpoint = "reset_user_password")]
pub async fn reset_user_password(name: String, password: String) -> Result<(), AppError> {
    let (core, actor) = crate::ssr::actor()?;
    Ok(accounts::reset_password(&core, &actor, name.trim(), &password).await?)
}

const FILTERS: &[&str] = &["role", "status"];

#[component]
pub fn UsersPage() -> impl IntoView {
    if !is_admin() {
        return view! { <PageHeader title="Users" /><Forbidden /> }.into_any();
    }
    let query = use_list_query(FILTERS);
    let create = ServerAction::<CreateUser>::new();
    let set_role = ServerAction::<SetUserRole>::new();
    let set_disabled = ServerAction::<SetUserDisabled>::new();
    let reset = ServerAction::<ResetUserPassword>::new();
    let users = Resource::new(
        move || {
            (
                query.get(),
                create.version().get(),
                set_role.version().get(),
                set_disabled.version().get(),
            )
        },
        |(q, ..)| list_users(q),
    );
    toast_action(create, "User created.");
    toast_action(set_role, "Role changed.");
    toast_action(set_disabled, "User updated.");
    toast_action(reset, "Password reset; their sessions have ended.");
    let create_error = action_error(create.value());
    let reset_error = action_error(reset.value());

    let columns = vec![
        Column::new("name", "Name").sortable(),
        Column::new("role", "Role").sortable(),
        Column::new("status", "Status").sortable(),
        Column::new("keys", "Access keys").class("num"),
        Column::new("created", "Created").sortable(),
        Column::new("last_login", "Last sign-in").sortable(),
        Column::new("actions", "Actions"),
    ];
    let row = move |u: UserSummary| {
        let status = if u.disabled {
            view! { <span class="badge badge-muted">"disabled"</span> }
        } else {
            view! { <span class="badge badge-success">"active"</span> }
        };
        let toggle_to = if u.disabled { "false" } else { "true" };
        let toggle_label = if u.disabled { "Enable" } else { "Disable" };
        let toggle_class = if u.disabled {
            "btn btn-sm"
        } else {
            "btn btn-sm btn-danger"
        };
        let current_role = u.role;
        let (name_role, name_toggle) = (u.name.clone(), u.name.clone());
        let role_label = format!("Role of {}", u.name);
        let toggle_aria = format!("{toggle_label} {}", u.name);
        view! {
            <tr>
                <td class="mono">{u.name.clone()}</td>
                <td><span class=format!("badge badge-role role-{}", u.role.as_str())>{u.role.as_str()}</span></td>
                <td>{status}</td>
                <td class="num">{u.access_keys}</td>
                <td>{datetime(Some(u.created_at))}</td>
                <td>{datetime(u.last_login_at)}</td>
                <td>
                    <div class="btn-row">
                        <ActionForm action=set_role attr:class="inline-form">
                            <input type="hidden" name="name" value=name_role />
                            <select name="role" aria-label=role_label>
                                {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == current_role>{r.as_str()}</option> }).collect_view()}
                            </select>
                            <button type="submit" class="btn btn-sm">"Change role"</button>
                        </ActionForm>
                        <ActionForm action=set_disabled attr:class="inline-form">
                            <input type="hidden" name="name" value=name_toggle />
                            <input type="hidden" name="disabled" value=toggle_to />
                            <button type="submit" class=toggle_class aria-label=toggle_aria>{toggle_label}</button>
                        </ActionForm>
                    </div>
                </td>
            </tr>
        }
    };
    view! {
        <PageHeader title="Users" subtitle="People who can sign in to this console, and what they may do." />
        <DataTable
            path="/users"
            label="Users"
            columns=columns
            query=query
            data=users
            row=row
            empty="No users match."
            search_placeholder="Search by name"
            filters=move || view! {
                <FilterSelect name="role" label="Role" query=query options=vec![("admin", "admin"), ("operator", "operator"), ("viewer", "viewer")] />
                <FilterSelect name="status" label="Status" query=query options=vec![("active", "active"), ("disabled", "disabled")] />
            }
        />
        <div class="grid-2">
            <section class="card" aria-labelledby="create-user-title">
                <div class="card-header"><h2 class="card-title" id="create-user-title">"Create a user"</h2></div>
                <div class="card-body">
                    <ActionForm action=create attr:class="form">
                        <FormError error=create_error />
                        <Field label="User name" name="name" required=true maxlength=64 autocomplete="off" error=create_error hint="Letters, digits, '.', '_', '-' and '@'." />
                        <div class="field">
                            <label for="field-role">"Role"</label>
                            <select id="field-role" name="role">
                                <option value="viewer">"viewer — read only"</option>
                                <option value="operator" selected>"operator — run commands, change fleet resources"</option>
                                <option value="admin">"admin — everything, including users"</option>
                            </select>
                        </div>
                        <Field label="Password" name="password" kind="password" required=true minlength=12 autocomplete="new-password" error=create_error hint="At least 12 characters." />
                        <Field label="Repeat the password" name="confirm" kind="password" required=true minlength=12 autocomplete="new-password" error=create_error />
                        <div class="form-actions"><button type="submit" class="btn btn-primary">"Create user"</button></div>
                    </ActionForm>
                </div>
            </section>
            <section class="card" aria-labelledby="reset-title">
                <div class="card-header"><h2 class="card-title" id="reset-title">"Reset a password"</h2></div>
                <div class="card-body">
                    <ActionForm action=reset attr:class="form">
                        <FormError error=reset_error />
                        <Field label="User name" name="name" required=true autocomplete="off" error=reset_error />
                        <Field label="New password" name="password" kind="password" required=true minlength=12 autocomplete="new-password" error=reset_error hint="All of the user's sessions end." />
                        <div class="form-actions"><button type="submit" class="btn">"Reset password"</button></div>
                    </ActionForm>
                </div>
            </section>
        </div>
    }
    .into_any()
}
