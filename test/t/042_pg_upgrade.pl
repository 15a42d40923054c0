# 042_pg_upgrade.pl: pg_upgrade carries a cluster with funnels over -- their
# definitions, tracked tables and their history, stored pipeline, journey,
# summary and events values in tables and a materialized view -- and every
# figure reads the same afterwards, enforcement and history recording go on,
# and an extension still at 1.0 updates afterwards.
#
# Stored states hold enum label OIDs (the text forms print labels).  pg_upgrade
# keeps those OIDs (binary-upgrade mode restores every pg_enum row with its
# OID), so the values decode; the test proves it on an enum whose labels were
# added out of order (ALTER TYPE ... ADD VALUE BEFORE, odd OIDs).
#
# Always: from this PostgreSQL to itself (a fresh initdb of the same major).
# Also from every older major that has funnel installed beside it: Debian
# layout /usr/lib/postgresql/N with lib/funnel.so, or the installation
# prefixes listed in FUNNEL_UPGRADE_FROM (colon-separated).  Debian ships one
# major per release, so the cross-major runs happen only where two are
# installed (e.g. with apt.postgresql.org).

use strict;
use warnings;

use Cwd;
use FindBin;
use lib $FindBin::RealBin;

use FunnelCatalog;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $tmp = PostgreSQL::Test::Utils::tempdir;

# the server under test: the pg_config on PATH (test/run puts its bindir first)
my $probe = PostgreSQL::Test::Cluster->new('probe');
my $new_bindir = $probe->config_data('--bindir');
my ($new_major) = $probe->config_data('--version') =~ /PostgreSQL (\d+)/;

my @from = ({ tag => "${new_major}_to_$new_major", install_path => undef });
my %seen;
my @candidates = split /:/, ($ENV{FUNNEL_UPGRADE_FROM} // '');
push @candidates, glob('/usr/lib/postgresql/*');
for my $prefix (@candidates)
{
	next if $prefix eq '' || $seen{$prefix}++;
	next unless -x "$prefix/bin/pg_config" && -x "$prefix/bin/postgres";
	my $version = `$prefix/bin/pg_config --version`;
	my ($major) = $version =~ /PostgreSQL (\d+)/;
	next unless defined $major && $major < $new_major;
	my $pkglibdir = `$prefix/bin/pg_config --pkglibdir`;
	my $sharedir = `$prefix/bin/pg_config --sharedir`;
	chomp($pkglibdir, $sharedir);
	if (!-f "$pkglibdir/funnel.so" || !-f "$sharedir/extension/funnel.control")
	{
		note("PostgreSQL $major at $prefix has no funnel installed: no upgrade from it");
		next;
	}
	push @from, { tag => "${major}_to_$new_major", install_path => $prefix };
}
note('pg_upgrade runs: ' . join(', ', map { $_->{tag} } @from));

my @funnels = ('deal_stage', 'tier', 'funnel.sales_stage', 'alice.deal');
my $as_of = "'2025-06-01 00:00+00'";
my %queries;
for my $f (@funnels)
{
	$queries{"$f stages"} = "SELECT * FROM funnel.stages('$f') ORDER BY position";
	$queries{"$f transitions"} = "SELECT * FROM funnel.transitions('$f') ORDER BY 1, 2";
	$queries{"$f can_transition"} = qq{
SELECT string_agg(format('%s>%s:%s', a, b, funnel.can_transition(a, b)), ' ' ORDER BY a, b)
FROM unnest(enum_range(NULL::$f)) a, unnest(enum_range(NULL::$f)) b};
	$queries{"$f stage functions"} = qq{
SELECT string_agg(format('%s:%s/%s/%s/%s/%s', s, funnel.stage_position(s), funnel.next_stage(s),
                         funnel.prev_stage(s), funnel.stage_outcome(s), funnel.probability(s)), ' ' ORDER BY s)
FROM unnest(enum_range(NULL::$f)) s};
}
%queries = (
	%queries,
	'enum label oids' => q{
SELECT enumtypid::regtype, oid, enumlabel FROM pg_enum
WHERE enumtypid IN ('deal_stage'::regtype, 'tier'::regtype, 'alice.deal'::regtype) ORDER BY 1, 2},
	'definitions' => q{
SELECT stage_type::text, allow_skip, allow_backward, allow_reopen FROM funnel.funnel_def ORDER BY 1},
	'stage rows' => q{
SELECT stage_type::text, stage, outcome, entry, owner, probability FROM funnel.stage_def ORDER BY 1, 2, 3},
	'edge rows' => 'SELECT stage_type::text, from_stage, to_stage, allowed FROM funnel.transition_def ORDER BY 1, 2, 3',
	'pipeline text' => 'SELECT owner, p::text FROM public.pipelines ORDER BY owner',
	'pipeline accessors' => q{
SELECT owner, funnel.deal_count(p), funnel.won_count(p), funnel.lost_count(p), funnel.open_count(p),
       funnel.win_rate(p), funnel.avg_deal_size(p), funnel.deal_size_quantile(p, 0.5),
       funnel.avg_cycle_length(p), funnel.cycle_length_quantile(p, 0.5), funnel.open_value(p),
       funnel.weighted_value(p), funnel.sales_velocity(p)
FROM public.pipelines ORDER BY owner},
	'pipeline rollup' => 'SELECT funnel.rollup(p)::text FROM public.pipelines',
	'journey text' => 'SELECT k, j::text FROM public.journeys ORDER BY k',
	'journey accessors' => qq{
SELECT k, funnel.path(j), funnel.furthest_stage(j), funnel.outcome(j), funnel.cycle_length(j),
       funnel.reached(j, 'proposal'::deal_stage), funnel.entered_at(j, 'proposal'::deal_stage),
       funnel.time_in_stage(j, 'lead'::deal_stage, $as_of), funnel.stage_at(j, '2025-01-05 00:00+00')
FROM public.journeys ORDER BY k},
	'summary text' => 'SELECT grp, s::text FROM public.summaries ORDER BY grp',
	# (1.1 splits 1.0's drop_off into drop_off and in_progress: their sum is 1.0's drop_off)
	'stage_report' => q{
SELECT grp, r.position, r.stage, r.reached, r.entered, r.conversion_from_previous, r.conversion_from_top,
       r.drop_off + coalesce((to_jsonb(r) ->> 'in_progress')::bigint, 0), r.median_time_in_stage
FROM public.summaries, funnel.stage_report(s) r ORDER BY grp, r.position},
	'stage_report rollup' => q{
SELECT r.position, r.stage, r.reached, r.entered, r.conversion_from_previous, r.conversion_from_top,
       r.drop_off + coalesce((to_jsonb(r) ->> 'in_progress')::bigint, 0), r.median_time_in_stage
FROM (SELECT funnel.rollup(s) AS s FROM public.summaries) x, funnel.stage_report(x.s) r ORDER BY r.position},
	'events text' => 'SELECT u, st::text FROM public.event_states ORDER BY u',
	'events merged level' => 'SELECT public.merge_level(st ORDER BY u) FROM public.event_states',
	'materialized view' => q{
SELECT owner, p::text, win_rate, s::text, j1::text, funnel.path(j1) FROM public.owner_board ORDER BY owner},
	'history' => q{
SELECT id, from_stage, to_stage, changed_at, changed_by FROM alice.opp_stage_history ORDER BY id, changed_at, to_stage},
	'tracked table' => 'SELECT * FROM alice.opp ORDER BY id',
	'tracked_def' => 'SELECT * FROM funnel.tracked_def ORDER BY 1',
	'triggers' => q{
SELECT tgname, tgtype, tgenabled, encode(tgargs, 'escape') FROM pg_trigger
WHERE tgrelid = 'alice.opp'::regclass AND NOT tgisinternal ORDER BY tgname},);

# queries that read 1.0's database (no tracked_def there)
my @queries_10 = grep { $_ ne 'tracked_def' } sort keys %queries;

my $fill_dbowner = q{
SELECT funnel.create_funnel('public.deal_stage', ARRAY['lead', 'qualified', 'negotiation'],
                            won => '{won}', lost => '{lost}', allow_skip => false);
-- a label added out of order: its OID is not in sort order
ALTER TYPE public.deal_stage ADD VALUE 'proposal' BEFORE 'negotiation';
SELECT funnel.set_stage('lead'::deal_stage, probability => 0.1, owner => 'marketing');
SELECT funnel.set_stage('proposal'::deal_stage, probability => 0.5, owner => 'sales');
SELECT funnel.set_stage('negotiation'::deal_stage, probability => 0.8);
SELECT funnel.allow_transition('proposal'::deal_stage, 'qualified');
SELECT funnel.allow_transition('qualified'::deal_stage, 'negotiation');
SELECT funnel.forbid_transition('negotiation'::deal_stage, 'lost');
CREATE TYPE public.tier AS ENUM ('free', 'trial', 'paid', 'churned');
SELECT funnel.register_funnel('public.tier', won => '{paid}', lost => '{churned}', allow_backward => true);
SELECT funnel.set_stage('proposal'::funnel.sales_stage, probability => 0.55);
SELECT funnel.allow_transition('negotiation'::funnel.sales_stage, 'qualified');

CREATE TABLE public.deal (id int PRIMARY KEY, owner text, stage deal_stage NOT NULL, amount numeric(12,2),
                          created_at timestamptz NOT NULL, closed_at timestamptz);
INSERT INTO public.deal VALUES
  (1, 'ana', 'won',  12000, '2025-01-06 00:00+00', '2025-02-14 00:00+00'),
  (2, 'ana', 'lost',  8000, '2025-01-10 00:00+00', '2025-01-31 00:00+00'),
  (3, 'ana', 'proposal', 15000, '2025-02-01 00:00+00', NULL),
  (4, 'ben', 'won',  30000, '2025-01-15 00:00+00', '2025-03-30 00:00+00'),
  (5, 'ben', 'negotiation', 22000, '2025-03-01 00:00+00', NULL),
  (6, 'ben', 'lead',  NULL, '2025-03-10 00:00+00', NULL);
CREATE TABLE public.pipelines AS
SELECT owner, funnel.pipeline(stage, amount, created_at, closed_at) AS p FROM public.deal GROUP BY owner;
CREATE TABLE public.events_log (k int, stage deal_stage, at timestamptz);
INSERT INTO public.events_log VALUES
  (1, 'lead', '2025-01-01 00:00+00'), (1, 'qualified', '2025-01-03 00:00+00'), (1, 'proposal', '2025-01-10 00:00+00'),
  (1, 'won', '2025-01-20 00:00+00'),
  (2, 'lead', '2025-01-02 00:00+00'), (2, 'proposal', '2025-01-04 00:00+00'), (2, 'lost', '2025-01-09 00:00+00'),
  (3, 'proposal', '2025-01-05 00:00+00'), (3, 'negotiation', '2025-01-15 00:00+00');
CREATE TABLE public.journeys AS SELECT k, funnel.journey(stage, at) AS j FROM public.events_log GROUP BY k;
CREATE TABLE public.summaries AS
SELECT k % 2 AS grp, funnel.summary(j) AS s FROM public.journeys GROUP BY k % 2;
CREATE AGGREGATE public.funnel_state("window" interval, ts timestamptz, VARIADIC steps boolean[]) (
    SFUNC = funnel.events_funnel_transfn, STYPE = funnel.events, COMBINEFUNC = funnel.events_combine);
CREATE AGGREGATE public.merge_level(funnel.events) (
    SFUNC = funnel.events_combine, STYPE = funnel.events, FINALFUNC = funnel.window_funnel_final);
CREATE TABLE public.clicks (u int, ts timestamptz, e text);
INSERT INTO public.clicks VALUES
  (1, '2024-01-01 10:00+00', 'visit'), (1, '2024-01-01 10:05+00', 'signup'), (1, '2024-01-01 10:30+00', 'trial'),
  (2, '2024-01-02 08:00+00', 'visit'), (2, '2024-01-02 09:30+00', 'signup');
CREATE TABLE public.event_states AS
SELECT u, public.funnel_state('1 hour', ts, e = 'visit', e = 'signup', e = 'trial') AS st FROM public.clicks GROUP BY u;
CREATE MATERIALIZED VIEW public.owner_board AS
SELECT d.owner, funnel.pipeline(d.stage, d.amount, d.created_at, d.closed_at) AS p, funnel.win_rate(d.stage) AS win_rate,
       (SELECT funnel.summary(j.j) FROM public.journeys j) AS s,
       (SELECT funnel.journey(e.stage, e.at) FROM public.events_log e WHERE e.k = 1) AS j1
FROM public.deal d GROUP BY d.owner;};

my $fill_alice = q{
SELECT funnel.create_funnel('alice.deal', ARRAY['a', 'b', 'c'], won => '{won}', lost => '{lost}', allow_skip => false);
SELECT funnel.set_stage('b'::alice.deal, probability => 0.5);
CREATE TABLE alice.opp (id int PRIMARY KEY, stage alice.deal NOT NULL, stamp timestamptz);
INSERT INTO alice.opp VALUES (1, 'a', '2024-01-01 00:00+00'), (2, 'a', '2024-01-02 00:00+00');
SELECT funnel.track('alice.opp', stamp_column => 'stamp');
UPDATE alice.opp SET stage = 'b', stamp = '2024-02-01 00:00+00' WHERE id = 1;};

sub psql_as
{
	my ($node, $role, $db, $sql) = @_;
	my ($rc, $out, $err) = $node->psql($db, "\\set VERBOSITY verbose\n$sql", extra_params => [ '-U', $role ]);
	return ($rc, $out, $err);
}

sub ok_as
{
	my ($node, $role, $db, $sql, $name) = @_;
	my ($rc, $out, $err) = psql_as($node, $role, $db, $sql);
	ok($rc == 0 && $err !~ /ERROR/, $name) or diag("exit $rc, stderr: $err");
	return $out;
}

sub figures
{
	my ($node, $db, @keys) = @_;
	return { map { $_ => scalar $node->safe_psql($db, $queries{$_}) } @keys };
}

for my $run (@from)
{
	my $tag = $run->{tag};
	my $old = PostgreSQL::Test::Cluster->new("old_$tag",
		defined $run->{install_path} ? (install_path => $run->{install_path}) : ());
	$old->init;
	$old->append_conf('postgresql.conf', "timezone = 'UTC'");
	$old->start;
	my $old_bindir = $old->config_data('--bindir');

	$old->safe_psql('postgres', q{
CREATE ROLE dbowner LOGIN;
CREATE ROLE alice LOGIN;
CREATE ROLE mover LOGIN;
CREATE DATABASE u OWNER dbowner;
CREATE DATABASE v10 OWNER dbowner;});
	for my $db ('u', 'v10')
	{
		$old->safe_psql($db, q{
CREATE SCHEMA alice AUTHORIZATION alice;
GRANT USAGE ON SCHEMA alice TO PUBLIC;});
	}
	ok_as($old, 'dbowner', 'u', 'CREATE EXTENSION funnel', "$tag: dbowner installs the default version in u");
	ok_as($old, 'dbowner', 'v10', q{CREATE EXTENSION funnel VERSION '1.0'}, "$tag: dbowner installs 1.0 in v10");
	for my $db ('u', 'v10')
	{
		ok_as($old, 'dbowner', $db, $fill_dbowner, "$tag: $db: funnels, stored states, a materialized view");
		ok_as($old, 'alice', $db, $fill_alice . "\nGRANT SELECT, UPDATE ON alice.opp TO mover;",
			"$tag: $db: alice tracks a table and moves a row");
	}

	my $before_u = figures($old, 'u', sort keys %queries);
	my $before_v10 = figures($old, 'v10', @queries_10);
	my $catalog_u = catalog_lines($old, 'u');
	like($before_u->{'history'}, qr/^1\|a\|b\|/m, "$tag: before: the history has alice's move");
	like($before_u->{'enum label oids'}, qr/proposal/, "$tag: before: deal_stage has its added label");
	$old->stop;

	my $new = PostgreSQL::Test::Cluster->new("new_$tag");
	$new->init;
	$new->append_conf('postgresql.conf', "timezone = 'UTC'");

	# pg_upgrade writes its scripts into the working directory
	my $cwd = getcwd();
	chdir $tmp or die "chdir $tmp: $!";
	command_ok(
		[
			"$new_bindir/pg_upgrade", '-d', $old->data_dir, '-D', $new->data_dir,
			'-b', $old_bindir, '-B', $new_bindir, '-s', $new->host,
			'-p', $old->port, '-P', $new->port
		],
		"$tag: pg_upgrade");
	chdir $cwd or die "chdir $cwd: $!";

	$new->start;
	my $after_u = figures($new, 'u', sort keys %queries);
	my $after_v10 = figures($new, 'v10', @queries_10);
	is($after_u->{$_}, $before_u->{$_}, "$tag: after pg_upgrade: same $_") for sort keys %queries;
	is($after_v10->{$_}, $before_v10->{$_}, "$tag: after pg_upgrade, extension 1.0: same $_") for @queries_10;
	is(catalog_diff($catalog_u, catalog_lines($new, 'u')), '',
		"$tag: after pg_upgrade: the extension's catalog is the same");
	is($new->safe_psql('u', 'SELECT count(*) FROM public.owner_board'), '2',
		"$tag: after pg_upgrade: the materialized view has its rows");
	ok_as($new, 'dbowner', 'u', 'REFRESH MATERIALIZED VIEW public.owner_board',
		"$tag: after pg_upgrade: the materialized view refreshes");
	is($new->safe_psql('u', $queries{'materialized view'}), $before_u->{'materialized view'},
		"$tag: after pg_upgrade and a refresh: same materialized view");
	is( $new->safe_psql(
			'u', q{
SELECT owner, (funnel.pipeline(stage, amount, created_at, closed_at))::text FROM public.deal GROUP BY owner ORDER BY owner}),
		$before_u->{'pipeline text'},
		"$tag: after pg_upgrade: a new aggregation equals the stored one");

	# enforcement and history recording go on
	for my $db ('u', 'v10')
	{
		my ($rc, $out, $err) = psql_as($new, 'mover', $db, q{UPDATE alice.opp SET stage = 'c' WHERE id = 2});
		ok($rc != 0 && $err =~ /ERROR:  23514:/, "$tag: $db: after pg_upgrade: an illegal move (skip) is refused")
		  or diag("exit $rc, stderr: $err");
		# (1.0 writes the history with the rights of the mover, who has none on it: alice moves there)
		my $who = $db eq 'u' ? 'mover' : 'alice';
		ok_as($new, $who, $db, q{UPDATE alice.opp SET stage = 'c' WHERE id = 1},
			"$tag: $db: after pg_upgrade: $who makes a legal move");
		is( $new->safe_psql(
				$db, qq{
SELECT count(*) FROM alice.opp_stage_history WHERE id = 1 AND from_stage = 'b' AND to_stage = 'c' AND changed_by = '$who'}),
			'1', "$tag: $db: after pg_upgrade: the move is in the history");
		ok_as($new, 'dbowner', $db, q{SELECT funnel.allow_transition('negotiation'::deal_stage, 'proposal')},
			"$tag: $db: after pg_upgrade: dbowner changes a rule");
		is($new->safe_psql($db, q{SELECT funnel.can_transition('negotiation'::deal_stage, 'proposal')}),
			't', "$tag: $db: after pg_upgrade: the changed rule is in force");
	}

	# The database still at 1.0 updates on the new cluster.  pg_upgrade (like
	# any restore) creates the extension as the superuser running it, and
	# PostgreSQL has no ALTER EXTENSION ... OWNER: from now on the superuser
	# owns it, updates it and customises the shipped funnels (README, Upgrading).
	note("$tag: extension owner in v10 after pg_upgrade: "
		  . $new->safe_psql('v10', q{SELECT extowner::regrole FROM pg_extension WHERE extname = 'funnel'}));
	my $updater = $new->safe_psql('v10',
		q{SELECT CASE WHEN extowner = 'dbowner'::regrole THEN 'dbowner' ELSE current_user END
		  FROM pg_extension WHERE extname = 'funnel'});
	ok_as($new, $updater, 'v10', 'ALTER EXTENSION funnel UPDATE',
		"$tag: v10: ALTER EXTENSION funnel UPDATE after pg_upgrade (by the extension's owner)");
	is( $new->safe_psql('v10', q{SELECT extversion FROM pg_extension WHERE extname = 'funnel'}),
		$new->safe_psql('v10', q{SELECT default_version FROM pg_available_extensions WHERE name = 'funnel'}),
		"$tag: v10: at the default version");
	my $updated_v10 = figures($new, 'v10', grep { $_ ne 'history' && $_ ne 'tracked table' && $_ !~ /can_transition|transitions|edge rows/ } @queries_10);
	is($updated_v10->{$_}, $before_v10->{$_}, "$tag: v10 after pg_upgrade and the update: same $_")
	  for sort keys %$updated_v10;

	unlike(slurp_file($new->logfile), qr/terminated by signal/, "$tag: no backend was terminated by a signal");
	$new->stop;
}

done_testing();
