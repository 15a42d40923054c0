# 031_journey_limit.pl: the size limit of funnel.journey.  A journey holds at
# most 67,108,862 events (its value then fills one 1 GB allocation): one
# group of 67,108,863 rows fills a state up to exactly the limit and then
# raises 54000 with the limit in the message -- not "invalid memory alloc
# request size" (XX000), which it raised at about 50 million events when the
# state still doubled past 1 GB -- and the server neither crashes nor
# restarts.  About 15 s and 3 GB of memory at the peak.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('journey_limit');
$node->init;
$node->append_conf('postgresql.conf', "max_parallel_workers_per_gather = 0\njit = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION funnel');
my $started = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

# one event per row, alternating stages 1 ms apart (no repeats); the rows come
# from a set-returning function in the target list, so nothing spills to disk
my ($ret, $out, $err) = $node->psql('postgres', q{
SELECT funnel.event_count(funnel.journey(CASE WHEN i % 2 = 0 THEN 'lead' ELSE 'qualified' END::funnel.sales_stage,
                                         timestamptz '2000-01-01' + i * interval '1 ms'))
FROM (SELECT generate_series(1, 67108863) AS i) s},
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
isnt($ret, 0, 'one event past the limit fails');
like($err, qr/ERROR:  54000: a journey can hold at most 67108862 events \(1 GB\)/,
	'54000 at the 67,108,863rd event (the state held 67,108,862), with the limit in the message');
like($err, qr/HINT:  A journey is one entity's history: group the rows by entity, or narrow them with WHERE\./,
	'and a hint');

is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $started, 'the server did not restart');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'and answers');

$node->stop;
done_testing();
