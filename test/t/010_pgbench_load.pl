# 010_pgbench_load.pl: funnel.track() under concurrent load.
#
# 10,000 deals on the shipped funnel.sales_stage, tracked with a stamp column;
# pgbench runs 8 clients x 2,500 transactions (20,000 in all) of random moves
# (legal, illegal, skips, backward, reopen, no-op) on random deals: mostly
# one deal per transaction (one in ten on a hot set of 100 deals, so that
# movers of the same deal wait for each other), some five-deal UPDATEs
# (several rows per statement through the statement-level recorder).
# pgbench aborts a client on any SQL error, so the moves go through PL/pgSQL
# helpers that catch check_violation (23514) only, and log every outcome in
# the same transaction as the move; every other error propagates and fails
# the run.
#
# Afterwards the history must agree with the log row for row, replay with
# funnel.can_transition() from each deal's entry row to its current stage,
# and match the stamp column.
#
# Order of a deal's history.  The test adds an identity column to the history
# table: its value is drawn in the AFTER trigger, while the mover holds the
# deal's row lock, which the next mover of that deal can only take after this
# one commits, so per deal the identity order is the true order of the
# changes.  The replay uses that order, strictly, and a separate check proves
# that changed_at (the clock when the change was applied, under the row lock)
# puts every deal's history in that same order -- with the transaction start
# time it would not: a transaction that started earlier can take a deal's row
# lock later (READ COMMITTED waits for the other mover, then re-checks).
#
# LOAD_SEED=n in the environment fixes pgbench's random seed (the
# interleaving of clients stays nondeterministic).

use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $started = time;

my $node = PostgreSQL::Test::Cluster->new('pgbench_load');
$node->init;
$node->append_conf('postgresql.conf', q{
max_connections = 30
fsync = off
synchronous_commit = off
});
$node->start;

# ---------------------------------------------------------------------------
# Setup: deals, tracking, entry rows
# ---------------------------------------------------------------------------

# Deals 1..9000 exist before tracking, at any stage (even closed), with a
# stamp: funnel.track() backfills them as entry rows at their stamp.  Deals
# 9001..10000 are inserted afterwards through the triggers, at the entry stage,
# without a stamp: enforce_transitions stamps them, record_transition records
# them.  prev_stage is the test's witness: every UPDATE of the load sets it
# to the stage the updated row version had (SET is evaluated on the row
# version the UPDATE changes, after READ COMMITTED's re-check).
$node->safe_psql('postgres', q{
CREATE EXTENSION funnel;

CREATE TABLE deals (
    id               int PRIMARY KEY,
    stage            funnel.sales_stage NOT NULL,
    stage_changed_at timestamptz,
    prev_stage       funnel.sales_stage,
    amount           numeric NOT NULL
);

INSERT INTO deals (id, stage, stage_changed_at, amount)
SELECT i,
       (ARRAY['lead', 'lead', 'lead', 'lead', 'qualified', 'qualified', 'proposal',
              'negotiation', 'closed_won', 'closed_lost']::funnel.sales_stage[])[1 + i % 10],
       timestamptz '2024-01-01 00:00+00' + i * interval '1 minute',
       1000 + i
FROM generate_series(1, 9000) i;

SELECT funnel.track('deals', stamp_column => 'stage_changed_at');

INSERT INTO deals (id, stage, amount)
SELECT i, 'lead', 1000 + i FROM generate_series(9001, 10000) i;

-- the true order of changes, per deal (see the header)
ALTER TABLE deals_stage_history ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;

CREATE TABLE deals_initial AS SELECT id, stage, stage_changed_at FROM deals;
ALTER TABLE deals_initial ADD PRIMARY KEY (id);
});

is( $node->safe_psql('postgres', q{
SELECT count(*), count(DISTINCT h.id),
       count(*) FILTER (WHERE h.from_stage IS NULL AND h.to_stage = d.stage
                        AND h.changed_at = d.stage_changed_at),
       count(*) FILTER (WHERE d.id > 9000 AND d.stage_changed_at IS NOT NULL)
FROM deals_stage_history h JOIN deals d USING (id)}),
	'10000|10000|10000|1000',
	'one entry row per deal (backfilled or inserted), from_stage NULL, at the deal\'s stage and stamp');

# The moves.  outcome: applied (the stage changed), noop (same stage: allowed,
# no history), rejected (23514 caught; the error's table, column, message and
# detail are kept).  load_txn gets one row per pgbench transaction, so the
# committed transactions can be counted.
$node->safe_psql('postgres', q{
CREATE TABLE load_txn (
    xid    xid8 PRIMARY KEY DEFAULT pg_current_xact_id(),
    kind   text NOT NULL,
    result text NOT NULL
);

CREATE TABLE load_log (
    n           bigserial PRIMARY KEY,
    xid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    at          timestamptz NOT NULL DEFAULT now(),
    at_clock    timestamptz NOT NULL DEFAULT clock_timestamp(),
    kind        text NOT NULL,
    deal        int NOT NULL,
    target      funnel.sales_stage NOT NULL,
    from_stage  funnel.sales_stage,
    outcome     text NOT NULL,
    err_table   text,
    err_column  text,
    err_message text,
    err_detail  text
);

-- Move one deal; only check_violation is caught.
CREATE FUNCTION try_move(p_id int, p_target int) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    t      funnel.sales_stage := (enum_range(NULL::funnel.sales_stage))[p_target];
    v_from funnel.sales_stage;
    v_to   funnel.sales_stage;
    e_tab  text;
    e_col  text;
    e_msg  text;
    e_det  text;
    result text;
BEGIN
    IF t IS NULL THEN
        RAISE EXCEPTION 'no stage number %', p_target;
    END IF;
    BEGIN
        UPDATE deals SET stage = t, prev_stage = stage WHERE id = p_id
        RETURNING prev_stage, stage INTO STRICT v_from, v_to;
    EXCEPTION WHEN check_violation THEN
        GET STACKED DIAGNOSTICS e_tab = TABLE_NAME, e_col = COLUMN_NAME,
                                e_msg = MESSAGE_TEXT, e_det = PG_EXCEPTION_DETAIL;
        INSERT INTO load_log (kind, deal, target, outcome, err_table, err_column, err_message, err_detail)
        VALUES ('single', p_id, t, 'rejected', e_tab, e_col, e_msg, e_det);
        INSERT INTO load_txn (kind, result) VALUES ('single', 'rejected');
        RETURN 'rejected';
    END;
    IF v_to IS DISTINCT FROM t THEN
        RAISE EXCEPTION 'deal % is at % after moving it to %', p_id, v_to, t;
    END IF;
    result := CASE WHEN v_from = v_to THEN 'noop' ELSE 'applied' END;
    INSERT INTO load_log (kind, deal, target, from_stage, outcome)
    VALUES ('single', p_id, t, v_from, result);
    INSERT INTO load_txn (kind, result) VALUES ('single', result);
    RETURN result;
END
$$;

-- Move the deals p_first .. p_first + p_n - 1 in one UPDATE (several rows per
-- statement).  filtered: only the rows for which the move is legal or a no-op,
-- so the statement goes through; unfiltered: one illegal row rejects the
-- whole statement and none of its rows may leave history.  The rows are
-- locked in id order first, so two batches cannot deadlock.
CREATE FUNCTION try_move_batch(p_first int, p_n int, p_target int, p_filtered boolean) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    t     funnel.sales_stage := (enum_range(NULL::funnel.sales_stage))[p_target];
    e_tab text;
    e_col text;
    e_msg text;
    e_det text;
BEGIN
    IF t IS NULL THEN
        RAISE EXCEPTION 'no stage number %', p_target;
    END IF;
    PERFORM 1 FROM deals WHERE id BETWEEN p_first AND p_first + p_n - 1 ORDER BY id FOR UPDATE;
    BEGIN
        WITH moved AS (
            UPDATE deals d SET stage = t, prev_stage = d.stage
            WHERE d.id BETWEEN p_first AND p_first + p_n - 1
              AND (NOT p_filtered OR d.stage = t OR funnel.can_transition(d.stage, t))
            RETURNING d.id, d.prev_stage, d.stage)
        INSERT INTO load_log (kind, deal, target, from_stage, outcome)
        SELECT 'batch', m.id, t, m.prev_stage,
               CASE WHEN m.prev_stage = m.stage THEN 'noop' ELSE 'applied' END
        FROM moved m;
    EXCEPTION WHEN check_violation THEN
        GET STACKED DIAGNOSTICS e_tab = TABLE_NAME, e_col = COLUMN_NAME,
                                e_msg = MESSAGE_TEXT, e_det = PG_EXCEPTION_DETAIL;
        INSERT INTO load_log (kind, deal, target, outcome, err_table, err_column, err_message, err_detail)
        VALUES ('batch', p_first, t, 'rejected', e_tab, e_col, e_msg, e_det);
        INSERT INTO load_txn (kind, result) VALUES ('batch', 'rejected');
        RETURN 'rejected';
    END;
    INSERT INTO load_txn (kind, result) VALUES ('batch', 'done');
    RETURN 'done';
END
$$;
});

# ---------------------------------------------------------------------------
# The load
# ---------------------------------------------------------------------------

my $basedir = $node->basedir;
my $move_script = "$basedir/load_move.sql";
my $hot_script = "$basedir/load_hot.sql";
my $batch_script = "$basedir/load_batch.sql";
PostgreSQL::Test::Utils::append_to_file($move_script, q{
\set id random(1, 10000)
\set target random(1, 6)
SELECT try_move(:id, :target);
});
# one move in ten on the first 100 deals: clients wait for each other's row
# locks, and the trigger checks the move against the stage the other mover
# committed
PostgreSQL::Test::Utils::append_to_file($hot_script, q{
\set id random(1, 100)
\set target random(1, 6)
SELECT try_move(:id, :target);
});
PostgreSQL::Test::Utils::append_to_file($batch_script, q{
\set first random(1, 9996)
\set target random(1, 6)
\set filtered random(0, 1)
SELECT try_move_batch(:first, 5, :target, :filtered = 1);
});

my $seed = ($ENV{LOAD_SEED} // '') =~ /^\d+$/ ? $ENV{LOAD_SEED} : int(rand(2**31));
note "pgbench --random-seed=$seed";

my $log_offset = -s $node->logfile;
my @cmd = (
	'pgbench', '-n', '-c', '8', '-j', '2', '-t', '2500', "--random-seed=$seed",
	'-h', $node->host, '-p', $node->port,
	'-f', "$move_script\@8", '-f', "$hot_script\@1", '-f', "$batch_script\@1", 'postgres');
my ($out, $err) = ('', '');
my $load_started = time;
note 'running: ' . join(' ', @cmd);
IPC::Run::run(\@cmd, '>', \$out, '2>', \$err);
my $rc = $?;
note sprintf('pgbench took %.1f s', time - $load_started);
note "pgbench stdout:\n$out";
note "pgbench stderr:\n$err" if $err ne '';

is($rc, 0, 'pgbench exits 0 (no client aborted)');
my @bad_stderr = grep { /\S/ && !/^pgbench: setting random seed to \d+$/ } split /\n/, $err;
is_deeply(\@bad_stderr, [], 'pgbench stderr is empty (no error besides the caught 23514 rejections)');
like($out, qr/^number of transactions actually processed: 20000\/20000$/m,
	'20,000 transactions processed');
like($out, qr/^number of failed transactions: 0 /m, 'no failed transaction');

my $server_log = slurp_file($node->logfile, $log_offset);
my @server_errors = grep { /\b(ERROR|FATAL|PANIC|TRAP):|terminated by signal/ } split /\n/, $server_log;
is_deeply(\@server_errors, [], 'server log: no error during the load');

# ---------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------

sub q1 { return $node->safe_psql('postgres', shift); }

my ($txns, $applied, $noops, $rejected, $batch_applied, $batch_rejected) = split /\|/, q1(q{
SELECT (SELECT count(*) FROM load_txn),
       count(*) FILTER (WHERE outcome = 'applied'),
       count(*) FILTER (WHERE outcome = 'noop'),
       count(*) FILTER (WHERE outcome = 'rejected'),
       count(*) FILTER (WHERE outcome = 'applied' AND kind = 'batch'),
       count(*) FILTER (WHERE outcome = 'rejected' AND kind = 'batch')
FROM load_log});
note "log: $txns transactions; $applied applied (batch $batch_applied), $noops no-op, "
  . "$rejected rejected (batch $batch_rejected)";

is($txns, 20000, 'every pgbench transaction committed, with its log rows');
is(q1(q{SELECT count(*) FROM load_log l WHERE NOT EXISTS (SELECT 1 FROM load_txn t WHERE t.xid = l.xid)}),
	'0', 'every log row belongs to a logged transaction');
is(q1(q{SELECT count(*) FROM load_log
        WHERE outcome NOT IN ('applied', 'noop', 'rejected')
           OR (outcome = 'rejected') <> (from_stage IS NULL)
           OR (outcome = 'applied' AND from_stage = target)
           OR (outcome = 'noop' AND from_stage <> target)}),
	'0', 'log rows are well formed');
ok($applied > 0 && $batch_applied > 0, "some moves were applied ($applied, $batch_applied in batches)");
ok($rejected > 0 && $batch_rejected > 0, "some moves were rejected with 23514 ($rejected, $batch_rejected batches)");
ok($noops > 0, "some moves were no-ops ($noops)");

# Each rejection came from the trigger on deals.stage, names a stage the deal
# really was at and the requested target, and that move is illegal.
is( q1(q{
WITH r AS (
    SELECT l.*,
           substring(err_message FROM '^illegal stage change from "([a-z_]+)" to "[a-z_]+" in column "stage" of relation "deals"$') AS f,
           substring(err_message FROM '^illegal stage change from "[a-z_]+" to "([a-z_]+)"') AS t
    FROM load_log l WHERE outcome = 'rejected')
SELECT count(*) FROM r
WHERE err_table IS DISTINCT FROM 'deals' OR err_column IS DISTINCT FROM 'stage'
   OR f IS NULL OR t IS DISTINCT FROM target::text OR f = t
   OR funnel.can_transition(f::funnel.sales_stage, t::funnel.sales_stage) IS NOT FALSE
   OR err_detail NOT LIKE '%' || CASE WHEN f IN ('closed_won', 'closed_lost') THEN 'No move out of "' || f || '"'
                                      ELSE 'Allowed from "' || f || '":' END || '%'
   OR (kind = 'single' AND NOT EXISTS (SELECT 1 FROM deals_stage_history h
                                        WHERE h.id = r.deal AND h.to_stage::text = r.f))}),
	'0', 'every rejection names the table, column and stages of a move that is illegal, from a stage the deal was at');

my ($hist_changes) = q1(q{SELECT count(*) FROM deals_stage_history WHERE from_stage IS NOT NULL});
is($hist_changes, $applied,
	'history rows with from_stage IS NOT NULL = applied stage changes in the log');

is( q1(q{
WITH h AS (SELECT id, from_stage, to_stage, changed_by, count(*) AS n
           FROM deals_stage_history WHERE from_stage IS NOT NULL GROUP BY 1, 2, 3, 4),
     l AS (SELECT deal, from_stage, target, current_user::name AS by, count(*) AS n
           FROM load_log WHERE outcome = 'applied' GROUP BY 1, 2, 3)
SELECT count(*) FROM h FULL JOIN l
    ON (h.id, h.from_stage, h.to_stage, h.changed_by) = (l.deal, l.from_stage, l.target, l.by)
WHERE h.n IS DISTINCT FROM l.n}),
	'0', 'history = applied log rows, as a multiset of (deal, from, to, changed_by)');

# Each history row's time lies inside its mover's transaction: after the
# transaction started (the log row's now()) and before the log row was written
# (its clock_timestamp(), taken after the UPDATE).
is( q1(q{
SELECT count(*) FROM deals_stage_history h
WHERE h.from_stage IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM load_log l
                  WHERE l.outcome = 'applied' AND l.deal = h.id AND l.from_stage = h.from_stage
                    AND l.target = h.to_stage AND h.changed_at BETWEEN l.at AND l.at_clock)}),
	'0', 'every history row is timed inside the transaction that applied it');

# Replay, in the true order of changes (seq): the first row is the entry row
# (from NULL, at the deal's initial stage); each later row starts where the
# previous one ended, changes the stage, and is a legal move; the last row
# ends at the deal's current stage, and its changed_at is the stamp.
my $replay = q1(q{
WITH h AS (
    SELECT id, seq, from_stage, to_stage, changed_at,
           row_number() OVER w AS n,
           lag(to_stage) OVER w AS prev_to,
           count(*) OVER (PARTITION BY id) AS total
    FROM deals_stage_history
    WINDOW w AS (PARTITION BY id ORDER BY seq)
),
bad AS (
    SELECT h.id, 'entry' AS why FROM h JOIN deals_initial i USING (id)
    WHERE h.n = 1 AND (h.from_stage IS NOT NULL OR h.to_stage <> i.stage)
    UNION ALL
    SELECT h.id, 'chain' FROM h
    WHERE h.n > 1 AND (h.from_stage IS DISTINCT FROM h.prev_to
                       OR h.from_stage = h.to_stage
                       OR funnel.can_transition(h.from_stage, h.to_stage) IS NOT TRUE)
    UNION ALL
    SELECT h.id, 'end' FROM h JOIN deals d USING (id)
    WHERE h.n = h.total AND (h.to_stage <> d.stage OR h.changed_at IS DISTINCT FROM d.stage_changed_at)
    UNION ALL
    SELECT d.id, 'no history' FROM deals d
    WHERE NOT EXISTS (SELECT 1 FROM deals_stage_history x WHERE x.id = d.id)
    UNION ALL
    SELECT x.id, 'unknown deal' FROM deals_stage_history x
    WHERE NOT EXISTS (SELECT 1 FROM deals d WHERE d.id = x.id)
)
SELECT count(DISTINCT id) || ' ' || coalesce(string_agg(DISTINCT why, ','), '') FROM bad});
is($replay, '0 ', 'every deal\'s history replays with can_transition from its entry row to its current stage and stamp');

# Independent of the history: every deal is at a stage reachable from its
# initial stage (transitive closure of can_transition).
is( q1(q{
WITH RECURSIVE st AS (SELECT unnest(enum_range(NULL::funnel.sales_stage)) AS s),
reach(src, dst) AS (
    SELECT s, s FROM st
    UNION
    SELECT r.src, st.s FROM reach r JOIN st ON funnel.can_transition(r.dst, st.s)
)
SELECT count(*) FROM deals d JOIN deals_initial i USING (id)
WHERE NOT EXISTS (SELECT 1 FROM reach r WHERE r.src = i.stage AND r.dst = d.stage)}),
	'0', 'every deal is at a stage reachable from its initial stage');

is(q1(q{SELECT count(*) FROM deals d JOIN deals_initial i USING (id)
        WHERE d.stage <> i.stage AND d.stage_changed_at <= i.stage_changed_at}),
	'0', 'every moved deal has a newer stamp');

# changed_at orders every deal's history as the changes happened (see the header):
# strictly increasing along the true order.
is( q1(q{
SELECT count(*) FROM (
    SELECT changed_at <= lag(changed_at) OVER (PARTITION BY id ORDER BY seq) AS inv
    FROM deals_stage_history) x
WHERE inv}),
	'0', 'ordered by changed_at, every deal\'s history is in the order the changes happened');

note sprintf('total %.1f s', time - $started);

$node->stop;
done_testing();
