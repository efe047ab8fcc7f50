//! Reusable console pieces: the layout (sidebar, top bar, breadcrumbs), the data
//! table, form fields, toasts, formatting, the line diff and the tags card.

pub mod ansi;
pub mod diff;
pub mod form;
pub mod format;
pub mod highlight;
pub mod layout;
pub mod table;
pub mod tags;
pub mod toast;
