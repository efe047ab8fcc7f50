//! A baseline's effective patches (`DescribeEffectivePatchesForPatchBaseline`, and the
//! baseline page's section): the patches the baseline approved, will approve or rejected,
//! with its decision, as the nodes whose latest patch state names the baseline reported
//! them.
//!
//! AWS answers this for Windows baselines only, from Microsoft's catalogue. Bosun has no
//! catalogue: it answers for every baseline from what the nodes reported, so a baseline no
//! node uses has no effective patches yet. The decision is the one the node's scan made
//! (`bosun_patch::ReportBuilder`), not a new evaluation: it is what the node's compliance
//! was measured against. Patches the baseline does not mention, and reports of agents
//! older than the decision field, are left out.
//!
//! Invariants: one entry per title (a title carries the version, so two nodes on
//! different versions of a package give two entries; two nodes on the same version give
//! one, taken from the latest report); pages follow titles compared as bytes on both
//! databases.

use super::service::{baseline_id_of, does_not_exist, is_baseline_id};
use super::store::{self, EffectivePatchRow};
use crate::core::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::types::{EffectivePatch, ListQuery, Page, Role};
use crate::{paging, Core};
use bosun_patch::names::Evr;
use bosun_patch::predefined;

/// Page size when MaxResults is absent (the model's maximum).
const DEFAULT_PAGE: i64 = 100;

/// The id of the baseline `id_or_arn` names (a predefined baseline's name works too),
/// after checking it exists: `InvalidResourceId` when it cannot be a baseline id,
/// `DoesNotExistException` when no baseline has it.
async fn existing_baseline(core: &Core, id_or_arn: &str) -> ServiceResult<String> {
    if let Some(p) = predefined::find(id_or_arn) {
        return Ok(p.id.to_string());
    }
    let id = baseline_id_of(id_or_arn);
    if !is_baseline_id(id) {
        return Err(ServiceError::validation(format!(
            "{id_or_arn:?} is not a patch baseline id: pb- and 17 hexadecimal digits, its ARN, \
             or a predefined baseline's name."
        ))
        .with_exception("InvalidResourceId"));
    }
    match store::baseline(core.db().pool(), id).await? {
        Some(_) => Ok(id.to_string()),
        None => Err(does_not_exist(id_or_arn)),
    }
}

async fn authorize(core: &Core, actor: &Actor, id_or_arn: &str) -> ServiceResult<()> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribeEffectivePatchesForPatchBaseline",
        &format!("patchbaseline/{}", baseline_id_of(id_or_arn)),
    )
    .await
}

/// DescribeEffectivePatchesForPatchBaseline (viewer): one page (MaxResults 1–100,
/// default 100) of the baseline's effective patches by title.
pub async fn describe_effective_patches_for_patch_baseline(
    core: &Core,
    actor: &Actor,
    baseline_id: &str,
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<EffectivePatch>, Option<String>)> {
    authorize(core, actor, baseline_id).await?;
    let id = existing_baseline(core, baseline_id).await?;
    let limit = paging::max_results(max_results, DEFAULT_PAGE, 1..=100)?;
    let scope = format!("effective-patches:{id}");
    let offset = paging::offset_of(&scope, next_token)?;
    let rows = store::effective_patches(core.db().pool(), &id, limit + 1, offset).await?;
    let patches = rows.into_iter().map(effective_patch).collect();
    Ok(paging::split(patches, &scope, offset, limit))
}

/// The baseline page's effective patches (viewer): one page with the total.
pub async fn list_effective_patches(
    core: &Core,
    actor: &Actor,
    baseline_id: &str,
    query: &ListQuery,
) -> ServiceResult<Page<EffectivePatch>> {
    authorize(core, actor, baseline_id).await?;
    let id = existing_baseline(core, baseline_id).await?;
    let pool = core.db().pool();
    let total = store::count_effective_patches(pool, &id).await?;
    let rows =
        store::effective_patches(pool, &id, i64::from(query.per_page()), query.offset()).await?;
    Ok(Page {
        items: rows.into_iter().map(effective_patch).collect(),
        total,
        page: query.page(),
        per_page: query.per_page(),
    })
}

/// The `Patch` members a report line gives: name and architecture from the KB id
/// (`name.arch`), epoch, version and release from the title (`name.arch:[epoch:]version[-release]`).
fn effective_patch(row: EffectivePatchRow) -> EffectivePatch {
    let p = row.patch;
    let (name, arch) = p
        .kb_id
        .rsplit_once('.')
        .map_or((p.kb_id.as_str(), ""), |(n, a)| (n, a));
    let evr_text = p
        .title
        .strip_prefix(p.kb_id.as_str())
        .and_then(|rest| rest.strip_prefix(':'))
        .unwrap_or("");
    let evr = Evr::parse(evr_text);
    let list = |s: &str| -> Vec<String> {
        s.split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    };
    EffectivePatch {
        name: name.to_string(),
        arch: arch.to_string(),
        // The model's Epoch is a 32-bit integer; a node's larger claim is dropped.
        epoch: evr.epoch.and_then(|e| e.parse::<i32>().ok()).map(i64::from),
        version: evr.version.to_string(),
        release: evr.release.unwrap_or("").to_string(),
        cve_ids: list(&p.cve_ids),
        advisory_ids: list(&p.advisory_id),
        title: p.title,
        kb_id: p.kb_id,
        classification: p.classification,
        severity: p.severity,
        product: row.product,
        deployment_status: p.deployment_status,
        compliance_level: p.compliance_level,
        approval_date: p.approval_date,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::store::PatchRow;

    fn row(kb_id: &str, title: &str) -> EffectivePatchRow {
        EffectivePatchRow {
            patch: PatchRow {
                kb_id: kb_id.into(),
                title: title.into(),
                classification: "Security".into(),
                severity: "Important".into(),
                state: "MISSING".into(),
                compliance_level: "HIGH".into(),
                installed_time: None,
                cve_ids: "CVE-2024-0001, CVE-2024-0002".into(),
                deployment_status: "APPROVED".into(),
                approval_date: Some(1_709_251_200_000),
                advisory_id: "RHSA-2024:1".into(),
            },
            product: "RedhatEnterpriseLinux9.3".into(),
        }
    }

    #[test]
    fn patch_members_come_from_the_kb_id_and_the_title() {
        // (kb id, title) → (name, arch, epoch, version, release)
        let cases = [
            (
                "bind-libs.x86_64",
                "bind-libs.x86_64:32:9.16.23-15.el9",
                ("bind-libs", "x86_64", Some(32), "9.16.23", "15.el9"),
            ),
            (
                "python3.11.noarch",
                "python3.11.noarch:0:3.11.5-1.el9",
                ("python3.11", "noarch", Some(0), "3.11.5", "1.el9"),
            ),
            (
                "libssl3.amd64",
                "libssl3.amd64:3.0.11-1~deb12u2",
                ("libssl3", "amd64", None, "3.0.11", "1~deb12u2"),
            ),
            (
                "dpkg-dev.all",
                "dpkg-dev.all:1:1.21.23",
                ("dpkg-dev", "all", Some(1), "1.21.23", ""),
            ),
            // A node's nonsense stays text and fills what it can.
            (
                "<b>odd",
                "<b>odd:99999999999:x",
                ("<b>odd", "", None, "x", ""),
            ),
            ("a.b", "unrelated title", ("a", "b", None, "", "")),
        ];
        for (kb, title, (name, arch, epoch, version, release)) in cases {
            let p = effective_patch(row(kb, title));
            assert_eq!(
                (
                    p.name.as_str(),
                    p.arch.as_str(),
                    p.epoch,
                    p.version.as_str(),
                    p.release.as_str()
                ),
                (name, arch, epoch, version, release),
                "{title}"
            );
            assert_eq!(p.title, title);
            assert_eq!(p.kb_id, kb);
        }
        let p = effective_patch(row("a.x86_64", "a.x86_64:0:1-1"));
        assert_eq!(p.cve_ids, ["CVE-2024-0001", "CVE-2024-0002"]);
        assert_eq!(p.advisory_ids, ["RHSA-2024:1"]);
        assert_eq!(p.product, "RedhatEnterpriseLinux9.3");
        let mut bare = row("a.amd64", "a.amd64:1.0");
        bare.patch.cve_ids = String::new();
        bare.patch.advisory_id = String::new();
        let p = effective_patch(bare);
        assert!(p.cve_ids.is_empty() && p.advisory_ids.is_empty());
    }
}
