//! Sign-in. The only page and server function reachable without a session.

use crate::components::form::action_error;
use crate::components::layout::BrandMark;
use crate::error::AppError;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Where to go after signing in: only a local path, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.contains(['\r', '\n']) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let core = crate::ssr::core()?;
    let id = crate::ssr::identity()?;
    let principal =
        bosun_core::accounts::sign_in(&core, username.trim(), &password, &id.client_addr).await?;
    let session = crate::ssr::session().await?;
    crate::ssr::establish_session(&session, &principal).await?;
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let error = action_error(login.value());
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).unwrap_or_else(|| "/".into());
    view! {
        <Title text="Sign in" />
        <div class="login-page">
            <div class="login-card">
                <div class="brand">
                    <BrandMark />
                    <span class="brand-name">"Bosun"</span>
                </div>
                <h1>"Sign in"</h1>
                {move || error.get().map(|e| view! { <div class="alert alert-error" role="alert">{e.message}</div> })}
                <ActionForm action=login attr:class="form">
                    <input type="hidden" name="next" value=next />
                    <div class="field">
                        <label for="username">"User name"</label>
                        <input id="username" name="username" type="text" autocomplete="username" required autofocus />
                    </div>
                    <div class="field">
                        <label for="password">"Password"</label>
                        <input id="password" name="password" type="password" autocomplete="current-password" required />
                    </div>
                    <div class="form-actions">
                        <button type="submit" class="btn btn-primary" disabled=move || login.pending().get()>
                            {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                        </button>
                    </div>
                </ActionForm>
                <p class="login-footer">"Bosun · self-hosted Systems Manager"</p>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next(Some("/users?page=2")), "/users?page=2");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "evil",
            "/x\r\nSet-Cookie: a",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
