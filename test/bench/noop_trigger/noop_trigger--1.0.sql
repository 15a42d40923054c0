-- noop_trigger: empty C trigger functions (test/bench/triggers.sh loads this
-- script itself, with MODULE_PATHNAME replaced by the built library's path).

-- BEFORE INSERT OR UPDATE FOR EACH ROW: returns the new row untouched.
CREATE FUNCTION noop_before_row() RETURNS trigger
    AS 'MODULE_PATHNAME', 'noop_before_row' LANGUAGE C;

-- AFTER (row or statement): does nothing.
CREATE FUNCTION noop_after() RETURNS trigger
    AS 'MODULE_PATHNAME', 'noop_after' LANGUAGE C;

-- BEFORE UPDATE FOR EACH ROW, argument: a timestamptz column to stamp with the
-- clock (and nothing else): the floor of a trigger that stamps.
CREATE FUNCTION noop_stamp_row() RETURNS trigger
    AS 'MODULE_PATHNAME', 'noop_stamp_row' LANGUAGE C;
