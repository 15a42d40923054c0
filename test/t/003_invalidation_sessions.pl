# 003_invalidation_sessions.pl: the per-backend cache of compiled funnels is
# invalidated across sessions.  Session A warms its cache; session B changes
# a rule, a stage setting, adds a label in the middle of the enum, renames a
# label, re-creates the funnel; A's next statement sees each committed change
# and never an uncommitted or rolled-back one.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('sessions');
$node->init;
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION funnel;
SELECT funnel.create_funnel('public.pipe', ARRAY['lead', 'qualified', 'proposal', 'negotiation'],
                            won => '{won}', lost => '{lost}', allow_skip => false);
});

my $a = $node->background_psql('postgres', on_error_stop => 0);
my $b = $node->background_psql('postgres', on_error_stop => 0);

# A runs a query; returns its output (dies if it raised an error)
sub in_a
{
	my ($sql) = @_;
	my ($out, $ret) = $a->query($sql);
	die "session A: $sql failed: $a->{stderr}" if $ret;
	return $out;
}

sub in_b
{
	my ($sql) = @_;
	my ($out, $ret) = $b->query($sql);
	die "session B: $sql failed: $b->{stderr}" if $ret;
	return $out;
}

my $pid_a = in_a('SELECT pg_backend_pid()');
my $pid_b = in_b('SELECT pg_backend_pid()');
isnt($pid_a, $pid_b, 'two sessions on two backends');

# warm A's cache
is( in_a(q{
SELECT funnel.can_transition('proposal'::pipe, 'qualified'),
       funnel.can_transition('lead'::pipe, 'qualified'),
       funnel.stage_position('proposal'::pipe),
       funnel.probability('proposal'::pipe)}),
	'f|t|3|', 'A: warm cache, default rules');

# a committed explicit edge
in_b(q{SELECT funnel.allow_transition('proposal'::pipe, 'qualified')});
is(in_a(q{SELECT funnel.can_transition('proposal'::pipe, 'qualified')}),
	't', 'A sees the edge B allowed and committed');
is(in_a(q{SELECT count(*) FROM funnel.transitions('pipe') WHERE from_stage = 'proposal' AND to_stage = 'qualified'}),
	'1', 'A: funnel.transitions() shows the new edge');

# an uncommitted change is not seen, then seen once committed
in_b('BEGIN');
in_b(q{SELECT funnel.forbid_transition('lead'::pipe, 'qualified')});
is(in_b(q{SELECT funnel.can_transition('lead'::pipe, 'qualified')}),
	'f', 'B sees its own uncommitted change');
is(in_a(q{SELECT funnel.can_transition('lead'::pipe, 'qualified')}),
	't', 'A does not see B\'s uncommitted change');
in_b('COMMIT');
is(in_a(q{SELECT funnel.can_transition('lead'::pipe, 'qualified')}),
	'f', 'A sees the change once B commits');

# a rolled-back change is never seen
in_b('BEGIN');
in_b(q{SELECT funnel.set_stage('proposal'::pipe, probability => 0.9)});
is(in_a(q{SELECT funnel.probability('proposal'::pipe)}), '', 'A: uncommitted set_stage not seen');
in_b('ROLLBACK');
is(in_a(q{SELECT funnel.probability('proposal'::pipe)}), '', 'A: rolled-back set_stage not seen');
is(in_b(q{SELECT funnel.probability('proposal'::pipe)}), '', 'B: rolled-back set_stage gone in B too');

# a committed stage setting
in_b(q{SELECT funnel.set_stage('proposal'::pipe, probability => 0.5, owner => 'sales')});
is(in_a(q{SELECT funnel.probability('proposal'::pipe), owner FROM funnel.stages('pipe') WHERE stage = 'proposal'}),
	'0.5|sales', 'A sees the committed set_stage');

# a statement-level change of the flags, written directly to the catalog
in_b(q{UPDATE funnel.funnel_def SET allow_skip = true WHERE stage_type = 'pipe'::regtype});
is(in_a(q{SELECT funnel.can_transition('lead'::pipe, 'negotiation')}),
	't', 'A sees allow_skip turned on by a direct UPDATE in B');
in_b(q{UPDATE funnel.funnel_def SET allow_skip = false WHERE stage_type = 'pipe'::regtype});
is(in_a(q{SELECT funnel.can_transition('lead'::pipe, 'negotiation')}),
	'f', 'A sees allow_skip turned off again');

# ALTER TYPE ... ADD VALUE ... BEFORE: a stage in the middle
is(in_a(q{SELECT funnel.next_stage('qualified'::pipe)}), 'proposal', 'A: next_stage before the new stage');
in_b(q{ALTER TYPE pipe ADD VALUE 'demo' BEFORE 'proposal'});
is( in_a(q{SELECT position, stage, outcome FROM funnel.stages('pipe') ORDER BY position}),
	"1|lead|open\n2|qualified|open\n3|demo|open\n4|proposal|open\n5|negotiation|open\n6|won|won\n7|lost|lost",
	'A: funnel.stages() shows the stage B added');
is( in_a(q{
SELECT funnel.stage_position('proposal'::pipe), funnel.stage_position('demo'::pipe),
       funnel.next_stage('qualified'::pipe), funnel.prev_stage('proposal'::pipe)}),
	'4|3|demo|demo', 'A: stage_position shifts and the neighbours include the new stage');
is( in_a(q{
SELECT funnel.can_transition('qualified'::pipe, 'demo'),
       funnel.can_transition('qualified'::pipe, 'proposal'),
       funnel.can_transition('demo'::pipe, 'lost'),
       funnel.can_transition('proposal'::pipe, 'qualified')}),
	't|f|t|t',
	'A: with skips off, qualified->proposal now skips demo; explicit edge kept');

# a value added by B, used by A in a table before A ever saw it compiled
in_b(q{ALTER TYPE pipe ADD VALUE 'intro call' AFTER 'lead'});
in_a(q{CREATE TEMP TABLE t AS SELECT 'intro call'::pipe AS s});
is(in_a(q{SELECT funnel.stage_position(s), funnel.prev_stage(s), funnel.next_stage(s) FROM t}),
	'2|lead|qualified', 'A: a label B added after A\'s last use is known at once');

# rename_stage in B
in_b(q{SELECT funnel.rename_stage('demo'::pipe, 'discovery')});
is(in_a(q{SELECT stage FROM funnel.stages('pipe') WHERE position = 4}),
	'discovery', 'A: funnel.stages() shows the stage renamed by B');
is(in_a(q{SELECT funnel.next_stage('qualified'::pipe)::text}),
	'discovery', 'A: next_stage returns the new label');

# drop and re-create the funnel under the same name in B
in_a(q{DROP TABLE t});
in_b(q{SELECT funnel.drop_funnel('pipe')});
in_b(q{SELECT funnel.create_funnel('public.pipe', ARRAY['first', 'second'], lost => '{out}')});
is(in_a(q{SELECT string_agg(stage, ',' ORDER BY position) FROM funnel.stages('pipe')}),
	'first,second,out', 'A: the re-created funnel replaces the dropped one');
is(in_a(q{SELECT funnel.can_transition('second'::pipe, 'first')}),
	'f', 'A: the re-created funnel has no explicit edges of the old one');

# a funnel that B unregisters (register_funnel'd enum stays) is gone for A
in_b(q{CREATE TYPE public.adopted AS ENUM ('x', 'y')});
in_b(q{SELECT funnel.register_funnel('adopted')});
is(in_a(q{SELECT funnel.stage_position('y'::adopted)}), '2', 'A: uses a funnel B registered');
in_b(q{SELECT funnel.drop_funnel('adopted')});
my ($out, $ret) = $a->query(q{\set VERBOSITY verbose
SELECT funnel.stage_position('y'::adopted)});
ok($ret, 'A: a funnel that B unregistered raises an error');
like($a->{stderr}, qr/ERROR:  42704: type (public\.)?adopted is not a registered funnel/,
	'A: the error is 42704 "not a registered funnel"');
$a->{stderr} = '';

# inside an open transaction of A (read committed), a later statement sees
# a change B committed meanwhile
in_a('BEGIN');
is(in_a(q{SELECT funnel.can_transition('second'::pipe, 'first')}), 'f', 'A (in a transaction): warm');
in_b(q{SELECT funnel.allow_transition('second'::pipe, 'first')});
is(in_a(q{SELECT count(*) FROM funnel.transition_def WHERE stage_type = 'pipe'::regtype}),
	'1', 'A (in a transaction): the committed row is visible to the next statement');
is(in_a(q{SELECT funnel.can_transition('second'::pipe, 'first')}),
	't', 'A (in a transaction): can_transition agrees with the rows it sees');
in_a('COMMIT');

# the same, when A's next statement reads no table itself: in read committed
# mode each statement sees what was committed before it started, so the
# rules should be those B committed
in_a('BEGIN');
is(in_a(q{SELECT funnel.can_transition('second'::pipe, 'first')}), 't', 'A (in a transaction): warm again');
in_b(q{SELECT funnel.forbid_transition('second'::pipe, 'first')});
# (funnel_def_cached() accepts invalidation messages when a query first uses a funnel)
is(in_a(q{SELECT funnel.can_transition('second'::pipe, 'first')}),
	'f', 'A (in a transaction): a statement that reads no table sees B\'s committed rule');
in_a('COMMIT');
is(in_a(q{SELECT funnel.can_transition('second'::pipe, 'first')}),
	'f', 'A: the next transaction sees B\'s committed rule');

$a->quit;
$b->quit;
$node->stop;
done_testing();
