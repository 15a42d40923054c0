# 002_trusted.pl: funnel is a trusted extension.  A database owner who is not
# a superuser installs it and defines funnels; other roles use those funnels
# but cannot change them; the owner of the extension customises the shipped
# funnels, nobody else does; a role without CREATE on the database cannot
# install it.  The owner can also dump and restore the database without
# superuser rights.

use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('trusted');
$node->init;
$node->start;

my $tmp = PostgreSQL::Test::Utils::tempdir;

$node->safe_psql(
	'postgres', q{
CREATE ROLE dbo LOGIN;
CREATE ROLE clerk LOGIN;
CREATE ROLE outsider LOGIN;
CREATE DATABASE d OWNER dbo;
REVOKE CREATE, TEMPORARY ON DATABASE d FROM PUBLIC;
});

# Run SQL as a role with verbose errors; returns (exit code, stdout, stderr).
# psql stops at the first error (ON_ERROR_STOP).
sub as_role
{
	my ($role, $sql, $db) = @_;
	my ($rc, $out, $err) = $node->psql($db // 'd', "\\set VERBOSITY verbose\n$sql",
		extra_params => [ '-U', $role ]);
	return ($rc, $out, $err);
}

# Expect SQL to succeed as role; returns stdout.
sub ok_as
{
	my ($role, $sql, $name, $db) = @_;
	my ($rc, $out, $err) = as_role($role, $sql, $db);
	ok($rc == 0 && $err !~ /ERROR/, $name) or diag("exit $rc, stderr: $err");
	return $out;
}

# Expect SQL to fail as role with a SQLSTATE and a message.
sub fails_as
{
	my ($role, $sql, $sqlstate, $msg, $name, $db) = @_;
	my ($rc, $out, $err) = as_role($role, $sql, $db);
	isnt($rc, 0, "$name: fails");
	like($err, qr/ERROR:  $sqlstate: $msg/, "$name: $sqlstate $msg");
	return;
}

is($node->safe_psql('postgres', q{SELECT rolsuper FROM pg_roles WHERE rolname = 'dbo'}),
	'f', 'dbo is not a superuser');

# ---------------------------------------------------------------------------
# Without CREATE on the database, CREATE EXTENSION is refused
# ---------------------------------------------------------------------------
fails_as('outsider', 'CREATE EXTENSION funnel', '42501',
	'permission denied (to create extension "funnel"|for database d)',
	'CREATE EXTENSION by a role without CREATE on the database');
is($node->safe_psql('d', q{SELECT count(*) FROM pg_extension WHERE extname = 'funnel'}),
	'0', 'the refused CREATE EXTENSION left nothing behind');

# ---------------------------------------------------------------------------
# The database owner installs the extension
# ---------------------------------------------------------------------------
ok_as('dbo', 'CREATE EXTENSION funnel', 'database owner (no superuser) runs CREATE EXTENSION funnel');
is( $node->safe_psql(
		'd', q{SELECT extowner::regrole FROM pg_extension WHERE extname = 'funnel'}),
	'dbo', 'the extension is owned by dbo');
is( $node->safe_psql(
		'd', q{SELECT string_agg(evtname, ',' ORDER BY evtname) FROM pg_event_trigger}),
	'funnel_apply_definitions,funnel_follow_enum_rename,funnel_forget_dropped_types', 'the event triggers were installed');

# ---------------------------------------------------------------------------
# dbo defines and changes its own funnel
# ---------------------------------------------------------------------------
ok_as(
	'dbo', q{
SELECT funnel.create_funnel('public.deal_stage',
    ARRAY['lead', 'qualified', 'proposal', 'negotiation'],
    won => '{won}', lost => '{lost}', allow_skip => false);
SELECT funnel.set_stage('proposal'::public.deal_stage, probability => 0.5, owner => 'sales');
SELECT funnel.allow_transition('proposal'::public.deal_stage, 'qualified');
SELECT funnel.forbid_transition('negotiation'::public.deal_stage, 'lost');
CREATE TYPE public.tier AS ENUM ('free', 'paid', 'churned');
SELECT funnel.register_funnel('public.tier', lost => '{churned}');
CREATE TABLE public.deals (id int PRIMARY KEY, stage public.deal_stage, amount numeric);
INSERT INTO public.deals VALUES (1, 'lead', 10), (2, 'proposal', 20), (3, 'won', 30);
GRANT SELECT ON public.deals TO clerk;
}, 'dbo creates, registers and customises funnels');

# an unqualified name must work for a non-superuser too (it is created in
# the first schema of the search_path, as CREATE TYPE would)
ok_as('dbo', q{SELECT funnel.create_funnel('loose_stage', ARRAY['a', 'b'])},
	'dbo runs create_funnel with an unqualified type name');
is( $node->safe_psql(
		'd', q{SELECT typnamespace::regnamespace FROM pg_type WHERE typname = 'loose_stage'}),
	'public', 'the unqualified funnel type lives in schema public');

is( ok_as(
		'dbo', q{
SELECT funnel.stage_position('proposal'::deal_stage), funnel.next_stage('proposal'::deal_stage),
       funnel.prev_stage('proposal'::deal_stage), funnel.is_won('won'::deal_stage),
       funnel.is_lost('lost'::deal_stage), funnel.is_closed('lead'::deal_stage),
       funnel.probability('proposal'::deal_stage),
       funnel.can_transition('proposal'::deal_stage, 'qualified'),
       funnel.can_transition('lead'::deal_stage, 'proposal'),
       funnel.can_transition('negotiation'::deal_stage, 'lost'),
       funnel.check_transition('lead'::deal_stage, 'qualified')},
		'dbo uses the stage functions'),
	'3|negotiation|qualified|t|t|f|0.5|t|f|f|qualified',
	'stage functions give the expected answers for dbo');
is( ok_as('dbo', q{SELECT * FROM funnel.stages('deal_stage') ORDER BY position},
		'dbo reads funnel.stages()'),
	"1|lead|open|||t\n2|qualified|open|||f\n3|proposal|open|sales|0.5|f\n"
	  . "4|negotiation|open|||f\n5|won|won||1|f\n6|lost|lost||0|f",
	'funnel.stages() shows dbo\'s settings');

# ---------------------------------------------------------------------------
# clerk (an ordinary role) uses dbo's funnel but cannot change it
# ---------------------------------------------------------------------------
my $transitions_before =
  $node->safe_psql('d', q{SELECT * FROM funnel.transitions('deal_stage') ORDER BY 1, 2});

is( ok_as(
		'clerk', q{
SELECT funnel.stage_position(stage), funnel.probability(stage),
       funnel.can_transition(stage, 'negotiation'), funnel.is_closed(stage)
FROM public.deals ORDER BY id},
		'clerk uses the stage functions on dbo\'s table'),
	"1||f|f\n3|0.5|t|f\n5|1|f|t",
	'stage functions give the expected answers for clerk');
is(ok_as('clerk', q{SELECT count(*) FROM funnel.transitions('deal_stage')}, 'clerk reads funnel.transitions()'),
	scalar(split /\n/, $transitions_before), 'clerk sees the same transitions as dbo');
fails_as('clerk', q{SELECT funnel.check_transition('lead'::deal_stage, 'proposal')},
	'23514', 'illegal stage change from "lead" to "proposal"',
	'clerk gets 23514 from check_transition');

fails_as('clerk', q{SELECT funnel.allow_transition('lead'::deal_stage, 'proposal')},
	'42501', 'must be owner of type (public\.)?deal_stage to change its funnel definition',
	'clerk allow_transition on dbo\'s funnel');
fails_as('clerk', q{SELECT funnel.forbid_transition('lead'::deal_stage, 'qualified')},
	'42501', 'must be owner of type (public\.)?deal_stage',
	'clerk forbid_transition on dbo\'s funnel');
fails_as('clerk', q{SELECT funnel.set_stage('lead'::deal_stage, probability => 0.9)},
	'42501', 'must be owner of type (public\.)?deal_stage',
	'clerk set_stage on dbo\'s funnel');
fails_as('clerk', q{SELECT funnel.reset_transition('proposal'::deal_stage, 'qualified')},
	'42501', 'must be owner of type (public\.)?deal_stage',
	'clerk reset_transition on dbo\'s funnel');
fails_as('clerk', q{SELECT funnel.drop_funnel('public.tier')},
	'42501', 'must be owner of type (public\.)?tier',
	'clerk drop_funnel of dbo\'s funnel');
ok_as('dbo', q{CREATE TYPE public.unregistered AS ENUM ('x', 'y')}, 'dbo creates a plain enum');
fails_as('clerk', q{SELECT funnel.register_funnel('public.unregistered')},
	'42501', 'must be owner of type (public\.)?unregistered',
	'clerk register_funnel of dbo\'s enum');

# going around the functions: the catalog tables are guarded row by row
fails_as('clerk', q{DELETE FROM funnel.transition_def},
	'42501', 'permission denied for table transition_def',
	'clerk DELETE FROM funnel.transition_def');
fails_as('clerk', q{UPDATE funnel.funnel_def SET allow_backward = true WHERE stage_type = 'deal_stage'::regtype},
	'42501', 'permission denied for table funnel_def',
	'clerk UPDATE funnel.funnel_def');
fails_as('clerk', q{INSERT INTO funnel.transition_def VALUES ('deal_stage', 'lead', 'won', true)},
	'42501', 'permission denied for table transition_def',
	'clerk INSERT INTO funnel.transition_def');
fails_as('clerk', q{TRUNCATE funnel.stage_def},
	'42501', 'permission denied for table stage_def',
	'clerk TRUNCATE funnel.stage_def');

is($node->safe_psql('d', q{SELECT * FROM funnel.transitions('deal_stage') ORDER BY 1, 2}),
	$transitions_before, 'dbo\'s funnel is unchanged after clerk\'s attempts');
is($node->safe_psql('d', q{SELECT funnel.probability('lead'::deal_stage)}),
	'', 'dbo\'s stage settings are unchanged after clerk\'s attempts');

# clerk defines a funnel of its own, in a schema dbo gives it, and drops it
ok_as('dbo', q{GRANT CREATE ON DATABASE d TO clerk}, 'dbo lets clerk create schemas');
ok_as('clerk', q{CREATE SCHEMA clerk_space}, 'clerk creates its own schema');
ok_as(
	'clerk', q{
SELECT funnel.create_funnel('clerk_space.ticket', ARRAY['open', 'triaged', 'fixed']);
SELECT funnel.allow_transition('triaged'::clerk_space.ticket, 'open');
SELECT funnel.set_stage('triaged'::clerk_space.ticket, probability => 0.3);
GRANT USAGE ON SCHEMA clerk_space TO dbo;},
	'clerk defines and customises its own funnel without superuser');
fails_as('dbo', q{SELECT funnel.forbid_transition('open'::clerk_space.ticket, 'triaged')},
	'42501', 'must be owner of type clerk_space.ticket',
	'dbo (database owner) cannot change clerk\'s funnel either');
ok_as('clerk', q{DROP SCHEMA clerk_space CASCADE}, 'clerk drops its schema with the funnel');
is( $node->safe_psql(
		'd', q{
SELECT count(*) FROM funnel.stage_def d
WHERE NOT EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = d.stage_type)}),
	'0', 'DROP SCHEMA by an ordinary role forgets the funnel\'s rows');

# ---------------------------------------------------------------------------
# Shipped funnels: the extension owner customises them, nobody else
# ---------------------------------------------------------------------------
isnt( $node->safe_psql(
		'd', q{SELECT typowner::regrole FROM pg_type WHERE oid = 'funnel.sales_stage'::regtype}),
	'dbo', 'the shipped type is not owned by dbo (trusted install)');
ok_as(
	'dbo', q{
SELECT funnel.set_stage('proposal'::funnel.sales_stage, probability => 0.6, owner => 'deal desk');
SELECT funnel.allow_transition('negotiation'::funnel.sales_stage, 'qualified');
SELECT funnel.forbid_transition('lead'::funnel.sales_stage, 'closed_lost');
SELECT funnel.set_stage('intent'::funnel.marketing_stage, probability => 0.2);},
	'dbo (extension owner) customises the shipped funnels');
is( $node->safe_psql(
		'd', q{
SELECT funnel.probability('proposal'::funnel.sales_stage),
       funnel.can_transition('negotiation'::funnel.sales_stage, 'qualified'),
       funnel.can_transition('lead'::funnel.sales_stage, 'closed_lost'),
       funnel.probability('intent'::funnel.marketing_stage)}),
	'0.6|t|f|0.2', 'the customisations of the shipped funnels are in force');
is( ok_as(
		'clerk', q{SELECT owner, probability FROM funnel.stages('funnel.sales_stage') WHERE stage = 'proposal'},
		'clerk reads the shipped funnel'),
	'deal desk|0.6', 'clerk sees dbo\'s customisation of the shipped funnel');

fails_as('clerk', q{SELECT funnel.set_stage('proposal'::funnel.sales_stage, probability => 0.9)},
	'42501', 'must be owner of type funnel.sales_stage',
	'clerk set_stage on a shipped funnel');
fails_as('clerk', q{SELECT funnel.allow_transition('closed_won'::funnel.sales_stage, 'lead')},
	'42501', 'must be owner of type funnel.sales_stage',
	'clerk allow_transition on a shipped funnel');
fails_as('clerk', q{SELECT funnel.reset_transition('negotiation'::funnel.sales_stage, 'qualified')},
	'42501', 'must be owner of type funnel.sales_stage',
	'clerk reset_transition of dbo\'s edge on a shipped funnel');
fails_as('clerk', q{DELETE FROM funnel.stage_def WHERE stage_type = 'funnel.sales_stage'::regtype AND NOT builtin},
	'42501', 'permission denied for table stage_def',
	'clerk deletes dbo\'s settings of a shipped funnel');
fails_as('dbo', q{UPDATE funnel.stage_def SET probability = 0.9 WHERE builtin},
	'42501', 'permission denied for table stage_def',
	'even dbo cannot rewrite the shipped rows directly');
fails_as('dbo', q{SELECT funnel.drop_funnel('funnel.sales_stage')},
	'2BP01', 'cannot drop funnel funnel.sales_stage',
	'dbo cannot drop a shipped funnel');
is($node->safe_psql('d', q{SELECT funnel.probability('proposal'::funnel.sales_stage)}),
	'0.6', 'the shipped funnel is unchanged after the refused attempts');

# ---------------------------------------------------------------------------
# dbo drops a funnel type: the event trigger (run as dbo) forgets its rows
# ---------------------------------------------------------------------------
ok_as('dbo', q{DROP TYPE public.tier}, 'dbo drops a registered enum with DROP TYPE');
is( $node->safe_psql(
		'd', q{
SELECT count(*) FROM funnel.funnel_def d
WHERE NOT EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = d.stage_type)}),
	'0', 'DROP TYPE by dbo forgets the funnel definition');

# ---------------------------------------------------------------------------
# dbo dumps its database and restores it into another one, without superuser
# ---------------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE d2 OWNER dbo TEMPLATE template0');
my $dumpfile = "$tmp/d.dump";
my ($out, $err) = ('', '');
IPC::Run::run([ 'pg_dump', '-Fc', '-f', $dumpfile, '-d', $node->connstr('d') . ' user=dbo' ],
	'>', \$out, '2>', \$err);
is($? >> 8, 0, 'dbo runs pg_dump of its database') or diag($err);
($out, $err) = ('', '');
IPC::Run::run(
	[
		'pg_restore', '--exit-on-error', '--no-owner',
		'-d', $node->connstr('d2') . ' user=dbo', $dumpfile
	],
	'>', \$out, '2>', \$err);
is($? >> 8, 0, 'dbo runs pg_restore into a new database it owns');
is($err, '', 'pg_restore by dbo reports no error');
for my $q (
	q{SELECT * FROM funnel.stages('deal_stage') ORDER BY position},
	q{SELECT * FROM funnel.transitions('deal_stage') ORDER BY 1, 2},
	q{SELECT * FROM funnel.stages('funnel.sales_stage') ORDER BY position},
	q{SELECT * FROM funnel.transitions('funnel.sales_stage') ORDER BY 1, 2},
	q{SELECT * FROM funnel.stages('funnel.marketing_stage') ORDER BY position},
	q{SELECT * FROM public.deals ORDER BY id})
{
	is($node->safe_psql('d2', $q), $node->safe_psql('d', $q), "restored by dbo: same result of $q");
}

$node->stop;
done_testing();
