use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <leptos_meta::Title text="Not found" />
        <div class="login-page">
            <div class="login-card">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <a class="btn btn-primary" href="/">"Go to the overview"</a>
            </div>
        </div>
    }
}
