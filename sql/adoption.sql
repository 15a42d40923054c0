--
-- adoption: small things that make the extension easier to use from BI tools
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
RESET client_min_messages;

-- funnel.days(interval): a duration as days (months count 30 days); NULL stays NULL
SELECT d, funnel.days(d::interval) AS days
FROM (VALUES ('0'), ('36 days 29:06:40'), ('1 day 12:00:00'), ('-2 days'), ('1 month 1 day'),
             ('00:00:00.000001'), ('178000000 years')) v(d);
SELECT funnel.days(NULL) IS NULL AS null_in_null_out;
-- it equals extract(epoch) / 86400 for what the extension returns
SELECT abs(funnel.days(funnel.avg_cycle_length(p)) - (extract(epoch FROM funnel.avg_cycle_length(p)) / 86400)::float8) < 1e-12 AS same, funnel.days(funnel.avg_cycle_length(p)) AS days
FROM (SELECT funnel.pipeline(s, 1, c, c + (g || ' hours')::interval) p
      FROM generate_series(1, 100) g,
           LATERAL (SELECT 'closed_won'::funnel.sales_stage s, timestamptz '2024-01-01' c) x) y;
