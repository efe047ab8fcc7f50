//! The Bosun console: Leptos components and the thin server functions behind them.
//!
//! Built twice: with `ssr` into the server (pages render completely on the server, so
//! the console works before — or without — the wasm bundle) and with `hydrate` into
//! the wasm bundle (interactivity after hydration). Server functions sit next to the
//! pages that use them; their bodies (under `ssr`) only turn the request into a
//! `bosun_core::Actor`, call one service function, and convert its error. No SQL and no
//! rules live here.

#![recursion_limit = "512"]

pub mod components;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use crate::components::layout::ConsoleLayout;
use crate::components::toast::provide_toasts;
use crate::pages::{
    account::AccountPage,
    activations::ActivationsPage,
    audit::AuditPage,
    commands::{CommandPage, CommandsPage, RunCommandPage},
    document::DocumentPageView,
    documents::{DocumentsPage, NewDocumentPage},
    fleet::FleetPage,
    home::HomePage,
    login::LoginPage,
    maintenance::MaintenanceWindowsPage,
    maintenance_execution::MaintenanceExecutionPage,
    maintenance_form::{EditMaintenanceWindowPage, NewMaintenanceWindowPage},
    maintenance_window::MaintenanceWindowPage,
    node::NodePage,
    not_found::NotFound,
    parameter::ParameterPageView,
    parameters::{NewParameterPage, ParametersPage},
    patch_baseline::PatchBaselinePage,
    patch_baselines::PatchBaselinesPage,
    patch_compliance::PatchCompliancePage,
    patch_form::{EditPatchBaselinePage, NewPatchBaselinePage},
    patch_groups::PatchGroupsPage,
    patch_node::PatchNodePage,
    settings::SettingsPage,
    users::UsersPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The name of the wasm bundle, its JS glue and the stylesheet under `/pkg/`.
pub const OUTPUT_NAME: &str = "bosun";

/// The HTML document around the app (server side only renders it).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_toasts();

    // Marks the document once the wasm bundle has taken over (tests wait for it).
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = el.class_list().add_1("hydrated");
        }
    });

    view! {
        <Stylesheet id="bosun-css" href=format!("/pkg/{OUTPUT_NAME}.css") />
        <Title formatter=|text: String| if text.is_empty() { "Bosun".to_string() } else { format!("{text} · Bosun") } />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <ParentRoute path=path!("") view=ConsoleLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/fleet") view=FleetPage ssr=SsrMode::Async />
                    <Route path=path!("/fleet/:id") view=NodePage ssr=SsrMode::Async />
                    <Route path=path!("/activations") view=ActivationsPage ssr=SsrMode::Async />
                    <Route path=path!("/documents") view=DocumentsPage ssr=SsrMode::Async />
                    <Route path=path!("/documents/new") view=NewDocumentPage ssr=SsrMode::Async />
                    <Route path=path!("/documents/:name") view=DocumentPageView ssr=SsrMode::Async />
                    <Route path=path!("/commands") view=CommandsPage ssr=SsrMode::Async />
                    <Route path=path!("/commands/new") view=RunCommandPage ssr=SsrMode::Async />
                    <Route path=path!("/commands/:id") view=CommandPage ssr=SsrMode::Async />
                    <Route path=path!("/parameters") view=ParametersPage ssr=SsrMode::Async />
                    <Route path=path!("/parameters/new") view=NewParameterPage ssr=SsrMode::Async />
                    <Route path=path!("/parameters/view") view=ParameterPageView ssr=SsrMode::Async />
                    <Route path=path!("/maintenance") view=MaintenanceWindowsPage ssr=SsrMode::Async />
                    <Route path=path!("/maintenance/new") view=NewMaintenanceWindowPage ssr=SsrMode::Async />
                    <Route path=path!("/maintenance/:id") view=MaintenanceWindowPage ssr=SsrMode::Async />
                    <Route path=path!("/maintenance/:id/edit") view=EditMaintenanceWindowPage ssr=SsrMode::Async />
                    <Route path=path!("/maintenance/:id/executions/:exec") view=MaintenanceExecutionPage ssr=SsrMode::Async />
                    <Route path=path!("/patch/baselines") view=PatchBaselinesPage ssr=SsrMode::Async />
                    <Route path=path!("/patch/baselines/new") view=NewPatchBaselinePage ssr=SsrMode::Async />
                    <Route path=path!("/patch/baselines/:id") view=PatchBaselinePage ssr=SsrMode::Async />
                    <Route path=path!("/patch/baselines/:id/edit") view=EditPatchBaselinePage ssr=SsrMode::Async />
                    <Route path=path!("/patch/groups") view=PatchGroupsPage ssr=SsrMode::Async />
                    <Route path=path!("/patch/compliance") view=PatchCompliancePage ssr=SsrMode::Async />
                    <Route path=path!("/patch/nodes/:id") view=PatchNodePage ssr=SsrMode::Async />
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/users") view=UsersPage ssr=SsrMode::Async />
                    <Route path=path!("/audit") view=AuditPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
