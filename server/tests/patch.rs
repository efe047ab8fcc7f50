//! Patch baselines and patch groups through the official AWS SDK against the real
//! server, on SQLite and PostgreSQL: predefined baselines, create (with ClientToken
//! idempotency and tags), validation per operating system, update merge and Replace,
//! defaults, patch groups, deletion rules, listings with filters and pages, properties,
//! effective patches (their errors and empty answer; the scan test in run_command.rs
//! fills them) and roles.

mod common;

use aws_sdk_ssm::types::{
    OperatingSystem, PatchAction, PatchComplianceLevel, PatchFilter, PatchFilterGroup,
    PatchFilterKey, PatchOrchestratorFilter, PatchProperty, PatchRule, PatchRuleGroup,
    ResourceTypeForTagging, Tag,
};
use bosun_core::testing::TestDb;
use bosun_core::types::Role;
use common::{aws_error, TestServer};

fn filter(key: PatchFilterKey, values: &[&str]) -> PatchFilter {
    let mut f = PatchFilter::builder().key(key);
    for v in values {
        f = f.values(*v);
    }
    f.build().expect("filter")
}

fn rule(filters: Vec<PatchFilter>, days: Option<i32>, until: Option<&str>) -> PatchRule {
    PatchRule::builder()
        .patch_filter_group(
            PatchFilterGroup::builder()
                .set_patch_filters(Some(filters))
                .build()
                .expect("group"),
        )
        .compliance_level(PatchComplianceLevel::High)
        .set_approve_after_days(days)
        .set_approve_until_date(until.map(str::to_string))
        .build()
}

fn rules(rules: Vec<PatchRule>) -> PatchRuleGroup {
    PatchRuleGroup::builder()
        .set_patch_rules(Some(rules))
        .build()
        .expect("rules")
}

fn orchestrator(key: &str, value: &str) -> PatchOrchestratorFilter {
    PatchOrchestratorFilter::builder()
        .key(key)
        .values(value)
        .build()
}

#[tokio::test]
async fn baselines_defaults_and_patch_groups() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let key = srv.user_with_key("ops", Role::Operator).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);

        // The predefined baselines are there, each the default for its system.
        let predefined = ssm
            .describe_patch_baselines()
            .filters(orchestrator("OWNER", "AWS"))
            .send()
            .await
            .expect("describe predefined");
        let ids = predefined.baseline_identities();
        assert_eq!(ids.len(), 12);
        assert!(ids.iter().all(|b| b.default_baseline()));
        let ubuntu_default = ssm
            .get_default_patch_baseline()
            .operating_system(OperatingSystem::Ubuntu)
            .send()
            .await
            .expect("ubuntu default");
        let aws_ubuntu = ubuntu_default.baseline_id().expect("id").to_string();
        let got = ssm
            .get_patch_baseline()
            .baseline_id(&aws_ubuntu)
            .send()
            .await
            .expect("get predefined");
        assert_eq!(got.name(), Some("AWS-UbuntuDefaultPatchBaseline"));
        assert_eq!(got.operating_system(), Some(&OperatingSystem::Ubuntu));
        assert_eq!(got.approval_rules().expect("rules").patch_rules().len(), 1);
        let e = ssm
            .delete_patch_baseline()
            .baseline_id(&aws_ubuntu)
            .send()
            .await
            .expect_err("predefined is read-only");
        assert!(aws_error(&e).1.contains("predefined"), "{e:?}");
        let e = ssm
            .update_patch_baseline()
            .baseline_id(&aws_ubuntu)
            .description("mine now")
            .send()
            .await
            .expect_err("predefined is read-only");
        assert!(aws_error(&e).1.contains("predefined"), "{e:?}");

        // Create, with a retry of the same request under the same token.
        let create = || {
            ssm.create_patch_baseline()
                .name("web-ubuntu")
                .operating_system(OperatingSystem::Ubuntu)
                .description("Web servers")
                .approval_rules(rules(vec![rule(
                    vec![
                        filter(PatchFilterKey::Priority, &["Required", "Important"]),
                        filter(PatchFilterKey::Section, &["net", "web*"]),
                    ],
                    Some(0),
                    None,
                )]))
                .approved_patches("openssl")
                .rejected_patches("telnet")
                .rejected_patches_action(PatchAction::Block)
                .client_token("token-1")
                .tags(
                    Tag::builder()
                        .key("team")
                        .value("web")
                        .build()
                        .expect("tag"),
                )
        };
        let web = create()
            .send()
            .await
            .expect("create")
            .baseline_id()
            .expect("id")
            .to_string();
        assert!(web.starts_with("pb-") && web.len() == 20, "{web}");
        let again = create().send().await.expect("retry");
        assert_eq!(again.baseline_id(), Some(web.as_str()));
        let e = create()
            .description("Something else")
            .send()
            .await
            .expect_err("same token, other request");
        assert_eq!(aws_error(&e).0, "IdempotentParameterMismatch");

        let got = ssm
            .get_patch_baseline()
            .baseline_id(&web)
            .send()
            .await
            .expect("get");
        assert_eq!(got.name(), Some("web-ubuntu"));
        assert_eq!(got.description(), Some("Web servers"));
        assert_eq!(got.rejected_patches(), ["telnet"]);
        assert_eq!(got.rejected_patches_action(), Some(&PatchAction::Block));
        let r = &got.approval_rules().expect("rules").patch_rules()[0];
        assert_eq!(r.compliance_level(), Some(&PatchComplianceLevel::High));
        assert_eq!(r.patch_filter_group().expect("g").patch_filters().len(), 2);
        assert!(got.patch_groups().is_empty());
        let tags = ssm
            .list_tags_for_resource()
            .resource_type(ResourceTypeForTagging::PatchBaseline)
            .resource_id(&web)
            .send()
            .await
            .expect("tags");
        assert_eq!(tags.tag_list().len(), 1);

        // Per-system rules, with the path of the bad member.
        let e = ssm
            .create_patch_baseline()
            .name("bad-ubuntu")
            .operating_system(OperatingSystem::Ubuntu)
            .approval_rules(rules(vec![rule(
                vec![filter(PatchFilterKey::Classification, &["Security"])],
                Some(7),
                None,
            )]))
            .send()
            .await
            .expect_err("classification and delays are not apt's");
        let (code, message) = aws_error(&e);
        assert_eq!(code, "ValidationException");
        assert!(
            message.contains("ApprovalRules.PatchRules[0].PatchFilterGroup.PatchFilters[0].Key")
                && message.contains("ApprovalRules.PatchRules[0].ApproveAfterDays"),
            "{message}"
        );
        let e = ssm
            .create_patch_baseline()
            .name("bad-rhel")
            .operating_system(OperatingSystem::RedhatEnterpriseLinux)
            .approval_rules(rules(vec![rule(
                vec![filter(PatchFilterKey::Severity, &["Critical"])],
                Some(361),
                None,
            )]))
            .send()
            .await
            .expect_err("361 days");
        assert_eq!(aws_error(&e).0, "ValidationException");
        let e = ssm
            .create_patch_baseline()
            .name("AWS-Mine")
            .operating_system(OperatingSystem::Debian)
            .send()
            .await
            .expect_err("reserved prefix");
        assert!(aws_error(&e).1.contains("reserved"), "{e:?}");
        let too_many: Vec<PatchRule> = (0..11)
            .map(|_| {
                rule(
                    vec![filter(PatchFilterKey::Priority, &["*"])],
                    Some(0),
                    None,
                )
            })
            .collect();
        let e = ssm
            .create_patch_baseline()
            .name("eleven-rules")
            .operating_system(OperatingSystem::Debian)
            .approval_rules(rules(too_many))
            .send()
            .await
            .expect_err("more than 10 rules");
        assert_eq!(aws_error(&e).0, "ValidationException");

        // A dnf baseline and a Windows one (accepted; Bosun does not patch Windows).
        let rhel = ssm
            .create_patch_baseline()
            .name("rhel-critical")
            .operating_system(OperatingSystem::RedhatEnterpriseLinux)
            .approval_rules(rules(vec![
                rule(
                    vec![
                        filter(PatchFilterKey::Classification, &["Security"]),
                        filter(PatchFilterKey::Severity, &["Critical"]),
                    ],
                    Some(3),
                    None,
                ),
                rule(
                    vec![filter(PatchFilterKey::Classification, &["Bugfix"])],
                    None,
                    Some("2026-06-30"),
                ),
            ]))
            .send()
            .await
            .expect("rhel")
            .baseline_id()
            .expect("id")
            .to_string();
        let windows = ssm
            .create_patch_baseline()
            .name("windows-servers")
            .operating_system(OperatingSystem::Windows)
            .send()
            .await
            .expect("windows")
            .baseline_id()
            .expect("id")
            .to_string();
        let e = ssm
            .get_default_patch_baseline()
            .send()
            .await
            .expect_err("no Windows default until registered");
        assert_eq!(aws_error(&e).0, "DoesNotExistException");
        ssm.register_default_patch_baseline()
            .baseline_id(&windows)
            .send()
            .await
            .expect("register windows default");
        let d = ssm
            .get_default_patch_baseline()
            .send()
            .await
            .expect("default");
        assert_eq!(d.baseline_id(), Some(windows.as_str()));
        assert_eq!(d.operating_system(), Some(&OperatingSystem::Windows));

        // Update: merge keeps what is not given; Replace resets it (and needs a name).
        let updated = ssm
            .update_patch_baseline()
            .baseline_id(&web)
            .description("Web and API servers")
            .send()
            .await
            .expect("merge");
        assert_eq!(updated.description(), Some("Web and API servers"));
        assert_eq!(updated.rejected_patches(), ["telnet"]);
        assert_eq!(updated.approved_patches(), ["openssl"]);
        let e = ssm
            .update_patch_baseline()
            .baseline_id(&web)
            .replace(true)
            .send()
            .await
            .expect_err("replace without a name");
        assert!(aws_error(&e).1.contains("Name"), "{e:?}");
        let replaced = ssm
            .update_patch_baseline()
            .baseline_id(&web)
            .replace(true)
            .name("web-ubuntu-2")
            .approved_patches("nginx")
            .send()
            .await
            .expect("replace");
        assert_eq!(replaced.name(), Some("web-ubuntu-2"));
        assert_eq!(replaced.approved_patches(), ["nginx"]);
        assert!(replaced.rejected_patches().is_empty());
        assert_eq!(replaced.description(), None);
        assert_eq!(replaced.operating_system(), Some(&OperatingSystem::Ubuntu));
        let e = ssm
            .update_patch_baseline()
            .baseline_id(&web)
            .approved_patches("nginx=1.2")
            .send()
            .await
            .expect_err("apt lists take names only");
        assert_eq!(aws_error(&e).0, "ValidationException");
        let e = ssm
            .update_patch_baseline()
            .baseline_id("pb-00000000000000000")
            .description("x")
            .send()
            .await
            .expect_err("unknown");
        assert_eq!(aws_error(&e).0, "DoesNotExistException");

        // Patch groups: one baseline per system and group; the default otherwise.
        ssm.register_patch_baseline_for_patch_group()
            .baseline_id(&web)
            .patch_group("web")
            .send()
            .await
            .expect("register web");
        ssm.register_patch_baseline_for_patch_group()
            .baseline_id(&rhel)
            .patch_group("web")
            .send()
            .await
            .expect("register web for rhel");
        let e = ssm
            .register_patch_baseline_for_patch_group()
            .baseline_id(&aws_ubuntu)
            .patch_group("web")
            .send()
            .await
            .expect_err("web already has an Ubuntu baseline");
        assert_eq!(aws_error(&e).0, "AlreadyExistsException");
        let e = ssm
            .register_patch_baseline_for_patch_group()
            .baseline_id("pb-00000000000000000")
            .patch_group("db")
            .send()
            .await
            .expect_err("unknown baseline");
        assert_eq!(aws_error(&e).0, "DoesNotExistException");

        // Effective patches come from the reports of nodes using the baseline: none yet,
        // for a custom or a predefined baseline (by id, ARN or name), Windows or not.
        for id in [
            web.clone(),
            windows.clone(),
            aws_ubuntu.clone(),
            format!("arn:aws:ssm:us-east-1:123456789012:patchbaseline/{web}"),
            "AWS-UbuntuDefaultPatchBaseline".to_string(),
        ] {
            let none = ssm
                .describe_effective_patches_for_patch_baseline()
                .baseline_id(&id)
                .max_results(1)
                .send()
                .await
                .unwrap_or_else(|e| panic!("effective patches of {id}: {e:?}"));
            assert!(none.effective_patches().is_empty(), "{id}");
            assert_eq!(none.next_token(), None, "{id}");
        }
        let effective = |id: &str| {
            ssm.describe_effective_patches_for_patch_baseline()
                .baseline_id(id)
        };
        let e = effective("pb-00000000000000000")
            .send()
            .await
            .expect_err("unknown baseline");
        assert_eq!(aws_error(&e).0, "DoesNotExistException");
        // Long enough for the model, but no baseline id.
        let e = effective("not-a-patch-baseline-id")
            .send()
            .await
            .expect_err("malformed id");
        assert_eq!(aws_error(&e).0, "InvalidResourceId");
        assert!(aws_error(&e).1.contains("not a patch baseline id"), "{e:?}");
        let e = effective("pb-short")
            .send()
            .await
            .expect_err("shorter than the model allows");
        assert_eq!(aws_error(&e).0, "ValidationException");
        let e = effective(&web)
            .max_results(101)
            .send()
            .await
            .expect_err("above the model's MaxResults");
        assert_eq!(aws_error(&e).0, "ValidationException");
        let e = effective(&web)
            .next_token("bogus")
            .send()
            .await
            .expect_err("a token we never issued");
        assert_eq!(aws_error(&e).0, "InvalidNextToken");

        let for_group = |os: OperatingSystem| {
            ssm.get_patch_baseline_for_patch_group()
                .patch_group("web")
                .operating_system(os)
                .send()
        };
        assert_eq!(
            for_group(OperatingSystem::Ubuntu)
                .await
                .expect("ubuntu")
                .baseline_id(),
            Some(web.as_str())
        );
        let debian = for_group(OperatingSystem::Debian).await.expect("debian");
        let aws_debian = ssm
            .get_default_patch_baseline()
            .operating_system(OperatingSystem::Debian)
            .send()
            .await
            .expect("debian default");
        assert_eq!(debian.baseline_id(), aws_debian.baseline_id());
        let groups = ssm.describe_patch_groups().send().await.expect("groups");
        let mappings: Vec<(&str, &str)> = groups
            .mappings()
            .iter()
            .map(|m| {
                (
                    m.patch_group().expect("group"),
                    m.baseline_identity()
                        .and_then(|b| b.baseline_id())
                        .expect("id"),
                )
            })
            .collect();
        assert_eq!(mappings.len(), 2);
        assert!(mappings.contains(&("web", web.as_str())));
        assert!(mappings.contains(&("web", rhel.as_str())));
        let only_rhel = ssm
            .describe_patch_groups()
            .filters(orchestrator("OPERATING_SYSTEM", "REDHAT_ENTERPRISE_LINUX"))
            .send()
            .await
            .expect("filtered groups");
        assert_eq!(only_rhel.mappings().len(), 1);
        let got = ssm
            .get_patch_baseline()
            .baseline_id(&web)
            .send()
            .await
            .expect("get");
        assert_eq!(got.patch_groups(), ["web"]);

        // Deletion waits for registrations to go.
        let e = ssm
            .delete_patch_baseline()
            .baseline_id(&web)
            .send()
            .await
            .expect_err("registered for a group");
        assert_eq!(aws_error(&e).0, "ResourceInUseException");
        let e = ssm
            .delete_patch_baseline()
            .baseline_id(&windows)
            .send()
            .await
            .expect_err("the Windows default");
        assert_eq!(aws_error(&e).0, "ResourceInUseException");
        ssm.deregister_patch_baseline_for_patch_group()
            .baseline_id(&web)
            .patch_group("web")
            .send()
            .await
            .expect("deregister");
        let e = ssm
            .deregister_patch_baseline_for_patch_group()
            .baseline_id(&web)
            .patch_group("web")
            .send()
            .await
            .expect_err("not registered any more");
        assert_eq!(aws_error(&e).0, "InvalidResourceId");
        ssm.delete_patch_baseline()
            .baseline_id(&web)
            .send()
            .await
            .expect("delete");
        let e = ssm
            .get_patch_baseline()
            .baseline_id(&web)
            .send()
            .await
            .expect_err("gone");
        assert_eq!(aws_error(&e).0, "DoesNotExistException");
        let e = ssm
            .list_tags_for_resource()
            .resource_type(ResourceTypeForTagging::PatchBaseline)
            .resource_id(&web)
            .send()
            .await
            .expect_err("its tags went with it");
        assert_eq!(aws_error(&e).0, "InvalidResourceId");

        // Listings: filters and pages that neither skip nor repeat.
        let mine = ssm
            .describe_patch_baselines()
            .filters(orchestrator("OWNER", "Self"))
            .send()
            .await
            .expect("own");
        let names: Vec<&str> = mine
            .baseline_identities()
            .iter()
            .filter_map(|b| b.baseline_name())
            .collect();
        assert_eq!(names, ["rhel-critical", "windows-servers"]);
        let mut seen = Vec::new();
        let mut token = None;
        loop {
            let page = ssm
                .describe_patch_baselines()
                .max_results(5)
                .set_next_token(token)
                .send()
                .await
                .expect("page");
            assert!(page.baseline_identities().len() <= 5);
            seen.extend(
                page.baseline_identities()
                    .iter()
                    .filter_map(|b| b.baseline_id().map(str::to_string)),
            );
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!((seen.len(), unique.len()), (14, 14));
        let e = ssm
            .describe_patch_baselines()
            .filters(orchestrator("COLOUR", "blue"))
            .send()
            .await
            .expect_err("unknown filter");
        assert_eq!(aws_error(&e).0, "ValidationException");

        // Patch properties for the rule builder.
        let priorities = ssm
            .describe_patch_properties()
            .operating_system(OperatingSystem::Debian)
            .property(PatchProperty::PatchPriority)
            .send()
            .await
            .expect("priorities");
        assert_eq!(priorities.properties().len(), 5);
        assert_eq!(
            priorities.properties()[0].get("Name").map(String::as_str),
            Some("Required")
        );
        let classifications = ssm
            .describe_patch_properties()
            .operating_system(OperatingSystem::AmazonLinux2023)
            .property(PatchProperty::PatchClassification)
            .send()
            .await
            .expect("classifications");
        assert!(classifications
            .properties()
            .iter()
            .any(|p| p.get("Name").map(String::as_str) == Some("Security")));

        // Viewers read but do not change.
        let viewer = srv.user_with_key("eve", Role::Viewer).await;
        let ro = srv.ssm(&viewer.access_key_id, &viewer.secret_access_key);
        ro.get_patch_baseline()
            .baseline_id(&rhel)
            .send()
            .await
            .expect("viewer reads");
        ro.describe_effective_patches_for_patch_baseline()
            .baseline_id(&rhel)
            .send()
            .await
            .expect("viewer reads effective patches");
        let e = ro
            .create_patch_baseline()
            .name("viewer-made")
            .operating_system(OperatingSystem::Debian)
            .send()
            .await
            .expect_err("viewer cannot create");
        assert_eq!(aws_error(&e).0, "AccessDeniedException");
        let e = ro
            .register_patch_baseline_for_patch_group()
            .baseline_id(&rhel)
            .patch_group("db")
            .send()
            .await
            .expect_err("viewer cannot register");
        assert_eq!(aws_error(&e).0, "AccessDeniedException");

        srv.stop().await;
    }
}
