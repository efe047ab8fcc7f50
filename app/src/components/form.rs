//! Form fields with inline validation: the browser checks what HTML can express
//! (`required`, `minlength`), the service checks everything, and its error lands next
//! to the field it names.

use crate::error::AppError;
use leptos::prelude::*;

/// The latest error of an action, if any.
pub fn action_error<T, S>(value: S) -> Signal<Option<AppError>>
where
    T: 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || value.get().and_then(|r| r.err()))
}

/// A labelled input. `error` is the action's latest error; the field shows it when the
/// error names this field.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] minlength: Option<u32>,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional, into)] error: Option<Signal<Option<AppError>>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let err_id = format!("{id}-error");
    let message = move || error.and_then(|e| e.get()).and_then(|e| e.for_field(name));
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                required=required
                minlength=minlength
                maxlength=maxlength
                autocomplete=autocomplete
                value=value
                aria-invalid=move || message().map(|_| "true")
                aria-describedby=err_id.clone()
            />
            {hint.map(|h| view! { <p class="field-hint">{h}</p> })}
            <p class="field-error" id=err_id role="alert">
                {message}
            </p>
        </div>
    }
}

/// A form-level error (one not about a single field).
#[component]
pub fn FormError(error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error
            .get()
            .filter(|e| e.field.is_none())
            .map(|e| view! { <div class="alert alert-error" role="alert">{e.message}</div> })
    }
}

/// An irreversible action behind two clicks: `ask` reveals the confirmation (the
/// children: a form whose submit does it) with a Cancel beside it. (CSP forbids inline
/// handlers, so the confirmation is a second control, not a dialog.)
#[component]
pub fn TwoStep(ask: &'static str, children: Children) -> impl IntoView {
    let confirming = RwSignal::new(false);
    view! {
        <button type="button" class="btn btn-danger" hidden=move || confirming.get() on:click=move |_| confirming.set(true)>{ask}</button>
        <span class="two-step" hidden=move || !confirming.get()>
            {children()}
            " "
            <button type="button" class="btn" on:click=move |_| confirming.set(false)>"Cancel"</button>
        </span>
    }
}

/// A labelled textarea with the same inline error as [`Field`].
#[component]
pub fn TextAreaField(
    label: &'static str,
    name: &'static str,
    #[prop(default = 4)] rows: u32,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
    /// Monospace input (code, JSON).
    #[prop(optional)]
    code: bool,
    #[prop(optional, into)] value: String,
    #[prop(optional, into)] error: Option<Signal<Option<AppError>>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let err_id = format!("{id}-error");
    let message = move || error.and_then(|e| e.get()).and_then(|e| e.for_field(name));
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <textarea
                id=id
                name=name
                rows=rows
                required=required
                spellcheck="false"
                class=code.then_some("code-input")
                aria-invalid=move || message().map(|_| "true")
                aria-describedby=err_id.clone()
            >
                {value}
            </textarea>
            {hint.map(|h| view! { <p class="field-hint">{h}</p> })}
            <p class="field-error" id=err_id role="alert">
                {message}
            </p>
        </div>
    }
}
