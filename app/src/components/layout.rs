//! The console's frame: sidebar navigation (only the sections the user may use), the
//! top bar with breadcrumbs and the signed-in user, the toast region, and the page
//! header. Every capability adds itself to [`NAV`] and nothing else here.

use crate::components::toast::ToastRegion;
use crate::error::AppError;
use bosun_core::types::{Role, SessionUser};
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_location;

pub struct NavItem {
    pub path: &'static str,
    pub label: &'static str,
    pub group: &'static str,
    /// The least role that may open the page.
    pub role: Role,
}

/// Sections of the console, in sidebar order. A section appears here when it exists.
pub const NAV: &[NavItem] = &[
    NavItem {
        path: "/",
        label: "Overview",
        group: "Console",
        role: Role::Viewer,
    },
    NavItem {
        path: "/fleet",
        label: "Fleet",
        group: "Fleet",
        role: Role::Viewer,
    },
    NavItem {
        path: "/activations",
        label: "Activations",
        group: "Fleet",
        role: Role::Viewer,
    },
    NavItem {
        path: "/commands",
        label: "Run Command",
        group: "Operations",
        role: Role::Viewer,
    },
    NavItem {
        path: "/documents",
        label: "Documents",
        group: "Operations",
        role: Role::Viewer,
    },
    NavItem {
        path: "/parameters",
        label: "Parameter Store",
        group: "Operations",
        role: Role::Viewer,
    },
    NavItem {
        path: "/maintenance",
        label: "Maintenance windows",
        group: "Operations",
        role: Role::Viewer,
    },
    NavItem {
        path: "/patch/compliance",
        label: "Compliance",
        group: "Patch Manager",
        role: Role::Viewer,
    },
    NavItem {
        path: "/patch/baselines",
        label: "Patch baselines",
        group: "Patch Manager",
        role: Role::Viewer,
    },
    NavItem {
        path: "/patch/groups",
        label: "Patch groups",
        group: "Patch Manager",
        role: Role::Viewer,
    },
    NavItem {
        path: "/settings",
        label: "Service settings",
        group: "Administration",
        role: Role::Admin,
    },
    NavItem {
        path: "/users",
        label: "Users",
        group: "Administration",
        role: Role::Admin,
    },
    NavItem {
        path: "/audit",
        label: "Audit log",
        group: "Administration",
        role: Role::Admin,
    },
    NavItem {
        path: "/account",
        label: "My account",
        group: "You",
        role: Role::Viewer,
    },
];

/// Sidebar groups that are one product with several pages: their pages' trails name
/// the product (as text: it has no page of its own) before the page.
const PRODUCT_GROUPS: &[&str] = &["Patch Manager"];

/// Pages under a path that is not in [`NAV`], and the section they belong to (a node's
/// patches are reached from the compliance dashboard).
const SUB_PAGES: &[(&str, &str)] = &[("/patch/nodes", "/patch/compliance")];

/// Sections whose pages nest (a maintenance window, then one of its executions): their
/// trails name every level, not only the last.
const DEEP_SECTIONS: &[&str] = &["/maintenance"];

/// Path segments that only group pages and have no page of their own.
const COLLECTION_SEGMENTS: &[&str] = &["executions"];

/// Whether `path` is `prefix` or below it.
fn is_under(path: &str, prefix: &str) -> bool {
    path == prefix || path.starts_with(&format!("{prefix}/"))
}

/// Breadcrumb trail for a path, as (href, label): Overview, the product for a product's
/// pages (href empty: shown as text), then the section, then (on a page below the
/// section, such as one node) the last path segment.
pub fn breadcrumbs(path: &str) -> Vec<(String, String)> {
    let mut trail = vec![("/".to_string(), "Overview".to_string())];
    let section = NAV
        .iter()
        .find(|n| n.path != "/" && is_under(path, n.path))
        .map(|n| (n, n.path))
        .or_else(|| {
            SUB_PAGES.iter().find_map(|(prefix, parent)| {
                is_under(path, prefix)
                    .then(|| NAV.iter().find(|n| n.path == *parent))
                    .flatten()
                    .map(|n| (n, *prefix))
            })
        });
    if let Some((item, base)) = section {
        if PRODUCT_GROUPS.contains(&item.group) {
            trail.push((String::new(), item.group.to_string()));
        }
        trail.push((item.path.to_string(), item.label.to_string()));
        let rest = path[base.len()..].trim_matches('/');
        if DEEP_SECTIONS.contains(&base) {
            // Every level is a page of its own (a window, then one of its executions),
            // except the plain collection segments, which have none.
            let mut href = base.to_string();
            for seg in rest.split('/').filter(|s| !s.is_empty()) {
                href.push('/');
                href.push_str(seg);
                if !COLLECTION_SEGMENTS.contains(&seg) {
                    trail.push((href.clone(), seg.to_string()));
                }
            }
        } else if let Some(last) = rest.rsplit('/').next().filter(|s| !s.is_empty()) {
            trail.push((path.to_string(), last.to_string()));
        }
    }
    trail
}

#[server(prefix = "/api", endpoint = "session_user")]
pub async fn get_session_user() -> Result<Option<SessionUser>, AppError> {
    let id = crate::ssr::identity()?;
    Ok(id.principal.map(|p| SessionUser {
        name: p.name,
        role: p.role,
    }))
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let session = crate::ssr::session().await?;
    session.flush().await.map_err(|e| {
        tracing::error!(error = %e, "session flush");
        AppError::internal()
    })?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in user, for pages that adapt to the role.
pub fn use_session_user() -> Option<SessionUser> {
    use_context::<SessionUser>()
}

/// Whether the signed-in user may change fleet resources (operator or admin).
pub fn can_operate() -> bool {
    use_session_user().is_some_and(|u| u.role.at_least(Role::Operator))
}

/// Whether the signed-in user is an admin (pages hide what the service would refuse).
pub fn is_admin() -> bool {
    use_session_user().is_some_and(|u| u.role == Role::Admin)
}

#[component]
pub fn ConsoleLayout() -> impl IntoView {
    let user = Resource::new(|| (), |_| get_session_user());
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Suspense fallback=|| view! { <div class="spinner" aria-label="Loading"></div> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(u)) => view! { <Shell user=u /> }.into_any(),
                    Ok(None) | Err(AppError { kind: bosun_core::types::ErrorKind::Unauthenticated, .. }) => {
                        view! {
                            <div class="login-page">
                                <div class="login-card">
                                    <h1>"Signed out"</h1>
                                    <p>"Your session has ended."</p>
                                    <a class="btn btn-primary" href="/login" rel="external">"Sign in"</a>
                                </div>
                            </div>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <div class="alert alert-error" role="alert">{e.message}</div> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Shell(user: SessionUser) -> impl IntoView {
    provide_context(user.clone());
    let role = user.role;
    let logout = ServerAction::<Logout>::new();
    let location = use_location();
    let crumbs = move || breadcrumbs(&location.pathname.get());
    let mut groups: Vec<&'static str> = Vec::new();
    for item in NAV.iter().filter(|n| role.at_least(n.role)) {
        if !groups.contains(&item.group) {
            groups.push(item.group);
        }
    }
    let nav = groups
        .into_iter()
        .map(|group| {
            let links = NAV
                .iter()
                .filter(|n| n.group == group && role.at_least(n.role))
                .map(|n| {
                    view! {
                        <li>
                            <A href=n.path exact=n.path == "/" attr:class="nav-link">
                                {n.label}
                            </A>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <div class="nav-group">
                    <div class="nav-group-title">{group}</div>
                    <ul>{links}</ul>
                </div>
            }
        })
        .collect_view();
    let badge = format!("badge badge-role role-{}", user.role.as_str());
    view! {
        <div class="app-shell">
            <aside class="sidebar">
                <a class="brand" href="/">
                    <BrandMark />
                    <span class="brand-name">"Bosun"</span>
                </a>
                <nav class="sidebar-nav" aria-label="Main">{nav}</nav>
                <div class="sidebar-footer">{concat!("Bosun ", env!("CARGO_PKG_VERSION"))}</div>
            </aside>
            <div class="main-col">
                <header class="topbar">
                    <nav class="breadcrumbs" aria-label="Breadcrumb">
                        <ol>
                            {move || {
                                let trail = crumbs();
                                let last = trail.len() - 1;
                                trail
                                    .into_iter()
                                    .enumerate()
                                    .map(|(i, (href, label))| {
                                        if i == last {
                                            view! { <li aria-current="page">{label}</li> }.into_any()
                                        } else if href.is_empty() {
                                            view! { <li>{label}</li> }.into_any()
                                        } else {
                                            view! { <li><A href=href>{label}</A></li> }.into_any()
                                        }
                                    })
                                    .collect_view()
                            }}
                        </ol>
                    </nav>
                    <div class="user-menu">
                        <span class="user-name">{user.name.clone()}</span>
                        <span class=badge>{user.role.as_str()}</span>
                        <leptos::form::ActionForm action=logout attr:class="logout-form">
                            <button type="submit" class="btn btn-ghost btn-sm">"Sign out"</button>
                        </leptos::form::ActionForm>
                    </div>
                </header>
                <main class="content" id="main" tabindex="-1">
                    <Outlet />
                </main>
            </div>
        </div>
        <ToastRegion />
    }
}

#[component]
pub fn BrandMark() -> impl IntoView {
    view! {
        <svg class="brand-mark" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true">
            <circle cx="12" cy="5" r="2.2" fill="none" stroke="currentColor" stroke-width="1.8" />
            <path d="M12 7.2V21M7 11h10M4.5 15.5c1 3.2 4 5.5 7.5 5.5s6.5-2.3 7.5-5.5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
        </svg>
    }
}

/// A page's header: title, optional subtitle and actions; also sets the document title.
#[component]
pub fn PageHeader(
    title: &'static str,
    #[prop(optional)] subtitle: Option<&'static str>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <leptos_meta::Title text=title />
        <div class="page-header">
            <div>
                <h1 class="page-title">{title}</h1>
                {subtitle.map(|s| view! { <p class="page-subtitle">{s}</p> })}
            </div>
            {children.map(|c| view! { <div class="page-actions">{c()}</div> })}
        </div>
    }
}

/// Shown instead of a page the user's role does not allow.
#[component]
pub fn Forbidden() -> impl IntoView {
    view! {
        <div class="alert alert-warning" role="alert">
            "You do not have access to this page. Ask an admin if you need it."
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breadcrumbs_follow_nav() {
        let owned = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(breadcrumbs("/"), owned(&[("/", "Overview")]));
        assert_eq!(
            breadcrumbs("/users"),
            owned(&[("/", "Overview"), ("/users", "Users")])
        );
        assert_eq!(breadcrumbs("/usersx"), owned(&[("/", "Overview")]));
        assert_eq!(
            breadcrumbs("/fleet"),
            owned(&[("/", "Overview"), ("/fleet", "Fleet")])
        );
        assert_eq!(
            breadcrumbs("/fleet/mi-0123456789abcdef0"),
            owned(&[
                ("/", "Overview"),
                ("/fleet", "Fleet"),
                ("/fleet/mi-0123456789abcdef0", "mi-0123456789abcdef0")
            ])
        );
        // Patch Manager's pages name the product; a node's patches sit under Compliance.
        assert_eq!(
            breadcrumbs("/patch/nodes/mi-0123456789abcdef0"),
            owned(&[
                ("/", "Overview"),
                ("", "Patch Manager"),
                ("/patch/compliance", "Compliance"),
                ("/patch/nodes/mi-0123456789abcdef0", "mi-0123456789abcdef0")
            ])
        );
        assert_eq!(
            breadcrumbs("/patch/baselines/pb-0b05d3b1a0000000a"),
            owned(&[
                ("/", "Overview"),
                ("", "Patch Manager"),
                ("/patch/baselines", "Patch baselines"),
                (
                    "/patch/baselines/pb-0b05d3b1a0000000a",
                    "pb-0b05d3b1a0000000a"
                )
            ])
        );
        assert_eq!(
            breadcrumbs("/patch/compliance"),
            owned(&[
                ("/", "Overview"),
                ("", "Patch Manager"),
                ("/patch/compliance", "Compliance")
            ])
        );
        assert_eq!(breadcrumbs("/patch/nodesx"), owned(&[("/", "Overview")]));
        // A maintenance window's execution names the window too.
        assert_eq!(
            breadcrumbs("/maintenance/mw-0123456789abcdef0/executions/e-1"),
            owned(&[
                ("/", "Overview"),
                ("/maintenance", "Maintenance windows"),
                ("/maintenance/mw-0123456789abcdef0", "mw-0123456789abcdef0"),
                ("/maintenance/mw-0123456789abcdef0/executions/e-1", "e-1")
            ])
        );
        assert_eq!(
            breadcrumbs("/maintenance/new"),
            owned(&[
                ("/", "Overview"),
                ("/maintenance", "Maintenance windows"),
                ("/maintenance/new", "new")
            ])
        );
    }
}
