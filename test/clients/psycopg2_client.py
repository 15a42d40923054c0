#!/usr/bin/python3
"""test/clients/psycopg2_client.py: what Python's psycopg2 receives from funnel.

Reads every result shape the extension returns from a database loaded with
test/clients/fixture.sql and asserts the Python value psycopg2 (Debian python3-psycopg2)
makes of it. Connection: the usual PGHOST/PGPORT/PGUSER/PGDATABASE. Output: TAP.
README, "Clients", documents what is asserted here.
"""
import datetime
import decimal
import json
import sys

import psycopg2
import psycopg2.extensions

results = []


def check(name, got, expected):
    results.append((got == expected, name, got, expected))


conn = psycopg2.connect("")   # libpq reads PGHOST etc.
conn.autocommit = True
cur = conn.cursor()

# a stage_report row set: int, text, bigint -> int, float8 -> float (None for NULL), interval -> timedelta
cur.execute("""
    SELECT r.* FROM (SELECT funnel.summary(j) AS s
                     FROM (SELECT funnel.journey(to_stage, changed_at) AS j
                           FROM lead_history GROUP BY id) e) c,
                    funnel.stage_report(c.s) r""")
cols = [d.name for d in cur.description]
rows = cur.fetchall()
check("stage_report columns", cols,
      ["position", "stage", "reached", "entered", "conversion_from_previous",
       "conversion_from_top", "drop_off", "median_time_in_stage", "in_progress"])
check("stage_report row 2", rows[1],
      (2, "qualified", 4, 3, 0.8, 0.8, 1, datetime.timedelta(days=5, hours=12), 1))
check("stage_report outcome row: NULLs are None", rows[4],
      (5, "closed_won", 2, 2, None, 0.4, None, None, None))
check("stage_report types", [type(v).__name__ for v in rows[1]],
      ["int", "str", "int", "int", "float", "float", "int", "timedelta", "int"])

# a stored state: its text form, a JSON document; sent back as a parameter it is the same value
cur.execute("SELECT funnel.pipeline(stage, amount, created_at, closed_at) FROM deal")
state = cur.fetchone()[0]
check("stored funnel.pipeline arrives as str", type(state).__name__, "str")
check("its text is JSON naming the funnel", json.loads(state)["type"], "funnel.sales_stage")
cur.execute("SELECT funnel.deal_count(%s::funnel.pipeline), funnel.won_count(%s::funnel.pipeline)",
            (state, state))
check("the str sent back as a parameter reads the same", cur.fetchone(), (2, 1))

# an enum stage: str
cur.execute("SELECT funnel.next_stage('proposal'::funnel.sales_stage)")
check("enum stage arrives as str", cur.fetchone()[0], "negotiation")

# interval[]: list of timedelta
cur.execute("""SELECT funnel.window_funnel_times('1 hour', at, event = 'visit', event = 'signup',
                                                 event = 'trial', event = 'purchase')
               FROM app_event""")
check("interval[] arrives as list of timedelta", cur.fetchone()[0],
      [datetime.timedelta(0), datetime.timedelta(minutes=10), datetime.timedelta(minutes=25)])

# bool[]: list of bool
cur.execute("""SELECT funnel.retention(at::date = '2025-03-01', at::date = '2025-03-02',
                                       at::date = '2025-03-03') FROM app_event""")
check("bool[] arrives as list of bool", cur.fetchone()[0], [True, False, True])

# text[]: list of str
cur.execute("SELECT funnel.path(funnel.journey(to_stage, changed_at)) FROM lead_history WHERE id = 1")
check("text[] arrives as list of str", cur.fetchone()[0], ["lead", "qualified", "proposal", "closed_won"])

# an enum array: psycopg2 does not know the array type of an enum, so it arrives as the
# array's text; cast to text[] in SQL, or register the array type once per connection
sql = "SELECT array_agg(to_stage ORDER BY changed_at) FROM lead_history WHERE id = 2"
cur.execute(sql)
check("enum array arrives as its text", cur.fetchone()[0], "{lead,qualified,closed_lost}")
cur.execute("SELECT array_agg(to_stage ORDER BY changed_at)::text[] FROM lead_history WHERE id = 2")
check("enum array cast to text[] arrives as list", cur.fetchone()[0], ["lead", "qualified", "closed_lost"])
cur.execute("SELECT 'funnel.sales_stage[]'::regtype::oid")
array_oid = cur.fetchone()[0]
psycopg2.extensions.register_type(
    psycopg2.extensions.new_array_type((array_oid,), "sales_stage[]", psycopg2.STRING), conn)
cur.execute(sql)
check("enum array with its type registered arrives as list", cur.fetchone()[0],
      ["lead", "qualified", "closed_lost"])

# bigint counts: int; numeric: Decimal; float8: float
cur.execute("""SELECT funnel.deal_count(p), funnel.open_value(p), funnel.win_rate(p)
               FROM (SELECT funnel.pipeline(stage, amount, created_at, closed_at) AS p FROM deal) s""")
count, value, rate = cur.fetchone()
check("bigint count arrives as int", (type(count).__name__, count), ("int", 2))
check("numeric arrives as Decimal", (type(value).__name__, value), ("Decimal", decimal.Decimal("2500.00")))
check("float8 arrives as float", (type(rate).__name__, rate), ("float", 1.0))

# an error: SQLSTATE, message, detail, hint, schema, table, column
try:
    cur.execute("UPDATE deal SET stage = 'proposal' WHERE id = 1")
    check("illegal move raises", "no error", "error")
except psycopg2.Error as e:
    check("error class", type(e).__name__, "CheckViolation")
    check("error SQLSTATE", e.pgcode, "23514")
    d = e.diag
    check("error message", d.message_primary,
          'illegal stage change from "closed_won" to "proposal" in column "stage" of relation "deal"')
    check("error detail", d.message_detail,
          'Key (id)=(1). The deal is won and the funnel does not allow reopening. '
          'No move out of "closed_won" is allowed.')
    check("error hint", d.message_hint,
          "If the move is legitimate, allow it with funnel.allow_transition("
          "'closed_won'::funnel.sales_stage, 'proposal'::funnel.sales_stage).")
    check("error schema, table, column", (d.schema_name, d.table_name, d.column_name),
          ("public", "deal", "stage"))

print("1..%d" % len(results))
for i, (ok, name, got, expected) in enumerate(results, 1):
    print("%s %d - psycopg2 %s: %s" % ("ok" if ok else "not ok", i, psycopg2.__version__.split()[0], name))
    if not ok:
        print("#   got:      %r\n#   expected: %r" % (got, expected))
sys.exit(0 if all(r[0] for r in results) else 1)
