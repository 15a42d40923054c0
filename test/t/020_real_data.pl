# 020_real_data.pl: journeys, summaries and funnel.stage_report on real public
# data sets, each figure checked against a plain-SQL answer computed in the same
# test from the same loaded rows.
#
# The data lives outside the repository, in ../shared/data relative to the repo
# root (see its README; the project never copies it).  The path is resolved from
# this file's location; FUNNEL_SHARED_DATA=/path/to/shared/data overrides it.
# When the directory or a required file is absent the whole test is skipped with
# a message; the OTTO sample is optional.
#
#   Olist marketing funnel: 8,000 marketing-qualified leads (first_contact_date)
#     and 842 closed deals (won_date): funnel mql -> closed (won), journeys per
#     mql_id.  One deal is won two days *before* its lead's first contact
#     (mql_id b91cf8812365f50ff4bda4bcd6206b05): journeys sort by time, so that
#     journey reads closed -> mql: it ends open at mql (its won outcome is not
#     its final outcome), its cycle length is 0 (first event to the first
#     outcome: both the won event), it entered and reached closed, and its mql
#     stay is current (no completed visit) while its closed stay lasted until
#     the first contact.
#   Maven CRM sales opportunities (CRLF line endings, loaded with FORMAT csv):
#     prospecting -> engaging -> won / lost from engage_date and close_date;
#     also the win-rate curve and the learned stage-to-win probabilities.
#     Prospecting opportunities have no date at all: their one row has a NULL
#     time and is skipped, so they have no journey and are not entities.
#   OTTO session sample (optional): clicks -> carts -> orders (won) per session.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Spec;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = abs_path(File::Spec->catdir(dirname(abs_path(__FILE__)), '..', '..'));
my $data = $ENV{FUNNEL_SHARED_DATA}
  // File::Spec->catdir(dirname($root), 'shared', 'data');

my %file = (
	olist_mql => "$data/olist-marketing-funnel/olist_marketing_qualified_leads_dataset.csv",
	olist_deals => "$data/olist-marketing-funnel/olist_closed_deals_dataset.csv",
	maven => "$data/maven-crm-sales-opportunities/sales_pipeline.csv",);
my $otto = "$data/otto-session-sample/train_events_flattened.csv";

plan skip_all => "shared/data not found: $data is not a directory (set FUNNEL_SHARED_DATA)"
  unless -d $data;
for my $f (sort values %file)
{
	plan skip_all => "shared/data not found: $f is missing or unreadable"
	  unless -f $f && -r $f;
}

my $node = PostgreSQL::Test::Cluster->new('real_data');
$node->init;
$node->start;
$node->safe_psql('postgres', q{ALTER DATABASE postgres SET timezone TO 'UTC'});

# a file name as a psql \copy argument
sub quoted
{
	my ($path) = @_;
	$path =~ s/'/''/g;
	return "'$path'";
}

sub sql
{
	my ($q) = @_;
	return $node->safe_psql('postgres', $q);
}

# one check: our figure and the plain-SQL figure, both computed here (an empty
# answer -- NULL or no row -- is never the expected one)
sub same
{
	my ($name, $ours, $plain) = @_;
	my $o = sql($ours);
	my $p = sql($plain);
	ok($o ne '' && $o eq $p, $name) or diag("ours: [$o]\nplain SQL: [$p]");
	return $o;
}

sql(q{CREATE EXTENSION funnel});

#############################################################################
# Olist: mql -> closed
#############################################################################
sql(qq{
CREATE TABLE olist_mql (mql_id text PRIMARY KEY, first_contact_date date, landing_page_id text, origin text);
\\copy olist_mql FROM @{[quoted($file{olist_mql})]} WITH (FORMAT csv, HEADER)
CREATE TABLE olist_deal (mql_id text PRIMARY KEY, seller_id text, sdr_id text, sr_id text, won_date timestamp,
    business_segment text, lead_type text, lead_behaviour_profile text, has_company text, has_gtin text,
    average_stock text, business_type text, declared_product_catalog_size text, declared_monthly_revenue text);
\\copy olist_deal FROM @{[quoted($file{olist_deals})]} WITH (FORMAT csv, HEADER)
SELECT funnel.create_funnel('olist_stage', '{mql,closed}', won => '{closed}');
CREATE TABLE olist_history AS
SELECT mql_id, 'mql'::olist_stage AS stage, first_contact_date::timestamptz AS at FROM olist_mql
UNION ALL
SELECT mql_id, 'closed', won_date::timestamptz FROM olist_deal;
CREATE TABLE olist_j AS
SELECT m.mql_id, m.origin, date_trunc('month', m.first_contact_date) AS month, j
FROM olist_mql m JOIN (SELECT mql_id, funnel.journey(stage, at) AS j FROM olist_history GROUP BY mql_id) x USING (mql_id);
CREATE TABLE olist_s AS SELECT funnel.summary(j) AS s FROM olist_j;
});

# the data is the published data set
is(sql(q{SELECT count(*) FROM olist_mql}), '8000', 'olist: 8000 MQLs loaded');
is(sql(q{SELECT count(*) FROM olist_deal}), '842', 'olist: 842 closed deals loaded');
is(sql(q{SELECT count(*) FROM olist_deal JOIN olist_mql USING (mql_id)}), '842',
	'olist: every deal has its MQL');

same('olist: entities = MQLs',
	q{SELECT funnel.entity_count(s) FROM olist_s},
	q{SELECT count(*) FROM olist_mql});
same('olist: linear report, mql row: reached and entered = MQLs',
	q{SELECT reached || ' ' || entered FROM olist_s, funnel.stage_report(s) WHERE stage = 'mql'},
	q{SELECT count(*) || ' ' || count(*) FROM olist_mql});
same('olist: linear report, closed row: reached and entered = closed deals',
	q{SELECT reached || ' ' || entered FROM olist_s, funnel.stage_report(s) WHERE stage = 'closed'},
	q{SELECT count(*) || ' ' || count(*) FROM olist_deal});
same('olist: conversion_rate(mql, closed) = deals / MQLs',
	q{SELECT funnel.conversion_rate(s, 'mql'::olist_stage, 'closed'::olist_stage) FROM olist_s},
	q{SELECT (SELECT count(*) FROM olist_deal)::float8 / (SELECT count(*) FROM olist_mql)::float8});
same('olist: report conversion_from_top of closed = deals / MQLs',
	q{SELECT conversion_from_top FROM olist_s, funnel.stage_report(s) WHERE stage = 'closed'},
	q{SELECT (SELECT count(*) FROM olist_deal)::float8 / (SELECT count(*) FROM olist_mql)::float8});
# a deal won before its first contact (dirty data) ended won: the later contact does not reopen
# it (the funnel does not allow reopening), so it is neither in progress nor a drop-off
same('olist: in progress at mql = MQLs without a deal; no drop-off (no lost stage)',
	q{SELECT in_progress || ' ' || drop_off FROM olist_s, funnel.stage_report(s) WHERE stage = 'mql'},
	q{SELECT count(*) || ' 0' FROM olist_mql m LEFT JOIN olist_deal d USING (mql_id) WHERE d.mql_id IS NULL});
same('olist: won + in progress = MQLs (every lead counted once)',
	q{SELECT funnel.entity_count(s) FROM olist_s},
	q{SELECT (SELECT in_progress FROM olist_s, funnel.stage_report(s) WHERE stage = 'mql')
	         + (SELECT entered FROM olist_s, funnel.stage_report(s) WHERE stage = 'closed')});
same('olist: the three policies agree on a two-stage funnel (reached, drop-off + in progress)',
	q{SELECT string_agg(pol || ':' || r.stage || ':' || r.reached || ':' || coalesce((r.drop_off + r.in_progress)::text, '-'), ' ' ORDER BY pol, r.position)
	  FROM olist_s, unnest('{entered,linear,strict}'::text[]) pol, funnel.stage_report(s, pol) r},
	q{SELECT string_agg(pol || ':' || st || ':' || n || ':' || d, ' ' ORDER BY pol, o)
	  FROM unnest('{entered,linear,strict}'::text[]) pol,
	       (SELECT 1 AS o, 'mql' AS st, (SELECT count(*) FROM olist_mql) AS n,
	               (SELECT count(*) FROM olist_mql m LEFT JOIN olist_deal d USING (mql_id)
	                WHERE d.mql_id IS NULL)::text AS d
	        UNION ALL SELECT 2, 'closed', (SELECT count(*) FROM olist_deal), '-') x});
same('olist: win rate = ended won / ended closed (no lost stage: 1)',
	q{SELECT funnel.win_rate(s) FROM olist_s},
	q{SELECT count(*) FILTER (WHERE d.won_date >= m.first_contact_date)::float8
	         / count(*) FILTER (WHERE d.won_date >= m.first_contact_date)::float8
	  FROM olist_mql m JOIN olist_deal d USING (mql_id)});

# the deal won before its lead's first contact
same('olist: exactly one deal won before its first contact, the documented one',
	q{SELECT string_agg(mql_id, ',') FROM olist_j WHERE funnel.path(j) = '{closed,mql}'},
	q{SELECT string_agg(mql_id, ',') FROM olist_mql JOIN olist_deal USING (mql_id) WHERE won_date < first_contact_date});
is(sql(q{SELECT mql_id FROM olist_j WHERE funnel.path(j) = '{closed,mql}'}),
	'b91cf8812365f50ff4bda4bcd6206b05', 'olist: the backdated deal is b91cf881...');
# won ends the journey: the later first contact is entered but does not reopen it (the funnel
# does not allow reopening), so the deal counts as won, never also as an open lead
same('olist: backdated deal: sorted by time it reads closed -> mql, ends won, cycle 0, reached closed',
	q{SELECT funnel.outcome(j) || ' ' || funnel.cycle_length(j) || ' ' || funnel.reached(j, 'closed'::olist_stage)
	         || ' ' || funnel.furthest_stage(j) || ' ' || funnel.exited_at(j, 'closed'::olist_stage)
	  FROM olist_j WHERE mql_id = 'b91cf8812365f50ff4bda4bcd6206b05'},
	q{SELECT 'won ' || interval '0' || ' true mql ' || first_contact_date::timestamptz
	  FROM olist_mql WHERE mql_id = 'b91cf8812365f50ff4bda4bcd6206b05'});

# quantiles: at most 1024 values, so exactly percentile_cont
same('olist: cycle length quantiles = percentile_cont (the backdated deal counts 0)',
	q{SELECT string_agg(funnel.cycle_length_quantile(s, p)::text, ' ' ORDER BY p)
	  FROM olist_s, unnest('{0,0.1,0.5,0.9,1}'::float8[]) p},
	q{SELECT string_agg(q::text, ' ' ORDER BY p)
	  FROM unnest('{0,0.1,0.5,0.9,1}'::float8[]) p,
	       LATERAL (SELECT percentile_cont(p) WITHIN GROUP (ORDER BY greatest(d.won_date::timestamptz - m.first_contact_date::timestamptz, interval '0')) AS q
	                FROM olist_mql m JOIN olist_deal d USING (mql_id)) x});
same('olist: time in mql (completed visits: first contact to win) quantiles = percentile_cont',
	q{SELECT string_agg(funnel.time_in_stage_quantile(s, 'mql'::olist_stage, p)::text, ' ' ORDER BY p)
	  FROM olist_s, unnest('{0,0.25,0.5,0.75,1}'::float8[]) p},
	q{SELECT string_agg(q::text, ' ' ORDER BY p)
	  FROM unnest('{0,0.25,0.5,0.75,1}'::float8[]) p,
	       LATERAL (SELECT percentile_cont(p) WITHIN GROUP (ORDER BY d.won_date::timestamptz - m.first_contact_date::timestamptz) AS q
	                FROM olist_mql m JOIN olist_deal d USING (mql_id) WHERE d.won_date >= m.first_contact_date) x});
same('olist: report median time in mql = percentile_cont',
	q{SELECT median_time_in_stage FROM olist_s, funnel.stage_report(s) WHERE stage = 'mql'},
	q{SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d.won_date::timestamptz - m.first_contact_date::timestamptz)
	  FROM olist_mql m JOIN olist_deal d USING (mql_id) WHERE d.won_date >= m.first_contact_date});
same('olist: median time in closed = the backdated deal\'s stay (won to first contact)',
	q{SELECT median_time_in_stage FROM olist_s, funnel.stage_report(s) WHERE stage = 'closed'},
	q{SELECT m.first_contact_date::timestamptz - d.won_date::timestamptz
	  FROM olist_mql m JOIN olist_deal d USING (mql_id) WHERE d.won_date < m.first_contact_date});

# per origin, through LATERAL; and the monthly cohorts rolled up
same('olist: per origin (LATERAL), MQLs and closed deals',
	q{SELECT string_agg(origin || ':' || r.stage || ':' || r.reached, ' ' ORDER BY origin, r.position)
	  FROM (SELECT coalesce(origin, '(none)') AS origin, funnel.summary(j) AS s FROM olist_j GROUP BY 1) t,
	       LATERAL funnel.stage_report(t.s) r},
	q{SELECT string_agg(origin || ':' || st || ':' || n, ' ' ORDER BY origin, o)
	  FROM (SELECT coalesce(m.origin, '(none)') AS origin, 1 AS o, 'mql' AS st, count(*) AS n FROM olist_mql m GROUP BY 1
	        UNION ALL
	        SELECT coalesce(m.origin, '(none)'), 2, 'closed', count(d.mql_id) FROM olist_mql m LEFT JOIN olist_deal d USING (mql_id) GROUP BY 1) x});
same('olist: rollup of monthly cohorts = one pass (every report column, three policies)',
	q{SELECT string_agg(r::text, ' ' ORDER BY pol, r.position)
	  FROM (SELECT funnel.rollup(s) AS s FROM (SELECT month, funnel.summary(j) AS s FROM olist_j GROUP BY month) m) x,
	       unnest('{entered,linear,strict}'::text[]) pol, funnel.stage_report(x.s, pol) r},
	q{SELECT string_agg(r::text, ' ' ORDER BY pol, r.position)
	  FROM olist_s, unnest('{entered,linear,strict}'::text[]) pol, funnel.stage_report(s, pol) r});

#############################################################################
# Maven CRM: prospecting -> engaging -> won / lost
#############################################################################
sql(qq{
CREATE TABLE maven_pipeline (opportunity_id text PRIMARY KEY, sales_agent text, product text, account text,
    deal_stage text, engage_date date, close_date date, close_value int);
\\copy maven_pipeline FROM @{[quoted($file{maven})]} WITH (FORMAT csv, HEADER)
SELECT funnel.create_funnel('maven_stage', '{prospecting,engaging,won,lost}', won => '{won}', lost => '{lost}');
CREATE TABLE maven_history AS
SELECT opportunity_id, 'prospecting'::maven_stage AS stage, NULL::timestamptz AS at
FROM maven_pipeline WHERE deal_stage = 'Prospecting'
UNION ALL
SELECT opportunity_id, 'engaging', engage_date::timestamptz FROM maven_pipeline WHERE engage_date IS NOT NULL
UNION ALL
SELECT opportunity_id, lower(deal_stage)::maven_stage, close_date::timestamptz
FROM maven_pipeline WHERE deal_stage IN ('Won', 'Lost');
CREATE TABLE maven_j AS
SELECT opportunity_id, product, date_trunc('month', min(at)) AS month, funnel.journey(stage, at) AS j
FROM maven_history JOIN maven_pipeline USING (opportunity_id) GROUP BY opportunity_id, product;
CREATE TABLE maven_s AS SELECT funnel.summary(j) AS s FROM maven_j;
});

is(sql(q{SELECT string_agg(deal_stage || ' ' || n, ', ' ORDER BY deal_stage)
         FROM (SELECT deal_stage, count(*) AS n FROM maven_pipeline GROUP BY 1) x}),
	'Engaging 1589, Lost 2473, Prospecting 500, Won 4238',
	'maven: 8800 opportunities by stage as published (CRLF read by FORMAT csv)');
is(sql(q{SELECT count(*) FROM maven_pipeline
         WHERE concat_ws(',', opportunity_id, sales_agent, product, account, deal_stage) ~ '\r'}),
	'0', 'maven: no carriage return left in any field');

same('maven: entities = opportunities with a date (prospecting ones have none: no journey)',
	q{SELECT funnel.entity_count(s) || ' ' || (SELECT count(*) FROM maven_j WHERE j IS NULL) FROM maven_s},
	q{SELECT count(*) FILTER (WHERE engage_date IS NOT NULL) || ' ' || count(*) FILTER (WHERE engage_date IS NULL)
	  FROM maven_pipeline});
same('maven: win rate = Won / (Won + Lost)',
	q{SELECT funnel.win_rate(s) FROM maven_s},
	q{SELECT count(*) FILTER (WHERE deal_stage = 'Won')::float8
	         / count(*) FILTER (WHERE deal_stage IN ('Won', 'Lost'))::float8 FROM maven_pipeline});
# the win-rate curve (created = engage date, as of the last close date): open deals
# censored, so at a large horizon it lies between the cohort and the closed win rate
sql(q{CREATE TABLE maven_wr AS
      SELECT funnel.winrate_curve(lower(deal_stage)::maven_stage, engage_date::timestamptz, close_date::timestamptz,
                                  (SELECT max(close_date) FROM maven_pipeline)::timestamptz) AS c
      FROM maven_pipeline});
same('maven: closed win rate of the curve = Won / (Won + Lost) of engaged deals',
	q{SELECT funnel.closed_win_rate(c) FROM maven_wr},
	q{SELECT count(*) FILTER (WHERE deal_stage = 'Won')::float8
	         / count(*) FILTER (WHERE deal_stage IN ('Won', 'Lost'))::float8 FROM maven_pipeline WHERE engage_date IS NOT NULL});
same('maven: cohort win rate of the curve = Won / engaged deals',
	q{SELECT funnel.cohort_win_rate(c) FROM maven_wr},
	q{SELECT count(*) FILTER (WHERE deal_stage = 'Won')::float8 / count(*)::float8
	  FROM maven_pipeline WHERE engage_date IS NOT NULL});
is(sql(q{SELECT funnel.win_rate_within(c, 100000) BETWEEN funnel.cohort_win_rate(c) AND funnel.closed_win_rate(c)
         FROM maven_wr}),
	't', 'maven: win rate within a large horizon lies between the cohort and the closed win rate');
is(sql(q{SELECT count(*) > 30 AND bool_and(win_rate >= prev AND lower <= win_rate AND win_rate <= upper)
         FROM (SELECT r.*, coalesce(lag(win_rate) OVER (ORDER BY day), 0) AS prev
               FROM maven_wr, funnel.win_rate_curve(c) r) x}),
	't', 'maven: the win-rate curve never decreases and lies within its band');
# learned stage-to-win probabilities (funnel.stage_outcomes over the journeys, as of
# the last close date): every opportunity enters engaging on its engage date, so the
# learned chance of engaging is the win-rate curve from the engage date at the end of
# follow-up, with the same band; prospecting has no dated entry, so nothing is learned
sql(q{CREATE TABLE maven_so AS
      SELECT funnel.stage_outcomes(j, (SELECT max(close_date) FROM maven_pipeline)::timestamptz) AS s FROM maven_j});
same('maven: learned probability of engaging = the win-rate curve at the end of follow-up, band included',
	q{SELECT probability || ' ' || lower || ' ' || upper
	  FROM maven_so, funnel.stage_probabilities(s) WHERE stage = 'engaging'},
	q{SELECT win_rate || ' ' || lower || ' ' || upper
	  FROM maven_wr, funnel.win_rate_curve(c) ORDER BY day DESC LIMIT 1});
same('maven: learned counts per stage (engaging: won, lost, still engaging; prospecting: none)',
	q{SELECT string_agg(stage || ':' || coalesce(deals::text, '-') || ':' || coalesce(won::text, '-') || ':'
	                    || coalesce(lost::text, '-') || ':' || coalesce(open::text, '-') || ':'
	                    || coalesce(probability::text, '-'), ' ' ORDER BY position)
	  FROM maven_so, funnel.stage_probabilities(s)},
	q{SELECT 'prospecting:0:0:0:0:-'
	         || ' engaging:' || count(*) FILTER (WHERE engage_date IS NOT NULL) || ':' || count(*) FILTER (WHERE deal_stage = 'Won')
	         || ':' || count(*) FILTER (WHERE deal_stage = 'Lost') || ':' || count(*) FILTER (WHERE deal_stage = 'Engaging')
	         || ':' || (SELECT funnel.win_rate_within(c, 100000) FROM maven_wr)
	         || ' won:-:-:-:-:1 lost:-:-:-:-:0'
	  FROM maven_pipeline});
is(sql(q{SELECT probability < closed_win_rate AND probability > won::float8 / deals
         FROM maven_so, funnel.stage_probabilities(s) WHERE stage = 'engaging'}),
	't', 'maven: the learned chance of engaging lies between the cohort and the closed win rate');
same('maven: rollup of monthly stage_outcomes = one pass',
	q{SELECT funnel.rollup(s)::text
	  FROM (SELECT month, funnel.stage_outcomes(j, (SELECT max(close_date) FROM maven_pipeline)::timestamptz) AS s
	        FROM maven_j GROUP BY month) m},
	q{SELECT s::text FROM maven_so});
# the open pipeline at list prices (products.csv; "GTXPro" is "GTX Pro" there),
# weighted by the learned chance of engaging
same('maven: open pipeline at list prices weighted by the learned probability',
	q{SELECT round(funnel.weighted_value(funnel.pipeline(lower(p.deal_stage)::maven_stage,
	                                                     CASE p.product WHEN 'GTX Basic' THEN 550 WHEN 'GTXPro' THEN 4821
	                                                          WHEN 'MG Special' THEN 55 WHEN 'MG Advanced' THEN 3393
	                                                          WHEN 'GTX Plus Pro' THEN 5482 WHEN 'GTX Plus Basic' THEN 1096
	                                                          WHEN 'GTK 500' THEN 26768 END, NULL, NULL),
	                                     (SELECT s FROM maven_so)), 6)
	  FROM maven_pipeline p WHERE p.deal_stage <> 'Prospecting'},
	q{SELECT round(sum(CASE product WHEN 'GTX Basic' THEN 550 WHEN 'GTXPro' THEN 4821
	                                WHEN 'MG Special' THEN 55 WHEN 'MG Advanced' THEN 3393
	                                WHEN 'GTX Plus Pro' THEN 5482 WHEN 'GTX Plus Basic' THEN 1096
	                                WHEN 'GTK 500' THEN 26768 END)
	                 * (SELECT probability FROM maven_so, funnel.stage_probabilities(s) WHERE stage = 'engaging')::numeric, 6)
	  FROM maven_pipeline WHERE deal_stage = 'Engaging'});
same('maven: linear report, reached / entered / drop-off per stage',
	q{SELECT string_agg(stage || ':' || reached || ':' || entered || ':' || coalesce(drop_off::text, '-'), ' ' ORDER BY position)
	  FROM maven_s, funnel.stage_report(s)},
	q{SELECT 'prospecting:' || count(*) FILTER (WHERE engage_date IS NOT NULL) || ':0:0'
	         || ' engaging:' || count(*) FILTER (WHERE engage_date IS NOT NULL) || ':' || count(*) FILTER (WHERE engage_date IS NOT NULL)
	         || ':' || count(*) FILTER (WHERE deal_stage = 'Lost')
	         || ' won:' || count(*) FILTER (WHERE deal_stage = 'Won') || ':' || count(*) FILTER (WHERE deal_stage = 'Won') || ':-'
	         || ' lost:' || count(*) FILTER (WHERE deal_stage = 'Lost') || ':' || count(*) FILTER (WHERE deal_stage = 'Lost') || ':-'
	  FROM maven_pipeline});
same('maven: in progress at engaging = opportunities still Engaging (not drop-offs)',
	q{SELECT in_progress FROM maven_s, funnel.stage_report(s) WHERE stage = 'engaging'},
	q{SELECT count(*) FROM maven_pipeline WHERE deal_stage = 'Engaging'});
same('maven: linear report conversions (from previous, from top)',
	q{SELECT string_agg(stage || ':' || coalesce(conversion_from_previous::text, '-') || ':' || coalesce(conversion_from_top::text, '-'), ' ' ORDER BY position)
	  FROM maven_s, funnel.stage_report(s)},
	q{SELECT 'prospecting:-:1 engaging:1:1'
	         || ' won:-:' || (count(*) FILTER (WHERE deal_stage = 'Won')::float8 / count(*) FILTER (WHERE engage_date IS NOT NULL)::float8)
	         || ' lost:-:' || (count(*) FILTER (WHERE deal_stage = 'Lost')::float8 / count(*) FILTER (WHERE engage_date IS NOT NULL)::float8)
	  FROM maven_pipeline});
same('maven: entered and strict reports: nobody entered prospecting, so no conversions; strict counts nobody',
	q{SELECT string_agg(pol || ':' || stage || ':' || reached || ':' || coalesce(conversion_from_top::text, '-') || ':' || coalesce(drop_off::text, '-'), ' ' ORDER BY pol, position)
	  FROM maven_s, unnest('{entered,strict}'::text[]) pol, funnel.stage_report(s, pol)},
	q{SELECT string_agg(pol || ':' || x, ' ' ORDER BY pol, o)
	  FROM unnest('{entered,strict}'::text[]) pol,
	       LATERAL (SELECT 1 AS o, 'prospecting:0:-:0' AS x
	                UNION ALL SELECT 2, 'engaging:' || CASE WHEN pol = 'entered' THEN count(*) FILTER (WHERE engage_date IS NOT NULL) ELSE 0 END
	                              || ':-:' || CASE WHEN pol = 'entered' THEN count(*) FILTER (WHERE deal_stage = 'Lost') ELSE 0 END
	                          FROM maven_pipeline
	                UNION ALL SELECT 3, 'won:' || count(*) FILTER (WHERE deal_stage = 'Won') || ':-:-' FROM maven_pipeline
	                UNION ALL SELECT 4, 'lost:' || count(*) FILTER (WHERE deal_stage = 'Lost') || ':-:-' FROM maven_pipeline) y});
same('maven: conversion_rate(engaging, won)',
	q{SELECT funnel.conversion_rate(s, 'engaging'::maven_stage, 'won'::maven_stage) FROM maven_s},
	q{SELECT count(*) FILTER (WHERE deal_stage = 'Won')::float8 / count(*) FILTER (WHERE engage_date IS NOT NULL)::float8
	  FROM maven_pipeline});
# 6711 closed deals: sketch mode, within 1% (p = 0 and 1 exact: min and max)
same('maven: cycle length quantiles: min and max = percentile_cont',
	q{SELECT funnel.cycle_length_quantile(s, 0) || ' ' || funnel.cycle_length_quantile(s, 1) FROM maven_s},
	q{SELECT percentile_cont(0) WITHIN GROUP (ORDER BY (close_date - engage_date) * interval '1 day') || ' '
	         || percentile_cont(1) WITHIN GROUP (ORDER BY (close_date - engage_date) * interval '1 day')
	  FROM maven_pipeline WHERE close_date IS NOT NULL});
same('maven: cycle length, time in engaging and report median within 1% of percentile_cont (p 0.1, 0.25, 0.5, 0.9)',
	q{SELECT string_agg(p || ':' || (abs(extract(epoch FROM funnel.cycle_length_quantile(s, p)) / extract(epoch FROM q) - 1) <= 0.01
	                             AND abs(extract(epoch FROM funnel.time_in_stage_quantile(s, 'engaging'::maven_stage, p)) / extract(epoch FROM q) - 1) <= 0.01
	                             AND (p <> 0.5 OR abs(extract(epoch FROM (SELECT median_time_in_stage FROM funnel.stage_report(s) WHERE stage = 'engaging'))
	                                                  / extract(epoch FROM q) - 1) <= 0.01)), ' ' ORDER BY p)
	  FROM maven_s, unnest('{0.1,0.25,0.5,0.9}'::float8[]) p,
	       LATERAL (SELECT percentile_cont(p) WITHIN GROUP (ORDER BY (close_date - engage_date) * interval '1 day') AS q
	                FROM maven_pipeline WHERE close_date IS NOT NULL) x},
	q{SELECT '0.1:true 0.25:true 0.5:true 0.9:true'});
same('maven: completed engaging visits in the summary = closed deals (open ones are current stays)',
	q{SELECT st->'time'->>'n' FROM maven_s, jsonb_array_elements(s::text::jsonb->'stages') st WHERE st->>'stage' = 'engaging'},
	q{SELECT count(*) FILTER (WHERE close_date IS NOT NULL) FROM maven_pipeline});
same('maven: won per product (LATERAL report per product)',
	q{SELECT string_agg(product || ':' || r.reached, ' ' ORDER BY product)
	  FROM (SELECT product, funnel.summary(j) AS s FROM maven_j GROUP BY product HAVING funnel.entity_count(funnel.summary(j)) > 0) t,
	       LATERAL funnel.stage_report(t.s) r WHERE r.stage = 'won'},
	q{SELECT string_agg(product || ':' || n, ' ' ORDER BY product)
	  FROM (SELECT product, count(*) FILTER (WHERE deal_stage = 'Won') AS n FROM maven_pipeline
	        WHERE engage_date IS NOT NULL GROUP BY product) x});
same('maven: rollup of monthly cohorts = one pass (every report column, three policies)',
	q{SELECT string_agg(r::text, ' ' ORDER BY pol, r.position)
	  FROM (SELECT funnel.rollup(s) AS s FROM (SELECT month, funnel.summary(j) AS s FROM maven_j GROUP BY month) m) x,
	       unnest('{entered,linear,strict}'::text[]) pol, funnel.stage_report(x.s, pol) r},
	q{SELECT string_agg(r::text, ' ' ORDER BY pol, r.position)
	  FROM maven_s, unnest('{entered,linear,strict}'::text[]) pol, funnel.stage_report(s, pol) r});

#############################################################################
# OTTO sessions (optional): clicks -> carts -> orders (won)
#############################################################################
SKIP:
{
	skip "shared/data not found: $otto is missing (OTTO checks are optional)", 5
	  unless -f $otto && -r $otto;

	sql(qq{
CREATE TABLE otto_event (session bigint, aid bigint, ts bigint, type text);
\\copy otto_event FROM @{[quoted($otto)]} WITH (FORMAT csv, HEADER)
SELECT funnel.create_funnel('otto_stage', '{clicks,carts,orders}', won => '{orders}');
CREATE TABLE otto_j AS
SELECT session, funnel.journey(type::otto_stage, to_timestamp(ts / 1000.0)) AS j FROM otto_event GROUP BY session;
CREATE TABLE otto_s AS SELECT funnel.summary(j) AS s FROM otto_j;
});
	is(sql(q{SELECT count(*) || ' ' || count(DISTINCT session) FROM otto_event}), '862 20',
		'otto: 862 events of 20 sessions');
	same('otto: entered per stage = sessions with such an event',
		q{SELECT string_agg(stage || ':' || entered, ' ' ORDER BY position) FROM otto_s, funnel.stage_report(s)},
		q{SELECT string_agg(t || ':' || (SELECT count(DISTINCT session) FROM otto_event WHERE type = t), ' ' ORDER BY o)
		  FROM unnest('{clicks,carts,orders}'::text[]) WITH ORDINALITY u(t, o)});
	same('otto: linear reached of carts = sessions with a cart event (the furthest open stage)',
		q{SELECT reached FROM otto_s, funnel.stage_report(s) WHERE stage = 'carts'},
		q{SELECT count(DISTINCT session) FROM otto_event WHERE type = 'carts'});
	# the final outcome: the last event by (time, funnel position) after repeats are dropped
	# an order ends a session's journey (browsing on after it does not reopen it: the funnel
	# does not allow reopening), and there is no lost stage: every session that ordered is won
	same('otto: win rate = sessions that ordered / sessions that ordered (no lost stage)',
		q{SELECT coalesce(funnel.win_rate(s)::text, 'none') || ' ' || funnel.entity_count(s) FROM otto_s},
		q{SELECT coalesce((count(*) FILTER (WHERE ordered)::float8 / nullif(count(*) FILTER (WHERE ordered), 0)::float8)::text, 'none')
		         || ' ' || count(*)
		  FROM (SELECT session, bool_or(type = 'orders') AS ordered FROM otto_event GROUP BY session) x});
	same('otto: event counts: consecutive repeats of a stage are one visit',
		q{SELECT sum(funnel.event_count(j)) FROM otto_j},
		q{SELECT count(*) FROM (SELECT type, lag(type) OVER (PARTITION BY session ORDER BY ts, array_position('{clicks,carts,orders}'::text[], type)) AS prev
		                         FROM otto_event) x WHERE prev IS DISTINCT FROM type});
}

$node->stop;
done_testing();
