//! Overview: who you are, this installation, and how to reach the API.

use crate::components::layout::{use_session_user, PageHeader};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConsoleInfo {
    pub account_id: String,
    pub version: String,
    pub database: String,
    pub endpoint: String,
}

#[server(prefix = "/api", endpoint = "console_info")]
pub async fn get_console_info() -> Result<ConsoleInfo, AppError> {
    let (core, _actor) = crate::ssr::actor()?;
    let endpoint = crate::ssr::origin();
    Ok(ConsoleInfo {
        account_id: core.account_id().to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        database: core.db().backend().as_str().to_string(),
        endpoint,
    })
}

#[component]
pub fn HomePage() -> impl IntoView {
    let info = Resource::new(|| (), |_| get_console_info());
    let user = use_session_user();
    let name = user.as_ref().map(|u| u.name.clone()).unwrap_or_default();
    let role = user.as_ref().map(|u| u.role.as_str()).unwrap_or_default();
    view! {
        <PageHeader title="Overview" subtitle="This Bosun installation at a glance." />
        <Suspense fallback=|| view! { <div class="spinner" aria-label="Loading"></div> }>
            {move || {
                let name = name.clone();
                Suspend::new(async move {
                match info.await {
                    Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
                    Ok(i) => {
                        let cli = format!("aws ssm get-service-setting --endpoint-url {} --region us-east-1 \\\n    --setting-id /ssm/parameter-store/default-parameter-tier", i.endpoint);
                        view! {
                            <div class="stats">
                                <div class="stat"><div class="stat-label">"Signed in as"</div><div class="stat-value">{name.clone()}</div></div>
                                <div class="stat"><div class="stat-label">"Role"</div><div class="stat-value">{role}</div></div>
                                <div class="stat"><div class="stat-label">"Account"</div><div class="stat-value mono">{i.account_id.clone()}</div></div>
                                <div class="stat"><div class="stat-label">"Storage"</div><div class="stat-value">{i.database.clone()}</div></div>
                            </div>
                            <div class="card">
                                <div class="card-header"><h2 class="card-title">"Use the AWS CLI and SDKs"</h2></div>
                                <div class="card-body">
                                    <p>"Bosun serves the AWS Systems Manager API. Create an access key under "<a href="/account">"My account"</a>", configure it as an AWS profile, and point any AWS client at this server:"</p>
                                    <pre><code>{cli}</code></pre>
                                    <dl class="kv">
                                        <dt>"Endpoint"</dt><dd class="mono">{i.endpoint.clone()}</dd>
                                        <dt>"Regions"</dt><dd>"Any; ARNs carry the region you sign for."</dd>
                                        <dt>"Version"</dt><dd>{i.version.clone()}</dd>
                                    </dl>
                                </div>
                            </div>
                        }
                        .into_any()
                    }
                }
            })}}
        </Suspense>
    }
}
