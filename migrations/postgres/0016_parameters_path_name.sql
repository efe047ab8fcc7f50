-- GetParametersByPath reads a page in name order after the last name returned. With
-- an index on path alone every page read all the parameters in the path and sorted
-- them; (path, name) reads only the page's rows. Keep in step with the other
-- dialect's 0016_parameters_path_name.sql.

DROP INDEX parameters_path;
CREATE INDEX parameters_path_name ON parameters (path, name);
