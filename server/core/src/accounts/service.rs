//! Account rules. Every function that changes something takes the [`Actor`], checks its
//! role, and writes the change with its audit record in one transaction.

use super::store;
use crate::audit::{self, Outcome};
use crate::core::Actor;
use crate::crypto;
use crate::error::{is_unique_violation, ServiceError, ServiceResult};
use crate::types::{AccessKeySummary, ListQuery, NewAccessKey, Page, Role, Source, UserSummary};
use crate::Core;
use tokio::sync::OnceCell;

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 256;
pub const MAX_USER_NAME_CHARS: usize = 64;
/// Access keys per user (AWS IAM allows two; operators rotating several tools want more).
pub const MAX_ACCESS_KEYS_PER_USER: i64 = 5;
pub const MAX_KEY_DESCRIPTION_CHARS: usize = 256;

/// A signed-in user, as a session or a verified signature establishes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user_id: String,
    pub name: String,
    pub role: Role,
    /// The user's session epoch when the session was created.
    pub epoch: i64,
}

impl Principal {
    pub fn actor(&self, source: Source, client_addr: &str, region: &str) -> Actor {
        Actor {
            user_id: Some(self.user_id.clone()),
            name: self.name.clone(),
            role: self.role,
            source,
            client_addr: client_addr.to_string(),
            region: region.to_string(),
        }
    }
}

/// A secret access key in clear, only ever held briefly to verify a signature (and
/// for [`KEY_CACHE_TTL`] in this process's [`KeyCache`]).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(pub String);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

pub fn validate_user_name(name: &str) -> ServiceResult<()> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if name.is_empty() || name.chars().count() > MAX_USER_NAME_CHARS || !ok_chars {
        return Err(ServiceError::invalid_field(
            "name",
            format!("User names are 1–{MAX_USER_NAME_CHARS} characters: letters, digits, '.', '_', '-' and '@'."),
        ));
    }
    Ok(())
}

pub fn validate_password(password: &str, field: &'static str) -> ServiceResult<()> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(ServiceError::invalid_field(
            field,
            format!("Passwords need at least {MIN_PASSWORD_CHARS} characters."),
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(ServiceError::invalid_field(
            field,
            format!("Passwords are at most {MAX_PASSWORD_CHARS} characters."),
        ));
    }
    Ok(())
}

async fn hash(password: String) -> ServiceResult<String> {
    crypto::hash_password(password)
        .await
        .map_err(|e| ServiceError::internal("password hashing", &e))
}

/// What first start did about the admin account.
#[derive(Clone, PartialEq, Eq)]
pub enum Bootstrap {
    /// Users already exist; nothing done.
    AlreadyInitialised,
    /// `admin` created with the password the operator supplied.
    CreatedWithGivenPassword,
    /// `admin` created with this random password, to be shown once.
    CreatedWithRandomPassword(String),
}

impl std::fmt::Debug for Bootstrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bootstrap::AlreadyInitialised => f.write_str("AlreadyInitialised"),
            Bootstrap::CreatedWithGivenPassword => f.write_str("CreatedWithGivenPassword"),
            Bootstrap::CreatedWithRandomPassword(_) => {
                f.write_str("CreatedWithRandomPassword(<redacted>)")
            }
        }
    }
}

/// Creates `admin` when there are no users at all.
pub async fn bootstrap_admin(core: &Core, password: Option<String>) -> ServiceResult<Bootstrap> {
    if store::count_users(core.db().pool()).await? > 0 {
        return Ok(Bootstrap::AlreadyInitialised);
    }
    let (password, outcome) = match password {
        Some(p) => {
            validate_password(&p, "password")?;
            (p, Bootstrap::CreatedWithGivenPassword)
        }
        None => {
            let p = crypto::random_password();
            (p.clone(), Bootstrap::CreatedWithRandomPassword(p))
        }
    };
    let hash = hash(password).await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    // Another replica may bootstrap at the same moment: the unique name decides.
    match store::insert_user(&mut *tx, &new_id(), "admin", Role::Admin, &hash, now).await {
        Ok(()) => {}
        Err(e) if is_unique_violation(&e) => return Ok(Bootstrap::AlreadyInitialised),
        Err(e) => return Err(e.into()),
    }
    audit::record(
        &mut *tx,
        &Actor::system(),
        now,
        "CreateUser",
        "user/admin",
        Outcome::Success,
        "first start: role admin",
    )
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

static DUMMY_HASH: OnceCell<String> = OnceCell::const_new();

/// Signs a user in. Unknown users and wrong passwords get the same error after the
/// same work (a hash verification), so neither the message nor the timing tells them
/// apart; throttled attempts are refused before any hashing.
pub async fn sign_in(
    core: &Core,
    name: &str,
    password: &str,
    client_addr: &str,
) -> ServiceResult<Principal> {
    let attempt = Actor {
        user_id: None,
        name: name.chars().take(MAX_USER_NAME_CHARS).collect(),
        role: Role::Viewer,
        source: Source::Console,
        client_addr: client_addr.to_string(),
        region: crate::core::DEFAULT_REGION.into(),
    };
    let now = core.now_ms();
    if let Err(wait) = core.throttle().check(name, client_addr, now) {
        audit::record(
            core.db().pool(),
            &attempt,
            now,
            "SignIn",
            &format!("user/{}", attempt.name),
            Outcome::Denied,
            "throttled",
        )
        .await?;
        return Err(ServiceError::throttled(format!(
            "Too many failed sign-in attempts. Try again in {} minute(s).",
            wait.div_ceil(60).max(1)
        )));
    }
    let user = if name.chars().count() <= MAX_USER_NAME_CHARS
        && password.chars().count() <= MAX_PASSWORD_CHARS
    {
        store::user_by_name(core.db().pool(), name).await?
    } else {
        None
    };
    let phc = match &user {
        Some(u) => u.password_hash.clone(),
        None => DUMMY_HASH
            .get_or_try_init(|| hash(crypto::random_password()))
            .await?
            .clone(),
    };
    let verified =
        crypto::verify_password(password.chars().take(MAX_PASSWORD_CHARS).collect(), phc).await;
    let now = core.now_ms();
    match user {
        Some(u) if verified && !u.disabled => {
            core.throttle().record_success(name);
            let mut tx = core.db().begin().await?;
            store::touch_login(&mut *tx, &u.id, now).await?;
            let actor = Actor {
                user_id: Some(u.id.clone()),
                role: u.role,
                ..attempt
            };
            audit::record(
                &mut *tx,
                &actor,
                now,
                "SignIn",
                &format!("user/{}", u.name),
                Outcome::Success,
                "",
            )
            .await?;
            tx.commit().await?;
            Ok(Principal {
                user_id: u.id,
                name: u.name,
                role: u.role,
                epoch: u.session_epoch,
            })
        }
        other => {
            core.throttle().record_failure(name, client_addr, now);
            let detail = match other {
                None => "unknown user",
                Some(u) if u.disabled => "user disabled",
                Some(_) => "wrong password",
            };
            audit::record(
                core.db().pool(),
                &attempt,
                now,
                "SignIn",
                &format!("user/{}", attempt.name),
                Outcome::Failed,
                detail,
            )
            .await?;
            Err(ServiceError::new(
                crate::types::ErrorKind::Unauthenticated,
                "Incorrect user name or password.",
            ))
        }
    }
}

/// The principal a session stands for, if the user still exists, is enabled, and the
/// session was created in the user's current epoch.
pub async fn principal_for_session(
    core: &Core,
    user_id: &str,
    epoch: i64,
) -> ServiceResult<Option<Principal>> {
    let user = store::user_by_id(core.db().pool(), user_id).await?;
    Ok(user
        .filter(|u| !u.disabled && u.session_epoch == epoch)
        .map(|u| Principal {
            user_id: u.id,
            name: u.name,
            role: u.role,
            epoch: u.session_epoch,
        }))
}

pub async fn create_user(
    core: &Core,
    actor: &Actor,
    name: &str,
    role: Role,
    password: &str,
) -> ServiceResult<()> {
    let resource = format!("user/{name}");
    core.authorize(actor, Role::Admin, "CreateUser", &resource)
        .await?;
    validate_user_name(name)?;
    validate_password(password, "password")?;
    let hash = hash(password.to_string()).await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    match store::insert_user(&mut *tx, &new_id(), name, role, &hash, now).await {
        Ok(()) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(ServiceError::already_exists(format!(
                "A user named {name} already exists."
            ))
            .with_field("name"))
        }
        Err(e) => return Err(e.into()),
    }
    audit::record(
        &mut *tx,
        actor,
        now,
        "CreateUser",
        &resource,
        Outcome::Success,
        &format!("role {role}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn list_users(
    core: &Core,
    actor: &Actor,
    query: &ListQuery,
) -> ServiceResult<Page<UserSummary>> {
    core.authorize(actor, Role::Admin, "ListUsers", "users")
        .await?;
    let total = store::count_users_matching(core.db().pool(), query).await?;
    let items = store::list_users(core.db().pool(), query).await?;
    Ok(Page {
        items,
        total,
        page: query.page(),
        per_page: query.per_page(),
    })
}

async fn existing_user(tx: &mut crate::db::Tx, name: &str) -> ServiceResult<store::UserRecord> {
    store::user_by_name(&mut **tx, name)
        .await?
        .ok_or_else(|| ServiceError::not_found(format!("There is no user named {name}.")))
}

/// Refuses a change that would leave no enabled admin.
async fn keep_an_admin(tx: &mut crate::db::Tx, user: &store::UserRecord) -> ServiceResult<()> {
    if user.role == Role::Admin
        && !user.disabled
        && store::count_enabled_admins(&mut **tx).await? <= 1
    {
        return Err(ServiceError::conflict(format!(
            "{} is the last enabled admin; make another user admin first.",
            user.name
        )));
    }
    Ok(())
}

pub async fn set_user_role(
    core: &Core,
    actor: &Actor,
    name: &str,
    role: Role,
) -> ServiceResult<()> {
    let resource = format!("user/{name}");
    core.authorize(actor, Role::Admin, "UpdateUserRole", &resource)
        .await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    let user = existing_user(&mut tx, name).await?;
    if user.role == role {
        return Ok(());
    }
    if role != Role::Admin {
        keep_an_admin(&mut tx, &user).await?;
    }
    store::set_role(&mut *tx, &user.id, role, now).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "UpdateUserRole",
        &resource,
        Outcome::Success,
        &format!("{} -> {role}", user.role),
    )
    .await?;
    tx.commit().await?;
    core.key_cache().invalidate();
    Ok(())
}

pub async fn set_user_disabled(
    core: &Core,
    actor: &Actor,
    name: &str,
    disabled: bool,
) -> ServiceResult<()> {
    let resource = format!("user/{name}");
    let action = if disabled {
        "DisableUser"
    } else {
        "EnableUser"
    };
    core.authorize(actor, Role::Admin, action, &resource)
        .await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    let user = existing_user(&mut tx, name).await?;
    if user.disabled == disabled {
        return Ok(());
    }
    if disabled {
        if actor.user_id.as_deref() == Some(user.id.as_str()) {
            return Err(ServiceError::conflict(
                "You cannot disable your own account.",
            ));
        }
        keep_an_admin(&mut tx, &user).await?;
    }
    store::set_disabled(&mut *tx, &user.id, disabled, now).await?;
    let ended = store::delete_sessions_of(&mut *tx, &user.id).await?;
    let detail = if disabled {
        format!("{ended} session(s) ended")
    } else {
        String::new()
    };
    audit::record(
        &mut *tx,
        actor,
        now,
        action,
        &resource,
        Outcome::Success,
        &detail,
    )
    .await?;
    tx.commit().await?;
    core.key_cache().invalidate();
    Ok(())
}

/// An admin sets another user's password. All of that user's sessions end.
pub async fn reset_password(
    core: &Core,
    actor: &Actor,
    name: &str,
    new_password: &str,
) -> ServiceResult<()> {
    let resource = format!("user/{name}");
    core.authorize(actor, Role::Admin, "ResetPassword", &resource)
        .await?;
    validate_password(new_password, "password")?;
    let hash = hash(new_password.to_string()).await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    let user = existing_user(&mut tx, name).await?;
    store::set_password(&mut *tx, &user.id, &hash, now).await?;
    let ended = store::delete_sessions_of(&mut *tx, &user.id).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "ResetPassword",
        &resource,
        Outcome::Success,
        &format!("{ended} session(s) ended"),
    )
    .await?;
    tx.commit().await?;
    core.key_cache().invalidate();
    Ok(())
}

/// A user changes their own password. All their sessions end; the caller gets the
/// principal for the new epoch so the current session can continue.
pub async fn change_own_password(
    core: &Core,
    actor: &Actor,
    current: &str,
    new_password: &str,
) -> ServiceResult<Principal> {
    let user_id = actor
        .user_id
        .clone()
        .ok_or_else(ServiceError::unauthenticated)?;
    let resource = format!("user/{}", actor.name);
    validate_password(new_password, "new_password")?;
    let user = store::user_by_id(core.db().pool(), &user_id)
        .await?
        .ok_or_else(ServiceError::unauthenticated)?;
    if !crypto::verify_password(current.to_string(), user.password_hash.clone()).await {
        audit::record(
            core.db().pool(),
            actor,
            core.now_ms(),
            "ChangePassword",
            &resource,
            Outcome::Failed,
            "wrong current password",
        )
        .await?;
        return Err(ServiceError::invalid_field(
            "current_password",
            "The current password is not correct.",
        ));
    }
    let hash = hash(new_password.to_string()).await?;
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    store::set_password(&mut *tx, &user_id, &hash, now).await?;
    store::delete_sessions_of(&mut *tx, &user_id).await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "ChangePassword",
        &resource,
        Outcome::Success,
        "all sessions ended",
    )
    .await?;
    tx.commit().await?;
    core.key_cache().invalidate();
    let user = store::user_by_id(core.db().pool(), &user_id)
        .await?
        .ok_or_else(ServiceError::unauthenticated)?;
    Ok(Principal {
        user_id: user.id,
        name: user.name,
        role: user.role,
        epoch: user.session_epoch,
    })
}

/// Whose keys an actor may manage: their own always, anyone's as admin.
async fn key_owner(
    core: &Core,
    actor: &Actor,
    user: Option<&str>,
    action: &str,
) -> ServiceResult<store::UserRecord> {
    let name = user.unwrap_or(&actor.name);
    let resource = format!("user/{name}");
    if name != actor.name || actor.user_id.is_none() {
        core.authorize(actor, Role::Admin, action, &resource)
            .await?;
    }
    store::user_by_name(core.db().pool(), name)
        .await?
        .ok_or_else(|| ServiceError::not_found(format!("There is no user named {name}.")))
}

pub async fn create_access_key(
    core: &Core,
    actor: &Actor,
    user: Option<&str>,
    description: &str,
) -> ServiceResult<NewAccessKey> {
    let owner = key_owner(core, actor, user, "CreateAccessKey").await?;
    if description.chars().count() > MAX_KEY_DESCRIPTION_CHARS {
        return Err(ServiceError::invalid_field(
            "description",
            format!("Descriptions are at most {MAX_KEY_DESCRIPTION_CHARS} characters."),
        ));
    }
    if owner.disabled {
        return Err(ServiceError::conflict(format!(
            "{} is disabled.",
            owner.name
        )));
    }
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    if store::count_access_keys(&mut *tx, &owner.id).await? >= MAX_ACCESS_KEYS_PER_USER {
        return Err(ServiceError::limit_exceeded(format!(
            "{} already has {MAX_ACCESS_KEYS_PER_USER} access keys; delete one first.",
            owner.name
        )));
    }
    let key = NewAccessKey {
        access_key_id: crypto::new_access_key_id(),
        secret_access_key: crypto::new_secret_access_key(),
    };
    let sealed = core.master_key().seal(
        &seal_context(&key.access_key_id),
        key.secret_access_key.as_bytes(),
    );
    store::insert_access_key(
        &mut *tx,
        &key.access_key_id,
        &owner.id,
        &sealed,
        description,
        now,
    )
    .await?;
    audit::record(
        &mut *tx,
        actor,
        now,
        "CreateAccessKey",
        &format!("access-key/{}", key.access_key_id),
        Outcome::Success,
        &format!("for {}", owner.name),
    )
    .await?;
    tx.commit().await?;
    Ok(key)
}

fn seal_context(access_key_id: &str) -> String {
    format!("access-key:{access_key_id}")
}

pub async fn list_access_keys(
    core: &Core,
    actor: &Actor,
    user: Option<&str>,
) -> ServiceResult<Vec<AccessKeySummary>> {
    let owner = key_owner(core, actor, user, "ListAccessKeys").await?;
    Ok(store::access_keys_of(core.db().pool(), &owner.id).await?)
}

pub async fn delete_access_key(
    core: &Core,
    actor: &Actor,
    access_key_id: &str,
) -> ServiceResult<()> {
    let resource = format!("access-key/{access_key_id}");
    let not_found = || ServiceError::not_found(format!("There is no access key {access_key_id}."));
    let (owner_id, _) = store::access_key(core.db().pool(), access_key_id)
        .await?
        .ok_or_else(not_found)?;
    if actor.user_id.as_deref() != Some(owner_id.as_str()) {
        core.authorize(actor, Role::Admin, "DeleteAccessKey", &resource)
            .await?;
    }
    let now = core.now_ms();
    let mut tx = core.db().begin().await?;
    if store::delete_access_key(&mut *tx, access_key_id).await? == 0 {
        return Err(not_found());
    }
    audit::record(
        &mut *tx,
        actor,
        now,
        "DeleteAccessKey",
        &resource,
        Outcome::Success,
        "",
    )
    .await?;
    tx.commit().await?;
    core.key_cache().invalidate();
    Ok(())
}

/// Records a key's last use at most once a minute per process: the write would
/// otherwise serialize every signed request behind SQLite's single writer.
async fn touch(core: &Core, access_key_id: &str) -> ServiceResult<()> {
    static LAST: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<String, i64>>> =
        std::sync::OnceLock::new();
    let now = core.now_ms();
    {
        let mut last = LAST
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match last.get(access_key_id) {
            Some(t) if now - *t < 60_000 && now >= *t => return Ok(()),
            _ => {
                if last.len() > 100_000 {
                    last.clear();
                }
                last.insert(access_key_id.to_string(), now);
            }
        }
    }
    store::touch_access_key(core.db().pool(), access_key_id, now).await?;
    Ok(())
}

/// How long a resolved access key is reused without reading the database. A change
/// made through this process (key deleted, user disabled, role changed, password
/// reset) takes effect at once; one made on another replica within this time.
pub const KEY_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(2);

/// Access keys this process resolved recently, so a busy client's signed requests do
/// not each read the key and its owner (unknown keys are never kept). A generation
/// counter keeps a read that raced an invalidation from being stored.
#[derive(Default)]
pub struct KeyCache {
    entries: std::sync::Mutex<KeyEntries>,
}

#[derive(Default)]
struct KeyEntries {
    generation: u64,
    map: std::collections::HashMap<String, (std::time::Instant, Principal, SecretKey)>,
}

impl KeyCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, KeyEntries> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, id: &str) -> Result<(Principal, SecretKey), u64> {
        let e = self.lock();
        match e.map.get(id) {
            Some((at, p, s)) if at.elapsed() < KEY_CACHE_TTL => Ok((p.clone(), s.clone())),
            _ => Err(e.generation),
        }
    }

    fn put(&self, generation: u64, id: &str, principal: &Principal, secret: &SecretKey) {
        let mut e = self.lock();
        if e.generation != generation {
            return;
        }
        if e.map.len() >= 10_000 {
            e.map.retain(|_, (at, _, _)| at.elapsed() < KEY_CACHE_TTL);
        }
        e.map.insert(
            id.to_string(),
            (std::time::Instant::now(), principal.clone(), secret.clone()),
        );
    }

    /// Forgets every resolved key (after any change to keys or users).
    pub fn invalidate(&self) {
        let mut e = self.lock();
        e.generation += 1;
        e.map.clear();
    }
}

/// The principal and secret behind an access key, for signature verification. `None`
/// for unknown keys and keys of disabled users.
pub async fn resolve_access_key(
    core: &Core,
    access_key_id: &str,
) -> ServiceResult<Option<(Principal, SecretKey)>> {
    let generation = match core.key_cache().get(access_key_id) {
        Ok(hit) => {
            touch(core, access_key_id).await?;
            return Ok(Some(hit));
        }
        Err(generation) => generation,
    };
    let Some((sealed, user)) = store::access_key_owner(core.db().pool(), access_key_id)
        .await?
        .filter(|(_, u)| !u.disabled)
    else {
        return Ok(None);
    };
    let clear = core
        .master_key()
        .open(&seal_context(access_key_id), &sealed)
        .map_err(|e| ServiceError::internal("access key secret", &e))?;
    let secret =
        String::from_utf8(clear).map_err(|e| ServiceError::internal("access key secret", &e))?;
    touch(core, access_key_id).await?;
    let principal = Principal {
        user_id: user.id,
        name: user.name,
        role: user.role,
        epoch: user.session_epoch,
    };
    let secret = SecretKey(secret);
    core.key_cache()
        .put(generation, access_key_id, &principal, &secret);
    Ok(Some((principal, secret)))
}
