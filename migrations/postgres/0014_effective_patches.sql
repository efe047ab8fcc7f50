-- Effective patches (DescribeEffectivePatchesForPatchBaseline): each reported patch
-- keeps the baseline's decision for it, as the node's scan made it — the deployment
-- status (APPROVED, EXPLICIT_APPROVED, PENDING_APPROVAL, EXPLICIT_REJECTED; '' when the
-- baseline does not mention the patch, or the agent predates the field), the day of
-- approval (Unix milliseconds at 00:00 UTC; NULL when undated) and the notice's id.
-- Titles compare byte by byte (COLLATE "C", as SQLite's BINARY default does) because
-- effective patches are paged in title order. Keep in step with the other dialect's
-- file.

ALTER TABLE instance_patches ADD COLUMN deployment_status TEXT NOT NULL DEFAULT '';
ALTER TABLE instance_patches ADD COLUMN approval_date BIGINT;
ALTER TABLE instance_patches ADD COLUMN advisory_id TEXT NOT NULL DEFAULT '';
ALTER TABLE instance_patches ALTER COLUMN title TYPE TEXT COLLATE "C";
CREATE INDEX instance_patch_states_baseline ON instance_patch_states (baseline_id);

-- LastNoRebootInstallOperationTime: the end of the node's last Install with NoReboot;
-- kept across later operations until the next such Install.
ALTER TABLE instance_patch_states ADD COLUMN last_no_reboot_install_at BIGINT;
