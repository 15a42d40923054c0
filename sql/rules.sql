--
-- rules: the default transition rules under every combination of the flags
-- allow_skip, allow_backward and allow_reopen, the explicit edges that
-- override them, and the 23514 error check_transition raises.
--
-- The default rules (DESIGN.md, Concepts):
--   R1 staying in the same stage is always allowed;
--   R2 an open stage may move to the next open stage;
--   R3 ... to a later open stage only if allow_skip;
--   R4 ... to any lost stage, wherever the lost label sits in the enum;
--   R5 ... to a won stage from the last open stage, or from any open stage
--      if allow_skip, wherever the won label sits in the enum;
--   R6 ... to an earlier open stage only if allow_backward;
--   R7 a won or lost stage may move elsewhere only if allow_reopen.
-- Skipping counts open stages only: a won or lost label between two open
-- stages is not a skipped step.  Explicit allow/forbid edges override R2-R7.
--
SET client_min_messages = warning;   -- no NOTICE when the extension exists
CREATE EXTENSION IF NOT EXISTS funnel;
RESET client_min_messages;
-- the funnels that exist before this file runs (the shipped ones, and any
-- other file's), so that the clean-up check below counts only ours
CREATE TEMP TABLE funnels_before AS SELECT stage_type::oid AS typid FROM funnel.funnel_def;

-- Runs a statement and shows its error as SQLSTATE, message, detail and hint
-- (without the source location, which changes with every edit of the code).
\set try_report true
\i sql/_helpers.sql

-- The rules above, written independently of the extension, from the stages
-- report: is the default move from -> to allowed in funnel ft?
CREATE FUNCTION pg_temp.expected_default(ft regtype, from_stage text, to_stage text)
RETURNS boolean LANGUAGE sql AS $$
    WITH s AS (
        SELECT stage, outcome,
               CASE WHEN outcome = 'open'
                    THEN count(*) FILTER (WHERE outcome = 'open') OVER (ORDER BY position) END AS open_rank,
               count(*) FILTER (WHERE outcome = 'open') OVER () AS n_open
        FROM funnel.stages(ft)),
    f AS (SELECT * FROM s WHERE stage = from_stage),
    t AS (SELECT * FROM s WHERE stage = to_stage),
    flags AS (SELECT * FROM funnel.funnels WHERE stage_type = ft)
    SELECT CASE
        WHEN from_stage = to_stage THEN true                                    -- R1
        WHEN f.outcome <> 'open' THEN flags.allow_reopen                        -- R7
        WHEN t.outcome = 'lost' THEN true                                       -- R4
        WHEN t.outcome = 'won' THEN flags.allow_skip OR f.open_rank = f.n_open  -- R5
        WHEN t.open_rank = f.open_rank + 1 THEN true                            -- R2
        WHEN t.open_rank > f.open_rank THEN flags.allow_skip                    -- R3
        ELSE flags.allow_backward                                               -- R6
    END
    FROM f, t, flags
$$;

------------------------------------------------------------------------------
-- 1. Eight funnels with the same stages, one per flag combination:
--    rules_<skip><backward><reopen>, e.g. rules_101 = skip and reopen.
--    Stages a, b, c (open), w (won), l (lost).
------------------------------------------------------------------------------
SELECT funnel.create_funnel(format('rules_%s%s%s', s::int, b::int, r::int), '{a,b,c}',
                            won => '{w}', lost => '{l}',
                            allow_skip => s, allow_backward => b, allow_reopen => r)
FROM (VALUES (false), (true)) vs(s), (VALUES (false), (true)) vb(b), (VALUES (false), (true)) vr(r)
ORDER BY s, b, r;

-- The allowed moves out of each stage, per combination (read as the spec
-- of the defaults: staying put is always allowed and not listed).
SELECT f.stage_type AS funnel, f.allow_skip AS skip, f.allow_backward AS back,
       f.allow_reopen AS reopen, s.stage AS "from",
       coalesce((SELECT string_agg(t.to_stage, ' ') FROM funnel.transitions(f.stage_type) t
                 WHERE t.from_stage = s.stage), '-') AS "allowed to"
FROM funnel.funnels f, funnel.stages(f.stage_type) s
WHERE f.stage_type::text LIKE 'rules\_%'
ORDER BY f.stage_type::text, s.position;

-- can_transition agrees with the rules on every pair of every combination
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE actual IS DISTINCT FROM expected) AS disagreements
FROM (SELECT f.stage_type, a.stage AS from_stage, b.stage AS to_stage,
             pg_temp.expected_default(f.stage_type, a.stage, b.stage) AS expected,
             (SELECT count(*) > 0 FROM funnel.transitions(f.stage_type) t
              WHERE t.from_stage = a.stage AND t.to_stage = b.stage) OR a.stage = b.stage AS actual
      FROM funnel.funnels f, funnel.stages(f.stage_type) a, funnel.stages(f.stage_type) b
      WHERE f.stage_type::text LIKE 'rules\_%') x;

-- ... and can_transition() (C, compiled graph) says the same as transitions()
SELECT count(*) FILTER (WHERE funnel.can_transition(x, y) IS DISTINCT FROM
                        pg_temp.expected_default('rules_000', x::text, y::text)) AS d000,
       count(*) FILTER (WHERE funnel.can_transition(x::text::rules_111, y::text::rules_111) IS DISTINCT FROM
                        pg_temp.expected_default('rules_111', x::text, y::text)) AS d111,
       count(*) FILTER (WHERE funnel.can_transition(x::text::rules_100, y::text::rules_100) IS DISTINCT FROM
                        pg_temp.expected_default('rules_100', x::text, y::text)) AS d100,
       count(*) FILTER (WHERE funnel.can_transition(x::text::rules_011, y::text::rules_011) IS DISTINCT FROM
                        pg_temp.expected_default('rules_011', x::text, y::text)) AS d011
FROM unnest(enum_range(NULL::rules_000)) x, unnest(enum_range(NULL::rules_000)) y;

------------------------------------------------------------------------------
-- 2. Outcome labels in odd enum positions.  Enum order:
--      a, lost1, b, won1, c, lost2
--    a -> b is the next open stage (lost1 between them is not a skip);
--    lost1 (before b and c in the enum) is reachable from every open stage;
--    won1 (before c) is reached from c, the last open stage, or from any open
--    stage with allow_skip.
------------------------------------------------------------------------------
CREATE TYPE odd_noskip AS ENUM ('a', 'lost1', 'b', 'won1', 'c', 'lost2');
CREATE TYPE odd_skip AS ENUM ('a', 'lost1', 'b', 'won1', 'c', 'lost2');
CREATE TYPE odd_back AS ENUM ('a', 'lost1', 'b', 'won1', 'c', 'lost2');
SELECT funnel.register_funnel('odd_noskip', won => '{won1}', lost => '{lost1,lost2}', allow_skip => false);
SELECT funnel.register_funnel('odd_skip', won => '{won1}', lost => '{lost1,lost2}');
SELECT funnel.register_funnel('odd_back', won => '{won1}', lost => '{lost1,lost2}', allow_skip => false,
                              allow_backward => true, allow_reopen => true);
SELECT f.stage_type AS funnel, s.stage AS "from",
       coalesce((SELECT string_agg(t.to_stage, ' ') FROM funnel.transitions(f.stage_type) t
                 WHERE t.from_stage = s.stage), '-') AS "allowed to"
FROM funnel.funnels f, funnel.stages(f.stage_type) s
WHERE f.stage_type::text LIKE 'odd\_%'
ORDER BY f.stage_type::text, s.position;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE actual IS DISTINCT FROM expected) AS disagreements
FROM (SELECT pg_temp.expected_default(f.stage_type, a.stage, b.stage) AS expected,
             (SELECT count(*) > 0 FROM funnel.transitions(f.stage_type) t
              WHERE t.from_stage = a.stage AND t.to_stage = b.stage) OR a.stage = b.stage AS actual
      FROM funnel.funnels f, funnel.stages(f.stage_type) a, funnel.stages(f.stage_type) b
      WHERE f.stage_type::text LIKE 'odd\_%') x;

------------------------------------------------------------------------------
-- 3. Explicit edges override the defaults, whatever the flags: in four
--    combinations (none, all, backward only, skip and reopen), forbid two
--    moves the defaults allow (a -> b, the next stage; a -> l, a loss) and
--    allow three they may refuse (c -> a backward, w -> b reopening, a -> w
--    a skip to won).
------------------------------------------------------------------------------
SELECT funnel.forbid_transition('a'::rules_000, 'b'), funnel.forbid_transition('a'::rules_000, 'l'),
       funnel.allow_transition('c'::rules_000, 'a'), funnel.allow_transition('w'::rules_000, 'b'),
       funnel.allow_transition('a'::rules_000, 'w');
SELECT funnel.forbid_transition('a'::rules_111, 'b'), funnel.forbid_transition('a'::rules_111, 'l'),
       funnel.allow_transition('c'::rules_111, 'a'), funnel.allow_transition('w'::rules_111, 'b'),
       funnel.allow_transition('a'::rules_111, 'w');
SELECT funnel.forbid_transition('a'::rules_010, 'b'), funnel.forbid_transition('a'::rules_010, 'l'),
       funnel.allow_transition('c'::rules_010, 'a'), funnel.allow_transition('w'::rules_010, 'b'),
       funnel.allow_transition('a'::rules_010, 'w');
SELECT funnel.forbid_transition('a'::rules_101, 'b'), funnel.forbid_transition('a'::rules_101, 'l'),
       funnel.allow_transition('c'::rules_101, 'a'), funnel.allow_transition('w'::rules_101, 'b'),
       funnel.allow_transition('a'::rules_101, 'w');
SELECT f.stage_type AS funnel, s.stage AS "from",
       coalesce((SELECT string_agg(t.to_stage, ' ') FROM funnel.transitions(f.stage_type) t
                 WHERE t.from_stage = s.stage), '-') AS "allowed to"
FROM funnel.funnels f, funnel.stages(f.stage_type) s
WHERE f.stage_type::text IN ('rules_000', 'rules_111', 'rules_010', 'rules_101')
ORDER BY f.stage_type::text, s.position;
-- every pair: an explicit edge if there is one, else the default rule
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE actual IS DISTINCT FROM expected) AS disagreements
FROM (SELECT coalesce((SELECT d.allowed FROM funnel.transition_def d
                       WHERE d.stage_type = f.stage_type AND d.from_stage = a.stage AND d.to_stage = b.stage),
                      pg_temp.expected_default(f.stage_type, a.stage, b.stage)) AS expected,
             (SELECT count(*) > 0 FROM funnel.transitions(f.stage_type) t
              WHERE t.from_stage = a.stage AND t.to_stage = b.stage) OR a.stage = b.stage AS actual
      FROM funnel.funnels f, funnel.stages(f.stage_type) a, funnel.stages(f.stage_type) b
      WHERE f.stage_type::text LIKE 'rules\_%') x;
SELECT funnel.can_transition('a'::rules_111, 'b') AS a_b, funnel.can_transition('a'::rules_111, 'l') AS a_l,
       funnel.can_transition('c'::rules_000, 'a') AS c_a, funnel.can_transition('w'::rules_000, 'b') AS w_b,
       funnel.can_transition('a'::rules_000, 'w') AS a_w;
-- staying put cannot be overridden: it is allowed even out of a won stage
-- in a funnel that forbids every other move out of it
SELECT funnel.can_transition('w'::rules_000, 'w') AS w_w, funnel.check_transition('l'::rules_000, 'l') AS l_l;
-- reset_transition returns the moves to the defaults
SELECT funnel.reset_transition('a'::rules_000, 'b'), funnel.reset_transition('a'::rules_000, 'l'),
       funnel.reset_transition('c'::rules_000, 'a'), funnel.reset_transition('w'::rules_000, 'b'),
       funnel.reset_transition('a'::rules_000, 'w');
SELECT s.stage AS "from",
       coalesce((SELECT string_agg(t.to_stage, ' ') FROM funnel.transitions('rules_000') t
                 WHERE t.from_stage = s.stage), '-') AS "allowed to"
FROM funnel.stages('rules_000') s ORDER BY s.position;

------------------------------------------------------------------------------
-- 4. check_transition returns `to`, or raises 23514 saying why, where the
--    entity may go instead, and how to allow the move.
------------------------------------------------------------------------------
SELECT funnel.check_transition('a'::rules_000, 'b') AS next,
       funnel.check_transition('a'::rules_000, 'l') AS lost,
       funnel.check_transition('c'::rules_000, 'w') AS won_from_last;
-- a skip where skips are not allowed (to an open stage, and to won)
SELECT pg_temp.try($$SELECT funnel.check_transition('a'::rules_000, 'c')$$);
SELECT pg_temp.try($$SELECT funnel.check_transition('b'::rules_000, 'w')$$);
-- a backward move
SELECT pg_temp.try($$SELECT funnel.check_transition('c'::rules_100, 'a')$$);
-- reopening a won and a lost stage: no move out of them is allowed at all
SELECT pg_temp.try($$SELECT funnel.check_transition('w'::rules_110, 'a')$$);
SELECT pg_temp.try($$SELECT funnel.check_transition('l'::rules_110, 'c')$$);
-- a move forbidden by an explicit edge
SELECT pg_temp.try($$SELECT funnel.check_transition('a'::rules_111, 'b')$$);
SELECT pg_temp.try($$SELECT funnel.check_transition('a'::rules_111, 'l')$$);
-- explicit edges also change the "allowed from" list (w -> b allowed in rules_000)
SELECT funnel.allow_transition('w'::rules_000, 'b');
SELECT pg_temp.try($$SELECT funnel.check_transition('w'::rules_000, 'a')$$);
SELECT funnel.reset_transition('w'::rules_000, 'b');
-- in a statement over rows, the first illegal row stops it
CREATE TABLE moves (id int, from_stage rules_000, to_stage rules_000);
INSERT INTO moves VALUES (1, 'a', 'b'), (2, 'b', 'c'), (3, 'c', 'a'), (4, 'a', 'w');
SELECT pg_temp.try($$SELECT count(funnel.check_transition(from_stage, to_stage)) FROM moves$$);
SELECT id, funnel.can_transition(from_stage, to_stage) FROM moves ORDER BY id;

-- the hint is SQL that can be run as it is, even for quoted names
CREATE SCHEMA "Rule Schema";
SELECT funnel.create_funnel('"Rule Schema"."Odd ""Type"""', ARRAY['it''s new', 'done right'],
                            allow_backward => false);
SELECT pg_temp.try($$SELECT funnel.check_transition('done right'::"Rule Schema"."Odd ""Type""", 'it''s new')$$);
DO $$
DECLARE hint text;
BEGIN
    PERFORM funnel.check_transition('done right'::"Rule Schema"."Odd ""Type""", 'it''s new');
EXCEPTION WHEN check_violation THEN
    GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
    EXECUTE 'SELECT ' || substring(hint FROM 'funnel\.allow_transition\(.*\)');
END
$$;
SELECT funnel.check_transition('done right'::"Rule Schema"."Odd ""Type""", 'it''s new') AS now_allowed;

------------------------------------------------------------------------------
-- Clean up
------------------------------------------------------------------------------
DROP TABLE moves;
DROP SCHEMA "Rule Schema" CASCADE;
SELECT funnel.drop_funnel(stage_type) FROM funnel.funnels WHERE stage_type::text LIKE 'rules\_%';
DROP TYPE odd_noskip, odd_skip, odd_back;
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
