-- Patch compliance: the command that reported a node's patch state (the compliance
-- execution id) and each patch's compliance level (its compliance item's severity).
-- Keep in step with the other dialect's file.

ALTER TABLE instance_patch_states ADD COLUMN command_id TEXT NOT NULL DEFAULT '';
ALTER TABLE instance_patches ADD COLUMN compliance_level TEXT NOT NULL DEFAULT 'UNSPECIFIED';
