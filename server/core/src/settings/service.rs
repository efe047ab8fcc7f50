//! Service-setting rules.

use super::store;
use crate::audit::{self, Outcome};
use crate::core::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::types::{Role, ServiceSetting};
use crate::Core;

pub struct SettingDef {
    pub id: &'static str,
    pub default: &'static str,
    /// The values it may take; empty for a whole-number setting with `range`.
    pub allowed: &'static [&'static str],
    /// Inclusive bounds of a whole-number setting.
    pub range: Option<(i64, i64)>,
    pub description: &'static str,
}

pub const DEFAULT_PARAMETER_TIER: &str = "/ssm/parameter-store/default-parameter-tier";
pub const HIGH_THROUGHPUT_ENABLED: &str = "/ssm/parameter-store/high-throughput-enabled";
pub const ACTIVATION_TIER: &str = "/ssm/managed-instance/activation-tier";
/// Bosun's own setting: how far ahead an activation may expire (AWS fixes 30 days).
pub const ACTIVATION_MAX_EXPIRY_DAYS: &str = "/ssm/managed-instance/activation-max-expiration-days";

pub const SETTINGS: &[SettingDef] = &[
    SettingDef {
        id: DEFAULT_PARAMETER_TIER,
        default: "Standard",
        allowed: &["Standard", "Advanced", "Intelligent-Tiering"],
        range: None,
        description: "Tier given to new parameters that do not name one.",
    },
    SettingDef {
        id: HIGH_THROUGHPUT_ENABLED,
        default: "false",
        allowed: &["true", "false"],
        range: None,
        description: "Raises Parameter Store's request-rate limits.",
    },
    SettingDef {
        id: ACTIVATION_TIER,
        default: "standard",
        allowed: &["standard", "advanced"],
        range: None,
        description: "Tier of nodes registered through hybrid activations.",
    },
    SettingDef {
        id: ACTIVATION_MAX_EXPIRY_DAYS,
        default: "30",
        allowed: &[],
        range: Some((1, 365)),
        description: "How many days ahead an activation may expire at most (1–365).",
    },
    SettingDef {
        id: crate::commands::OUTPUT_LIMIT_SETTING,
        default: "16777216",
        allowed: &[],
        range: Some((1_048_576, 1_073_741_824)),
        description: "Output bytes stored per command invocation (1 MiB–1 GiB); beyond it output is dropped and the drop is recorded.",
    },
];

fn not_found(id: &str) -> ServiceError {
    ServiceError::not_found(format!("The service setting {id} was not found."))
        .with_exception("ServiceSettingNotFound")
}

/// Accepts a setting id (`/ssm/…`) or its ARN
/// (`arn:aws:ssm:REGION:ACCOUNT:servicesetting/ssm/…`) for this account.
pub fn resolve(input: &str, account_id: &str) -> ServiceResult<&'static SettingDef> {
    let id = match input.strip_prefix("arn:") {
        None => input,
        Some(rest) => {
            let mut parts = rest.splitn(5, ':');
            let (partition, service, _region, account, resource) = (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            );
            let path = resource.and_then(|r| r.strip_prefix("servicesetting"));
            match (partition, service, account, path) {
                (Some(p), Some("ssm"), Some(a), Some(path))
                    if p.starts_with("aws") && a == account_id =>
                {
                    path
                }
                _ => return Err(not_found(input)),
            }
        }
    };
    SETTINGS
        .iter()
        .find(|d| d.id == id)
        .ok_or_else(|| not_found(input))
}

fn arn(def: &SettingDef, actor: &Actor, account_id: &str) -> String {
    format!(
        "arn:aws:ssm:{}:{account_id}:servicesetting{}",
        actor.region, def.id
    )
}

async fn current(
    core: &Core,
    actor: &Actor,
    def: &'static SettingDef,
) -> ServiceResult<ServiceSetting> {
    let stored = store::get(core.db().pool(), def.id).await?;
    let (value, at, user, status) = match stored {
        Some(s) => (
            s.value,
            s.last_modified_at,
            s.last_modified_user,
            "Customized",
        ),
        None => (
            def.default.to_string(),
            store::account_created_at(core.db().pool()).await?,
            "System".to_string(),
            "Default",
        ),
    };
    Ok(ServiceSetting {
        setting_id: def.id.to_string(),
        setting_value: value,
        last_modified_date: at,
        last_modified_user: user,
        arn: arn(def, actor, core.account_id()),
        status: status.to_string(),
        allowed_values: def.allowed.iter().map(|s| s.to_string()).collect(),
        description: def.description.to_string(),
    })
}

pub async fn get_service_setting(
    core: &Core,
    actor: &Actor,
    setting_id: &str,
) -> ServiceResult<ServiceSetting> {
    core.authorize(actor, Role::Viewer, "GetServiceSetting", setting_id)
        .await?;
    let def = resolve(setting_id, core.account_id())?;
    current(core, actor, def).await
}

pub async fn list_service_settings(
    core: &Core,
    actor: &Actor,
) -> ServiceResult<Vec<ServiceSetting>> {
    core.authorize(
        actor,
        Role::Viewer,
        "ListServiceSettings",
        "service-settings",
    )
    .await?;
    let mut out = Vec::with_capacity(SETTINGS.len());
    for def in SETTINGS {
        out.push(current(core, actor, def).await?);
    }
    Ok(out)
}

pub async fn update_service_setting(
    core: &Core,
    actor: &Actor,
    setting_id: &str,
    value: &str,
) -> ServiceResult<()> {
    core.authorize(actor, Role::Admin, "UpdateServiceSetting", setting_id)
        .await?;
    let def = resolve(setting_id, core.account_id())?;
    if let Some((lo, hi)) = def.range {
        if !value.parse::<i64>().is_ok_and(|n| (lo..=hi).contains(&n)) {
            return Err(ServiceError::invalid_field(
                "value",
                format!(
                    "The value {value:?} is not valid for {}: use a whole number from {lo} to {hi}.",
                    def.id
                ),
            ));
        }
    } else if !def.allowed.contains(&value) {
        return Err(ServiceError::invalid_field(
            "value",
            format!(
                "The value {value:?} is not valid for {}. Valid values: {}.",
                def.id,
                def.allowed.join(", ")
            ),
        ));
    }
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    let before = store::get(&mut *tx, def.id)
        .await?
        .map(|s| s.value)
        .unwrap_or_else(|| def.default.to_string());
    store::upsert(&mut *tx, def.id, value, now, &actor.arn(core.account_id())).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "UpdateServiceSetting",
        def.id,
        Outcome::Success,
        &format!("{before} -> {value}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn reset_service_setting(
    core: &Core,
    actor: &Actor,
    setting_id: &str,
) -> ServiceResult<ServiceSetting> {
    core.authorize(actor, Role::Admin, "ResetServiceSetting", setting_id)
        .await?;
    let def = resolve(setting_id, core.account_id())?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    store::delete(&mut *tx, def.id).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "ResetServiceSetting",
        def.id,
        Outcome::Success,
        &format!("-> {}", def.default),
    )
    .await?;
    tx.commit().await?;
    current(core, actor, def).await
}

/// A whole-number setting's effective value (its default if the stored one is not a
/// number in range).
pub async fn number(core: &Core, setting_id: &str) -> ServiceResult<i64> {
    number_on(core, core.db().pool(), setting_id).await
}

/// [`number`] read through `e` (a transaction's connection: no second connection
/// from the pool).
pub async fn number_on<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    core: &Core,
    e: E,
    setting_id: &str,
) -> ServiceResult<i64> {
    let def = resolve(setting_id, core.account_id())?;
    let fallback: i64 = def.default.parse().unwrap_or(0);
    let (lo, hi) = def.range.unwrap_or((i64::MIN, i64::MAX));
    Ok(value_on(core, e, setting_id)
        .await?
        .parse::<i64>()
        .ok()
        .filter(|n| (lo..=hi).contains(n))
        .unwrap_or(fallback))
}

/// A setting's effective value, for other services (no role check: internal use).
pub async fn value(core: &Core, setting_id: &str) -> ServiceResult<String> {
    value_on(core, core.db().pool(), setting_id).await
}

async fn value_on<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    core: &Core,
    e: E,
    setting_id: &str,
) -> ServiceResult<String> {
    let def = resolve(setting_id, core.account_id())?;
    Ok(store::get(e, def.id)
        .await?
        .map(|s| s.value)
        .unwrap_or_else(|| def.default.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_accepts_ids_and_arns_of_this_account() {
        let ok = [
            "/ssm/parameter-store/high-throughput-enabled",
            "arn:aws:ssm:us-east-1:123456789012:servicesetting/ssm/parameter-store/high-throughput-enabled",
            "arn:aws:ssm:eu-west-3:123456789012:servicesetting/ssm/managed-instance/activation-tier",
        ];
        for id in ok {
            assert!(resolve(id, "123456789012").is_ok(), "{id}");
        }
        let bad = [
            "/ssm/nope",
            "ssm/parameter-store/high-throughput-enabled",
            "arn:aws:ssm:us-east-1:999999999999:servicesetting/ssm/parameter-store/high-throughput-enabled",
            "arn:aws:s3:us-east-1:123456789012:servicesetting/ssm/parameter-store/high-throughput-enabled",
            "arn:aws:ssm:us-east-1:123456789012:parameter/ssm/parameter-store/high-throughput-enabled",
        ];
        for id in bad {
            let e = resolve(id, "123456789012").err().expect(id);
            assert_eq!(e.exception, Some("ServiceSettingNotFound"), "{id}");
        }
    }
}
