-- 0002: nothing. SQLite's 0002 added authorization codes, refresh tokens,
-- identity providers and used assertion IDs; PostgreSQL's 0001 has them
-- already. The file keeps the numbers of both engines in step.
SELECT 1;
