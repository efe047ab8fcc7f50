//! Activation rules.

use super::store::{self, ActivationRow, Filter, NewActivationRow};
use crate::audit::{self, Outcome};
use crate::core::Actor;
use crate::crypto;
use crate::error::{ServiceError, ServiceResult};
use crate::settings;
use crate::tags;
use crate::types::{Activation, ListQuery, NewActivation, Page, Role, Tag};
use crate::Core;

/// The resource type activations' tags are stored under.
pub const TAG_RESOURCE_TYPE: &str = crate::types::resource_type::ACTIVATION;
pub const DEFAULT_EXPIRY_MS: i64 = 24 * 3600 * 1000;
pub const MAX_REGISTRATION_LIMIT: i64 = 1000;
pub const MAX_DESCRIPTION_CHARS: usize = 256;
pub const MAX_DEFAULT_NAME_CHARS: usize = 256;
pub const MAX_IAM_ROLE_CHARS: usize = 64;
/// Activation codes: 20 characters of [A-Za-z0-9], ≈119 bits.
const CODE_CHARS: usize = 20;

#[derive(Clone, Debug, Default)]
pub struct CreateActivation {
    pub description: String,
    pub default_instance_name: String,
    pub iam_role: String,
    pub registration_limit: Option<i64>,
    /// Unix milliseconds; default 24 hours from now.
    pub expiration_date: Option<i64>,
    pub tags: Vec<Tag>,
    pub registration_metadata: Vec<(String, String)>,
}

fn invalid(field: &'static str, message: String) -> ServiceError {
    ServiceError::invalid_field(field, message).with_exception("InvalidParameters")
}

/// Checks the input; `max_days` is how far ahead the expiration may be.
fn validate(input: &CreateActivation, now_ms: i64, max_days: i64) -> ServiceResult<(i64, i64)> {
    if input.description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(invalid(
            "description",
            format!("The description is at most {MAX_DESCRIPTION_CHARS} characters."),
        ));
    }
    if input.default_instance_name.chars().count() > MAX_DEFAULT_NAME_CHARS
        || !tags::valid_tag_text(&input.default_instance_name)
    {
        return Err(invalid(
            "default_instance_name",
            format!("The default instance name is up to {MAX_DEFAULT_NAME_CHARS} letters, numbers, spaces and _.:/=+-@."),
        ));
    }
    let role = input.iam_role.trim();
    if role.is_empty() || role.chars().count() > MAX_IAM_ROLE_CHARS {
        return Err(invalid(
            "iam_role",
            format!("The IAM role is 1–{MAX_IAM_ROLE_CHARS} characters."),
        ));
    }
    let limit = input.registration_limit.unwrap_or(1);
    if !(1..=MAX_REGISTRATION_LIMIT).contains(&limit) {
        return Err(invalid(
            "registration_limit",
            format!("The registration limit is 1–{MAX_REGISTRATION_LIMIT}."),
        ));
    }
    let expires = input.expiration_date.unwrap_or(now_ms + DEFAULT_EXPIRY_MS);
    if expires <= now_ms {
        return Err(invalid(
            "expiration_date",
            "The expiration date must be in the future.".into(),
        ));
    }
    if expires > now_ms + max_days * 24 * 3600 * 1000 {
        return Err(invalid(
            "expiration_date",
            format!(
                "The expiration date is at most {max_days} days ahead (service setting {}).",
                settings::ACTIVATION_MAX_EXPIRY_DAYS
            ),
        ));
    }
    tags::validate(&input.tags)?;
    for (k, v) in &input.registration_metadata {
        if k.trim().is_empty()
            || k.chars().count() > 128
            || v.trim().is_empty()
            || v.chars().count() > 2048
        {
            return Err(invalid(
                "registration_metadata",
                "Registration metadata keys are 1–128 and values 1–2048 non-blank characters."
                    .into(),
            ));
        }
    }
    Ok((limit, expires))
}

/// Creates an activation (operator). The code is in the result only.
pub async fn create_activation(
    core: &Core,
    actor: &Actor,
    input: CreateActivation,
) -> ServiceResult<NewActivation> {
    core.authorize(actor, Role::Operator, "CreateActivation", "activation")
        .await?;
    let now = core.now_ms();
    // AWS allows 30 days ahead; Bosun makes it a service setting (default 30).
    let max_days = settings::number(core, settings::ACTIVATION_MAX_EXPIRY_DAYS).await?;
    let (limit, expires) = validate(&input, now, max_days)?;
    let id = uuid::Uuid::new_v4().to_string();
    let code = crypto::random_token(CODE_CHARS);
    let metadata: Vec<serde_json::Value> = input
        .registration_metadata
        .iter()
        .map(|(k, v)| serde_json::json!({ "Key": k, "Value": v }))
        .collect();
    let metadata = serde_json::Value::Array(metadata).to_string();
    let mut tx = core.db().begin().await?;
    store::insert(
        &mut *tx,
        &NewActivationRow {
            id: &id,
            code_hash: &crypto::sha256_hex(code.as_bytes()),
            description: &input.description,
            default_instance_name: &input.default_instance_name,
            iam_role: input.iam_role.trim(),
            registration_limit: limit,
            registration_metadata: &metadata,
            expires_at: expires,
            created_at: now,
        },
    )
    .await?;
    tags::store::put(&mut tx, TAG_RESOURCE_TYPE, &id, &input.tags).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "CreateActivation",
        &format!("activation/{id}"),
        Outcome::Success,
        &format!(
            "limit {limit}, expires {}",
            crate::clock::from_unix_ms(expires).date()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(NewActivation {
        activation_id: id,
        activation_code: code,
    })
}

async fn to_activation(core: &Core, row: ActivationRow, now_ms: i64) -> ServiceResult<Activation> {
    let tags = tags::store::of(core.db().pool(), TAG_RESOURCE_TYPE, &row.id).await?;
    Ok(Activation {
        expired: row.expires_at <= now_ms,
        activation_id: row.id,
        description: row.description,
        default_instance_name: row.default_instance_name,
        iam_role: row.iam_role,
        registration_limit: row.registration_limit,
        registrations_count: row.registrations_count,
        expiration_date: row.expires_at,
        created_date: row.created_at,
        tags,
    })
}

/// DescribeActivations: filter keys `ActivationIds`, `DefaultInstanceName`, `IamRole`;
/// pages of `max_results` (1–50, default 50) with an opaque token.
pub async fn describe_activations(
    core: &Core,
    actor: &Actor,
    filters: &[(String, Vec<String>)],
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<Activation>, Option<String>)> {
    core.authorize(actor, Role::Viewer, "DescribeActivations", "activations")
        .await?;
    let mut f = Filter::default();
    for (key, values) in filters {
        let target = match key.as_str() {
            "ActivationIds" => &mut f.ids,
            "DefaultInstanceName" => &mut f.default_instance_names,
            "IamRole" => &mut f.iam_roles,
            other => {
                return Err(
                    ServiceError::validation(format!("Unknown filter key {other}."))
                        .with_exception("InvalidFilter"),
                )
            }
        };
        if values.is_empty() {
            return Err(ServiceError::validation(format!(
                "Filter {key} needs at least one value."
            ))
            .with_exception("InvalidFilter"));
        }
        target.extend(values.iter().cloned());
    }
    let limit = max_results.unwrap_or(50).clamp(1, 50);
    let offset = crate::paging::offset_of("activations", next_token)?;
    let rows = store::list(core.db().pool(), &f, "created_at DESC", limit + 1, offset).await?;
    let (rows, next) = crate::paging::split(rows, "activations", offset, limit);
    let now = core.now_ms();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(to_activation(core, row, now).await?);
    }
    Ok((out, next))
}

/// The console's list: free-text search and pages.
pub async fn list_activations(
    core: &Core,
    actor: &Actor,
    query: &ListQuery,
) -> ServiceResult<Page<Activation>> {
    core.authorize(actor, Role::Viewer, "DescribeActivations", "activations")
        .await?;
    let f = Filter {
        text: query.q.clone(),
        ..Filter::default()
    };
    let order = match (query.sort.as_deref(), query.desc) {
        (Some("expires"), false) => "expires_at ASC",
        (Some("expires"), true) => "expires_at DESC",
        (Some("name"), false) => "default_instance_name ASC",
        (Some("name"), true) => "default_instance_name DESC",
        (Some("created"), false) => "created_at ASC",
        _ => "created_at DESC",
    };
    let total = store::count(core.db().pool(), &f).await?;
    let rows = store::list(
        core.db().pool(),
        &f,
        order,
        i64::from(query.per_page()),
        query.offset(),
    )
    .await?;
    let now = core.now_ms();
    let mut items = Vec::new();
    for row in rows {
        items.push(to_activation(core, row, now).await?);
    }
    Ok(Page {
        items,
        total,
        page: query.page(),
        per_page: query.per_page(),
    })
}

/// Deletes an activation (operator). Nodes already registered with it stay registered.
pub async fn delete_activation(
    core: &Core,
    actor: &Actor,
    activation_id: &str,
) -> ServiceResult<()> {
    let resource = format!("activation/{activation_id}");
    core.authorize(actor, Role::Operator, "DeleteActivation", &resource)
        .await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    if store::delete(&mut *tx, activation_id).await? == 0 {
        return Err(ServiceError::not_found(format!(
            "The activation {activation_id} does not exist."
        ))
        .with_exception("InvalidActivationId"));
    }
    tags::store::delete_all(&mut *tx, TAG_RESOURCE_TYPE, activation_id).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "DeleteActivation",
        &resource,
        Outcome::Success,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_rules() {
        let now = 1_000_000_000_000;
        let ok = CreateActivation {
            iam_role: "SSMServiceRole".into(),
            ..Default::default()
        };
        assert_eq!(
            validate(&ok, now, 30).ok(),
            Some((1, now + DEFAULT_EXPIRY_MS))
        );
        let day = 24 * 3600 * 1000;
        let cases = [
            (
                CreateActivation {
                    iam_role: "".into(),
                    ..ok.clone()
                },
                "iam_role",
            ),
            (
                CreateActivation {
                    registration_limit: Some(0),
                    ..ok.clone()
                },
                "registration_limit",
            ),
            (
                CreateActivation {
                    registration_limit: Some(1001),
                    ..ok.clone()
                },
                "registration_limit",
            ),
            (
                CreateActivation {
                    expiration_date: Some(now - 1),
                    ..ok.clone()
                },
                "expiration_date",
            ),
            (
                CreateActivation {
                    expiration_date: Some(now + 31 * day),
                    ..ok.clone()
                },
                "expiration_date",
            ),
            (
                CreateActivation {
                    default_instance_name: "bad;name".into(),
                    ..ok.clone()
                },
                "default_instance_name",
            ),
            (
                CreateActivation {
                    description: "d".repeat(257),
                    ..ok.clone()
                },
                "description",
            ),
        ];
        for (input, field) in cases {
            let e = validate(&input, now, 30).expect_err(field);
            assert_eq!(
                (e.field, e.exception),
                (Some(field), Some("InvalidParameters"))
            );
        }
        assert!(validate(
            &CreateActivation {
                expiration_date: Some(now + 30 * day),
                registration_limit: Some(1000),
                ..ok.clone()
            },
            now,
            30
        )
        .is_ok());
        // The setting moves the bound.
        let far = CreateActivation {
            expiration_date: Some(now + 90 * day),
            ..ok
        };
        assert!(validate(&far, now, 30).is_err());
        assert!(validate(&far, now, 90).is_ok());
    }
}
