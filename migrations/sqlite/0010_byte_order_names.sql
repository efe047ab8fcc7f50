-- PostgreSQL's 0010 makes parameter names compare byte by byte; SQLite's TEXT columns
-- already do (BINARY collation). Kept so both dialects number their migrations alike.
SELECT 1;
