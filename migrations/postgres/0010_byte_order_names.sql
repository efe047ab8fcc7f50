-- Parameter names and paths compare byte by byte, as SQLite's do, whatever the
-- database's default collation: GetParametersByPath takes a subtree as the range
-- ['/a/', '/a0') and pages after the last name returned, which a linguistic collation
-- (en_US.UTF-8, ICU) would break by ignoring punctuation and case. Keep in step with
-- the other dialect's 0010 (a no-op there).
ALTER TABLE parameter_labels DROP CONSTRAINT parameter_labels_name_version_fkey;
ALTER TABLE parameter_versions DROP CONSTRAINT parameter_versions_name_fkey;
ALTER TABLE parameters ALTER COLUMN name TYPE TEXT COLLATE "C";
ALTER TABLE parameters ALTER COLUMN path TYPE TEXT COLLATE "C";
ALTER TABLE parameter_versions ALTER COLUMN name TYPE TEXT COLLATE "C";
ALTER TABLE parameter_labels ALTER COLUMN name TYPE TEXT COLLATE "C";
ALTER TABLE parameter_events ALTER COLUMN name TYPE TEXT COLLATE "C";
ALTER TABLE parameter_versions ADD CONSTRAINT parameter_versions_name_fkey
    FOREIGN KEY (name) REFERENCES parameters (name) ON DELETE CASCADE;
ALTER TABLE parameter_labels ADD CONSTRAINT parameter_labels_name_version_fkey
    FOREIGN KEY (name, version) REFERENCES parameter_versions (name, version) ON DELETE CASCADE;
