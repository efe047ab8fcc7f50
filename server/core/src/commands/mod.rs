//! Run Command on the server (in progress; see ARCHITECTURE.md). Today: `plan`, the
//! pure rules from a SendCommand request to what agents run — rate limits and the
//! dispatcher's arithmetic, parameter binding, step planning with substitution,
//! ENV_VAR interpolation, `aws:runDocument` expansion and platform preconditions.

pub mod plan;
