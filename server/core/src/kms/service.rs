//! Key rules: references, the default key, encryption, rotation, retirement.

use super::envelope::{self, KeyMaterial, Sealed};
use super::store::{self, KeyRow, NewKeyRow};
use crate::audit::{self, Outcome};
use crate::core::{Actor, DEFAULT_REGION};
use crate::error::{ServiceError, ServiceResult};
use crate::types::{ErrorKind, Role};
use crate::Core;
use std::collections::HashMap;
use std::sync::Mutex;

/// The key SSM uses when a SecureString names none; created on first use.
pub const DEFAULT_KEY_ALIAS: &str = "alias/aws/ssm";
pub const ALIAS_PREFIX: &str = "alias/";
/// Aliases under it are AWS-managed: only Bosun creates them (the default key).
pub const RESERVED_ALIAS_PREFIX: &str = "alias/aws/";
pub const MAX_ALIAS_CHARS: usize = 256;
pub const MAX_DESCRIPTION_CHARS: usize = 8192;
/// Unsealed material versions kept in memory per process (each is 32 bytes).
const CACHE_CAPACITY: usize = 1024;

/// A named key as the services and adapters see it (never its material).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// A UUID.
    pub key_id: String,
    /// `alias/<name>`, when the key has one.
    pub alias: Option<String>,
    /// `arn:aws:kms:us-east-1:<account>:key/<key id>`; [`key_arn`] builds it for
    /// another region.
    pub arn: String,
    pub description: String,
    pub created_at: i64,
    /// The actor name that created it (`system` for the default key).
    pub created_by: String,
    /// The material version new encryptions use.
    pub current_version: i64,
    /// Material versions stored, and how many of them are retired.
    pub versions: i64,
    pub retired_versions: i64,
}

/// A key's ARN in `region`.
pub fn key_arn(account_id: &str, region: &str, key_id: &str) -> String {
    format!("arn:aws:kms:{region}:{account_id}:key/{key_id}")
}

/// An alias's ARN in `region` (`alias` includes its `alias/` prefix).
pub fn alias_arn(account_id: &str, region: &str, alias: &str) -> String {
    format!("arn:aws:kms:{region}:{account_id}:{alias}")
}

fn to_info(core: &Core, row: KeyRow) -> KeyInfo {
    KeyInfo {
        arn: key_arn(core.account_id(), DEFAULT_REGION, &row.id),
        key_id: row.id,
        alias: row.alias,
        description: row.description,
        created_at: row.created_at,
        created_by: row.created_by,
        current_version: row.current_version,
        versions: row.versions,
        retired_versions: row.retired_versions,
    }
}

/// Unsealed key material of this process, by (key id, version). Material of a version
/// never changes, so entries never go stale; the map is only emptied when it is full.
#[derive(Default)]
pub struct Cache {
    materials: Mutex<HashMap<(String, i64), KeyMaterial>>,
}

impl Cache {
    fn get(&self, key_id: &str, version: i64) -> Option<KeyMaterial> {
        self.materials
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(key_id.to_string(), version))
            .cloned()
    }

    fn put(&self, key_id: &str, version: i64, material: KeyMaterial) {
        let mut map = self.materials.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= CACHE_CAPACITY {
            map.clear();
        }
        map.insert((key_id.to_string(), version), material);
    }

    /// How many versions are held (for tests).
    pub fn len(&self) -> usize {
        self.materials
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "kms::Cache({} versions, <redacted>)", self.len())
    }
}

/// The master-key context that binds a version's material to its row.
fn material_context(key_id: &str, version: i64) -> String {
    format!("kms-material:{key_id}:{version}")
}

/// The one error of every failed decryption. It says nothing about which part failed
/// and never carries key bytes, ciphertext or plaintext; the log gets the key version.
fn decrypt_failed(key_id: &str, version: i64, reason: &str) -> ServiceError {
    tracing::warn!(key_id, version, reason, "a value could not be decrypted");
    ServiceError::new(
        ErrorKind::Internal,
        "The value could not be decrypted (damaged data, a value moved from another parameter, or a different master key).",
    )
}

// ---- key references --------------------------------------------------------------

#[derive(Debug, PartialEq, Eq)]
enum KeyRef {
    Id(String),
    Alias(String),
}

/// At most this much of a caller's reference is repeated in an error message.
fn shown(key_ref: &str) -> String {
    const MAX: usize = 256;
    if key_ref.chars().count() > MAX {
        format!("{}…", key_ref.chars().take(MAX).collect::<String>())
    } else {
        key_ref.to_string()
    }
}

fn invalid_key_id(message: String) -> ServiceError {
    ServiceError::invalid_field("key_id", message).with_exception("InvalidKeyId")
}

/// A bare key id: a hyphenated UUID, compared in lower case.
fn parse_key_id(text: &str) -> Option<String> {
    (text.len() == 36)
        .then(|| uuid::Uuid::try_parse(text).ok())
        .flatten()
        .map(|u| u.hyphenated().to_string())
}

/// Reads a reference in any form SSM's `KeyId` accepts: `alias/<name>`, a key id, a
/// key ARN or an alias ARN. ARNs must name this server's account (any region: keys
/// are not regional here).
fn parse_key_ref(key_ref: &str, account_id: &str) -> ServiceResult<KeyRef> {
    let malformed = || {
        invalid_key_id(format!(
            "{} is not a key id, key ARN, alias name (alias/…) or alias ARN.",
            shown(key_ref)
        ))
    };
    let resource = if let Some(rest) = key_ref.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        let [partition, service, region, account, resource] = parts[..] else {
            return Err(malformed());
        };
        if !partition.starts_with("aws") || service != "kms" || region.is_empty() {
            return Err(malformed());
        }
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        if account != account_id {
            return Err(invalid_key_id(format!(
                "{} belongs to account {account}; this server's account is {account_id}.",
                shown(key_ref)
            )));
        }
        match resource.strip_prefix("key/") {
            Some(id) => {
                return parse_key_id(id).map(KeyRef::Id).ok_or_else(malformed);
            }
            None if resource.starts_with(ALIAS_PREFIX) => resource,
            None => return Err(malformed()),
        }
    } else {
        key_ref
    };
    if resource.starts_with(ALIAS_PREFIX) {
        if resource.len() == ALIAS_PREFIX.len() {
            return Err(malformed());
        }
        return Ok(KeyRef::Alias(resource.to_string()));
    }
    parse_key_id(resource).map(KeyRef::Id).ok_or_else(malformed)
}

/// Checks an alias for [`create_key`]: `alias/` then 1–250 of `[a-zA-Z0-9/_-]` (256 in
/// all), not under the reserved `alias/aws/`.
pub fn validate_alias(alias: &str) -> ServiceResult<()> {
    let invalid = |m: String| ServiceError::invalid_field("alias", m);
    let Some(name) = alias.strip_prefix(ALIAS_PREFIX) else {
        return Err(invalid(format!(
            "An alias starts with {ALIAS_PREFIX} (for example alias/app-secrets)."
        )));
    };
    if name.is_empty() || alias.len() > MAX_ALIAS_CHARS {
        return Err(invalid(format!(
            "An alias is {ALIAS_PREFIX} and a name, {MAX_ALIAS_CHARS} characters at most in all."
        )));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-'))
    {
        return Err(invalid(
            "An alias name holds only letters, digits, /, _ and -.".into(),
        ));
    }
    if alias
        .to_ascii_lowercase()
        .starts_with(RESERVED_ALIAS_PREFIX)
    {
        return Err(invalid(format!(
            "Aliases beginning with {RESERVED_ALIAS_PREFIX} are reserved for AWS-managed keys."
        )));
    }
    Ok(())
}

// ---- keys ----------------------------------------------------------------------------

/// Seals fresh material for (key id, version) under the master key.
fn new_material(core: &Core, key_id: &str, version: i64) -> (KeyMaterial, Vec<u8>) {
    let material = KeyMaterial::generate();
    let sealed = core
        .master_key()
        .seal(&material_context(key_id, version), material.expose());
    (material, sealed)
}

/// The default key's row, creating it on first use. Several replicas may race here:
/// each inserts if absent (only one insert lands, with its material, in one
/// transaction) and then all read the same row back.
async fn default_key(core: &Core) -> ServiceResult<KeyRow> {
    if let Some(row) = store::by_alias(core.db().pool(), DEFAULT_KEY_ALIAS).await? {
        return Ok(row);
    }
    let id = uuid::Uuid::new_v4().to_string();
    let now = core.now_ms();
    let system = Actor::system();
    let (material, sealed) = new_material(core, &id, 1);
    let mut tx = core.db().begin().await?;
    let created = store::insert_key_if_absent(
        &mut *tx,
        &NewKeyRow {
            id: &id,
            alias: Some(DEFAULT_KEY_ALIAS),
            description:
                "Default key that protects SecureString parameters when no other key is named",
            created_at: now,
            created_by: &system.name,
        },
    )
    .await?;
    if created {
        store::insert_version(&mut *tx, &id, 1, &sealed, now).await?;
        audit::record(
            &mut *tx,
            &system,
            now,
            "CreateKey",
            &format!("key/{id}"),
            Outcome::Success,
            &format!("{DEFAULT_KEY_ALIAS}, created on first use"),
        )
        .await?;
    }
    tx.commit().await?;
    if created {
        core.kms_cache().put(&id, 1, material);
    }
    store::by_alias(core.db().pool(), DEFAULT_KEY_ALIAS)
        .await?
        .ok_or_else(|| {
            ServiceError::internal(
                "kms default key",
                &"the default key is missing right after its insert-if-absent",
            )
        })
}

async fn resolve_row(core: &Core, key_ref: Option<&str>) -> ServiceResult<KeyRow> {
    let parsed = match key_ref {
        None => KeyRef::Alias(DEFAULT_KEY_ALIAS.to_string()),
        Some(r) => parse_key_ref(r, core.account_id())?,
    };
    let row = match &parsed {
        KeyRef::Alias(alias) if alias == DEFAULT_KEY_ALIAS => Some(default_key(core).await?),
        KeyRef::Alias(alias) => store::by_alias(core.db().pool(), alias).await?,
        KeyRef::Id(id) => store::by_id(core.db().pool(), id).await?,
    };
    row.ok_or_else(|| {
        invalid_key_id(format!(
            "Key {} does not exist. Name a key by its id, key ARN, alias (alias/…) or alias ARN; `bosun keys list` shows them.",
            shown(key_ref.unwrap_or(DEFAULT_KEY_ALIAS))
        ))
    })
}

/// The key `key_ref` names (`None`: the default key `alias/aws/ssm`, created on first
/// use). Unknown or malformed references fail with `InvalidKeyId`.
pub async fn resolve_key(core: &Core, key_ref: Option<&str>) -> ServiceResult<KeyInfo> {
    Ok(to_info(core, resolve_row(core, key_ref).await?))
}

/// Creates a key (admin), with version 1 of its material.
pub async fn create_key(
    core: &Core,
    actor: &Actor,
    alias: Option<&str>,
    description: &str,
) -> ServiceResult<KeyInfo> {
    core.authorize(actor, Role::Admin, "CreateKey", "key")
        .await?;
    if let Some(alias) = alias {
        validate_alias(alias)?;
    }
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(ServiceError::invalid_field(
            "description",
            format!("The description is at most {MAX_DESCRIPTION_CHARS} characters."),
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let now = core.now_ms();
    let (material, sealed) = new_material(core, &id, 1);
    let mut tx = core.db().begin().await?;
    let created = store::insert_key_if_absent(
        &mut *tx,
        &NewKeyRow {
            id: &id,
            alias,
            description,
            created_at: now,
            created_by: &actor.name,
        },
    )
    .await?;
    if !created {
        // A fresh UUID does not collide: the alias exists.
        return Err(ServiceError::already_exists(format!(
            "A key with alias {} already exists.",
            alias.unwrap_or("")
        ))
        .with_field("alias")
        .with_exception("AlreadyExistsException"));
    }
    store::insert_version(&mut *tx, &id, 1, &sealed, now).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "CreateKey",
        &format!("key/{id}"),
        Outcome::Success,
        alias.unwrap_or("no alias"),
    )
    .await?;
    tx.commit().await?;
    core.kms_cache().put(&id, 1, material);
    let row = store::by_id(core.db().pool(), &id).await?.ok_or_else(|| {
        ServiceError::internal(
            "kms create_key",
            &"the key is missing right after its insert",
        )
    })?;
    Ok(to_info(core, row))
}

/// Every key (viewer): aliased ones first, by alias. The default key appears once
/// something has used it.
pub async fn list_keys(core: &Core, actor: &Actor) -> ServiceResult<Vec<KeyInfo>> {
    core.authorize(actor, Role::Viewer, "ListKeys", "keys")
        .await?;
    Ok(store::list(core.db().pool())
        .await?
        .into_iter()
        .map(|row| to_info(core, row))
        .collect())
}

// ---- material ---------------------------------------------------------------------------

/// What looking up one version's material found.
enum Material {
    Found(KeyMaterial),
    /// No such key or version.
    Missing,
    /// The row does not unseal: another master key, or damage.
    Unreadable,
}

/// The unsealed material of one version: from this process's cache, or from its row
/// (then cached). Errors are the database's only.
async fn material(core: &Core, key_id: &str, version: i64) -> ServiceResult<Material> {
    if let Some(m) = core.kms_cache().get(key_id, version) {
        return Ok(Material::Found(m));
    }
    let Some(sealed) = store::material(core.db().pool(), key_id, version).await? else {
        return Ok(Material::Missing);
    };
    let unsealed = core
        .master_key()
        .open(&material_context(key_id, version), &sealed)
        .ok()
        .and_then(KeyMaterial::from_unsealed);
    let Some(material) = unsealed else {
        tracing::error!(
            key_id,
            version,
            "key material does not unseal: is this the master key it was stored with?"
        );
        return Ok(Material::Unreadable);
    };
    core.kms_cache().put(key_id, version, material.clone());
    Ok(Material::Found(material))
}

/// The material to encrypt or re-wrap with. A missing or unreadable current version is
/// the server's fault, not the caller's.
async fn current_material(core: &Core, key: &KeyRow) -> ServiceResult<KeyMaterial> {
    let problem = match material(core, &key.id, key.current_version).await? {
        Material::Found(m) => return Ok(m),
        Material::Missing => "is missing",
        Material::Unreadable => "does not unseal under this master key",
    };
    Err(ServiceError::internal(
        "kms current material",
        &format!(
            "material version {} of key {} {problem}",
            key.current_version, key.id
        ),
    ))
}

/// The material a sealed value names, or the one decryption error.
async fn sealing_material(core: &Core, sealed: &Sealed) -> ServiceResult<KeyMaterial> {
    let reason = match material(core, &sealed.key_id, sealed.key_version).await? {
        Material::Found(m) => return Ok(m),
        Material::Missing => "no such key version",
        Material::Unreadable => "key material does not unseal",
    };
    Err(decrypt_failed(&sealed.key_id, sealed.key_version, reason))
}

/// Encrypts `plaintext` under the current version of the key `key_ref` names (`None`:
/// `alias/aws/ssm`), bound to `context` — e.g. `parameter:/a/b:3`, so the result
/// decrypts only for that parameter version.
pub async fn encrypt(
    core: &Core,
    key_ref: Option<&str>,
    context: &str,
    plaintext: &[u8],
) -> ServiceResult<Sealed> {
    let key = resolve_row(core, key_ref).await?;
    let m = current_material(core, &key).await?;
    Ok(envelope::seal(
        &m,
        &key.id,
        key.current_version,
        context,
        plaintext,
    ))
}

/// Decrypts what [`encrypt`] sealed with the same `context`. Any failure — another
/// context (a value moved between parameters or versions), damage, an unknown key or
/// version, another master key — is one `Internal` error that names no secret (a
/// database error stays what it is).
pub async fn decrypt(core: &Core, sealed: &Sealed, context: &str) -> ServiceResult<Vec<u8>> {
    let m = sealing_material(core, sealed).await?;
    envelope::open(&m, sealed, context)
        .map_err(|_| decrypt_failed(&sealed.key_id, sealed.key_version, "authentication failed"))
}

/// [`decrypt`] of a stored blob ([`Sealed::to_bytes`]).
pub async fn decrypt_bytes(core: &Core, stored: &[u8], context: &str) -> ServiceResult<Vec<u8>> {
    let sealed =
        Sealed::from_bytes(stored).map_err(|_| decrypt_failed("?", 0, "not a sealed value"))?;
    decrypt(core, &sealed, context).await
}

// ---- rotation ----------------------------------------------------------------------------

/// Rotates a key (admin): a new material version becomes current, so new encryptions
/// use it; older versions still decrypt. Returns the new version. Values are moved to
/// it by [`rewrap`], driven by whoever stores them.
pub async fn rotate(core: &Core, actor: &Actor, key_ref: Option<&str>) -> ServiceResult<i64> {
    core.authorize(actor, Role::Admin, "RotateKey", "key")
        .await?;
    let key = resolve_row(core, key_ref).await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    let version = store::bump_current_version(&mut tx, &key.id)
        .await?
        .ok_or_else(|| ServiceError::internal("kms rotate", &"the key row disappeared"))?;
    let (material, sealed) = new_material(core, &key.id, version);
    store::insert_version(&mut *tx, &key.id, version, &sealed, now).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "RotateKey",
        &format!("key/{}", key.id),
        Outcome::Success,
        &format!(
            "{}: material version {version} is current",
            key.alias.as_deref().unwrap_or("no alias")
        ),
    )
    .await?;
    tx.commit().await?;
    core.kms_cache().put(&key.id, version, material);
    Ok(version)
}

/// Re-wraps a value's data key under its key's current version: `None` when it is
/// already current. The ciphertext is kept (the value is not re-encrypted); the data
/// key is checked against it, so a value that does not decrypt is refused like in
/// [`decrypt`] rather than re-wrapped.
pub async fn rewrap(core: &Core, sealed: &Sealed, context: &str) -> ServiceResult<Option<Sealed>> {
    let Some(key) = store::by_id(core.db().pool(), &sealed.key_id).await? else {
        return Err(decrypt_failed(
            &sealed.key_id,
            sealed.key_version,
            "no such key",
        ));
    };
    if key.current_version == sealed.key_version {
        return Ok(None);
    }
    let from = sealing_material(core, sealed).await?;
    let to = current_material(core, &key).await?;
    envelope::rewrap(&from, &to, key.current_version, sealed, context)
        .map(Some)
        .map_err(|_| decrypt_failed(&key.id, sealed.key_version, "authentication failed"))
}

/// Marks retired (admin) every version of a key that is not current and not in
/// `in_use_versions` — the versions the caller's stored values still use, gathered
/// after rewrapping them. Returns the versions it retired.
///
/// A retired version never wraps a new data key (only the current one does) and is
/// never reconsidered, but its material is kept and still decrypts: a value written
/// with it by a writer that raced the sweep (it read the current version just before
/// a rotation) must not be lost. The next sweep moves such a value forward.
pub async fn retire_unused(
    core: &Core,
    actor: &Actor,
    key_ref: &str,
    in_use_versions: &[i64],
) -> ServiceResult<Vec<i64>> {
    core.authorize(actor, Role::Admin, "RetireKeyMaterial", "key")
        .await?;
    let key = resolve_row(core, Some(key_ref)).await?;
    let candidates: Vec<i64> =
        store::retirable_versions(core.db().pool(), &key.id, key.current_version)
            .await?
            .into_iter()
            .filter(|v| !in_use_versions.contains(v))
            .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    let mut retired = Vec::new();
    for v in candidates {
        if store::retire_version(&mut *tx, &key.id, v, now).await? {
            retired.push(v);
        }
    }
    if !retired.is_empty() {
        let list: Vec<String> = retired.iter().map(i64::to_string).collect();
        audit::record(
            &mut *tx,
            actor,
            now,
            "RetireKeyMaterial",
            &format!("key/{}", key.id),
            Outcome::Success,
            &format!("retired material versions {}", list.join(", ")),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(retired)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "123456789012";
    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn key_references_in_every_form() {
        let cases: &[(&str, KeyRef)] = &[
            ("alias/aws/ssm", KeyRef::Alias("alias/aws/ssm".into())),
            ("alias/app", KeyRef::Alias("alias/app".into())),
            (ID, KeyRef::Id(ID.into())),
            (
                "1234ABCD-12AB-34CD-56EF-1234567890AB",
                KeyRef::Id(ID.into()),
            ),
            (
                "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                KeyRef::Id(ID.into()),
            ),
            (
                "arn:aws:kms:eu-west-3:123456789012:alias/app",
                KeyRef::Alias("alias/app".into()),
            ),
            (
                "arn:aws:kms:us-east-1:123456789012:alias/aws/ssm",
                KeyRef::Alias("alias/aws/ssm".into()),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse_key_ref(text, ACCOUNT).as_ref(), Ok(want), "{text}");
        }
    }

    #[test]
    fn malformed_references_are_invalid_key_id() {
        for text in [
            "",
            "alias/",
            "app",
            "1234abcd",
            "{1234abcd-12ab-34cd-56ef-1234567890ab}",
            "1234abcd12ab34cd56ef1234567890ab",
            "arn:aws:kms:us-east-1:123456789012:key/not-a-uuid",
            "arn:aws:kms:us-east-1:123456789012:keys/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:ssm:us-east-1:123456789012:alias/app",
            "arn:aws:kms::123456789012:alias/app",
            "arn:aws:kms:us-east-1:1234:alias/app",
            "arn:aws:kms:us-east-1:123456789012",
            "arn:aws:kms:us-east-1:123456789012:alias/",
            "arn:aws:kms:us-east-1:999999999999:alias/app",
        ] {
            let e = parse_key_ref(text, ACCOUNT).expect_err(text);
            assert_eq!(
                (e.kind, e.exception),
                (ErrorKind::Validation, Some("InvalidKeyId")),
                "{text}"
            );
        }
        let other = parse_key_ref("arn:aws:kms:us-east-1:999999999999:alias/app", ACCOUNT)
            .expect_err("other account");
        assert!(other.message.contains("999999999999"), "{}", other.message);
        let long = "x".repeat(5000);
        assert!(
            parse_key_ref(&long, ACCOUNT)
                .expect_err("long")
                .message
                .len()
                < 400
        );
    }

    #[test]
    fn alias_rules() {
        for ok in [
            "alias/app",
            "alias/a",
            "alias/team/app_secrets-2",
            "alias/aws",
        ] {
            assert_eq!(validate_alias(ok), Ok(()), "{ok}");
        }
        let longest = format!("alias/{}", "a".repeat(MAX_ALIAS_CHARS - ALIAS_PREFIX.len()));
        assert_eq!(validate_alias(&longest), Ok(()));
        for bad in [
            "app",
            "alias/",
            "Alias/app",
            "alias/has space",
            "alias/colon:x",
            "alias/ünï",
            "alias/aws/ssm",
            "alias/aws/mine",
            "alias/AWS/mine",
            &format!("{longest}a"),
        ] {
            let e = validate_alias(bad).expect_err(bad);
            assert_eq!(
                (e.kind, e.field),
                (ErrorKind::Validation, Some("alias")),
                "{bad}"
            );
        }
    }

    #[test]
    fn arns() {
        assert_eq!(
            key_arn(ACCOUNT, "us-east-1", ID),
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        );
        assert_eq!(
            alias_arn(ACCOUNT, "eu-west-1", "alias/app"),
            "arn:aws:kms:eu-west-1:123456789012:alias/app"
        );
    }
}
