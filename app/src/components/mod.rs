//! Reusable console pieces: the layout (sidebar, top bar, breadcrumbs), the data
//! table, form fields, toasts and formatting.

pub mod ansi;
pub mod form;
pub mod format;
pub mod highlight;
pub mod layout;
pub mod table;
pub mod toast;
