--
-- definitions: defining funnels.
--
-- create_funnel, register_funnel, set_stage, allow/forbid/reset_transition,
-- rename_stage, drop_funnel, the reports stages() and transitions(), the
-- funnels view, and the two shipped funnels.  The errors these functions
-- raise are in errors.sql; the stage functions in stage_functions.sql; the
-- default rules in rules.sql.
--
SET client_min_messages = warning;   -- no NOTICE when the extension exists
CREATE EXTENSION IF NOT EXISTS funnel;
RESET client_min_messages;
-- the funnels that exist before this file runs (the shipped ones, and any
-- other file's), so that the clean-up check below counts only ours
CREATE TEMP TABLE funnels_before AS SELECT stage_type::oid AS typid FROM funnel.funnel_def;

------------------------------------------------------------------------------
-- 1. The shipped funnels: sales_stage (with probabilities and owners) and
--    marketing_stage, allow_skip on, no backward moves, no reopening.
------------------------------------------------------------------------------
SELECT * FROM funnel.funnels WHERE shipped ORDER BY stage_type::text;
SELECT * FROM funnel.stages('funnel.sales_stage');
SELECT * FROM funnel.stages('funnel.marketing_stage');
-- every forward move (skips allowed), lost from any open stage, nothing out
-- of closed_won/closed_lost
SELECT * FROM funnel.transitions('funnel.sales_stage');
-- marketing_stage has no lost stage: purchase is reached from any stage
SELECT * FROM funnel.transitions('funnel.marketing_stage');

------------------------------------------------------------------------------
-- 2. create_funnel: the enum's labels are the stages, then the won and lost
--    labels not already among them, won first.  It returns the new type.
------------------------------------------------------------------------------
SELECT funnel.create_funnel('deal_stage', ARRAY['new', 'contacted', 'demo', 'trial'],
                            won => '{signed}', lost => '{churned,disqualified}');
SELECT enum_range(NULL::deal_stage);
-- a new funnel: outcomes from won/lost, probability 1 for won and 0 for lost
-- stages, none for open stages, no owner, the first open stage is the entry
SELECT * FROM funnel.stages('deal_stage');
SELECT * FROM funnel.funnels WHERE stage_type = 'deal_stage'::regtype;
-- it is an ordinary enum: comparisons follow funnel order
SELECT 'demo'::deal_stage > 'contacted', 'signed'::deal_stage < 'churned';
-- an unqualified name is created where CREATE TYPE would create it: in the
-- first schema of the caller's search_path
SELECT typnamespace::regnamespace AS schema FROM pg_type WHERE oid = 'deal_stage'::regtype;
CREATE SCHEMA crm;
SET search_path = crm, public;
SELECT funnel.create_funnel('crm_stage', '{a,b}');
RESET search_path;
SELECT typnamespace::regnamespace AS schema FROM pg_type WHERE oid = 'crm.crm_stage'::regtype;
SELECT * FROM funnel.funnels WHERE stage_type = 'crm.crm_stage'::regtype;

-- won and lost labels already listed in stages keep their place in the enum
SELECT funnel.create_funnel('inline_stage', '{prospect,lost_early,pitch,won,lost_late}',
                            won => '{won}', lost => '{lost_early,lost_late}');
SELECT enum_range(NULL::inline_stage);
SELECT position, stage, outcome FROM funnel.stages('inline_stage');

-- a label repeated in won (or lost) is added once
SELECT funnel.create_funnel('repeat_stage', '{a,b}', won => '{w,w}', lost => '{l,l}');
SELECT enum_range(NULL::repeat_stage);

-- schema-qualified and quoted type names, labels with spaces, quotes and
-- non-ASCII characters, and the longest label PostgreSQL allows (63 bytes)
CREATE SCHEMA "Weird Schema";
SELECT funnel.create_funnel('"Weird Schema"."My Stage"',
                            ARRAY['first contact', 'it''s "hot"', 'Ünïcödé', repeat('x', 63)],
                            won => '{Done}');
SELECT position, stage, outcome, entry FROM funnel.stages('"Weird Schema"."My Stage"');
SELECT 'it''s "hot"'::"Weird Schema"."My Stage" < 'Ünïcödé';
-- unquoted names fold to lower case, as SQL identifiers do
SELECT funnel.create_funnel('MixedCase', '{x,y}');
SELECT 'mixedcase'::regtype;

-- the flags are stored as given
SELECT funnel.create_funnel('flag_stage', '{a,b}', won => '{w}', allow_skip => false,
                            allow_backward => true, allow_reopen => true);
SELECT * FROM funnel.funnels WHERE stage_type = 'flag_stage'::regtype;

-- entry stages: by default the first open stage; `entry` names others
SELECT funnel.create_funnel('entry_stage', '{visit,signup,demo,buy}', won => '{buy}',
                            entry => '{signup,demo}');
SELECT stage, entry FROM funnel.stages('entry_stage');
-- the default entry is the first OPEN stage, even when a lost label comes first
SELECT funnel.create_funnel('late_entry_stage', '{spam,visit,buy}', won => '{buy}', lost => '{spam}');
SELECT stage, outcome, entry FROM funnel.stages('late_entry_stage');

------------------------------------------------------------------------------
-- 3. register_funnel: adopt an enum that already exists.
------------------------------------------------------------------------------
CREATE TYPE ticket_state AS ENUM ('opened', 'triaged', 'in_progress', 'resolved', 'wontfix');
SELECT funnel.register_funnel('ticket_state', won => '{resolved}', lost => '{wontfix}',
                              allow_backward => true);
SELECT * FROM funnel.stages('ticket_state');
SELECT * FROM funnel.funnels WHERE stage_type = 'ticket_state'::regtype;
-- backward moves between open stages are allowed in this funnel
SELECT * FROM funnel.transitions('ticket_state');
-- an enum with nothing but open stages is a funnel too
CREATE TYPE plain_state AS ENUM ('one', 'two', 'three');
SELECT funnel.register_funnel('plain_state');
SELECT * FROM funnel.stages('plain_state');
SELECT * FROM funnel.transitions('plain_state');
-- entry stages may be given here as well
CREATE TYPE entry_state AS ENUM ('one', 'two', 'three');
SELECT funnel.register_funnel('entry_state', entry => '{two}');
SELECT stage, entry FROM funnel.stages('entry_state');

------------------------------------------------------------------------------
-- 4. set_stage: probability, owner and entry flag; a NULL argument leaves
--    that setting unchanged.
------------------------------------------------------------------------------
SELECT funnel.set_stage('demo'::deal_stage, probability => 0.4, owner => 'presales');
SELECT stage, owner, probability FROM funnel.stages('deal_stage') WHERE stage = 'demo';
SELECT funnel.set_stage('demo'::deal_stage, owner => 'sales');      -- probability stays 0.4
SELECT stage, owner, probability FROM funnel.stages('deal_stage') WHERE stage = 'demo';
SELECT funnel.set_stage('demo'::deal_stage, probability => 0.45);   -- owner stays sales
SELECT stage, owner, probability FROM funnel.stages('deal_stage') WHERE stage = 'demo';
SELECT funnel.set_stage('demo'::deal_stage);                        -- nothing to change
SELECT funnel.set_stage('demo'::deal_stage, NULL, NULL, NULL);      -- same
SELECT stage, owner, probability FROM funnel.stages('deal_stage') WHERE stage = 'demo';
-- the bounds 0 and 1 are valid probabilities
SELECT funnel.set_stage('new'::deal_stage, probability => 0);
SELECT funnel.set_stage('trial'::deal_stage, probability => 1);
-- entry => true adds an entry stage; the default entry then no longer applies
SELECT funnel.set_stage('contacted'::deal_stage, entry => true);
SELECT * FROM funnel.stages('deal_stage');
-- entry => false takes it away again: back to the default (the first open stage)
SELECT funnel.set_stage('contacted'::deal_stage, entry => false);
SELECT stage, entry FROM funnel.stages('deal_stage');
-- the owner of a won or lost stage can be set too; its outcome does not change
SELECT funnel.set_stage('churned'::deal_stage, owner => 'success');
SELECT * FROM funnel.stages('deal_stage') WHERE outcome <> 'open';

------------------------------------------------------------------------------
-- 5. Customising a shipped funnel: set_stage and allow_transition store the
--    user's settings beside the shipped rows, which stay as shipped.
------------------------------------------------------------------------------
SELECT funnel.set_stage('lead'::funnel.sales_stage, probability => 0.05);
SELECT funnel.set_stage('evaluation'::funnel.marketing_stage, owner => 'presales', probability => 0.6);
SELECT funnel.allow_transition('closed_lost'::funnel.sales_stage, 'lead');
SELECT * FROM funnel.stages('funnel.sales_stage') WHERE stage = 'lead';
SELECT * FROM funnel.stages('funnel.marketing_stage') WHERE stage = 'evaluation';
SELECT stage_type, stage, outcome, owner, probability, builtin
FROM funnel.stage_def WHERE stage IN ('lead', 'evaluation') ORDER BY stage_type::text, builtin;
SELECT * FROM funnel.transitions('funnel.sales_stage') WHERE from_stage = 'closed_lost';
-- undo: the user's rows can be deleted; the shipped rows are back in force
DELETE FROM funnel.stage_def WHERE stage_type IN ('funnel.sales_stage'::regtype, 'funnel.marketing_stage'::regtype)
    AND NOT builtin;
SELECT funnel.reset_transition('closed_lost'::funnel.sales_stage, 'lead');
SELECT * FROM funnel.stages('funnel.sales_stage') WHERE stage = 'lead';
SELECT * FROM funnel.stages('funnel.marketing_stage') WHERE stage = 'evaluation';
SELECT count(*) AS user_rows FROM funnel.stage_def WHERE NOT builtin
    AND stage_type IN ('funnel.sales_stage'::regtype, 'funnel.marketing_stage'::regtype);
SELECT count(*) AS user_edges FROM funnel.transition_def
    WHERE stage_type IN ('funnel.sales_stage'::regtype, 'funnel.marketing_stage'::regtype);

------------------------------------------------------------------------------
-- 6. allow_transition / forbid_transition / reset_transition: explicit edges
--    stored in funnel.transition_def and shown by transitions().
------------------------------------------------------------------------------
SELECT funnel.allow_transition('trial'::deal_stage, 'demo');        -- a backward move
SELECT funnel.forbid_transition('new'::deal_stage, 'trial');        -- a skip
SELECT funnel.forbid_transition('demo'::deal_stage, 'churned');     -- a move to lost
SELECT from_stage, to_stage, allowed FROM funnel.transition_def
WHERE stage_type = 'deal_stage'::regtype ORDER BY from_stage, to_stage;
SELECT * FROM funnel.transitions('deal_stage');
-- allowing a forbidden edge replaces the rule (one row per edge)
SELECT funnel.allow_transition('new'::deal_stage, 'trial');
SELECT from_stage, to_stage, allowed FROM funnel.transition_def
WHERE stage_type = 'deal_stage'::regtype ORDER BY from_stage, to_stage;
-- reset_transition removes a rule: the default rule applies again
SELECT funnel.reset_transition('new'::deal_stage, 'trial');
SELECT funnel.reset_transition('demo'::deal_stage, 'churned');
-- resetting an edge that has no rule is a no-op
SELECT funnel.reset_transition('new'::deal_stage, 'contacted');
-- allow_transition(x, x) is a no-op: staying put is always allowed
SELECT funnel.allow_transition('demo'::deal_stage, 'demo');
SELECT from_stage, to_stage, allowed FROM funnel.transition_def
WHERE stage_type = 'deal_stage'::regtype ORDER BY from_stage, to_stage;
SELECT * FROM funnel.transitions('deal_stage') WHERE to_stage = 'demo' OR from_stage = 'demo';

------------------------------------------------------------------------------
-- 7. rename_stage: renames the enum label and keeps its settings and edges.
------------------------------------------------------------------------------
SELECT funnel.rename_stage('demo'::deal_stage, 'live demo');
SELECT enum_range(NULL::deal_stage);
SELECT stage, owner, probability FROM funnel.stages('deal_stage') WHERE stage = 'live demo';
SELECT from_stage, to_stage, allowed FROM funnel.transition_def
WHERE stage_type = 'deal_stage'::regtype ORDER BY from_stage, to_stage;
SELECT funnel.can_transition('trial'::deal_stage, 'live demo');
-- no row is left under the old name
SELECT count(*) AS old_name_rows FROM funnel.stage_def
WHERE stage_type = 'deal_stage'::regtype AND stage = 'demo';
-- renaming an outcome keeps the outcome
SELECT funnel.rename_stage('signed'::deal_stage, 'closed won');
SELECT stage, outcome, probability FROM funnel.stages('deal_stage') WHERE outcome <> 'open';
SELECT funnel.is_won('closed won'::deal_stage);

------------------------------------------------------------------------------
-- 8. drop_funnel: unregisters; drops the enum only if create_funnel made it.
------------------------------------------------------------------------------
SELECT funnel.drop_funnel('repeat_stage');
SELECT to_regtype('repeat_stage') AS type_after_drop;
SELECT funnel.drop_funnel('ticket_state');          -- made by the user: kept
SELECT to_regtype('ticket_state') AS type_after_drop;
SELECT count(*) AS rows_left FROM funnel.stage_def WHERE stage_type::oid = 'ticket_state'::regtype::oid;
-- it can be registered again, with other settings
SELECT funnel.register_funnel('ticket_state', won => '{resolved}');
SELECT stage, outcome FROM funnel.stages('ticket_state');

-- its settings and edges go with it (a funnel still used by a column is
-- refused: see errors.sql)
SELECT 'deal_stage'::regtype::oid AS deal_oid \gset
SELECT (SELECT count(*) FROM funnel.stage_def WHERE stage_type::oid = :deal_oid) AS stage_rows,
       (SELECT count(*) FROM funnel.transition_def WHERE stage_type::oid = :deal_oid) AS edges;
SELECT funnel.drop_funnel('deal_stage');
SELECT to_regtype('deal_stage') AS type_after_drop;
SELECT (SELECT count(*) FROM funnel.funnel_def WHERE stage_type::oid = :deal_oid) AS funnels,
       (SELECT count(*) FROM funnel.stage_def WHERE stage_type::oid = :deal_oid) AS stage_rows,
       (SELECT count(*) FROM funnel.transition_def WHERE stage_type::oid = :deal_oid) AS edges;

-- DROP TYPE on a registered enum forgets its definition (event trigger),
-- and so does DROP SCHEMA ... CASCADE
DROP TYPE plain_state;
DROP TYPE entry_state;
DROP SCHEMA "Weird Schema" CASCADE;
DROP SCHEMA crm CASCADE;
SELECT stage_type FROM funnel.funnels
WHERE stage_type::oid NOT IN (SELECT typid FROM funnels_before) ORDER BY stage_type::text;

------------------------------------------------------------------------------
-- Clean up
------------------------------------------------------------------------------
SELECT funnel.drop_funnel(t)
FROM unnest('{inline_stage,mixedcase,flag_stage,entry_stage,late_entry_stage,ticket_state}'::regtype[]) t;
DROP TYPE ticket_state;
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
