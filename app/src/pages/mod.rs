//! One module per console page, each with the server functions it calls.

pub mod account;
pub mod activations;
pub mod audit;
pub mod commands;
pub mod document;
pub mod documents;
pub mod fleet;
pub mod home;
pub mod login;
pub mod maintenance;
pub mod maintenance_execution;
pub mod maintenance_form;
pub mod maintenance_window;
pub mod node;
pub mod not_found;
pub mod parameter;
pub mod parameters;
pub mod patch;
pub mod patch_baseline;
pub mod patch_baselines;
pub mod patch_compliance;
pub mod patch_form;
pub mod patch_groups;
pub mod patch_node;
pub mod settings;
pub mod users;
