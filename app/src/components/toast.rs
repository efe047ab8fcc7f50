//! Toasts: short result messages in an `aria-live` region. Pages push them after an
//! action completes; they leave after a few seconds or when closed.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
    Info,
}

#[derive(Clone, Debug)]
struct Toast {
    id: u64,
    kind: ToastKind,
    message: String,
}

#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

pub fn provide_toasts() {
    provide_context(Toasts {
        items: RwSignal::new(Vec::new()),
        next: StoredValue::new(0),
    });
}

impl Toasts {
    pub fn push(&self, kind: ToastKind, message: impl Into<String>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.items.update(|v| {
            v.push(Toast {
                id,
                kind,
                message: message.into(),
            })
        });
        #[cfg(feature = "hydrate")]
        {
            let items = self.items;
            set_timeout(
                move || items.update(|v| v.retain(|t| t.id != id)),
                std::time::Duration::from_secs(6),
            );
        }
    }

    fn dismiss(&self, id: u64) {
        self.items.update(|v| v.retain(|t| t.id != id));
    }
}

pub fn use_toasts() -> Option<Toasts> {
    use_context::<Toasts>()
}

/// Pushes a toast for an action's result: `ok` on success, the error's message otherwise.
pub fn toast_result<T, E: std::fmt::Display>(result: &Result<T, E>, ok: &str) {
    if let Some(t) = use_toasts() {
        match result {
            Ok(_) => t.push(ToastKind::Success, ok),
            Err(e) => t.push(ToastKind::Error, e.to_string()),
        }
    }
}

/// Toasts every result of `action`: `ok` when it succeeds, the error's message when it
/// does not.
pub fn toast_action<S>(action: ServerAction<S>, ok: &'static str)
where
    S: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: std::fmt::Display + Send + Sync + 'static,
{
    Effect::new(move |_| {
        action.value().with(|v| {
            if let Some(r) = v {
                toast_result(r, ok)
            }
        })
    });
}

#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            {move || {
                toasts
                    .map(|t| {
                        t.items
                            .get()
                            .into_iter()
                            .map(|toast| {
                                let class = match toast.kind {
                                    ToastKind::Success => "toast toast-success",
                                    ToastKind::Error => "toast toast-error",
                                    ToastKind::Info => "toast toast-info",
                                };
                                let id = toast.id;
                                view! {
                                    <div class=class>
                                        <span class="toast-message">{toast.message}</span>
                                        <button type="button" class="toast-close" aria-label="Dismiss" on:click=move |_| t.dismiss(id)>
                                            "×"
                                        </button>
                                    </div>
                                }
                            })
                            .collect_view()
                    })
            }}
        </div>
    }
}
