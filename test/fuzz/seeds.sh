#!/usr/bin/env bash
# test/fuzz/seeds.sh: write the seed corpus test/fuzz/corpus/<harness>/ (run through
# `test/fuzz/run.sh seeds`, which then derives the *_recv seeds from the *_in ones).
#
# Text seeds are the output of a real server (psql with PGHOST etc. set, the extension
# installed) over the shipped funnels funnel.sales_stage and funnel.marketing_stage, which
# the fuzz shim's fake catalog also has; a few are written by hand where no SQL call
# returns the state (funnel.events, funnel.conversion) or to reach other funnels of the
# fake catalog.  The sequence_pattern and window_funnel_mode seeds are byte strings in
# the harnesses' input layouts (funnel_fuzz.c).
set -euo pipefail
cd "$(dirname "$0")/corpus"

q() {  # q FILE SQL: one value, as text
	mkdir -p "$(dirname "$1")"
	psql -XAtq -v ON_ERROR_STOP=1 -c "$2" | tr -d '\n' >"$1"
}
put() {  # put FILE TEXT
	mkdir -p "$(dirname "$1")"
	printf '%s' "$2" >"$1"
}

psql -XAtq -c "CREATE EXTENSION IF NOT EXISTS funnel" >/dev/null
rm -f pipeline_in/* summary_in/* journey_in/* events_in/* conversion_in/* \
	pipeline_flow_in/* winrate_curve_in/* stage_outcomes_in/* stage_value_in/* next_step_events_in/* \
	next_steps_in/* sequence_pattern/* window_funnel_mode/*

# funnel.pipeline
q pipeline_in/small "SELECT funnel.pipeline(s, a, c, c + interval '3 days' * i) FROM (VALUES
  ('lead'::funnel.sales_stage, 10.5::numeric, '2024-01-01'::timestamptz, 1),
  ('closed_won', 100, '2024-01-02', 2), ('closed_lost', NULL, '2024-01-03', 3)) v(s, a, c, i)"
q pipeline_in/one_open "SELECT funnel.pipeline('proposal'::funnel.sales_stage, 1, now(), NULL)"
q pipeline_in/negative_cycle "SELECT funnel.pipeline(s, a, '2024-02-01', '2024-01-01') FROM (VALUES
  ('closed_won'::funnel.sales_stage, -3.25::numeric), ('closed_lost', 0)) v(s, a)"
q pipeline_in/big_sums "SELECT funnel.pipeline(s, a, '2024-01-01', '2024-01-01 00:00:01.5') FROM (VALUES
  ('closed_won'::funnel.sales_stage, 123456789012345678901234567890123456789.5::numeric),
  ('closed_won', 0.000000000000000000000000000000001), ('negotiation', 1e30)) v(s, a)"
q pipeline_in/marketing "SELECT funnel.pipeline(s, i * 1.25, '2024-01-01', '2024-01-01'::timestamptz + i * interval '1 hour')
  FROM (SELECT (enum_range(NULL::funnel.marketing_stage))[1 + i % 6] s, i FROM generate_series(1, 30) i) v"
q pipeline_in/sketch_mode "SELECT funnel.pipeline('closed_won'::funnel.sales_stage, 1 + i % 3,
  '2024-01-01', '2024-01-02'::timestamptz + (i % 2) * interval '1 day') FROM generate_series(1, 1100) i"
put pipeline_in/empty '{"version":1,"type":null,"p":null,"stages":[],"won_cycle":[0,0,0],"lost_cycle":[0,0,0],"negative_cycles":0,"won_amounts":{"n":0,"values":[]},"won_cycles":{"n":0,"values":[]},"lost_cycles":{"n":0,"values":[]}}'
put pipeline_in/quantile '{"version":1,"type":"funnel.sales_stage","p":0.25,"stages":[["closed_won",2,"2:3.5"]],"won_cycle":[2,1,7200000000],"lost_cycle":[0,0,0],"negative_cycles":0,"won_amounts":{"n":2,"values":[1,2.5]},"won_cycles":{"n":2,"values":[3600000000,90000000000]},"lost_cycles":{"n":0,"values":[]}}'
put pipeline_in/odd_funnel '{"version":1,"type":"\"Odd \"\"Ops\"\"\".\"Stage\"","p":null,"stages":[["back\\slash\ttab",1,"1:-7"],["won",1,"0"]],"won_cycle":[0,0,0],"lost_cycle":[0,0,0],"negative_cycles":0,"won_amounts":{"n":0,"values":[]},"won_cycles":{"n":0,"values":[]},"lost_cycles":{"n":0,"values":[]}}'

# funnel.journey
q journey_in/won "SELECT funnel.journey(s, t) FROM (VALUES ('lead'::funnel.sales_stage, '2024-01-01'::timestamptz),
  ('proposal', '2024-01-05 10:30:00.25+02'), ('closed_won', '2024-02-01')) v(s, t)"
q journey_in/ties "SELECT funnel.journey(s, '2024-01-01') FROM unnest(ARRAY['closed_lost', 'negotiation', 'lead']::funnel.sales_stage[]) s"
q journey_in/back_and_forth "SELECT funnel.journey(s, '2000-01-01'::timestamptz + i * interval '1 day') FROM (VALUES
  ('lead'::funnel.sales_stage, 1), ('qualified', 2), ('lead', 3), ('qualified', 4), ('closed_lost', 5), ('proposal', 6)) v(s, i)"
q journey_in/marketing "SELECT funnel.journey(s, '1999-12-31 23:59:59.999999+00'::timestamptz + i * interval '1 second')
  FROM (SELECT (enum_range(NULL::funnel.marketing_stage))[1 + i % 6] s, i FROM generate_series(0, 11) i) v"
put journey_in/bc '{"version":1,"type":"funnel.sales_stage","events":[["lead","4713-11-24 00:00:00.000000+00 BC"],["qualified","0001-12-31 23:59:59.999999+00 BC"],["proposal","294276-12-31 23:59:59.999999+00"]]}'
put journey_in/empty '{"version":1,"type":"funnel.sales_stage","events":[]}'
put journey_in/epoch '{"version":1,"type":"funnel.marketing_stage","events":[["interest","epoch"],["intent","1970-01-01T00:00:01Z"],["purchase","1970-01-02 00:00 -05:30"]]}'
put journey_in/odd_funnel '{"version":1,"type":"\"Odd \"\"Ops\"\"\".\"Stage\"","events":[["new","2024-01-01"],["\u00fcnic\u00f6de \u2713","2024-01-02"],["dropped \"early\"","2024-01-03"]]}'

# funnel.summary
q summary_in/small "SELECT funnel.summary(j) FROM (SELECT funnel.journey(s, t) j FROM (VALUES
  (1, 'lead'::funnel.sales_stage, '2024-01-01'::timestamptz), (1, 'proposal', '2024-01-05'), (1, 'closed_won', '2024-02-01'),
  (2, 'lead', '2024-01-03'), (2, 'closed_lost', '2024-01-09'), (3, 'qualified', '2024-03-01')) v(e, s, t) GROUP BY e) x"
q summary_in/marketing "SELECT funnel.summary(j) FROM (SELECT funnel.journey((enum_range(NULL::funnel.marketing_stage))[1 + (e * 7 + k) % 6],
  '2024-01-01'::timestamptz + (e * 13 + k * 17) * interval '1 hour') j FROM generate_series(1, 12) e, generate_series(1, 4) k GROUP BY e) x"
q summary_in/sketch_mode "SELECT funnel.summary(j) FROM (SELECT funnel.journey(s, '2024-01-01'::timestamptz + k * interval '1 day') j
  FROM generate_series(1, 1100) e, LATERAL (VALUES (0, 'lead'::funnel.sales_stage), (1 + e % 2, 'closed_won')) v(k, s) GROUP BY e) x"
put summary_in/empty '{"version":1,"type":null,"entities":0,"won":0,"lost":0,"stages":[],"cycle":{"n":0,"values":[]}}'

# funnel.events (no SQL call returns the state: written in its documented text form)
put events_in/funnel_tz '{"version": 1, "kind": "window_funnel", "clock": "timestamptz", "window": 3600000000, "mode": "", "conditions": 3, "events": [[0, 1], [1000000, 2], [1000000, 6], [7200000000, 4]]}'
put events_in/funnel_strict_order '{"version": 1, "kind": "window_funnel", "clock": "timestamp", "window": 0, "mode": "strict_order, allow_reentry", "conditions": 2, "events": [[-5, 0], [-5, 1], [3, 3]]}'
put events_in/funnel_bigint '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 9223372036854775807, "mode": "strict_deduplication, strict_increase, strict_once", "conditions": 32, "events": [[-9223372036854775808, 4294967295], [9223372036854775807, 2147483648]]}'
put events_in/sequence '{"version": 1, "kind": "sequence", "clock": "timestamptz", "pattern": "(?1).*(?t<=3600)(?2)", "conditions": 2, "events": [[0, 1], [5, 3], [3600000000, 2]]}'
put events_in/sequence_bigint '{"version": 1, "kind": "sequence", "clock": "bigint", "pattern": "(?t>=0).(?+2)(?t==18446744073709551615)", "conditions": 4, "events": []}'

# funnel.conversion
put conversion_in/some '{"from":5,"converted":3}'
put conversion_in/zero '{"from":0,"converted":0}'
put conversion_in/max '{"converted":9223372036854775807,"from":9223372036854775807}'

# funnel.pipeline_flow: as-of states and waterfalls (with and without a close-date window)
q pipeline_flow_in/as_of "SELECT funnel.pipeline_as_of('2025-02-01', t, f, s, fa, a) FROM (VALUES
  (NULL::funnel.sales_stage, 'lead'::funnel.sales_stage, '2025-01-02'::timestamptz, NULL::numeric, 10000.5::numeric),
  ('lead', 'proposal', '2025-01-20', 10000.5, 12000), ('proposal', 'closed_won', '2025-02-25', 12000, 12000),
  (NULL, 'qualified', '2025-01-10', NULL, NULL)) v(f, s, t, fa, a)"
q pipeline_flow_in/as_of_counts "SELECT funnel.pipeline_as_of('2025-02-01', t, f, s) FROM (VALUES
  (NULL::funnel.marketing_stage, 'awareness'::funnel.marketing_stage, '2025-01-02'::timestamptz)) v(f, s, t)"
q pipeline_flow_in/waterfall "SELECT funnel.pipeline_waterfall('2025-02-01', '2025-03-31', t, f, s, fa, a, fc, c,
  '2025-01-01', '2025-04-01') FROM (VALUES
  (NULL::funnel.sales_stage, 'lead'::funnel.sales_stage, '2025-01-02'::timestamptz, NULL::numeric, 10000::numeric, NULL::timestamptz, '2025-03-15'::timestamptz),
  ('lead', 'proposal', '2025-02-20', 10000, 14000, '2025-03-15', '2025-03-15'),
  ('proposal', 'closed_won', '2025-02-25', 14000, 14000, '2025-03-15', '2025-03-15'),
  (NULL, 'lead', '2025-01-05', NULL, 8000, NULL, '2025-02-28'),
  ('lead', 'lead', '2025-02-10', 8000, 8000, '2025-02-28', '2025-05-30'),
  ('qualified', 'closed_lost', '2025-03-01', 5000, 5000, '2025-03-31', '2025-03-31'),
  (NULL, 'lead', '2025-02-14', NULL, 123456789012345678901234567890.25, NULL, '2025-03-20')) v(f, s, t, fa, a, fc, c)"
q pipeline_flow_in/waterfall_open "SELECT funnel.pipeline_waterfall('2025-02-01', '2025-03-31', t, f, s, fa, a) FROM (VALUES
  ('closed_lost'::funnel.sales_stage, 'negotiation'::funnel.sales_stage, '2025-02-03'::timestamptz, 7::numeric, -3::numeric)) v(f, s, t, fa, a)"

# funnel.winrate_curve: won, lost and open deals, censored at as_of
q winrate_curve_in/small "SELECT funnel.winrate_curve(s, c, e, '2025-04-01 00:00+00') FROM (VALUES
  ('closed_won'::funnel.sales_stage, '2025-01-01'::timestamptz, '2025-01-21'::timestamptz),
  ('closed_lost', '2025-01-05', '2025-02-01'), ('proposal', '2025-02-01', NULL),
  ('closed_won', '2025-03-01', '2025-03-01'), ('lead', '2025-05-01', NULL)) v(s, c, e)"
q winrate_curve_in/many "SELECT funnel.winrate_curve((enum_range(NULL::funnel.sales_stage))[1 + i % 7],
  '2024-01-01'::timestamptz + i * interval '5 hours', '2024-01-01'::timestamptz + i * interval '7 hours',
  '2025-01-01 00:00+00') FROM generate_series(1, 400) i"
q winrate_curve_in/marketing "SELECT funnel.winrate_curve(s, '2024-01-01', '2024-03-01', '2024-06-01')
  FROM unnest(enum_range(NULL::funnel.marketing_stage)) s"

# funnel.stage_outcomes: deals won, lost and open after their stages, censored at as_of
q stage_outcomes_in/small "SELECT funnel.stage_outcomes(j, '2025-04-01 00:00+00') FROM (SELECT d, funnel.journey(s, t) j FROM (VALUES
  (1, 'lead'::funnel.sales_stage, '2025-01-01'::timestamptz), (1, 'proposal', '2025-01-10'), (1, 'closed_won', '2025-02-01'),
  (2, 'lead', '2025-01-02'), (2, 'closed_lost', '2025-01-20'), (3, 'qualified', '2025-02-01'), (3, 'lead', '2025-02-03'),
  (4, 'lead', '2025-05-01')) v(d, s, t) GROUP BY d) x"
q stage_outcomes_in/many "SELECT funnel.stage_outcomes(j, '2025-01-01 00:00+00') FROM (SELECT i % 97 d,
  funnel.journey((enum_range(NULL::funnel.sales_stage))[1 + (i * 7) % 7], '2024-01-01'::timestamptz + i * interval '9 hours') j
  FROM generate_series(1, 600) i GROUP BY 1) x"
q stage_outcomes_in/marketing "SELECT funnel.stage_outcomes(j, '2024-06-01') FROM (SELECT funnel.journey(s, '2024-01-01'::timestamptz + o * interval '1 day') j
  FROM unnest(enum_range(NULL::funnel.marketing_stage)) WITH ORDINALITY u(s, o)) x"

# funnel.stage_value: time in stage and value reached, amounts with NULLs and large sums
q stage_value_in/small "SELECT funnel.stage_times(j, a) FROM (SELECT d, max(a) a, funnel.journey(s, t) j FROM (VALUES
  (1, 'lead'::funnel.sales_stage, '2025-01-01'::timestamptz, 100.5::numeric), (1, 'proposal', '2025-01-10', 100.5), (1, 'closed_won', '2025-02-01', 100.5),
  (2, 'lead', '2025-01-02', NULL), (2, 'closed_lost', '2025-01-20', NULL), (3, 'qualified', '2025-02-01', 1e30), (3, 'lead', '2025-02-03', 1e30)) v(d, s, t, a) GROUP BY d) x"
q stage_value_in/many "SELECT funnel.stage_times(j, d * 1.25) FROM (SELECT i % 97 d,
  funnel.journey((enum_range(NULL::funnel.sales_stage))[1 + (i * 3) % 7], '2024-01-01'::timestamptz + i * interval '7 hours') j
  FROM generate_series(1, 3000) i GROUP BY 1) x"
q stage_value_in/negative "SELECT funnel.stage_times(j, -7.125) FROM (SELECT funnel.journey(s, '2024-01-01'::timestamptz + o * interval '1 hour') j
  FROM unnest(enum_range(NULL::funnel.marketing_stage)) WITH ORDINALITY u(s, o)) x"

# funnel.next_step_events: a group's events with labels (no SQL call returns the state: by hand)
put next_step_events_in/small '{"version": 1, "window": 600000000, "mode": "", "steps": 3, "events": [[789000000000000, 0, "x"], [789000060000000, 1, "a"], [789000120000000, 2, "b"], [789000120000000, 0, "é"], [789000180000000, 4, null], [789000240000000, 0, "d"]]}'
put next_step_events_in/strict '{"version": 1, "window": 3600000000, "mode": "strict_order", "steps": 2, "events": [[789000000000000, 1, "a"], [789000060000000, 0, null], [789000120000000, 2, "b"]]}'
put next_step_events_in/empty '{"version": 1, "window": 0, "mode": "strict_deduplication, strict_increase", "steps": 1, "events": []}'

# funnel.next_steps: labels per level over entities, sample keys
q next_steps_in/small "SELECT funnel.next_steps(l, lab, k) FROM (VALUES (0, NULL, '8'), (1, 'blog', '5'), (1, 'docs', '6'),
  (2, 'blog', '2'), (2, 'blog', '3'), (2, 'careers', '4'), (2, NULL, '7'), (3, 'docs', '1')) v(l, lab, k)"
q next_steps_in/many "SELECT funnel.next_steps(i % 4, 'page' || (i % 13), 'user' || i) FROM generate_series(1, 2000) i"

# sequence_pattern: nconds-1, clock-1, pattern length, pattern, rows of (step, mask hi, mask lo)
pat() {  # pat FILE NCONDS CLOCK PATTERN ROWBYTES(octal escapes)
	mkdir -p sequence_pattern
	printf "\\$(printf %03o $(($2 - 1)))\\$(printf %03o $(($3 - 1)))\\$(printf %03o ${#4})%s$5" "$4" >"sequence_pattern/$1"
}
pat simple 2 1 '(?1)(?2)' '\001\000\001\002\000\002\003\000\003'
pat star_time 3 1 '(?1).*(?t<=5)(?3)' '\201\000\001\202\000\002\203\000\004\000\000\007'
pat any_count 1 3 '.(?1).' '\001\000\001\001\000\001\001\000\001\001\000\001'
pat time_start 4 2 '(?t>1)(?4).*' '\000\000\010\205\000\010\000\000\017'
pat eq 2 3 '(?2)(?t==2)(?1)' '\001\000\002\001\000\001\001\000\001\001\000\002'
pat big_time 2 1 '(?1)(?t<18446744073709)(?2)' '\177\000\001\177\000\002'
pat bad_cond 2 1 '(?3)' ''
pat bad_syntax 2 1 '(?t<)' ''

# window_funnel_mode: nconds-1, clock-1, window (4 bytes), mode length, mode, rows
wf() {  # wf FILE NCONDS CLOCK WINDOWBYTES MODE ROWBYTES
	mkdir -p window_funnel_mode
	printf "\\$(printf %03o $(($2 - 1)))\\$(printf %03o $(($3 - 1)))$4\\$(printf %03o ${#5})%s$6" "$5" >"window_funnel_mode/$1"
}
wf default 3 1 '\200\000\000\012' '' '\001\000\001\001\000\002\002\000\004'
wf dedup 3 3 '\000\000\000\011' 'strict_deduplication' '\001\000\001\001\000\001\001\000\002\001\000\004'
wf order 4 2 '\200\000\003\350' 'strict_order, allow_reentry' '\001\000\001\000\000\000\001\000\002\001\000\004'
wf increase 2 3 '\000\000\000\002' 'strict_increase' '\000\000\001\000\000\002\001\000\002'
wf once 3 1 '\377\377\377\377' ' strict_once ,strict_order ' '\000\000\003\000\000\006\001\000\001'
wf bad 2 1 '\000\000\000\001' 'strict' ''
wf all 32 3 '\000\001\000\000' 'strict_deduplication,strict_order,strict_increase,strict_once,allow_reentry' '\001\377\377\001\125\125'
