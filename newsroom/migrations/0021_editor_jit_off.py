"""Turn PostgreSQL's JIT compiler off for the desk's database.

The desk runs short queries on small row counts; JIT compiles a query whose *estimated* cost
passes ``jit_above_cost`` and can spend far longer compiling than running it. Measured on the
demo: the assign page's member list (a DISTINCT join with two load subqueries, 7 rows) took
1,557 ms of which 1,451 ms was JIT ("Open a translation job" leads there), 2 ms without it.
A database setting, so every connection (web, workers, replicas) gets it; without the
privilege to change it (not the owner), the migration leaves a notice and changes nothing:
``docs/DEPLOYMENT.md`` says to set ``jit = off`` in postgresql.conf then.
"""

from django.db import migrations

JIT_OFF = """
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'jit left as it is: set jit = off in postgresql.conf (not the database owner)';
END
$$;
SET jit = off;
"""

JIT_DEFAULT = """
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I RESET jit', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    NULL;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0020_search_unaccent")]

    operations = [migrations.RunSQL(JIT_OFF, JIT_DEFAULT)]
