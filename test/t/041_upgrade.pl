# 041_upgrade.pl: ALTER EXTENSION funnel UPDATE from 1.0 to the default version
# keeps every figure, keeps enforcement and history working, closes the
# attacks of the security issue (findings 2, 3, 7, 9, 10) in the upgraded
# database, and leaves the same extension a fresh install of the default
# version creates.
#
# A database at version 1.0 is filled as a user would: funnels with custom
# rules (set_stage, allow/forbid_transition, register_funnel, customised
# shipped funnels), a tracked table with history, stored pipeline, journey,
# summary and events values in tables and in a materialized view (which also
# pins the aggregates and types: an update script that dropped and re-created
# one would fail here).  Every figure is captured (accessors, stage_report
# rows, text forms, catalog rows), the extension is updated one step of
# pg_extension_update_paths at a time, and after each step everything must
# read the same.  Then the extension's catalog (\dx+ funnel, the definition
# of every function, aggregate, type, table, trigger, event trigger; see
# FunnelCatalog.pm) must equal that of a fresh install in another database.
#
# Skipped when no update script from 1.0 to the default version is installed.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use FunnelCatalog;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->start;

my $default_version = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'funnel'});
my $has_10 = $node->safe_psql('postgres',
	q{SELECT count(*) FROM pg_available_extension_versions WHERE name = 'funnel' AND version = '1.0'});
my $has_path = $node->safe_psql(
	'postgres', qq{
SELECT count(*) FROM pg_extension_update_paths('funnel')
WHERE source = '1.0' AND target = '$default_version' AND path IS NOT NULL});
if ($default_version eq '1.0' || !$has_10 || !$has_path)
{
	$node->stop;
	plan skip_all => "funnel--1.0--1.1.sql is not installed (default version $default_version, "
	  . "version 1.0 available: $has_10, update path 1.0 -> $default_version: $has_path)";
}

my $tmp = PostgreSQL::Test::Utils::tempdir;
my @roles = qw(dbowner creator temponly alice mover);
$node->safe_psql('postgres', join('', map { "CREATE ROLE $_ LOGIN;\n" } @roles));
$node->safe_psql('postgres', q{
CREATE DATABASE u OWNER dbowner;
GRANT CREATE ON DATABASE u TO creator;});
$node->safe_psql('u', q{
CREATE SCHEMA alice AUTHORIZATION alice;
GRANT USAGE ON SCHEMA alice TO PUBLIC;});

sub as_role
{
	my ($role, $sql, $db) = @_;
	my ($rc, $out, $err) = $node->psql($db // 'u', "\\set VERBOSITY verbose\n$sql",
		extra_params => [ '-U', $role ]);
	return ($rc, $out, $err);
}

sub ok_as
{
	my ($role, $sql, $name, $db) = @_;
	my ($rc, $out, $err) = as_role($role, $sql, $db);
	ok($rc == 0 && $err !~ /ERROR/, $name) or diag("exit $rc, stderr: $err");
	return $out;
}

sub fails_as
{
	my ($role, $sql, $sqlstate, $name, $db) = @_;
	my ($rc, $out, $err) = as_role($role, $sql, $db);
	ok($rc != 0 && $err =~ /ERROR:  $sqlstate:/, "$name: refused with $sqlstate")
	  or diag("exit $rc, stderr: $err");
	return $err;
}

sub su_sql
{
	my ($sql, $db) = @_;
	return $node->safe_psql($db // 'u', $sql);
}

sub run_cmd
{
	my @cmd = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run(\@cmd, '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

# ---------------------------------------------------------------------------
# Version 1.0, filled
# ---------------------------------------------------------------------------
ok_as('dbowner', q{CREATE EXTENSION funnel VERSION '1.0'}, 'dbowner installs version 1.0');
is(su_sql(q{SELECT extversion FROM pg_extension WHERE extname = 'funnel'}), '1.0', 'the extension is at 1.0');

ok_as(
	'dbowner', q{
SELECT funnel.create_funnel('public.deal_stage', ARRAY['lead', 'qualified', 'proposal', 'negotiation'],
                            won => '{won}', lost => '{lost}', allow_skip => false);
SELECT funnel.set_stage('lead'::deal_stage, probability => 0.1, owner => 'marketing');
SELECT funnel.set_stage('qualified'::deal_stage, probability => 0.2, owner => 'sales');
SELECT funnel.set_stage('proposal'::deal_stage, probability => 0.5, owner => 'sales', entry => true);
SELECT funnel.set_stage('negotiation'::deal_stage, probability => 0.8);
SELECT funnel.allow_transition('proposal'::deal_stage, 'qualified');
SELECT funnel.allow_transition('lead'::deal_stage, 'proposal');
SELECT funnel.forbid_transition('negotiation'::deal_stage, 'lost');
SELECT funnel.allow_transition('qualified'::deal_stage, 'negotiation');
SELECT funnel.reset_transition('qualified'::deal_stage, 'negotiation');
CREATE TYPE public.tier AS ENUM ('free', 'trial', 'paid', 'churned');
SELECT funnel.register_funnel('public.tier', won => '{paid}', lost => '{churned}', allow_backward => true,
                              entry => '{free,trial}');
SELECT funnel.set_stage('trial'::tier, probability => 0.3);
SELECT funnel.create_funnel('public.renamed', ARRAY['one', 'two', 'three']);
SELECT funnel.set_stage('two'::renamed, owner => 'team two');
SELECT funnel.rename_stage('two'::renamed, 'deux');
SELECT funnel.set_stage('proposal'::funnel.sales_stage, probability => 0.55);
SELECT funnel.set_stage('lead'::funnel.sales_stage, owner => 'inbound');
SELECT funnel.allow_transition('negotiation'::funnel.sales_stage, 'qualified');
SELECT funnel.forbid_transition('lead'::funnel.sales_stage, 'closed_lost');
SELECT funnel.set_stage('intent'::funnel.marketing_stage, owner => 'growth', probability => 0.2);

CREATE TABLE public.deal (id int PRIMARY KEY, owner text, stage deal_stage NOT NULL, amount numeric(12,2),
                          created_at timestamptz NOT NULL, closed_at timestamptz);
INSERT INTO public.deal VALUES
  (1, 'ana', 'won',  12000, '2025-01-06 00:00+00', '2025-02-14 00:00+00'),
  (2, 'ana', 'lost',  8000, '2025-01-10 00:00+00', '2025-01-31 00:00+00'),
  (3, 'ana', 'proposal', 15000, '2025-02-01 00:00+00', NULL),
  (4, 'ana', 'won',   4000, '2025-02-03 00:00+00', '2025-02-20 00:00+00'),
  (5, 'ben', 'won',  30000, '2025-01-15 00:00+00', '2025-03-30 00:00+00'),
  (6, 'ben', 'negotiation', 22000, '2025-03-01 00:00+00', NULL),
  (7, 'ben', 'lost',  NULL, '2025-01-20 00:00+00', '2025-02-02 00:00+00'),
  (8, 'ben', 'lead',  NULL, '2025-03-10 00:00+00', NULL);
CREATE TABLE public.pipelines AS
SELECT owner, funnel.pipeline(stage, amount, created_at, closed_at) AS p FROM public.deal GROUP BY owner;

CREATE TABLE public.events_log (k int, stage deal_stage, at timestamptz);
INSERT INTO public.events_log VALUES
  (1, 'lead', '2025-01-01 00:00+00'), (1, 'qualified', '2025-01-03 00:00+00'), (1, 'proposal', '2025-01-10 00:00+00'),
  (1, 'won', '2025-01-20 00:00+00'),
  (2, 'lead', '2025-01-02 00:00+00'), (2, 'proposal', '2025-01-04 00:00+00'), (2, 'qualified', '2025-01-06 00:00+00'),
  (2, 'lost', '2025-01-09 00:00+00'),
  (3, 'proposal', '2025-01-05 00:00+00'), (3, 'negotiation', '2025-01-15 00:00+00'),
  (4, 'lead', '2025-01-07 00:00+00');
CREATE TABLE public.journeys AS
SELECT k, funnel.journey(stage, at) AS j FROM public.events_log GROUP BY k;
CREATE TABLE public.summaries AS
SELECT k % 2 AS grp, funnel.summary(j) AS s FROM public.journeys GROUP BY k % 2;

CREATE AGGREGATE public.funnel_state("window" interval, ts timestamptz, VARIADIC steps boolean[]) (
    SFUNC = funnel.events_funnel_transfn, STYPE = funnel.events, COMBINEFUNC = funnel.events_combine);
CREATE AGGREGATE public.merge_level(funnel.events) (
    SFUNC = funnel.events_combine, STYPE = funnel.events, FINALFUNC = funnel.window_funnel_final);
CREATE TABLE public.clicks (u int, ts timestamptz, e text);
INSERT INTO public.clicks VALUES
  (1, '2024-01-01 10:00+00', 'visit'), (1, '2024-01-01 10:05+00', 'signup'), (1, '2024-01-01 10:30+00', 'trial'),
  (2, '2024-01-02 08:00+00', 'visit'), (2, '2024-01-02 09:30+00', 'signup'), (3, '2024-01-03 00:00+00', 'other');
CREATE TABLE public.event_states AS
SELECT u, public.funnel_state('1 hour', ts, e = 'visit', e = 'signup', e = 'trial') AS st
FROM public.clicks GROUP BY u;
CREATE MATERIALIZED VIEW public.owner_board AS
SELECT d.owner, funnel.pipeline(d.stage, d.amount, d.created_at, d.closed_at) AS p,
       funnel.win_rate(d.stage) AS win_rate, funnel.median_deal_size(d.stage, d.amount) AS median_size,
       (SELECT funnel.summary(j.j) FROM public.journeys j) AS s,
       (SELECT funnel.journey(e.stage, e.at) FROM public.events_log e WHERE e.k = 1) AS j1,
       (SELECT public.merge_level(st ORDER BY u) FROM public.event_states) AS level
FROM public.deal d GROUP BY d.owner;},
	'1.0: dbowner defines funnels and stores pipeline, journey, summary and events values');

ok_as(
	'alice', q{
SELECT funnel.create_funnel('alice.deal', ARRAY['a', 'b', 'c'], won => '{won}', lost => '{lost}',
                            allow_skip => false);
SELECT funnel.set_stage('b'::alice.deal, probability => 0.5);
CREATE TABLE alice.opp (id int PRIMARY KEY, stage alice.deal NOT NULL, stamp timestamptz);
INSERT INTO alice.opp VALUES (1, 'a', '2024-01-01 00:00+00'), (2, 'a', '2024-01-02 00:00+00');
SELECT funnel.track('alice.opp', stamp_column => 'stamp');
UPDATE alice.opp SET stage = 'b' WHERE id = 1;
INSERT INTO alice.opp VALUES (3, 'a', NULL);
GRANT SELECT, INSERT, UPDATE ON alice.opp TO mover;},
	'1.0: alice tracks alice.opp and moves rows');

# Everything a user can observe, as text, by name.
my $as_of = "'2025-06-01 00:00+00'";
my @funnels = ('deal_stage', 'tier', 'renamed', 'funnel.sales_stage', 'funnel.marketing_stage', 'alice.deal');
my %queries;
for my $f (@funnels)
{
	$queries{"$f stages"} = "SELECT * FROM funnel.stages('$f') ORDER BY position";
	$queries{"$f transitions"} = "SELECT * FROM funnel.transitions('$f') ORDER BY 1, 2";
	$queries{"$f can_transition"} = qq{
SELECT string_agg(format('%s>%s:%s', a, b, funnel.can_transition(a, b)), ' ' ORDER BY a, b)
FROM unnest(enum_range(NULL::$f)) a, unnest(enum_range(NULL::$f)) b};
	$queries{"$f stage functions"} = qq{
SELECT string_agg(format('%s:%s/%s/%s/%s/%s/%s/%s/%s', s, funnel.stage_position(s), funnel.next_stage(s),
                         funnel.prev_stage(s), funnel.is_won(s), funnel.is_lost(s), funnel.is_closed(s),
                         funnel.stage_outcome(s), funnel.probability(s)), ' ' ORDER BY s)
FROM unnest(enum_range(NULL::$f)) s};
}
%queries = (
	%queries,
	'funnels view' => 'SELECT * FROM funnel.funnels ORDER BY stage_type::text',
	'funnel_def' => 'SELECT stage_type::text, allow_skip, allow_backward, allow_reopen, created, builtin FROM funnel.funnel_def ORDER BY 1',
	'stage_def' => 'SELECT stage_type::text, stage, outcome, entry, owner, probability, builtin FROM funnel.stage_def ORDER BY 1, 2, builtin',
	'transition_def' => 'SELECT stage_type::text, from_stage, to_stage, allowed FROM funnel.transition_def ORDER BY 1, 2, 3',
	'pipeline text' => 'SELECT owner, p::text FROM public.pipelines ORDER BY owner',
	'pipeline accessors' => q{
SELECT owner, funnel.deal_count(p), funnel.won_count(p), funnel.lost_count(p), funnel.open_count(p),
       funnel.win_rate(p), funnel.avg_deal_size(p), funnel.deal_size_quantile(p, 0.5),
       funnel.avg_cycle_length(p), funnel.avg_cycle_length(p, won_only => true),
       funnel.cycle_length_quantile(p, 0.5), funnel.open_value(p), funnel.weighted_value(p),
       funnel.sales_velocity(p), funnel.negative_cycles(p)
FROM public.pipelines ORDER BY owner},
	'pipeline rollup' => q{
SELECT funnel.deal_count(q), funnel.win_rate(q), funnel.avg_deal_size(q), funnel.weighted_value(q), q::text
FROM (SELECT funnel.rollup(p) AS q FROM public.pipelines) s},
	'direct aggregates' => q{
SELECT owner, funnel.win_rate(stage), funnel.avg_deal_size(stage, amount), funnel.median_deal_size(stage, amount),
       funnel.avg_cycle_length(stage, created_at, closed_at), funnel.median_cycle_length(stage, created_at, closed_at)
FROM public.deal GROUP BY owner ORDER BY owner},
	'fresh pipeline text' => q{
SELECT owner, funnel.pipeline(stage, amount, created_at, closed_at)::text FROM public.deal GROUP BY owner ORDER BY owner},
	'journey text' => 'SELECT k, j::text FROM public.journeys ORDER BY k',
	'journey accessors' => qq{
SELECT k, funnel.event_count(j), funnel.path(j), funnel.furthest_stage(j), funnel.outcome(j), funnel.cycle_length(j),
       funnel.reached(j, 'proposal'::deal_stage), funnel.entered(j, 'qualified'::deal_stage),
       funnel.entered_at(j, 'proposal'::deal_stage), funnel.exited_at(j, 'lead'::deal_stage),
       funnel.entries(j, 'qualified'::deal_stage), funnel.time_in_stage(j, 'lead'::deal_stage, $as_of),
       funnel.latest_time_in_stage(j, 'proposal'::deal_stage, $as_of),
       funnel.stage_at(j, '2025-01-05 00:00+00')
FROM public.journeys ORDER BY k},
	'fresh journey text' => 'SELECT k, funnel.journey(stage, at)::text FROM public.events_log GROUP BY k ORDER BY k',
	'summary text' => 'SELECT grp, s::text FROM public.summaries ORDER BY grp',
	'summary accessors' => q{
SELECT grp, funnel.entity_count(s), funnel.win_rate(s), funnel.cycle_length_quantile(s, 0.5),
       funnel.time_in_stage_quantile(s, 'lead'::deal_stage, 0.5),
       funnel.conversion_rate(s, 'lead'::deal_stage, 'proposal'::deal_stage)
FROM public.summaries ORDER BY grp},
	# 1.1 splits 1.0's drop_off into drop_off (left without converting) and a new last
	# column in_progress; their sum is what 1.0 called drop_off
	'stage_report' => q{
SELECT grp, r.position, r.stage, r.reached, r.entered, r.conversion_from_previous, r.conversion_from_top,
       r.drop_off + coalesce((to_jsonb(r) ->> 'in_progress')::bigint, 0), r.median_time_in_stage
FROM public.summaries, funnel.stage_report(s) r ORDER BY grp, r.position},
	'stage_report rollup' => q{
SELECT r.position, r.stage, r.reached, r.entered, r.conversion_from_previous, r.conversion_from_top,
       r.drop_off + coalesce((to_jsonb(r) ->> 'in_progress')::bigint, 0), r.median_time_in_stage
FROM (SELECT funnel.rollup(s) AS s FROM public.summaries) x, funnel.stage_report(x.s) r ORDER BY r.position},
	'events text' => 'SELECT u, st::text FROM public.event_states ORDER BY u',
	'materialized view' => q{
SELECT owner, p::text, funnel.weighted_value(p), win_rate, median_size, s::text, funnel.entity_count(s),
       j1::text, funnel.path(j1), level
FROM public.owner_board ORDER BY owner},
	'materialized view report' => q{
SELECT owner, r.position, r.stage, r.reached, r.entered, r.conversion_from_previous, r.conversion_from_top,
       r.drop_off + coalesce((to_jsonb(r) ->> 'in_progress')::bigint, 0), r.median_time_in_stage
FROM public.owner_board, funnel.stage_report(s) r ORDER BY owner, r.position},
	'events merged level' => 'SELECT public.merge_level(st ORDER BY u) FROM public.event_states',
	'window_funnel' => q{
SELECT u, funnel.window_funnel('1 hour', ts, e = 'visit', e = 'signup', e = 'trial') FROM public.clicks GROUP BY u ORDER BY u},
	'history' => q{
SELECT id, from_stage, to_stage, changed_at, changed_by FROM alice.opp_stage_history ORDER BY id, changed_at, to_stage},
	'tracked table' => 'SELECT * FROM alice.opp ORDER BY id',
	'triggers' => q{
SELECT tgrelid::regclass, tgname, tgtype, tgenabled, encode(tgargs, 'escape') FROM pg_trigger
WHERE tgrelid = 'alice.opp'::regclass AND NOT tgisinternal ORDER BY tgname},);

sub figures
{
	my ($db) = @_;
	my %r;
	for my $k (sort keys %queries)
	{
		$r{$k} = $node->safe_psql($db, $queries{$k});
	}
	return \%r;
}

my $before = figures('u');
isnt($before->{'stage_report'}, '', '1.0: stage_report has rows');
like($before->{'history'}, qr/^1\|a\|b\|/m, '1.0: the history has alice\'s move');

# ---------------------------------------------------------------------------
# The update
# ---------------------------------------------------------------------------
# one step of the shortest update path at a time, every figure checked after each
my $path = su_sql(qq{
SELECT path FROM pg_extension_update_paths('funnel') WHERE source = '1.0' AND target = '$default_version'});
my @steps = split /--/, $path;
shift @steps;
for my $step (@steps)
{
	ok_as('dbowner', "ALTER EXTENSION funnel UPDATE TO '$step'", "dbowner updates the extension to $step");
	is(su_sql(q{SELECT extversion FROM pg_extension WHERE extname = 'funnel'}), $step,
		"the extension is at $step");
	my $after = figures('u');
	for my $k (sort keys %queries)
	{
		is($after->{$k}, $before->{$k}, "after the update to $step: same $k");
	}
}
is(su_sql(q{SELECT extversion FROM pg_extension WHERE extname = 'funnel'}), $default_version,
	"the extension is at the default version $default_version");
ok_as('dbowner', 'REFRESH MATERIALIZED VIEW public.owner_board',
	'after the update: the materialized view refreshes');
my $refreshed = figures('u');
is($refreshed->{$_}, $before->{$_}, "after the update and a refresh: same $_")
  for ('materialized view', 'materialized view report');

# ---------------------------------------------------------------------------
# The updated extension is the one a fresh install creates
# ---------------------------------------------------------------------------
su_sql('CREATE DATABASE fresh OWNER dbowner', 'postgres');
ok_as('dbowner', 'CREATE EXTENSION funnel', "dbowner installs $default_version in a fresh database", 'fresh');
my $updated_catalog = catalog_lines($node, 'u');
my $fresh_catalog = catalog_lines($node, 'fresh');
cmp_ok(scalar(@$fresh_catalog), '>', 100, 'the catalog listing of a fresh install has its objects');
is(catalog_diff($updated_catalog, $fresh_catalog), '',
	'updated from 1.0 = fresh install: same members, functions, aggregates, types, tables, triggers '
	  . '(- only after the update, + only in the fresh install)');
# \df+ and BI function browsers show each object's help text: a fresh install leaves
# none out (and the comparison above holds the update to the same texts).  PostgreSQL 17
# and later also list array types and the row types of tables and views as members:
# they are not objects of their own to describe.
is( $node->safe_psql(
		'fresh', q{
SELECT string_agg(pg_describe_object(d.classid, d.objid, d.objsubid), ', ' ORDER BY 1)
FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'funnel'
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND NOT EXISTS (SELECT 1 FROM pg_description c
                  WHERE c.classoid = d.classid AND c.objoid = d.objid AND c.objsubid = 0)
  AND NOT EXISTS (SELECT 1 FROM pg_type t
                  WHERE d.classid = 'pg_type'::regclass AND t.oid = d.objid
                    AND (t.typcategory = 'A' OR t.typrelid <> 0))}),
	'', 'fresh install: every object of the extension has a COMMENT');
my ($dx_u, $dx_fresh) = map { scalar $node->safe_psql($_, '\dx+ funnel') } ('u', 'fresh');
is($dx_u, $dx_fresh, 'updated from 1.0 = fresh install: \dx+ funnel lists the same objects');

# ---------------------------------------------------------------------------
# Enforcement and history still work
# ---------------------------------------------------------------------------
fails_as('alice', q{UPDATE alice.opp SET stage = 'c' WHERE id = 2}, '23514',
	'after the update: an illegal move (skip) is still refused');
fails_as('alice', q{INSERT INTO alice.opp VALUES (9, 'b', NULL)}, '23514',
	'after the update: a row starting at a non-entry stage is still refused');
ok_as('alice', q{UPDATE alice.opp SET stage = 'b' WHERE id = 2}, 'after the update: alice moves a row');
is(su_sql(q{SELECT count(*) FROM alice.opp_stage_history WHERE id = 2 AND from_stage = 'a' AND to_stage = 'b' AND changed_by = 'alice'}),
	'1', 'after the update: alice\'s move is recorded');
my $t0 = su_sql('SELECT clock_timestamp()');
ok_as('mover', q{UPDATE alice.opp SET stage = 'c' WHERE id = 1}, 'after the update: mover moves a row');
my $t1 = su_sql('SELECT clock_timestamp()');
is( su_sql(
		qq{
SELECT count(*) FROM alice.opp_stage_history
WHERE id = 1 AND from_stage = 'b' AND to_stage = 'c' AND changed_by = 'mover' AND changed_at BETWEEN '$t0' AND '$t1'}),
	'1', 'after the update: mover\'s move is recorded, by mover, at the server clock');
ok_as('dbowner', q{
SELECT funnel.set_stage('negotiation'::deal_stage, probability => 0.85);
SELECT funnel.allow_transition('negotiation'::deal_stage, 'proposal');},
	'after the update: dbowner changes its funnel');
is(su_sql(q{SELECT funnel.probability('negotiation'::deal_stage), funnel.can_transition('negotiation'::deal_stage, 'proposal')}),
	'0.85|t', 'after the update: the changes are in force');
fails_as('alice', q{SELECT funnel.set_stage('lead'::deal_stage, probability => 0.9)}, '42501',
	'after the update: alice changes dbowner\'s funnel');
ok_as('alice', q{SELECT funnel.create_funnel('alice.later', ARRAY['x', 'y'])},
	'after the update: alice creates a new funnel');

# ---------------------------------------------------------------------------
# The attacks fail in the upgraded database
# ---------------------------------------------------------------------------
is( su_sql(
		q{SELECT r.rolsuper FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'funnel'}),
	't', 'after the update: schema funnel is owned by a superuser');

# 2: rename the schema
fails_as('dbowner', 'ALTER SCHEMA funnel RENAME TO funnel_real', '42501',
	'2 after the update: dbowner renames schema funnel');
is(su_sql(q{SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'funnel'}), 'funnel',
	'2 after the update: the extension stays in schema funnel');
# (if the rename went through, put it back so that the next checks test their own attack)
as_role('dbowner', 'ALTER SCHEMA funnel_real RENAME TO funnel')
  if su_sql(q{SELECT count(*) FROM pg_namespace WHERE nspname = 'funnel_real'});

# 3: overloads in schema funnel
fails_as('dbowner', q{
CREATE FUNCTION funnel.stage_position(funnel.sales_stage) RETURNS integer LANGUAGE sql AS 'SELECT 1'},
	'42501', '3 after the update: dbowner creates funnel.stage_position(funnel.sales_stage)');
fails_as('dbowner', q{
CREATE FUNCTION funnel.funnel_of(alice.deal) RETURNS regtype LANGUAGE sql AS 'SELECT ''alice.deal''::regtype'},
	'42501', '3 after the update: dbowner creates funnel.funnel_of(alice.deal)');
fails_as('creator', q{CREATE TABLE funnel.extra (x int)}, '42501',
	'3 after the update: creator creates a table in schema funnel');
is(su_sql(q{SELECT funnel.stage_position('proposal'::funnel.sales_stage)}), '3',
	'3 after the update: stage_position gives the real answer');

# 7: locks and direct writes
for my $t (qw(funnel_def stage_def transition_def))
{
	fails_as('temponly', "BEGIN; LOCK TABLE funnel.$t IN ACCESS EXCLUSIVE MODE; ROLLBACK;", '42501',
		"7 after the update: temponly locks funnel.$t");
}
fails_as('temponly', 'BEGIN; SELECT count(*) FROM (SELECT 1 FROM funnel.stage_def FOR UPDATE) s; ROLLBACK;',
	'42501', '7 after the update: temponly runs SELECT ... FOR UPDATE on funnel.stage_def');
fails_as('alice', q{BEGIN; UPDATE funnel.transition_def SET allowed = true WHERE stage_type = 'alice.deal'::regtype; ROLLBACK;},
	'42501', '7 after the update: alice updates funnel.transition_def directly');
fails_as('temponly', q{BEGIN; INSERT INTO funnel.transition_def VALUES ('alice.deal', 'c', 'a', true); ROLLBACK;},
	'42501', '7 after the update: temponly inserts an edge of alice\'s funnel directly');
fails_as('dbowner', q{BEGIN; DELETE FROM funnel.stage_def WHERE stage_type = 'deal_stage'::regtype; ROLLBACK;},
	'42501', '7 after the update: dbowner deletes from funnel.stage_def directly');
is( su_sql(
		q{
SELECT string_agg(format('%s:%s', t, p), ' ' ORDER BY t, p)
FROM unnest(ARRAY['funnel_def', 'stage_def', 'transition_def']) t,
     unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
WHERE has_table_privilege('temponly', 'funnel.' || t, p)}),
	'', '7 after the update: PUBLIC has no privilege on the catalog tables beyond SELECT');
is(ok_as('temponly', 'SELECT count(*) > 0 FROM funnel.stage_def', '7 after the update: PUBLIC reads funnel.stage_def'),
	't', '7 after the update: temponly sees the stage rows');

# 9: forged history
fails_as('mover', q{
INSERT INTO alice.opp_stage_history (id, from_stage, to_stage, changed_at, changed_by)
VALUES (2, 'b', 'won', '2001-01-01', 'alice')},
	'42501', '9 after the update: mover inserts a forged history row');
is( su_sql(
		q{
SELECT string_agg(p, ',') FROM unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p
WHERE has_table_privilege('mover', 'alice.opp_stage_history', p)}),
	'', '9 after the update: mover has no write privilege on the history table');

# 10: track by a role with TRIGGER privilege only
ok_as('alice', 'GRANT TRIGGER ON alice.opp TO creator', '10 after the update: alice grants TRIGGER to creator');
ok_as('creator', q{
CREATE SCHEMA cs;
CREATE TABLE cs.loot (id int, from_stage alice.deal, to_stage alice.deal, changed_at timestamptz, changed_by name);
GRANT INSERT ON cs.loot TO PUBLIC;}, '10 after the update: creator prepares a history table of its own');
my $triggers_before = su_sql($queries{'triggers'});
fails_as('creator', q{SELECT funnel.track('alice.opp', history_table => 'cs.loot')}, '42501',
	'10 after the update: creator runs funnel.track on alice.opp');
is(su_sql($queries{'triggers'}), $triggers_before, '10 after the update: alice\'s triggers are unchanged');
ok_as('alice', q{UPDATE alice.opp SET stage = 'won' WHERE id = 1}, '10 after the update: alice moves a row');
is(su_sql(q{SELECT count(*) FROM cs.loot}), '0', '10 after the update: creator\'s table gets nothing');

for my $r (@roles)
{
	is(su_sql("SELECT rolsuper FROM pg_roles WHERE rolname = '$r'", 'postgres'), 'f', "$r is not superuser");
}

# ---------------------------------------------------------------------------
# The upgraded database dumps and restores with every row
# ---------------------------------------------------------------------------
my $file = "$tmp/u.dump";
my ($rc, $out, $err) = run_cmd('pg_dump', '-Fc', '-f', $file, '-d', $node->connstr('u'));
is($rc, 0, 'pg_dump of the upgraded database') or diag($err);
su_sql('CREATE DATABASE u2 OWNER dbowner TEMPLATE template0', 'postgres');
($rc, $out, $err) = run_cmd('pg_restore', '-d', $node->connstr('u2'), $file);
is($rc, 0, 'pg_restore of the upgraded database exits with 0') or diag($err);
unlike($err, qr/error/i, 'pg_restore of the upgraded database reports no error');
my $src = figures('u');
my $dst = figures('u2');
for my $k (sort keys %queries)
{
	is($dst->{$k}, $src->{$k}, "restored: same $k");
}

is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server is up');
unlike(slurp_file($node->logfile), qr/terminated by signal/, 'no backend was terminated by a signal');

$node->stop;
done_testing();
