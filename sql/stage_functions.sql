--
-- stage_functions: the C stage functions.
--
-- stage_position, next_stage, prev_stage, is_won, is_lost, is_closed,
-- stage_outcome, probability, can_transition and check_transition, on the
-- shipped funnels, on funnels whose outcome labels sit in odd places, on a
-- one-stage and a 200-stage funnel, and on a funnel that gains a stage in the
-- middle.  The transition rules themselves are in rules.sql.
--
SET client_min_messages = warning;   -- no NOTICE when the extension exists
CREATE EXTENSION IF NOT EXISTS funnel;
RESET client_min_messages;
-- the funnels that exist before this file runs (the shipped ones, and any
-- other file's), so that the clean-up check below counts only ours
CREATE TEMP TABLE funnels_before AS SELECT stage_type::oid AS typid FROM funnel.funnel_def;

------------------------------------------------------------------------------
-- 1. The shipped funnels, every function on every stage.
--    next_stage: the next open stage, then the won stage; NULL for outcomes.
--    prev_stage: the previous open stage; NULL for the first.
------------------------------------------------------------------------------
SELECT s AS stage, funnel.stage_position(s) AS pos, funnel.next_stage(s) AS next,
       funnel.prev_stage(s) AS prev, funnel.is_won(s) AS won, funnel.is_lost(s) AS lost,
       funnel.is_closed(s) AS closed, funnel.stage_outcome(s) AS outcome,
       funnel.probability(s) AS probability
FROM unnest(enum_range(NULL::funnel.sales_stage)) s;

SELECT s AS stage, funnel.stage_position(s) AS pos, funnel.next_stage(s) AS next,
       funnel.prev_stage(s) AS prev, funnel.is_won(s) AS won, funnel.is_lost(s) AS lost,
       funnel.is_closed(s) AS closed, funnel.stage_outcome(s) AS outcome,
       funnel.probability(s) AS probability
FROM unnest(enum_range(NULL::funnel.marketing_stage)) s;

-- next_stage and prev_stage return the funnel's own type
SELECT pg_typeof(funnel.next_stage('lead'::funnel.sales_stage)),
       pg_typeof(funnel.prev_stage('purchase'::funnel.marketing_stage)),
       pg_typeof(funnel.check_transition('lead'::funnel.sales_stage, 'qualified'));

------------------------------------------------------------------------------
-- 2. NULL in, NULL out (the functions are STRICT).
------------------------------------------------------------------------------
SELECT funnel.stage_position(NULL::funnel.sales_stage) IS NULL AS position,
       funnel.next_stage(NULL::funnel.sales_stage) IS NULL AS next,
       funnel.prev_stage(NULL::funnel.sales_stage) IS NULL AS prev,
       funnel.is_won(NULL::funnel.sales_stage) IS NULL AS won,
       funnel.is_lost(NULL::funnel.sales_stage) IS NULL AS lost,
       funnel.is_closed(NULL::funnel.sales_stage) IS NULL AS closed,
       funnel.stage_outcome(NULL::funnel.sales_stage) IS NULL AS outcome,
       funnel.probability(NULL::funnel.sales_stage) IS NULL AS probability;
SELECT funnel.can_transition(NULL, 'lead'::funnel.sales_stage) IS NULL AS can_from_null,
       funnel.can_transition('lead'::funnel.sales_stage, NULL) IS NULL AS can_to_null,
       funnel.check_transition(NULL, 'lead'::funnel.sales_stage) IS NULL AS check_from_null,
       funnel.check_transition('closed_won'::funnel.sales_stage, NULL) IS NULL AS check_to_null;
-- so a row whose stage is NULL passes through a query untouched
SELECT s, funnel.next_stage(s) FROM (VALUES ('lead'::funnel.sales_stage), (NULL)) v(s);

------------------------------------------------------------------------------
-- 3. Outcome labels in odd places: a lost label between open stages, a won
--    label before the last open stage, two won stages, an open stage last.
--    Stage functions look at outcomes, not at enum positions.
------------------------------------------------------------------------------
CREATE TYPE odd_stage AS ENUM ('a', 'lost_a', 'b', 'won_early', 'c', 'won_late', 'lost_late', 'd');
SELECT funnel.register_funnel('odd_stage', won => '{won_early,won_late}',
                              lost => '{lost_a,lost_late}');
SELECT funnel.set_stage('b'::odd_stage, probability => 0.3);
SELECT s AS stage, funnel.stage_position(s) AS pos, funnel.next_stage(s) AS next,
       funnel.prev_stage(s) AS prev, funnel.is_won(s) AS won, funnel.is_lost(s) AS lost,
       funnel.is_closed(s) AS closed, funnel.stage_outcome(s) AS outcome,
       funnel.probability(s) AS probability
FROM unnest(enum_range(NULL::odd_stage)) s;

-- a funnel without a won stage: next_stage of the last open stage is NULL
SELECT funnel.create_funnel('no_won_stage', '{x,y}', lost => '{gone}');
SELECT s AS stage, funnel.next_stage(s) AS next, funnel.prev_stage(s) AS prev
FROM unnest(enum_range(NULL::no_won_stage)) s;

------------------------------------------------------------------------------
-- 4. can_transition and check_transition: a boolean, and `to` or an error
--    (the error is shown in rules.sql and errors.sql).
------------------------------------------------------------------------------
SELECT funnel.can_transition('lead'::funnel.sales_stage, 'qualified') AS forward,
       funnel.can_transition('lead'::funnel.sales_stage, 'lead') AS stay,
       funnel.can_transition('qualified'::funnel.sales_stage, 'lead') AS backward,
       funnel.check_transition('lead'::funnel.sales_stage, 'proposal') AS checked;

-- check_transition as a guard in an UPDATE: the legal moves go through
CREATE TABLE deal (id int PRIMARY KEY, stage funnel.sales_stage);
INSERT INTO deal VALUES (1, 'lead'), (2, 'qualified'), (3, 'negotiation'), (4, NULL);
UPDATE deal SET stage = funnel.check_transition(stage, 'proposal') WHERE id IN (1, 2);
UPDATE deal SET stage = funnel.check_transition(stage, 'closed_won') WHERE id = 3;
SELECT id, stage, funnel.stage_outcome(stage) FROM deal ORDER BY id;

-- over many rows (the definition is looked up once per query)
SELECT funnel.stage_outcome(s) AS outcome, count(*), sum(funnel.stage_position(s)) AS positions,
       count(*) FILTER (WHERE funnel.can_transition(s, 'closed_lost')) AS can_lose
FROM (SELECT (enum_range(NULL::funnel.sales_stage))[1 + i % 6] AS s
      FROM generate_series(1, 6000) i) t
GROUP BY 1 ORDER BY 1;

------------------------------------------------------------------------------
-- 5. A one-stage funnel: the stage is the entry, has no neighbours, and
--    staying put is the only (always allowed) move.
------------------------------------------------------------------------------
SELECT funnel.create_funnel('solo_stage', '{only}');
SELECT * FROM funnel.stages('solo_stage');
SELECT count(*) AS moves FROM funnel.transitions('solo_stage');
SELECT funnel.stage_position('only'::solo_stage) AS pos, funnel.next_stage('only'::solo_stage) AS next,
       funnel.prev_stage('only'::solo_stage) AS prev, funnel.stage_outcome('only'::solo_stage) AS outcome,
       funnel.can_transition('only'::solo_stage, 'only') AS stay,
       funnel.check_transition('only'::solo_stage, 'only') AS checked;
-- one open stage plus a won stage: the won stage follows it
SELECT funnel.create_funnel('solo_won_stage', '{only}', won => '{done}', allow_skip => false);
SELECT funnel.next_stage('only'::solo_won_stage) AS next, funnel.prev_stage('done'::solo_won_stage) AS prev;
SELECT * FROM funnel.transitions('solo_won_stage');

------------------------------------------------------------------------------
-- 6. A 200-stage funnel: 198 open stages s001..s198, won and lost.
------------------------------------------------------------------------------
SELECT funnel.create_funnel('big_stage',
                            ARRAY(SELECT format('s%s', lpad(i::text, 3, '0')) FROM generate_series(1, 198) i),
                            won => '{won}', lost => '{lost}');
SELECT count(*) AS stages, count(*) FILTER (WHERE outcome = 'open') AS open,
       min(position), max(position) FROM funnel.stages('big_stage');
SELECT funnel.stage_position('s150'::big_stage) AS pos150,
       funnel.next_stage('s001'::big_stage) AS next1,
       funnel.next_stage('s198'::big_stage) AS next198,
       funnel.prev_stage('s001'::big_stage) AS prev1,
       funnel.prev_stage('lost'::big_stage) AS prev_lost,
       funnel.stage_position('lost'::big_stage) AS pos_lost;
-- every stage's position and neighbours agree with the enum order
SELECT count(*) FILTER (WHERE funnel.stage_position(s) <> o) AS wrong_position,
       count(*) FILTER (WHERE o < 198 AND funnel.next_stage(s) <> (enum_range(NULL::big_stage))[o + 1]) AS wrong_next,
       count(*) FILTER (WHERE o BETWEEN 2 AND 198 AND funnel.prev_stage(s) <> (enum_range(NULL::big_stage))[o - 1]) AS wrong_prev
FROM unnest(enum_range(NULL::big_stage)) WITH ORDINALITY u(s, o);
-- with skips allowed, each open stage i moves to the 198 - i open stages
-- after it, to won and to lost: 19503 + 2 * 198 moves
SELECT count(*) AS moves FROM funnel.transitions('big_stage');
-- transitions() and can_transition() agree on all 40000 pairs
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE funnel.can_transition(f, t) <> (f = t OR (f::text, t::text) IN
           (SELECT from_stage, to_stage FROM funnel.transitions('big_stage')))) AS disagreements
FROM unnest(enum_range(NULL::big_stage)) f, unnest(enum_range(NULL::big_stage)) t;
-- without skips: the next stage, lost from everywhere, won from s198 only
SELECT funnel.create_funnel('big_strict_stage',
                            ARRAY(SELECT format('s%s', lpad(i::text, 3, '0')) FROM generate_series(1, 198) i),
                            won => '{won}', lost => '{lost}', allow_skip => false);
SELECT count(*) AS moves,
       count(*) FILTER (WHERE to_stage = 'lost') AS to_lost,
       string_agg(from_stage, ',') FILTER (WHERE to_stage = 'won') AS to_won
FROM funnel.transitions('big_strict_stage');

------------------------------------------------------------------------------
-- 7. A stage added in the middle later (ALTER TYPE ... ADD VALUE ... BEFORE):
--    positions, neighbours and transitions follow at once; the new stage is
--    an open stage with no settings.
------------------------------------------------------------------------------
SELECT funnel.create_funnel('grow_stage', '{lead,meeting,proposal}', won => '{won}', lost => '{lost}',
                            allow_skip => false);
SELECT funnel.set_stage('proposal'::grow_stage, probability => 0.5);
SELECT funnel.next_stage('lead'::grow_stage) AS next_lead,
       funnel.stage_position('proposal'::grow_stage) AS pos_proposal,
       funnel.can_transition('meeting'::grow_stage, 'proposal') AS meeting_to_proposal;
ALTER TYPE grow_stage ADD VALUE 'demo' BEFORE 'proposal';
SELECT * FROM funnel.stages('grow_stage');
SELECT funnel.next_stage('meeting'::grow_stage) AS next_meeting,
       funnel.prev_stage('proposal'::grow_stage) AS prev_proposal,
       funnel.stage_position('proposal'::grow_stage) AS pos_proposal,
       funnel.probability('proposal'::grow_stage) AS p_proposal,
       funnel.probability('demo'::grow_stage) AS p_demo;
-- meeting -> proposal now skips demo, which this funnel does not allow
SELECT * FROM funnel.transitions('grow_stage');
-- a stage added after the last open stage becomes the one won is reached from
ALTER TYPE grow_stage ADD VALUE 'contract' AFTER 'proposal';
SELECT funnel.next_stage('proposal'::grow_stage) AS next_proposal,
       funnel.next_stage('contract'::grow_stage) AS next_contract,
       funnel.can_transition('proposal'::grow_stage, 'won') AS proposal_to_won,
       funnel.can_transition('contract'::grow_stage, 'won') AS contract_to_won;
-- no entry stage was named, so the entry is the first open stage: a stage
-- added in front becomes the entry
ALTER TYPE grow_stage ADD VALUE 'cold' BEFORE 'lead';
SELECT position, stage, outcome, entry FROM funnel.stages('grow_stage');

------------------------------------------------------------------------------
-- Clean up
------------------------------------------------------------------------------
DROP TABLE deal;
SELECT funnel.drop_funnel(t)
FROM unnest('{odd_stage,no_won_stage,solo_stage,solo_won_stage,big_stage,big_strict_stage,grow_stage}'::regtype[]) t;
DROP TYPE odd_stage;
-- nothing of ours is left: no funnel, no stage setting, no edge (also none
-- on the shipped funnels)
SELECT (SELECT count(*) FROM funnel.funnel_def d
        WHERE d.stage_type::oid NOT IN (SELECT typid FROM funnels_before)) AS funnels_left,
       (SELECT count(*) FROM funnel.stage_def s
        WHERE NOT s.builtin AND (s.stage_type::oid NOT IN (SELECT typid FROM funnels_before)
                                 OR s.stage_type IN ('funnel.sales_stage', 'funnel.marketing_stage'))) AS stage_rows_left,
       (SELECT count(*) FROM funnel.transition_def t
        WHERE t.stage_type::oid NOT IN (SELECT typid FROM funnels_before)
           OR t.stage_type IN ('funnel.sales_stage', 'funnel.marketing_stage')) AS edges_left;
