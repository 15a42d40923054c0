# 030_event_funnel_limits.pl: the memory bound of the event-funnel aggregates
# (issue 7, "Memory").  A group of 10,000,000 matching events works; a group
# whose state would pass 1 GB (67,104,765 matching rows) raises 54000 with a
# clear message, and the server neither crashes nor restarts; strict_once's
# bound on partial chains at one instant raises 54000 too.  Slow-ish (the 1 GB
# case feeds 70 million rows): about 30 s.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('limits');
$node->init;
$node->append_conf('postgresql.conf', "max_parallel_workers_per_gather = 0\njit = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION funnel');
my $started = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

# 10 million matching events of one user: events 1 ms apart cycling through
# three steps, so the whole funnel is reached (and also through the bigint
# clock with the times of the fastest chain)
is( $node->safe_psql(
		'postgres', q{
SELECT funnel.window_funnel('1 hour', timestamptz '2025-01-01' + i * interval '1 ms',
                            i % 4 = 0, i % 4 = 1, i % 4 = 2)
FROM generate_series(1, 10000000) i}),
	'3',
	'10 million matching events in one group');
is( $node->safe_psql(
		'postgres', q{
SELECT funnel.window_funnel_times(5, i, i % 4 = 0, i % 4 = 1, i % 4 = 2)
FROM generate_series(10000000, 1, -1) i}),
	'{0,1,2}',
	'10 million events in reverse order: sorted, fastest chain');

# past 1 GB: a clear error, the backend and the server live on
my ($ret, $out, $err) = $node->psql('postgres', q{
SELECT funnel.window_funnel(1000::bigint, i, true, i % 4 = 1) FROM generate_series(1, 70000000) i},
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
isnt($ret, 0, 'a state past 1 GB fails');
like($err, qr/ERROR:  54000: an event funnel group can hold at most 67104765 matching rows \(1 GB\)/,
	'54000, with the limit in the message');
like($err, qr/HINT:  Group by a finer key, or narrow the rows with WHERE\./, 'and a hint');

# strict_once: 1,000 rows at one instant, each true for steps 1 and 2, make a
# million partial chains: past the bound, 54000
($ret, $out, $err) = $node->psql('postgres', q{
SELECT funnel.window_funnel(10::bigint, 'strict_once', 1::bigint, true, true, i = 0)
FROM generate_series(1, 1000) i}, extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($err, qr/ERROR:  54000: window_funnel strict_once: more than 262144 partial chains at one instant/,
	'strict_once chain bound');
# below the bound the same shape works: 300 rows -> 90,000 chains
is( $node->safe_psql(
		'postgres', q{
SELECT funnel.window_funnel(10::bigint, 'strict_once', 1::bigint, true, true, i = 0)
FROM generate_series(1, 300) i}),
	'2',
	'strict_once below the bound');

is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $started, 'the server did not restart');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'and answers');

$node->stop;
done_testing();
