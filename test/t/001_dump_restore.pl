# 001_dump_restore.pl: funnel definitions live in extension configuration
# tables, so pg_dump / pg_restore (custom format) and a plain-format dump
# replayed with psql restore the definitions, the user's customisations of the
# shipped funnels and the data, with no error and no duplicated shipped rows.
# Also: DROP TYPE / DROP SCHEMA ... CASCADE of a funnel's enum forget its
# definition rows (event trigger), so no dump carries a dangling row.

use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump_restore');
$node->init;
$node->start;

my $tmp = PostgreSQL::Test::Utils::tempdir;

# Run a client program; returns (exit code, stdout, stderr).
sub run_cmd
{
	my @cmd = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run(\@cmd, '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

# Run SQL and return (psql exit code, stdout, stderr) with verbose errors,
# so that stderr shows the SQLSTATE ("ERROR:  23514: ...").
sub psql_verbose
{
	my ($db, $sql) = @_;
	my ($rc, $out, $err) = $node->psql($db, "\\set VERBOSITY verbose\n$sql");
	return ($rc, $out, $err);
}

$node->safe_psql('postgres', 'CREATE DATABASE src');

# ---------------------------------------------------------------------------
# Source database: funnels, customisations, tables with data
# ---------------------------------------------------------------------------
$node->safe_psql('src', q{
CREATE EXTENSION funnel;
CREATE SCHEMA "Sales Ops";

-- a funnel in a schema with a strange name, labels with spaces and quotes
SELECT funnel.create_funnel('"Sales Ops"."Deal Stage"',
    ARRAY['new lead', 'it''s "qualified"', 'demo, booked', 'Negotiation'],
    won => ARRAY['closed won'], lost => ARRAY['closed lost', 'no budget'],
    allow_skip => false);
SELECT funnel.allow_transition('new lead'::"Sales Ops"."Deal Stage", 'Negotiation');
SELECT funnel.allow_transition('closed lost'::"Sales Ops"."Deal Stage", 'new lead');
SELECT funnel.forbid_transition('Negotiation'::"Sales Ops"."Deal Stage", 'no budget');
SELECT funnel.set_stage('demo, booked'::"Sales Ops"."Deal Stage",
    probability => 0.4, owner => 'sales eng', entry => true);
SELECT funnel.set_stage('new lead'::"Sales Ops"."Deal Stage", owner => 'SDR "team"');

-- an existing enum adopted with register_funnel
CREATE TYPE public.support_tier AS ENUM ('trial', 'basic', 'pro', 'enterprise', 'churned');
SELECT funnel.register_funnel('public.support_tier', won => '{enterprise}', lost => '{churned}',
    allow_backward => true, entry => '{trial,basic}');
SELECT funnel.set_stage('basic'::support_tier, probability => 0.3, owner => 'customer success');
SELECT funnel.forbid_transition('pro'::support_tier, 'basic');

-- a plain funnel with all defaults
SELECT funnel.create_funnel('public.onboarding', ARRAY['signup', 'activated', 'paying']);

-- the shipped funnels, customised
SELECT funnel.set_stage('proposal'::funnel.sales_stage, probability => 0.55);
SELECT funnel.set_stage('lead'::funnel.sales_stage, owner => 'inbound');
SELECT funnel.allow_transition('negotiation'::funnel.sales_stage, 'qualified');
SELECT funnel.forbid_transition('lead'::funnel.sales_stage, 'closed_lost');
SELECT funnel.set_stage('intent'::funnel.marketing_stage, owner => 'growth', probability => 0.2);

-- tables that use the types
CREATE TABLE "Sales Ops"."Deals" (
    id      int PRIMARY KEY,
    stage   "Sales Ops"."Deal Stage" NOT NULL,
    path    "Sales Ops"."Deal Stage"[],
    amount  numeric);
INSERT INTO "Sales Ops"."Deals" VALUES
    (1, 'new lead', '{"new lead"}', 100),
    (2, 'it''s "qualified"', ARRAY['new lead', 'it''s "qualified"']::"Sales Ops"."Deal Stage"[], 250.5),
    (3, 'demo, booked', NULL, NULL),
    (4, 'closed won', '{"new lead","closed won"}', 1000),
    (5, 'no budget', '{}', 0);
CREATE TABLE public.accounts (
    id      int PRIMARY KEY,
    tier    support_tier,
    sales   funnel.sales_stage,
    mkt     funnel.marketing_stage,
    onb     onboarding);
INSERT INTO public.accounts
SELECT i,
       (enum_range(NULL::support_tier))[1 + i % 5],
       (enum_range(NULL::funnel.sales_stage))[1 + i % 6],
       (enum_range(NULL::funnel.marketing_stage))[1 + i % 6],
       CASE WHEN i % 7 = 0 THEN NULL ELSE (enum_range(NULL::onboarding))[1 + i % 3] END
FROM generate_series(1, 60) i;

-- definitions follow their type through a schema move
CREATE SCHEMA crm;
ALTER TYPE public.support_tier SET SCHEMA crm;
});
pass('source database set up with four kinds of funnels and tables using them');

# ---------------------------------------------------------------------------
# DROP TYPE / DROP SCHEMA CASCADE forget the definitions (event trigger)
# ---------------------------------------------------------------------------
my $dangling_sql = q{
SELECT (SELECT count(*) FROM funnel.funnel_def d
         WHERE NOT EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = d.stage_type))
     + (SELECT count(*) FROM funnel.stage_def d
         WHERE NOT EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = d.stage_type))
     + (SELECT count(*) FROM funnel.transition_def d
         WHERE NOT EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = d.stage_type))};

$node->safe_psql('src', q{
SELECT funnel.create_funnel('doomed', ARRAY['a b', 'c'], lost => '{gone}');
SELECT funnel.set_stage('c'::doomed, probability => 0.5);
SELECT funnel.allow_transition('c'::doomed, 'a b');
CREATE TYPE public.adopted AS ENUM ('x', 'y', 'z');
SELECT funnel.register_funnel('adopted', won => '{z}');
SELECT funnel.forbid_transition('x'::adopted, 'z');
CREATE SCHEMA scratch;
SELECT funnel.create_funnel('scratch.tmp', ARRAY['p', 'q']);
SELECT funnel.allow_transition('q'::scratch.tmp, 'p');
});
my $doomed_rows = $node->safe_psql('src', q{
SELECT count(*) FROM funnel.stage_def WHERE stage_type = 'doomed'::regtype});
is($doomed_rows, '3', 'funnel doomed has its stage rows before DROP TYPE');

# an unqualified type name goes where CREATE TYPE would put it: the first
# schema of the caller's search_path (public), never pg_catalog, which pg_dump
# leaves out
$node->safe_psql('src', q{SELECT funnel.create_funnel('loose', ARRAY['a', 'b'])});
is( $node->safe_psql(
		'src', q{SELECT typnamespace::regnamespace FROM pg_type WHERE oid = 'loose'::regtype}),
	'public',
	'create_funnel with an unqualified name creates the enum in the current schema (public)');
$node->safe_psql('src', 'DROP TYPE loose');
is( $node->safe_psql(
		'src', q{SELECT count(*) FROM pg_type WHERE typname = 'loose'}),
	'0', 'DROP TYPE of the unqualified funnel dropped it');

$node->safe_psql('src', 'DROP TYPE doomed');
$node->safe_psql('src', 'DROP TYPE adopted');
$node->safe_psql('src', 'DROP SCHEMA scratch CASCADE');
is($node->safe_psql('src', $dangling_sql), '0',
	'DROP TYPE and DROP SCHEMA CASCADE leave no definition row without its type');
is( $node->safe_psql(
		'src', q{
SELECT string_agg(stage_type::text, ', ' ORDER BY stage_type::text) FROM funnel.funnel_def}),
	'"Sales Ops"."Deal Stage", crm.support_tier, funnel.marketing_stage, funnel.sales_stage, onboarding',
	'only the live funnels remain registered');

# ---------------------------------------------------------------------------
# What we compare between the source and each restored database
# ---------------------------------------------------------------------------
my @funnels = split /\n/,
  $node->safe_psql('src',
	'SELECT stage_type::text FROM funnel.funnel_def ORDER BY stage_type::text');
is(scalar(@funnels), 5, 'five funnels registered in the source database');

my %tables = (
	deals    => 'SELECT * FROM "Sales Ops"."Deals" ORDER BY id',
	accounts => 'SELECT * FROM public.accounts ORDER BY id',);
my %catalog = (
	funnel_def => 'SELECT stage_type::text, allow_skip, allow_backward, allow_reopen, created, builtin '
	  . 'FROM funnel.funnel_def ORDER BY 1',
	stage_def => 'SELECT stage_type::text, stage, outcome, entry, owner, probability, builtin '
	  . 'FROM funnel.stage_def ORDER BY 1, 2, builtin',
	transition_def => 'SELECT stage_type::text, from_stage, to_stage, allowed '
	  . 'FROM funnel.transition_def ORDER BY 1, 2, 3',);

# Everything a user can observe about one funnel, as text.
sub funnel_facts
{
	my ($db, $f) = @_;
	my %r;
	$r{stages} = $node->safe_psql($db,
		"SELECT * FROM funnel.stages('$f') ORDER BY position");
	$r{transitions} = $node->safe_psql($db,
		"SELECT * FROM funnel.transitions('$f') ORDER BY 1, 2");
	# the full can_transition matrix, in funnel order
	$r{can} = $node->safe_psql(
		$db, qq{
SELECT string_agg(format('%s>%s:%s', a, b, funnel.can_transition(a, b)), ' | '
                  ORDER BY a, b)
FROM unnest(enum_range(NULL::$f)) a, unnest(enum_range(NULL::$f)) b});
	$r{stagefn} = $node->safe_psql(
		$db, qq{
SELECT string_agg(format('%s:%s/%s/%s/%s/%s/%s/%s', s, funnel.stage_position(s),
                         funnel.next_stage(s), funnel.prev_stage(s), funnel.is_won(s),
                         funnel.is_lost(s), funnel.is_closed(s), funnel.probability(s)),
                  ' | ' ORDER BY s)
FROM unnest(enum_range(NULL::$f)) s});
	return \%r;
}

my %src_facts = map { $_ => funnel_facts('src', $_) } @funnels;
my %src_tables = map { $_ => $node->safe_psql('src', $tables{$_}) } keys %tables;
my %src_catalog =
  map { $_ => $node->safe_psql('src', $catalog{$_}) } keys %catalog;

# sanity: the customisations are visible in the source
like(
	$src_facts{'funnel.sales_stage'}{stages},
	qr/^3\|proposal\|open\|sales\|0\.55\|f$/m,
	'source: customised probability of the shipped stage proposal');
like(
	$src_facts{'funnel.sales_stage'}{transitions},
	qr/^negotiation\|qualified$/m,
	'source: custom backward edge of the shipped sales funnel');
unlike(
	$src_facts{'funnel.sales_stage'}{transitions},
	qr/^lead\|closed_lost$/m,
	'source: forbidden edge lead -> closed_lost of the shipped sales funnel');
like(
	$src_facts{'"Sales Ops"."Deal Stage"'}{stages},
	qr/^3\|demo, booked\|open\|sales eng\|0\.4\|t$/m,
	'source: settings of a quoted stage in a quoted schema');

# ---------------------------------------------------------------------------
# Compare a restored database with the source
# ---------------------------------------------------------------------------
sub compare_with_source
{
	my ($db, $how) = @_;

	my @restored = split /\n/,
	  $node->safe_psql($db,
		'SELECT stage_type::text FROM funnel.funnel_def ORDER BY stage_type::text');
	is_deeply(\@restored, \@funnels, "$how: the same funnels are registered");

	for my $f (@funnels)
	{
		my $r = funnel_facts($db, $f);
		for my $k (qw(stages transitions can stagefn))
		{
			is($r->{$k}, $src_facts{$f}{$k}, "$how: $f: same $k");
		}
	}
	for my $t (sort keys %tables)
	{
		is($node->safe_psql($db, $tables{$t}), $src_tables{$t}, "$how: same data in $t");
	}
	for my $c (sort keys %catalog)
	{
		is($node->safe_psql($db, $catalog{$c}), $src_catalog{$c},
			"$how: funnel.$c has exactly the source's rows (shipped rows not duplicated)");
	}
	is( $node->safe_psql(
			$db, q{
SELECT count(*) FROM (SELECT stage_type, stage, builtin FROM funnel.stage_def
                      GROUP BY 1, 2, 3 HAVING count(*) > 1) d}),
		'0',
		"$how: no duplicated stage_def row");
	is($node->safe_psql($db, $dangling_sql), '0', "$how: no dangling definition row");

	# the functions work on restored data, with the restored rules
	is( $node->safe_psql(
			$db, q{
SELECT funnel.can_transition('Negotiation'::"Sales Ops"."Deal Stage", 'no budget'),
       funnel.can_transition('new lead'::"Sales Ops"."Deal Stage", 'Negotiation'),
       funnel.can_transition('negotiation'::funnel.sales_stage, 'qualified'),
       funnel.can_transition('lead'::funnel.sales_stage, 'closed_lost'),
       funnel.probability('proposal'::funnel.sales_stage)}),
		'f|t|t|f|0.55',
		"$how: explicit edges and settings are in force");
	is( $node->safe_psql(
			$db, q{
SELECT funnel.check_transition(stage, 'demo, booked')
FROM "Sales Ops"."Deals" WHERE id = 2}),
		'demo, booked',
		"$how: check_transition allows a legal move on a restored row");

	my ($rc, $out, $err) = psql_verbose($db, q{
SELECT funnel.check_transition(stage, 'no budget') FROM "Sales Ops"."Deals" WHERE id = 3;
SELECT funnel.check_transition('Negotiation'::"Sales Ops"."Deal Stage", 'no budget');});
	isnt($rc, 0, "$how: check_transition of a forbidden move fails");
	like(
		$err,
		qr/ERROR:  23514: illegal stage change from "Negotiation" to "no budget" in funnel "Sales Ops"."Deal Stage"/,
		"$how: the forbidden move raises 23514 naming both stages");
	($rc, $out, $err) = psql_verbose($db,
		q{SELECT funnel.check_transition('negotiation'::funnel.sales_stage, 'lead')});
	like($err, qr/ERROR:  23514: illegal stage change from "negotiation" to "lead"/,
		"$how: a backward move of the shipped funnel is still refused");

	# the restored definitions can be changed and dropped as usual
	$node->safe_psql($db, q{
SELECT funnel.allow_transition('Negotiation'::"Sales Ops"."Deal Stage", 'no budget')});
	is( $node->safe_psql(
			$db, q{
SELECT funnel.can_transition('Negotiation'::"Sales Ops"."Deal Stage", 'no budget')}),
		't',
		"$how: a restored funnel can be changed");
	my ($drc, $dout, $derr) = psql_verbose($db, q{SELECT funnel.drop_funnel('onboarding')});
	like($derr, qr/ERROR:  2BP01: cannot drop funnel (public\.)?onboarding because 1 column\(s\) use it/,
		"$how: drop_funnel still refuses a funnel used by a restored column");
	return;
}

# ---------------------------------------------------------------------------
# Custom format: pg_dump -Fc, pg_restore into a new database
# ---------------------------------------------------------------------------
my $dumpfile = "$tmp/src.dump";
my ($rc, $out, $err) =
  run_cmd('pg_dump', '-Fc', '-f', $dumpfile, '-d', $node->connstr('src'));
is($rc, 0, 'pg_dump -Fc exits with 0');
is($err, '', 'pg_dump -Fc writes nothing to stderr');

# the archive carries the user's rows only, never the shipped (builtin) rows
($rc, $out, $err) = run_cmd('pg_restore', '--data-only', '-t', 'stage_def', '-f', '-', $dumpfile);
is($rc, 0, 'pg_restore can list the data of funnel.stage_def');
like($out, qr/^funnel\.sales_stage\tproposal\topen\t\\N\tsales\t0\.55\tf$/m,
	'the dump holds the customised shipped stage as a user row');
unlike($out, qr/\tt$/m, 'the dump holds no shipped (builtin) stage row');
($rc, $out, $err) = run_cmd('pg_restore', '--data-only', '-t', 'funnel_def', '-t', 'stage_def',
	'-t', 'transition_def', '-f', '-', $dumpfile);
like($out, qr/^"Sales Ops"\."Deal Stage"\tNegotiation\tno budget\tf$/m,
	'the dump holds the explicit edges');
unlike($out, qr/doomed|adopted|scratch|loose|^\d+\t/m,
	'the dump holds no row of a dropped funnel type');

$node->safe_psql('postgres', 'CREATE DATABASE restored TEMPLATE template0');
($rc, $out, $err) =
  run_cmd('pg_restore', '--exit-on-error', '-d', $node->connstr('restored'), $dumpfile);
is($rc, 0, 'pg_restore exits with 0');
is($err, '', 'pg_restore writes nothing to stderr (no error, no warning)');

compare_with_source('restored', 'pg_restore');

# ---------------------------------------------------------------------------
# Plain format: pg_dump -Fp replayed with psql
# ---------------------------------------------------------------------------
my $sqlfile = "$tmp/src.sql";
($rc, $out, $err) =
  run_cmd('pg_dump', '-Fp', '-f', $sqlfile, '-d', $node->connstr('src'));
is($rc, 0, 'pg_dump -Fp exits with 0');

$node->safe_psql('postgres', 'CREATE DATABASE replayed TEMPLATE template0');
($rc, $out, $err) = run_cmd(
	'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
	'-d', $node->connstr('replayed'),
	'-f', $sqlfile);
is($rc, 0, 'psql replays the plain dump with ON_ERROR_STOP and exits with 0');
is($err, '', 'psql replay writes nothing to stderr');

compare_with_source('replayed', 'plain dump');

# ---------------------------------------------------------------------------
# Renamed labels: funnel.rename_stage keeps a stage's settings and edges, and
# neither it nor a plain ALTER TYPE ... RENAME VALUE may leave rows that make
# the dump unrestorable
# ---------------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE renamed');
$node->safe_psql(
	'renamed', q{
CREATE EXTENSION funnel;
SELECT funnel.create_funnel('public.keep', ARRAY['k1', 'k2', 'k3']);
SELECT funnel.set_stage('k2'::keep, probability => 0.25, owner => 'kept');
SELECT funnel.allow_transition('k3'::keep, 'k1');
SELECT funnel.create_funnel('public.via_fn', ARRAY['a', 'b', 'c']);
SELECT funnel.set_stage('b'::via_fn, probability => 0.5, owner => 'team b');
SELECT funnel.allow_transition('c'::via_fn, 'b');
SELECT funnel.create_funnel('public.moved', ARRAY['a', 'b', 'c']);
SELECT funnel.set_stage('b'::moved, probability => 0.5, owner => 'team b');
SELECT funnel.allow_transition('c'::moved, 'b');
SELECT funnel.set_stage('proposal'::funnel.sales_stage, probability => 0.6);
SELECT funnel.rename_stage('b'::via_fn, 'bee');
ALTER TYPE moved RENAME VALUE 'b' TO 'bee';
});
is( $node->safe_psql(
		'renamed', q{
SELECT owner, probability FROM funnel.stages('via_fn') WHERE stage = 'bee'}),
	'team b|0.5', 'rename_stage keeps the settings of the renamed stage');
is($node->safe_psql('renamed', q{SELECT funnel.can_transition('c'::via_fn, 'bee')}),
	't', 'rename_stage keeps the explicit edges of the renamed stage');
is( $node->safe_psql(
		'renamed', q{
SELECT count(*) FROM funnel.stage_def d
WHERE NOT EXISTS (SELECT 1 FROM pg_enum e WHERE e.enumtypid = d.stage_type AND e.enumlabel = d.stage)}),
	'0', 'rename_stage leaves no stage_def row naming the old label');
my $rn_dump = "$tmp/renamed.dump";
($rc, $out, $err) = run_cmd('pg_dump', '-Fc', '-f', $rn_dump, '-d', $node->connstr('renamed'));
is($rc, 0, 'pg_dump after renamed labels exits with 0');
$node->safe_psql('postgres', 'CREATE DATABASE renamed2 TEMPLATE template0');
($rc, $out, $err) = run_cmd('pg_restore', '-d', $node->connstr('renamed2'), $rn_dump);
is($rc, 0, 'pg_restore after renamed labels exits with 0');
is($err, '', 'pg_restore after renamed labels reports no error');
for my $f (qw(keep via_fn moved funnel.sales_stage))
{
	for my $q ("SELECT * FROM funnel.stages('$f') ORDER BY position",
		"SELECT * FROM funnel.transitions('$f') ORDER BY 1, 2")
	{
		is($node->safe_psql('renamed2', $q), $node->safe_psql('renamed', $q),
			"after renamed labels, restored: same result of $q");
	}
}

# ---------------------------------------------------------------------------
# Schema and data restored in two steps (pg_restore -s, then -a)
# ---------------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE split TEMPLATE template0');
($rc, $out, $err) = run_cmd('pg_restore', '--exit-on-error', '--schema-only',
	'-d', $node->connstr('split'), $dumpfile);
is($rc, 0, 'pg_restore --schema-only exits with 0');
is($err, '', 'pg_restore --schema-only writes nothing to stderr');
($rc, $out, $err) = run_cmd('pg_restore', '--exit-on-error', '--data-only',
	'-d', $node->connstr('split'), $dumpfile);
is($rc, 0, 'pg_restore --data-only exits with 0');
is($err, '', 'pg_restore --data-only writes nothing to stderr');

compare_with_source('split', 'schema then data');

# ---------------------------------------------------------------------------
# A second generation: dumping the restored database gives the same dump
# ---------------------------------------------------------------------------
# (both restored databases were changed above; dump a fresh restore instead)
$node->safe_psql('postgres', 'CREATE DATABASE gen2 TEMPLATE template0');
($rc, $out, $err) =
  run_cmd('pg_restore', '--exit-on-error', '--single-transaction', '-d', $node->connstr('gen2'),
	$dumpfile);
is($rc, 0, 'second pg_restore, in a single transaction, exits with 0');
my $gen2file = "$tmp/gen2.sql";
($rc, $out, $err) =
  run_cmd('pg_dump', '-Fp', '-f', $gen2file, '-d', $node->connstr('gen2'));
is($rc, 0, 'pg_dump of the restored database exits with 0');
# pg_dump 15.14+ brackets the script with \restrict / \unrestrict and a random key
sub normalized_dump
{
	my $text = slurp_file(shift);
	$text =~ s/^\\(restrict|unrestrict) \S+$/\\$1 KEY/mg;
	return $text;
}
is(normalized_dump($gen2file), normalized_dump($sqlfile),
	'dump of the restored database is identical to the dump of the source');

# restoring twice into the same database is refused cleanly, not duplicated
# (the shipped funnel rows must come from CREATE EXTENSION only)
is( $node->safe_psql(
		'gen2', q{
SELECT count(*) FROM funnel.stage_def WHERE builtin}),
	$node->safe_psql('src', q{SELECT count(*) FROM funnel.stage_def WHERE builtin}),
	'restored database has exactly the shipped rows of CREATE EXTENSION');

$node->stop;
done_testing();
