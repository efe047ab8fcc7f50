//! DescribePatchProperties: the values a baseline's filters can name, per operating
//! system. For the systems Bosun patches these are fixed tables (the products are the
//! names nodes report, the classifications, severities and priorities those that
//! `bosun_patch` accepts); Windows-only properties and the unsupported systems have
//! none.

use crate::core::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::types::Role;
use crate::{paging, Core};
use bosun_patch::{OperatingSystem, OsFamily, APT_PRIORITIES, DNF_CLASSIFICATIONS, DNF_SEVERITIES};
use std::collections::BTreeMap;

const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 50;

/// `<prefix><major>.<minor>` for each listed major and its minors `0..=last`.
fn versions(prefix: &str, majors: &[(u32, u32)]) -> Vec<String> {
    majors
        .iter()
        .flat_map(|&(major, last)| (0..=last).map(move |minor| format!("{prefix}{major}.{minor}")))
        .collect()
}

/// The product names of an operating system, as Patch Manager spells them.
pub fn products(os: OperatingSystem) -> Vec<String> {
    use OperatingSystem::*;
    let list = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match os {
        Ubuntu => list(&[
            "Ubuntu14.04",
            "Ubuntu16.04",
            "Ubuntu18.04",
            "Ubuntu20.04",
            "Ubuntu22.04",
            "Ubuntu24.04",
        ]),
        Debian => list(&["Debian9", "Debian10", "Debian11", "Debian12", "Debian13"]),
        Raspbian => list(&["Raspbian9", "Raspbian10", "Raspbian11", "Raspbian12"]),
        AmazonLinux => list(&["AmazonLinux2017.09", "AmazonLinux2018.03"]),
        AmazonLinux2 => list(&["AmazonLinux2"]),
        AmazonLinux2022 => list(&["AmazonLinux2022"]),
        AmazonLinux2023 => list(&["AmazonLinux2023"]),
        RedhatEnterpriseLinux => versions("RedhatEnterpriseLinux", &[(7, 9), (8, 10), (9, 6)]),
        Centos => {
            let mut v = versions("CentOS", &[(7, 9), (8, 5)]);
            v.extend(list(&["CentOSStream8", "CentOSStream9"]));
            v
        }
        OracleLinux => versions("OracleLinux", &[(7, 9), (8, 10), (9, 6)]),
        RockyLinux => versions("RockyLinux", &[(8, 10), (9, 6)]),
        AlmaLinux => versions("AlmaLinux", &[(8, 10), (9, 6)]),
        Windows | Suse | Macos => Vec::new(),
    }
}

/// DescribePatchProperties (viewer).
pub async fn describe_patch_properties(
    core: &Core,
    actor: &Actor,
    os: OperatingSystem,
    property: &str,
    patch_set: Option<&str>,
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> ServiceResult<(Vec<BTreeMap<String, String>>, Option<String>)> {
    core.authorize(
        actor,
        Role::Viewer,
        "DescribePatchProperties",
        &format!("patchproperties/{}", os.as_str()),
    )
    .await?;
    let limit = paging::max_results(max_results, DEFAULT_PAGE, 1..=MAX_PAGE)?;
    let scope = format!("patch-properties:{}:{property}", os.as_str());
    let offset = paging::offset_of(&scope, next_token)?;
    let family = os.family();
    let fixed = |values: &[&str]| values.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    const PROPERTIES: [&str; 6] = [
        "PRODUCT",
        "PRODUCT_FAMILY",
        "CLASSIFICATION",
        "MSRC_SEVERITY",
        "PRIORITY",
        "SEVERITY",
    ];
    if !PROPERTIES.contains(&property) {
        return Err(ServiceError::validation(format!(
            "{property:?} is not a patch property; use {}.",
            PROPERTIES.join(", ")
        )));
    }
    let values: Vec<String> = match (patch_set.unwrap_or("OS"), property) {
        ("OS", "PRODUCT") => products(os),
        ("OS", "CLASSIFICATION") if family == OsFamily::Dnf => fixed(DNF_CLASSIFICATIONS),
        ("OS", "SEVERITY") if family == OsFamily::Dnf => fixed(DNF_SEVERITIES),
        ("OS", "PRIORITY") if family == OsFamily::Apt => fixed(APT_PRIORITIES),
        // Application patches, product families and MSRC severities are Windows notions.
        ("OS" | "APPLICATION", _) => Vec::new(),
        (other, _) => {
            return Err(ServiceError::validation(format!(
                "{other:?} is not a patch set; use OS or APPLICATION."
            )))
        }
    };
    let rows = values
        .into_iter()
        .map(|name| BTreeMap::from([("Name".to_string(), name)]));
    Ok(paging::page_of(rows, &scope, offset, limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_patched_system_has_products_and_the_others_none() {
        for os in OperatingSystem::ALL {
            assert_eq!(
                products(os).is_empty(),
                os.family() == OsFamily::Unsupported,
                "{os:?}"
            );
        }
        assert!(products(OperatingSystem::RedhatEnterpriseLinux)
            .contains(&"RedhatEnterpriseLinux9.3".to_string()));
        assert!(products(OperatingSystem::Ubuntu).contains(&"Ubuntu22.04".to_string()));
    }
}
