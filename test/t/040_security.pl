# 040_security.pl: the attacks of the security issue, played by real roles.
#
# Each section plays one finding as the attacker would, then asserts that the
# attacker's GOAL failed (no role became superuser, no planted code ran as
# another role, no row was diverted, forged or lost, nobody was blocked) and
# that the legitimate operation next to it still works.  The assertions are
# written against the goals and the behaviour of version 1.1; version 1.0 fails
# most of them (see the "1.0:" notes).
#
# Roles:
#   dbowner   owns the databases, not superuser; installs the (trusted) extension
#   creator   has only CREATE on the database (and PUBLIC's CONNECT, TEMP)
#   temponly  has only PUBLIC's CONNECT and TEMP
#   alice     owns schema alice, her funnels and her tracked tables
#   mover     has INSERT/UPDATE (and SELECT) on alice's tracked tables only
#
# Planted code calls atk.pwn(tag): when it runs as any role but the attacker
# it bumps the (non-transactional) sequence atk.foreign_runs, raises a WARNING
# "funnel-attack-ran: ..." and logs to atk.log, and when it runs as a
# superuser it makes the attacker a superuser.  So "the attack failed" is
# checked three ways: rolsuper of the attacker, the sequence (which keeps
# counting even when the victim's transaction rolls back) and the victim's
# stderr.
#
# Finding 4 (memory safety of stored values) is covered by a regress suite of
# its own; one check here.  Finding 12 needs an extension control file of the
# test's own in the server's sharedir: skipped when the test cannot write there.

use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('security');
$node->init;
$node->append_conf('postgresql.conf', "log_min_messages = warning\n");
$node->start;

my $tmp = PostgreSQL::Test::Utils::tempdir;
my $su = $node->safe_psql('postgres', 'SELECT current_user');

my @roles = qw(dbowner creator temponly alice mover);
$node->safe_psql('postgres', join('', map { "CREATE ROLE $_ LOGIN;\n" } @roles));

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

# Run SQL as a role with verbose errors (stderr shows "ERROR:  42501: ...");
# psql stops at the first error.  Returns (exit code, stdout, stderr).
sub as_role
{
	my ($role, $sql, $db) = @_;
	my ($rc, $out, $err) = $node->psql($db, "\\set VERBOSITY verbose\n$sql",
		extra_params => [ '-U', $role ]);
	return ($rc, $out, $err);
}

# No planted code reported running in this stderr (the WARNING of atk.pwn).
sub no_planted_run
{
	my ($err, $name) = @_;
	my @runs = grep { /funnel-attack-ran/ } split /\n/, $err;
	ok(!@runs, $name) or diag(scalar(@runs) . " planted runs, e.g.: " . join("\n", @runs[ 0 .. ($#runs < 2 ? $#runs : 2) ]));
	return;
}

# Expect SQL to succeed as role; returns stdout.
sub ok_as
{
	my ($role, $sql, $name, $db) = @_;
	my ($rc, $out, $err) = as_role($role, $sql, $db);
	ok($rc == 0 && $err !~ /ERROR/, $name) or diag("exit $rc, stderr: " . substr($err, 0, 2000));
	no_planted_run($err, "$name: no planted code ran") if $err =~ /funnel-attack-ran/;
	return $out;
}

# Expect SQL to fail as role with SQLSTATE; returns stderr.
sub fails_as
{
	my ($role, $sql, $sqlstate, $name, $db) = @_;
	my ($rc, $out, $err) = as_role($role, $sql, $db);
	ok($rc != 0 && $err =~ /ERROR:  $sqlstate:/, "$name: refused with $sqlstate")
	  or diag("exit $rc, stderr: " . substr($err, 0, 2000));
	return $err;
}

sub su_sql
{
	my ($db, $sql) = @_;
	return $node->safe_psql($db, $sql);
}

sub rolsuper
{
	my ($role) = @_;
	return su_sql('postgres', "SELECT rolsuper FROM pg_roles WHERE rolname = '$role'");
}

# The attacker's kit: atk.pwn(tag), atk.log, atk.foreign_runs.
sub plant_kit
{
	my ($db, $attacker) = @_;
	ok_as(
		$attacker, qq{
CREATE SCHEMA atk;
GRANT USAGE ON SCHEMA atk TO PUBLIC;
CREATE TABLE atk.log (who name, what text, at timestamptz DEFAULT pg_catalog.clock_timestamp());
GRANT INSERT, SELECT ON atk.log TO PUBLIC;
CREATE SEQUENCE atk.foreign_runs;
GRANT USAGE, SELECT, UPDATE ON SEQUENCE atk.foreign_runs TO PUBLIC;
CREATE FUNCTION atk.pwn(tag text) RETURNS boolean LANGUAGE plpgsql AS \$pwn\$
DECLARE
    sup boolean := (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) current_user);
BEGIN
    IF current_user::text OPERATOR(pg_catalog.<>) '$attacker' THEN
        PERFORM pg_catalog.nextval('atk.foreign_runs');
        RAISE WARNING 'funnel-attack-ran: % as % (superuser: %)', tag, current_user, sup;
    END IF;
    INSERT INTO atk.log (who, what) VALUES (current_user, tag);
    IF sup THEN
        EXECUTE 'ALTER ROLE $attacker SUPERUSER';
    END IF;
    RETURN true;
END
\$pwn\$;
GRANT EXECUTE ON FUNCTION atk.pwn(text) TO PUBLIC;},
		"$db: $attacker sets up its attack kit", $db);
	return;
}

# The attack failed: the attacker is not superuser and no planted code ran as
# another role since the last check.  Resets both for the next check.
sub attack_failed
{
	my ($db, $attacker, $name) = @_;
	my $super = rolsuper($attacker);
	is($super, 'f', "$name: $attacker is still not superuser");
	su_sql('postgres', "ALTER ROLE $attacker NOSUPERUSER") if $super ne 'f';
	my $runs = su_sql($db,
		'SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM atk.foreign_runs');
	is($runs, '0', "$name: planted code never ran as another role")
	  or diag(su_sql($db, "SELECT string_agg(format('%s ran %s', who, what), '; ' ORDER BY at) FROM atk.log WHERE who <> '$attacker'"));
	su_sql($db, "SELECT setval('atk.foreign_runs', 1, false); DELETE FROM atk.log");
	for my $r (@roles)
	{
		next if $r eq $attacker;
		my $s = rolsuper($r);
		if ($s ne 'f')
		{
			fail("$name: $r became superuser");
			su_sql('postgres', "ALTER ROLE $r NOSUPERUSER");
		}
	}
	return;
}

# Has the extension an update path from 1.0 to its default version?
my $default_version = su_sql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'funnel'});
my $has_update_path = su_sql(
	'postgres', qq{
SELECT count(*) FROM pg_extension_update_paths('funnel')
WHERE source = '1.0' AND target = '$default_version' AND path IS NOT NULL});
note("funnel default version $default_version; update path from 1.0: $has_update_path");

sub run_cmd
{
	my @cmd = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run(\@cmd, '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

# The rows of every user table and of the funnel catalog, as text, by table.
sub all_rows
{
	my ($db) = @_;
	my %rows;
	my @tables = split /\n/, su_sql(
		$db, q{
SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%' AND n.nspname <> 'atk'
ORDER BY 1});
	for my $t (@tables)
	{
		my $where = $t =~ /^funnel\.(funnel_def|stage_def)$/ ? 'WHERE NOT builtin' : '';
		$rows{$t} = su_sql($db, "SELECT count(*) || ': ' || coalesce(string_agg(x::text, ' | ' ORDER BY x::text), '') FROM $t x $where");
	}
	return \%rows;
}

# pg_dump -Fc the database, pg_restore into a new one (a normal restore, no
# --exit-on-error) and compare every row.
sub dump_restores_every_row
{
	my ($db, $name) = @_;
	my $file = "$tmp/$db.dump";
	my ($rc, $out, $err) = run_cmd('pg_dump', '-Fc', '-f', $file, '-d', $node->connstr($db));
	is($rc, 0, "$name: pg_dump of $db succeeds") or diag($err);
	su_sql('postgres', "CREATE DATABASE ${db}_restored OWNER dbowner TEMPLATE template0");
	($rc, $out, $err) = run_cmd('pg_restore', '-d', $node->connstr("${db}_restored"), $file);
	is($rc, 0, "$name: pg_restore of $db exits with 0") or diag($err);
	unlike($err, qr/error/i, "$name: pg_restore of $db reports no error");
	my $src = all_rows($db);
	my $dst = all_rows("${db}_restored");
	for my $t (sort keys %$src)
	{
		is($dst->{$t}, $src->{$t}, "$name: restored $t has every row");
	}
	return;
}

# ===========================================================================
# 1. Superuser at install time: objects planted in a pre-created schema funnel
# ===========================================================================

# 1a: dbowner plants exact-match operators >=(float8, int4) and
# <=(float8, int4), which the CHECK (probability >= 0 AND probability <= 1)
# of stage_def would bind to while the install script (run as the bootstrap
# superuser) inserts the shipped rows.
su_sql('postgres', 'CREATE DATABASE d1a OWNER dbowner');
plant_kit('d1a', 'dbowner');
ok_as(
	'dbowner', q{
CREATE SCHEMA funnel;
CREATE FUNCTION funnel.ge(float8, int4) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('operator >=(float8, int4)'); RETURN $1 OPERATOR(pg_catalog.>=) $2::float8; END $$;
CREATE FUNCTION funnel.le(float8, int4) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('operator <=(float8, int4)'); RETURN $1 OPERATOR(pg_catalog.<=) $2::float8; END $$;
CREATE OPERATOR funnel.>= (LEFTARG = float8, RIGHTARG = int4, FUNCTION = funnel.ge);
CREATE OPERATOR funnel.<= (LEFTARG = float8, RIGHTARG = int4, FUNCTION = funnel.le);},
	'1a: dbowner pre-creates schema funnel with operators >=(float8, int4), <=(float8, int4)',
	'd1a');
{
	my ($rc, $out, $err) = as_role('dbowner', 'CREATE EXTENSION funnel', 'd1a');
	isnt($rc, 0, '1a: CREATE EXTENSION into a schema funnel holding the attacker\'s operators is refused');
	no_planted_run($err, '1a: no planted operator ran during CREATE EXTENSION');
	attack_failed('d1a', 'dbowner', '1a: planted operators');
	# 1.0 installs, and a superuser's later set_stage evaluates the CHECK again
	if ($rc == 0)
	{
		my ($rc2, $out2, $err2) = $node->psql('d1a',
			q{SELECT funnel.set_stage('proposal'::funnel.sales_stage, probability => 0.4)});
		attack_failed('d1a', 'dbowner', '1a: superuser set_stage after the planted install');
	}
}
ok_as('dbowner', q{
DROP EXTENSION IF EXISTS funnel;
DROP SCHEMA funnel CASCADE;
CREATE EXTENSION funnel;},
	'1a: once the planted schema is gone, dbowner installs the extension', 'd1a');
is(su_sql('d1a', q{SELECT funnel.stage_position('proposal'::funnel.sales_stage)}), '3',
	'1a: the extension works');
attack_failed('d1a', 'dbowner', '1a: clean install');

# 1b: creator (only CREATE on the database) plants the operators and
# functions named like pg_catalog ones with a more exact signature; dbowner
# installs the extension.
su_sql('postgres', 'CREATE DATABASE d1b OWNER dbowner; GRANT CREATE ON DATABASE d1b TO creator');
plant_kit('d1b', 'creator');
ok_as(
	'creator', q{
CREATE SCHEMA funnel;
GRANT USAGE ON SCHEMA funnel TO PUBLIC;
CREATE FUNCTION funnel.ge(float8, int4) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('operator >=(float8, int4)'); RETURN $1 OPERATOR(pg_catalog.>=) $2::float8; END $$;
CREATE OPERATOR funnel.>= (LEFTARG = float8, RIGHTARG = int4, FUNCTION = funnel.ge);
CREATE FUNCTION funnel.texteq(text, text) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('operator =(text, text)'); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE FUNCTION funnel.textne(text, text) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('operator <>(text, text)'); RETURN $1 OPERATOR(pg_catalog.<>) $2; END $$;
CREATE OPERATOR funnel.= (LEFTARG = text, RIGHTARG = text, FUNCTION = funnel.texteq);
CREATE OPERATOR funnel.<> (LEFTARG = text, RIGHTARG = text, FUNCTION = funnel.textne);
CREATE FUNCTION funnel.format(text, text, text) RETURNS text LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('format(text, text, text)'); RETURN pg_catalog.format($1, $2, $3); END $$;
CREATE FUNCTION funnel.array_position(text[], text) RETURNS integer LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('array_position(text[], text)'); RETURN pg_catalog.array_position($1, $2); END $$;
CREATE FUNCTION funnel.pg_extension_config_dump(regclass, text) RETURNS void LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('pg_extension_config_dump'); END $$;
CREATE FUNCTION funnel.now() RETURNS timestamptz LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('now()'); RETURN pg_catalog.now(); END $$;
GRANT CREATE ON SCHEMA funnel TO PUBLIC;},
	'1b: creator pre-creates schema funnel with look-alike operators and functions', 'd1b');
{
	my ($rc, $out, $err) = as_role('dbowner', 'CREATE EXTENSION funnel', 'd1b');
	isnt($rc, 0, '1b: CREATE EXTENSION into creator\'s schema funnel (with objects) is refused');
	no_planted_run($err, '1b: no planted object ran during CREATE EXTENSION');
	attack_failed('d1b', 'creator', '1b: creator\'s planted schema');
	if ($rc == 0)
	{
		# 1.0 installed into creator's schema: the superuser uses the extension
		$node->psql('d1b', q{
SELECT funnel.create_funnel('public.victim', ARRAY['a', 'b', 'c'], won => '{w}');
SELECT funnel.set_stage('b'::public.victim, probability => 0.5);
SELECT funnel.allow_transition('c'::public.victim, 'a');
SELECT funnel.stage_position('b'::public.victim);});
		attack_failed('d1b', 'creator', '1b: superuser uses the extension installed in creator\'s schema');
	}
}

# 1c: planted domains named like the types the script uses, and a table named
# like an extension object
su_sql('postgres', 'CREATE DATABASE d1c OWNER dbowner');
plant_kit('d1c', 'dbowner');
ok_as(
	'dbowner', q{
CREATE SCHEMA funnel;
CREATE DOMAIN funnel.float8 AS pg_catalog.float8 CHECK (atk.pwn('domain funnel.float8'));
CREATE DOMAIN funnel.text AS pg_catalog.text CHECK (atk.pwn('domain funnel.text'));
CREATE DOMAIN funnel.regtype AS pg_catalog.regtype CHECK (atk.pwn('domain funnel.regtype'));
CREATE DOMAIN funnel.int4 AS pg_catalog.int4 CHECK (atk.pwn('domain funnel.int4'));},
	'1c: dbowner plants domains funnel.float8, text, regtype, int4', 'd1c');
{
	my ($rc, $out, $err) = as_role('dbowner', 'CREATE EXTENSION funnel', 'd1c');
	isnt($rc, 0, '1c: CREATE EXTENSION into a schema funnel holding planted domains is refused');
	no_planted_run($err, '1c: no planted domain check ran');
	attack_failed('d1c', 'dbowner', '1c: planted domains');
}
ok_as('dbowner', q{
DROP EXTENSION IF EXISTS funnel;
DROP SCHEMA funnel CASCADE;
CREATE SCHEMA funnel;
CREATE TABLE funnel.transition_def (stage_type regtype, from_stage text, to_stage text, allowed boolean);
CREATE FUNCTION atk.trg() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('trigger on planted funnel.transition_def'); RETURN NEW; END $$;
CREATE TRIGGER t BEFORE INSERT OR UPDATE OR DELETE ON funnel.transition_def
    FOR EACH ROW EXECUTE FUNCTION atk.trg();},
	'1c: dbowner plants a table funnel.transition_def with a trigger', 'd1c');
{
	my ($rc, $out, $err) = as_role('dbowner', 'CREATE EXTENSION funnel', 'd1c');
	isnt($rc, 0, '1c: CREATE EXTENSION next to a planted funnel.transition_def is refused');
	no_planted_run($err, '1c: the planted table\'s trigger never ran');
	attack_failed('d1c', 'dbowner', '1c: planted table');
}

# 1d: type hijack through pg_temp in the installing session (no pre-created
# schema): a temp table named text, temp domains named float8 and regtype
su_sql('postgres', 'CREATE DATABASE d1d OWNER dbowner');
plant_kit('d1d', 'dbowner');
{
	my ($rc, $out, $err) = as_role(
		'dbowner', q{
CREATE TEMP TABLE text (x int);
CREATE DOMAIN pg_temp.float8 AS pg_catalog.float8 CHECK (atk.pwn('domain pg_temp.float8'));
CREATE DOMAIN pg_temp.regtype AS pg_catalog.regtype CHECK (atk.pwn('domain pg_temp.regtype'));
CREATE DOMAIN pg_temp.int4 AS pg_catalog.int4 CHECK (atk.pwn('domain pg_temp.int4'));
CREATE EXTENSION funnel;
SELECT funnel.set_stage('proposal'::funnel.sales_stage, probability => 0.4);}, 'd1d');
	is($rc, 0, '1d: dbowner installs the extension in a session with pg_temp look-alike types')
	  or diag($err);
	no_planted_run($err, '1d: no temp look-alike ran');
	attack_failed('d1d', 'dbowner', '1d: pg_temp hijack');
	is( su_sql(
			'd1d', q{
SELECT string_agg(format('%s.%s:%s', c.relname, a.attname, format_type(a.atttypid, NULL)), ' ' ORDER BY c.relname, a.attnum)
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = 'funnel'::regnamespace AND c.relname = 'stage_def' AND a.attnum > 0}),
		'stage_def.stage_type:regtype stage_def.stage:text stage_def.outcome:text stage_def.entry:boolean '
		  . 'stage_def.owner:text stage_def.probability:double precision stage_def.builtin:boolean',
		'1d: the catalog columns have the pg_catalog types');
}

# 1e: an empty pre-created schema (with CREATE granted to PUBLIC) is accepted
# but ends up owned by a superuser, with CREATE for nobody else
su_sql('postgres', 'CREATE DATABASE d1e OWNER dbowner; GRANT CREATE ON DATABASE d1e TO creator');
plant_kit('d1e', 'creator');
ok_as('creator', q{CREATE SCHEMA funnel; GRANT USAGE, CREATE ON SCHEMA funnel TO PUBLIC;},
	'1e: creator pre-creates an empty schema funnel open to PUBLIC', 'd1e');
ok_as('dbowner', 'CREATE EXTENSION funnel', '1e: CREATE EXTENSION into the empty schema is accepted',
	'd1e');
is( su_sql(
		'd1e', q{
SELECT r.rolsuper FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'funnel'}),
	't', '1e: schema funnel is now owned by a superuser');
is( su_sql(
		'd1e', q{
SELECT string_agg(r || ':' || has_schema_privilege(r, 'funnel', 'CREATE'), ' ' ORDER BY r)
FROM unnest(ARRAY['creator', 'dbowner', 'temponly', 'alice']) r}),
	'alice:false creator:false dbowner:false temponly:false',
	'1e: nobody but superusers may create in schema funnel');
fails_as('creator', q{
CREATE FUNCTION funnel.stage_position(funnel.sales_stage) RETURNS integer LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('stage_position(sales_stage)'); RETURN 1; END $$;},
	'42501', '1e: creator plants a function in schema funnel after the install', 'd1e');
is(su_sql('d1e', q{SELECT funnel.stage_position('proposal'::funnel.sales_stage)}), '3',
	'1e: the superuser\'s call reaches the extension\'s function');
attack_failed('d1e', 'creator', '1e: empty planted schema');

# 1f: the same planting before ALTER EXTENSION funnel UPDATE (1.0 -> default)
SKIP:
{
	skip "no update path from 1.0 to $default_version installed (version 1.1 not installed yet)", 16
	  unless $has_update_path && $default_version ne '1.0';
	su_sql('postgres', 'CREATE DATABASE d1f OWNER dbowner');
	plant_kit('d1f', 'dbowner');
	ok_as('dbowner', q{CREATE EXTENSION funnel VERSION '1.0'}, '1f: dbowner installs version 1.0',
		'd1f');
	ok_as(
		'dbowner', q{
CREATE FUNCTION funnel.ge(float8, int4) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('operator >=(float8, int4)'); RETURN $1 OPERATOR(pg_catalog.>=) $2::float8; END $$;
CREATE OPERATOR funnel.>= (LEFTARG = float8, RIGHTARG = int4, FUNCTION = funnel.ge);
CREATE FUNCTION funnel.texteq(text, text) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('operator =(text, text)'); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR funnel.= (LEFTARG = text, RIGHTARG = text, FUNCTION = funnel.texteq);
CREATE FUNCTION funnel.stage_position(funnel.sales_stage) RETURNS integer LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('stage_position(sales_stage)'); RETURN 1; END $$;
CREATE FUNCTION funnel.funnel_of(funnel.sales_stage) RETURNS regtype LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('funnel_of(sales_stage)'); RETURN 'funnel.sales_stage'::regtype; END $$;},
		'1f: dbowner plants operators and overloads in the 1.0 schema funnel', 'd1f');
	my ($rc, $out, $err) = as_role('dbowner', 'ALTER EXTENSION funnel UPDATE', 'd1f');
	note("1f: ALTER EXTENSION funnel UPDATE with foreign objects: exit $rc, $err");
	no_planted_run($err, '1f: no planted object ran during the update');
	attack_failed('d1f', 'dbowner', '1f: update with planted objects');
	# a refused update leaves the database at 1.0, whose schema the attacker
	# owns: what runs there is 1.0's flaw, which only the update closes; an
	# update that went through must leave nothing of the attacker's reachable
	if ($rc == 0)
	{
		$node->psql('d1f', q{
SELECT funnel.stage_position('proposal'::funnel.sales_stage);
SELECT funnel.set_stage('proposal'::funnel.sales_stage, probability => 0.45);});
		attack_failed('d1f', 'dbowner', '1f: superuser uses the extension after the update');
	}
	if ($rc != 0)
	{
		pass('1f: the update refuses while foreign objects sit in schema funnel');
		ok_as('dbowner', q{
DROP FUNCTION funnel.stage_position(funnel.sales_stage);
DROP FUNCTION funnel.funnel_of(funnel.sales_stage);
DROP OPERATOR funnel.>= (float8, int4);
DROP OPERATOR funnel.= (text, text);
DROP FUNCTION funnel.ge(float8, int4);
DROP FUNCTION funnel.texteq(text, text);
ALTER EXTENSION funnel UPDATE;}, '1f: without the foreign objects the update goes through', 'd1f');
	}
	else
	{
		pass('1f: the update went through, unaffected by the foreign objects');
		pass('1f: (nothing to remove)');
	}
	is(su_sql('d1f', q{SELECT extversion FROM pg_extension WHERE extname = 'funnel'}),
		$default_version, "1f: the extension is at $default_version");
	is(su_sql('d1f', q{SELECT funnel.stage_position('proposal'::funnel.sales_stage)}), '3',
		'1f: stage_position reaches the extension\'s function');
	attack_failed('d1f', 'dbowner', '1f: after the update');
	is( su_sql(
			'd1f', q{
SELECT r.rolsuper FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'funnel'}),
		't', '1f: after the update schema funnel is owned by a superuser');
}

# ===========================================================================
# The main database d: dbowner installs, alice defines funnels, creator has
# CREATE on the database and a schema of its own
# ===========================================================================
su_sql('postgres', q{
CREATE DATABASE d OWNER dbowner;
GRANT CREATE ON DATABASE d TO creator;});
su_sql('d', q{
CREATE SCHEMA alice AUTHORIZATION alice;
GRANT USAGE ON SCHEMA alice TO PUBLIC;});
ok_as('dbowner', 'CREATE EXTENSION funnel', 'd: dbowner installs the extension', 'd');
plant_kit('d', 'dbowner');
ok_as(
	'alice', q{
SELECT funnel.create_funnel('alice.deal', ARRAY['a', 'b', 'c'], won => '{won}', lost => '{lost}',
                            allow_skip => false);
SELECT funnel.set_stage('b'::alice.deal, probability => 0.5, owner => 'sales');},
	'd: alice defines her funnel alice.deal', 'd');
ok_as(
	'creator', q{
CREATE SCHEMA cs;
GRANT USAGE ON SCHEMA cs TO PUBLIC;
SELECT funnel.create_funnel('cs.cfun', ARRAY['x', 'y', 'z']);},
	'd: creator defines its funnel cs.cfun', 'd');

# ===========================================================================
# 2. Superuser after install, by renaming schema funnel
# ===========================================================================
su_sql('postgres', 'CREATE DATABASE d2 OWNER dbowner; GRANT CREATE ON DATABASE d2 TO creator');
ok_as('dbowner', q{
CREATE EXTENSION funnel;
SELECT funnel.create_funnel('public.ds', ARRAY['a', 'b', 'c'], won => '{w}');
SELECT funnel.create_funnel('public.ds2', ARRAY['p', 'q']);
SELECT funnel.set_stage('b'::public.ds, probability => 0.5);
SELECT funnel.allow_transition('c'::public.ds, 'a');},
	'2: dbowner installs the extension and defines funnels', 'd2');
ok_as('creator', q{
CREATE SCHEMA cs;
SELECT funnel.create_funnel('cs.cfun', ARRAY['x', 'y']);
SELECT funnel.set_stage('x'::cs.cfun, probability => 0.1);},
	'2: creator defines a funnel', 'd2');
plant_kit('d2', 'dbowner');
{
	my $err = fails_as('dbowner', 'ALTER SCHEMA funnel RENAME TO funnel_real', '42501',
		'2: dbowner renames schema funnel', 'd2');
	my $renamed = su_sql('d2', q{SELECT count(*) FROM pg_namespace WHERE nspname = 'funnel_real'});
	if ($renamed)
	{
		# 1.0: the rename went through; plant look-alike catalog tables
		ok_as(
			'dbowner', q{
CREATE SCHEMA funnel;
GRANT USAGE ON SCHEMA funnel TO PUBLIC;
CREATE VIEW funnel.funnel_def AS SELECT * FROM funnel_real.funnel_def WHERE atk.pwn('view funnel.funnel_def');
CREATE VIEW funnel.stage_def AS SELECT * FROM funnel_real.stage_def WHERE atk.pwn('view funnel.stage_def');
CREATE VIEW funnel.transition_def AS SELECT * FROM funnel_real.transition_def WHERE atk.pwn('view funnel.transition_def');
GRANT SELECT, INSERT, UPDATE, DELETE ON funnel.funnel_def, funnel.stage_def, funnel.transition_def TO PUBLIC;},
			'2: (1.0) dbowner plants look-alike catalog views in a new schema funnel', 'd2');
	}
	else
	{
		# 1.1: try anyway; what is refused does not matter, the effect does
		as_role('dbowner', q{CREATE VIEW funnel.funnel_def2 AS SELECT 1 AS x WHERE atk.pwn('view')}, 'd2');
	}
}
my $ext2 = su_sql('d2', q{SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'funnel'});
is($ext2, 'funnel', '2: the extension still lives in schema funnel');
{
	my ($rc, $out, $err) = $node->psql('d2', "SELECT $ext2.stage_position('b'::public.ds)");
	is($out, '2', '2: superuser\'s stage_position (compiles the funnel) works') or diag($err);
	attack_failed('d2', 'dbowner', '2: superuser compiles a funnel');
	($rc, $out, $err) = $node->psql('d2', q{ALTER TYPE public.ds RENAME VALUE 'c' TO 'cc'});
	is($rc, 0, '2: superuser\'s ALTER TYPE ... RENAME VALUE works') or diag($err);
	attack_failed('d2', 'dbowner', '2: superuser renames a label');
	is(su_sql('d2', "SELECT $ext2.can_transition('cc'::public.ds, 'a')"), 't',
		'2: the renamed label keeps its explicit edge');
	($rc, $out, $err) = $node->psql('d2', q{DROP TYPE public.ds2});
	is($rc, 0, '2: superuser\'s DROP TYPE of a funnel type works') or diag($err);
	attack_failed('d2', 'dbowner', '2: superuser drops a funnel type');
	($rc, $out, $err) = $node->psql('d2', q{DROP OWNED BY creator});
	is($rc, 0, '2: superuser\'s DROP OWNED BY works') or diag($err);
	attack_failed('d2', 'dbowner', '2: superuser runs DROP OWNED BY');
	is( su_sql(
			'd2', qq{
SELECT count(*) FROM $ext2.funnel_def d WHERE NOT EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = d.stage_type)}),
		'0', '2: the dropped funnels are forgotten');
}

# ===========================================================================
# 3. Overload hijack: the schema owner adds more exact overloads
# ===========================================================================
{
	fails_as('dbowner', q{
CREATE FUNCTION funnel.stage_position(funnel.sales_stage) RETURNS integer LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('stage_position(sales_stage)'); RETURN 1; END $$;},
		'42501', '3: dbowner creates funnel.stage_position(funnel.sales_stage)', 'd');
	fails_as('dbowner', q{
CREATE FUNCTION funnel.funnel_of(alice.deal) RETURNS regtype LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('funnel_of(alice.deal)'); RETURN 'alice.deal'::regtype; END $$;},
		'42501', '3: dbowner creates funnel.funnel_of(alice.deal)', 'd');
	fails_as('dbowner', q{
CREATE FUNCTION funnel.probability(alice.deal) RETURNS float8 LANGUAGE plpgsql
    AS $$ BEGIN PERFORM atk.pwn('probability(alice.deal)'); RETURN 1; END $$;},
		'42501', '3: dbowner creates funnel.probability(alice.deal)', 'd');
	fails_as('creator', q{CREATE FUNCTION funnel.is_won(cs.cfun) RETURNS boolean LANGUAGE sql AS 'SELECT true'},
		'42501', '3: creator creates funnel.is_won(cs.cfun)', 'd');
	fails_as('dbowner', q{CREATE TABLE funnel.extra (x int)}, '42501',
		'3: dbowner creates a table in schema funnel', 'd');

	my ($rc, $out, $err) = $node->psql('d', q{SELECT funnel.stage_position('proposal'::funnel.sales_stage)});
	is($out, '3', '3: the superuser\'s stage_position gives the real answer');
	no_planted_run($err, '3: the superuser\'s call ran no planted code');
	attack_failed('d', 'dbowner', '3: superuser calls funnel.stage_position');
	($rc, $out, $err) = as_role('alice', q{
SELECT FROM funnel.set_stage('c'::alice.deal, probability => 0.75);
SELECT funnel.probability('c'::alice.deal), funnel.probability('b'::alice.deal);}, 'd');
	is($out, '0.75|0.5', '3: alice\'s set_stage and probability work on her funnel') or diag($err);
	no_planted_run($err, '3: alice\'s calls ran no planted code');
	attack_failed('d', 'dbowner', '3: alice calls funnel.set_stage');
	# 1.0: take the planted overloads away so that later sections test their own attack
	as_role('dbowner', q{
DROP FUNCTION IF EXISTS funnel.stage_position(funnel.sales_stage);
DROP FUNCTION IF EXISTS funnel.funnel_of(alice.deal);
DROP FUNCTION IF EXISTS funnel.probability(alice.deal);
DROP TABLE IF EXISTS funnel.extra;}, 'd');
	as_role('creator', q{DROP FUNCTION IF EXISTS funnel.is_won(cs.cfun)}, 'd');
}

# ===========================================================================
# 4. (memory safety, one check) a TEMP-only role calls journey_final on a
# compressed journey stored in its own temp table
# ===========================================================================
{
	my ($rc, $out, $err) = as_role(
		'temponly', q{
CREATE TEMP TABLE tj AS
SELECT funnel.journey(s, t) AS j
FROM (SELECT (ARRAY['lead', 'qualified', 'proposal', 'negotiation']::funnel.sales_stage[])[1 + i % 4] AS s,
             timestamptz '2024-01-01' + i * interval '1 hour' AS t
      FROM generate_series(1, 2000) i) v;
SELECT pg_column_compression(j) IS NOT NULL, funnel.event_count(j) FROM tj;}, 'd');
	is($out, 't|2000', '4: temponly stores a compressed 2000-event journey in a temp table') or diag($err);
	($rc, $out, $err) = as_role(
		'temponly', q{
CREATE TEMP TABLE tj AS
SELECT funnel.journey(s, t) AS j
FROM (SELECT (ARRAY['lead', 'qualified', 'proposal', 'negotiation']::funnel.sales_stage[])[1 + i % 4] AS s,
             timestamptz '2024-01-01' + i * interval '1 hour' AS t
      FROM generate_series(1, 2000) i) v;
SELECT funnel.journey_final(j)::text = j::text FROM tj;}, 'd');
	is($node->safe_psql('d', 'SELECT 1'), '1', '4: the server is up after journey_final on a stored value');
	ok($out eq 't' || ($rc != 0 && $err =~ /ERROR:  [0-9A-Z]{5}:/ && $err !~ /type with OID \d+ does not exist/),
		'4: journey_final on a compressed stored journey returns it unchanged or refuses it (no misread)')
	  or diag("exit $rc, out $out, stderr: $err");
}

# ===========================================================================
# 5. Backups made unrestorable by a TEMP-only role
# ===========================================================================
su_sql('postgres', 'CREATE DATABASE d5 OWNER dbowner');
ok_as('dbowner', q{
CREATE EXTENSION funnel;
SELECT funnel.create_funnel('public.ds', ARRAY['a', 'b', 'c'], won => '{w}', lost => '{l}');
SELECT funnel.set_stage('b'::public.ds, probability => 0.5, owner => 'team');
SELECT funnel.allow_transition('c'::public.ds, 'a');
CREATE TABLE public.deals (id int PRIMARY KEY, stage public.ds NOT NULL);
SELECT funnel.track('public.deals');
INSERT INTO public.deals VALUES (1, 'a'), (2, 'a');
UPDATE public.deals SET stage = 'b' WHERE id = 1;},
	'5: dbowner defines a funnel and a tracked table', 'd5');
fails_as('temponly', q{
CREATE TYPE pg_temp.tmp_stage AS ENUM ('x', 'y', 'z');
SELECT funnel.register_funnel('pg_temp.tmp_stage');},
	'[0-9A-Z]{5}', '5: temponly registers a temporary enum', 'd5');
fails_as('temponly', q{SELECT funnel.create_funnel('pg_temp.tmp_stage2', ARRAY['p', 'q'])},
	'[0-9A-Z]{5}', '5: temponly runs create_funnel in pg_temp', 'd5');
fails_as('temponly', q{
SET search_path = pg_temp;
SELECT funnel.create_funnel('tmp_stage3', ARRAY['p', 'q']);},
	'[0-9A-Z]{5}', '5: temponly runs create_funnel with pg_temp as its current schema', 'd5');
# the temponly sessions have ended; wait until their backends are gone
$node->poll_query_until('d5', q{SELECT count(*) = 0 FROM pg_stat_activity WHERE usename = 'temponly'});
is( su_sql(
		'd5', q{
SELECT count(*) FROM funnel.funnel_def d WHERE NOT EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = d.stage_type)}),
	'0', '5: no funnel definition outlives its type');
{
	my $file = "$tmp/d5_defs.dump";
	my ($rc, $out, $err) = run_cmd('pg_dump', '-Fc', '-f', $file, '-d', $node->connstr('d5'));
	($rc, $out, $err) = run_cmd('pg_restore', '--data-only', '-t', 'funnel_def', '-t', 'stage_def',
		'-t', 'transition_def', '-f', '-', $file);
	unlike($out, qr/^\d+\t/m, '5: the dump holds no dangling type OID');
}
dump_restores_every_row('d5', '5');

# ===========================================================================
# 6. Journeys lost by a normal restore: stored values in a schema that sorts
# before funnel
# ===========================================================================
su_sql('postgres', 'CREATE DATABASE d6 OWNER dbowner');
ok_as('dbowner', q{
CREATE EXTENSION funnel;
SELECT funnel.create_funnel('public.ds', ARRAY['a', 'b', 'c'], won => '{w}', lost => '{l}');
CREATE SCHEMA analytics;
CREATE TABLE analytics.journeys AS
SELECT k, funnel.journey(s, t) AS j
FROM (VALUES (1, 'a'::public.ds, timestamptz '2024-01-01'), (1, 'b', '2024-01-03'), (1, 'w', '2024-01-09'),
             (2, 'a', '2024-02-01'), (2, 'l', '2024-02-05'), (3, 'a', '2024-03-01')) v(k, s, t)
GROUP BY k;
CREATE TABLE analytics.shipped_journeys AS
SELECT k, funnel.journey(s, t) AS j
FROM (VALUES (1, 'lead'::funnel.sales_stage, timestamptz '2024-01-01'), (1, 'qualified', '2024-01-02')) v(k, s, t)
GROUP BY k;
CREATE TABLE analytics.summaries AS SELECT funnel.summary(j) AS s FROM analytics.journeys;
CREATE TABLE analytics.pipelines AS
SELECT funnel.pipeline(s, 100, timestamptz '2024-01-01', timestamptz '2024-02-01') AS p
FROM unnest(ARRAY['a', 'b', 'w', 'l']::public.ds[]) s;},
	'6: dbowner stores journeys, summaries and pipelines of its funnel in schema analytics', 'd6');
dump_restores_every_row('d6', '6');
is( su_sql('d6_restored', q{SELECT string_agg(funnel.furthest_stage(j), ',' ORDER BY k) FROM analytics.journeys}),
	su_sql('d6', q{SELECT string_agg(funnel.furthest_stage(j), ',' ORDER BY k) FROM analytics.journeys}),
	'6: the restored journeys read the same');

# ===========================================================================
# 7. Anyone can block everyone: locks on the catalog tables
# ===========================================================================
for my $t (qw(funnel_def stage_def transition_def))
{
	fails_as('temponly', "BEGIN; LOCK TABLE funnel.$t IN ACCESS EXCLUSIVE MODE; ROLLBACK;",
		'42501', "7: temponly locks funnel.$t in ACCESS EXCLUSIVE mode", 'd');
}
fails_as('temponly', 'BEGIN; SELECT count(*) FROM (SELECT 1 FROM funnel.stage_def FOR UPDATE) s; ROLLBACK;',
	'42501', '7: temponly runs SELECT ... FROM funnel.stage_def FOR UPDATE', 'd');
fails_as('temponly', 'BEGIN; SELECT count(*) FROM (SELECT 1 FROM funnel.funnel_def FOR SHARE) s; ROLLBACK;',
	'42501', '7: temponly runs SELECT ... FROM funnel.funnel_def FOR SHARE', 'd');
is(ok_as('temponly', 'SELECT count(*) > 0 FROM funnel.stage_def', '7: PUBLIC still reads funnel.stage_def', 'd'),
	't', '7: temponly sees the stage rows');
is( su_sql(
		'd', q{
SELECT string_agg(format('%s:%s', p, has_table_privilege('temponly', 'funnel.' || t, p)), ' ' ORDER BY t, p)
FROM unnest(ARRAY['funnel_def', 'stage_def', 'transition_def']) t,
     unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
WHERE has_table_privilege('temponly', 'funnel.' || t, p)}),
	'', '7: PUBLIC has no privilege on the catalog tables beyond SELECT');

# the goal: while a role holds what locks it can take, everyone else proceeds
{
	my $bg = $node->background_psql('d', on_error_stop => 0, extra_params => [ '-U', 'temponly' ]);
	$bg->query('BEGIN');
	$bg->{stderr} = '';
	$bg->query('LOCK TABLE funnel.funnel_def, funnel.stage_def, funnel.transition_def IN ACCESS EXCLUSIVE MODE');
	$bg->{stderr} = '';
	my ($rc, $out, $err) = as_role('alice', q{
SET lock_timeout = '1s';
SELECT funnel.stage_position('b'::alice.deal), funnel.can_transition('a'::alice.deal, 'b');
SELECT funnel.set_stage('a'::alice.deal, owner => 'marketing');}, 'd');
	is($rc, 0, '7: alice uses and changes her funnel while temponly tries to lock the catalog')
	  or diag($err);
	$bg->query('ROLLBACK');
	$bg->{stderr} = '';
	$bg->query('BEGIN');
	$bg->query('SELECT count(*) FROM (SELECT 1 FROM funnel.stage_def FOR UPDATE) s');
	$bg->{stderr} = '';
	($rc, $out, $err) = as_role('alice', q{
SET lock_timeout = '1s';
SELECT funnel.set_stage('b'::alice.deal, owner => 'sales team');}, 'd');
	is($rc, 0, '7: alice changes a stage while temponly tries to lock the stage rows') or diag($err);
	$bg->query('ROLLBACK');
	$bg->quit;
}

# direct writes to the catalog tables: UPDATE and DELETE are refused for every
# non-superuser, also for the type's owner (they would allow LOCK TABLE and
# FOR UPDATE); INSERT stays open so that a database owner can restore a dump
# of his own funnels, and the guard trigger checks each row
for my $case (
	[ 'alice', q{UPDATE funnel.stage_def SET probability = 0.9 WHERE stage_type = 'alice.deal'::regtype}, 'UPDATE (own funnel)' ],
	[ 'alice', q{DELETE FROM funnel.funnel_def WHERE stage_type = 'alice.deal'::regtype}, 'DELETE (own funnel)' ],
	[ 'dbowner', q{DELETE FROM funnel.transition_def WHERE stage_type = 'funnel.sales_stage'::regtype}, 'DELETE (shipped funnel, extension owner)' ],
	[ 'temponly', q{INSERT INTO funnel.transition_def VALUES ('alice.deal', 'c', 'a', true)}, 'INSERT (another role\'s funnel)' ],
	[ 'temponly', q{DELETE FROM funnel.stage_def WHERE stage_type = 'alice.deal'::regtype}, 'DELETE (another role\'s funnel)' ])
{
	my ($role, $sql, $what) = @$case;
	fails_as($role, "BEGIN; $sql; ROLLBACK;", '42501', "7: $role writes the catalog directly: $what", 'd');
}
# INSERT is the extension owner's only (dbowner: a restore of his dump), checked row by row
fails_as('alice', q{BEGIN; INSERT INTO funnel.transition_def VALUES ('alice.deal', 'c', 'a', true); ROLLBACK;},
	'42501', '7: alice inserts an edge of her own funnel directly', 'd');
fails_as('dbowner', q{BEGIN; INSERT INTO funnel.transition_def VALUES ('alice.deal', 'c', 'a', true); ROLLBACK;},
	'42501', '7: dbowner (extension owner) inserts an edge of alice\'s funnel', 'd');
is(su_sql('d', q{SELECT count(*) FROM funnel.funnel_def WHERE stage_type = 'alice.deal'::regtype}), '1',
	'7: alice\'s funnel is still registered');

# the definition functions work for the type's owner, and only for it
ok_as(
	'alice', q{
SELECT funnel.create_funnel('alice.f7', ARRAY['s1', 's2', 's3'], won => '{w}');
SELECT funnel.set_stage('s2'::alice.f7, probability => 0.3, owner => 'team');
SELECT funnel.allow_transition('s3'::alice.f7, 's1');
SELECT funnel.forbid_transition('s1'::alice.f7, 's2');
SELECT funnel.allow_transition('s2'::alice.f7, 's1');
SELECT funnel.reset_transition('s2'::alice.f7, 's1');
SELECT funnel.rename_stage('s3'::alice.f7, 's3b');
CREATE TYPE alice.e7 AS ENUM ('u', 'v');
SELECT funnel.register_funnel('alice.e7');
CREATE TYPE alice.e7b AS ENUM ('u', 'v');
CREATE TYPE alice.e7c AS ENUM ('u', 'v');
SELECT funnel.register_funnel('alice.e7c');},
	'7: alice runs every definition function on her own funnels', 'd');
is( su_sql(
		'd', q{
SELECT funnel.probability('s2'::alice.f7), funnel.can_transition('s3b'::alice.f7, 's1'),
       funnel.can_transition('s1'::alice.f7, 's2'), funnel.can_transition('s2'::alice.f7, 's1'),
       (SELECT owner FROM funnel.stages('alice.f7') WHERE stage = 's2')}),
	'0.3|t|f|f|team', '7: alice\'s definitions are in force');
for my $case (
	[ q{SELECT funnel.create_funnel('alice.intruder', ARRAY['a'])}, 'create_funnel in alice\'s schema' ],
	[ q{SELECT funnel.set_stage('s2'::alice.f7, probability => 0.9)}, 'set_stage' ],
	[ q{SELECT funnel.allow_transition('s1'::alice.f7, 's2')}, 'allow_transition' ],
	[ q{SELECT funnel.forbid_transition('s3b'::alice.f7, 's1')}, 'forbid_transition' ],
	[ q{SELECT funnel.reset_transition('s3b'::alice.f7, 's1')}, 'reset_transition' ],
	[ q{SELECT funnel.rename_stage('s2'::alice.f7, 'stolen')}, 'rename_stage' ],
	[ q{SELECT funnel.drop_funnel('alice.e7')}, 'drop_funnel' ],
	[ q{SELECT funnel.register_funnel('alice.e7b')}, 'register_funnel' ])
{
	my ($sql, $what) = @$case;
	fails_as('temponly', $sql, '42501', "7: temponly runs $what on alice's funnel", 'd');
}
ok_as('alice', q{SELECT funnel.drop_funnel('alice.e7'); SELECT funnel.drop_funnel('alice.e7c')},
	'7: alice drops her registered funnels', 'd');
is( su_sql(
		'd', q{
SELECT funnel.probability('s2'::alice.f7), funnel.can_transition('s3b'::alice.f7, 's1'),
       funnel.can_transition('s1'::alice.f7, 's2'),
       (SELECT count(*) FROM funnel.funnel_def WHERE stage_type::text LIKE 'alice.e7%')}),
	'0.3|t|f|0', '7: alice\'s funnels are unchanged by temponly\'s attempts');

# ===========================================================================
# 8. History diverted into the mover's temp table
# ===========================================================================
ok_as(
	'alice', q{
CREATE TABLE alice.m (id int PRIMARY KEY, stage alice.deal NOT NULL);
CREATE TABLE alice.m_hist (id int, from_stage alice.deal, to_stage alice.deal,
                           changed_at timestamptz, changed_by name);
CREATE TRIGGER enforce BEFORE INSERT OR UPDATE ON alice.m
    FOR EACH ROW EXECUTE FUNCTION funnel.enforce_transitions('stage');
CREATE TRIGGER record AFTER INSERT OR UPDATE ON alice.m
    FOR EACH ROW EXECUTE FUNCTION funnel.record_transition('m_hist');
INSERT INTO alice.m VALUES (1, 'a'), (2, 'a');
GRANT SELECT, INSERT, UPDATE ON alice.m TO mover;
GRANT INSERT ON alice.m_hist TO mover;
CREATE TABLE alice.m2 (id int PRIMARY KEY, stage alice.deal NOT NULL);
SELECT funnel.track('alice.m2', history_table => 'm2_hist');
INSERT INTO alice.m2 VALUES (1, 'a');
GRANT SELECT, INSERT, UPDATE ON alice.m2 TO mover;},
	'8: alice tracks alice.m with record_transition(\'m_hist\') and alice.m2 with track(history_table => \'m2_hist\')',
	'd');
{
	my ($rc, $out, $err) = as_role(
		'mover', q{
CREATE TEMP TABLE m_hist (id int, from_stage alice.deal, to_stage alice.deal, changed_at timestamptz, changed_by name);
UPDATE alice.m SET stage = 'b' WHERE id = 1;
SELECT count(*) FROM pg_temp.m_hist;}, 'd');
	is($rc, 0, '8: mover moves a row of alice.m with a temp table m_hist in place') or diag($err);
	is($out, '0', '8: mover\'s temp table m_hist got no history row');
	is( su_sql('d', q{SELECT string_agg(format('%s %s->%s by %s', id, from_stage, to_stage, changed_by), '; ') FROM alice.m_hist WHERE from_stage IS NOT NULL}),
		'1 a->b by mover', '8: alice\'s m_hist got the row');
	($rc, $out, $err) = as_role(
		'mover', q{
CREATE TEMP TABLE m2_hist (id int, from_stage alice.deal, to_stage alice.deal, changed_at timestamptz, changed_by name);
UPDATE alice.m2 SET stage = 'b' WHERE id = 1;
SELECT count(*) FROM pg_temp.m2_hist;}, 'd');
	is($rc, 0, '8: mover moves a row of alice.m2 (track) with a temp table m2_hist in place') or diag($err);
	is($out, '0', '8: mover\'s temp table m2_hist got no history row');
	is( su_sql('d', q{SELECT string_agg(format('%s %s->%s by %s', id, from_stage, to_stage, changed_by), '; ') FROM alice.m2_hist WHERE from_stage IS NOT NULL}),
		'1 a->b by mover', '8: alice\'s m2_hist got the row');
}

# ===========================================================================
# 9. History forgeable: movers need no privilege on the history table, and
# cannot choose changed_by or changed_at
# ===========================================================================
ok_as(
	'alice', q{
CREATE TABLE alice.opp (id int PRIMARY KEY, stage alice.deal NOT NULL, stamp timestamptz);
SELECT funnel.track('alice.opp', stamp_column => 'stamp');
INSERT INTO alice.opp VALUES (1, 'a', NULL), (2, 'a', NULL);
GRANT SELECT, INSERT, UPDATE ON alice.opp TO mover;},
	'9: alice tracks alice.opp with funnel.track', 'd');
is( su_sql(
		'd', q{
SELECT string_agg(p, ',') FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p
WHERE has_table_privilege('mover', 'alice.opp_stage_history', p)}),
	'', '9: mover has no privilege on the history table');
{
	my $t0 = su_sql('d', 'SELECT clock_timestamp()');
	my ($rc, $out, $err) = as_role('mover', q{
UPDATE alice.opp SET stage = 'b' WHERE id = 1;
UPDATE alice.opp SET stage = 'c', stamp = '2001-01-01 00:00+00' WHERE id = 1;
INSERT INTO alice.opp VALUES (3, 'a', '2001-01-01 00:00+00');}, 'd');
	is($rc, 0, '9: mover moves and inserts rows without any privilege on the history table') or diag($err);
	my $t1 = su_sql('d', 'SELECT clock_timestamp()');
	is( su_sql(
			'd', qq{
SELECT string_agg(format('%s %s->%s by %s at %s', id, coalesce(from_stage::text, '-'), to_stage, changed_by,
                         CASE WHEN changed_at BETWEEN '$t0' AND '$t1' THEN 'clock' ELSE changed_at::text END),
                  '; ' ORDER BY id, changed_at)
FROM alice.opp_stage_history WHERE changed_by <> 'alice'}),
		'1 a->b by mover at clock; 1 b->c by mover at clock; 3 -->a by mover at clock',
		'9: the mover\'s history rows carry changed_by = mover and the server clock');
	fails_as('mover', q{
INSERT INTO alice.opp_stage_history (id, from_stage, to_stage, changed_at, changed_by)
VALUES (2, 'a', 'won', '2001-01-01', 'alice');},
		'42501', '9: mover inserts a forged row into the history table', 'd');
	is(su_sql('d', q{SELECT count(*) FROM alice.opp_stage_history WHERE changed_at < '2002-01-01'}), '0',
		'9: no backdated history row');
	# The table owner may still import rows with their own stamps (backdating
	# is the owner's right: the history is the owner's record); only a role
	# that is not the owner gets the server clock whatever it supplies.
	ok_as('alice', q{INSERT INTO alice.opp VALUES (4, 'a', '2020-01-01 00:00+00')},
		'9: alice imports a row with its own stamp', 'd');
	is(su_sql('d', q{SELECT changed_at = '2020-01-01 00:00+00' AND changed_by = 'alice' FROM alice.opp_stage_history WHERE id = 4}),
		't', '9: the owner\'s import keeps its stamp in the history');
}

# ===========================================================================
# 10. track needs ownership: a role with TRIGGER privilege only
# ===========================================================================
{
	ok_as('alice', 'GRANT TRIGGER ON alice.opp TO creator', '10: alice grants TRIGGER on alice.opp to creator',
		'd');
	my $triggers_sql = q{
SELECT string_agg(format('%s %s', tgname, encode(tgargs, 'escape')), '; ' ORDER BY tgname)
FROM pg_trigger WHERE tgrelid = 'alice.opp'::regclass AND NOT tgisinternal};
	my $before = su_sql('d', $triggers_sql);
	ok_as('creator', q{
CREATE TABLE cs.loot (id int, from_stage alice.deal, to_stage alice.deal, changed_at timestamptz, changed_by name);
GRANT INSERT ON cs.loot TO PUBLIC;}, '10: creator prepares its own history table', 'd');
	fails_as('creator', q{SELECT funnel.track('alice.opp', history_table => 'cs.loot')},
		'42501', '10: creator runs funnel.track on alice.opp', 'd');
	fails_as('creator', q{SELECT funnel.track('alice.opp', history_table => 'cs.loot2', backfill => false)},
		'42501', '10: creator runs funnel.track on alice.opp with a new history table', 'd');
	fails_as('creator', q{SELECT funnel.untrack('alice.opp')}, '42501',
		'10: creator runs funnel.untrack on alice.opp', 'd');
	is(su_sql('d', $triggers_sql), $before, '10: alice\'s tracking triggers are unchanged');
	ok_as('alice', q{UPDATE alice.opp SET stage = 'b' WHERE id = 2}, '10: alice moves a row', 'd');
	is(su_sql('d', q{SELECT count(*) FROM alice.opp_stage_history WHERE id = 2 AND to_stage = 'b'}), '1',
		'10: alice\'s history gets the row');
	is(su_sql('d', q{SELECT count(*) FROM cs.loot}), '0', '10: creator\'s table gets nothing');
	# 1.0: give alice her tracking back
	if (su_sql('d', $triggers_sql) ne $before)
	{
		as_role('alice', q{SELECT funnel.track('alice.opp', stamp_column => 'stamp')}, 'd');
	}
}

# ===========================================================================
# 11. Slowdown by another role: only the changed funnel is recompiled
# ===========================================================================
{
	my $s1 = $node->background_psql('d', on_error_stop => 0, extra_params => [ '-U', 'alice' ]);
	my $compiled = sub {
		my ($sql) = @_;
		$s1->{stderr} = '';
		my ($out) = $s1->query($sql);
		my $err = $s1->{stderr};
		$s1->{stderr} = '';
		return ($out, $err);
	};
	$s1->query('SET client_min_messages = debug1');
	my ($out, $err) = $compiled->(
		q{SELECT funnel.stage_position('b'::alice.deal), funnel.stage_position('proposal'::funnel.sales_stage)});
	is($out, '2|3', '11: session 1 uses funnels A (alice.deal) and B (funnel.sales_stage)');
	like($err, qr/funnel: compiled funnel "?(alice\.)?deal\b/, '11: the first use compiles A (DEBUG1 message)');
	like($err, qr/funnel: compiled funnel "?(funnel\.)?sales_stage\b/, '11: the first use compiles B');
	($out, $err) = $compiled->(q{SELECT funnel.stage_position('c'::alice.deal)});
	unlike($err, qr/funnel: compiled funnel/, '11: a second use compiles nothing');

	ok_as('creator', q{SELECT funnel.set_stage('y'::cs.cfun, probability => 0.4)},
		'11: creator changes its own funnel C', 'd');
	($out, $err) = $compiled->(
		q{SELECT funnel.probability('b'::alice.deal), funnel.probability('proposal'::funnel.sales_stage)});
	is($out, '0.5|0.5', '11: session 1 uses A and B again');
	unlike($err, qr/funnel: compiled funnel "?(alice\.)?deal\b/, '11: A is not recompiled after C changed');
	unlike($err, qr/funnel: compiled funnel "?(funnel\.)?sales_stage\b/, '11: B is not recompiled after C changed');

	ok_as('alice', q{SELECT funnel.set_stage('b'::alice.deal, probability => 0.55)},
		'11: alice changes A in another session', 'd');
	($out, $err) = $compiled->(q{SELECT funnel.probability('b'::alice.deal)});
	is($out, '0.55', '11: session 1 sees the change of A');
	like($err, qr/funnel: compiled funnel "?(alice\.)?deal\b/, '11: A is recompiled after A changed');

	# a 1000-stage funnel: create, use, change one edge, use again
	ok_as('alice', q{
SELECT funnel.create_funnel('alice.big', (SELECT array_agg('s' || i ORDER BY i) FROM generate_series(1, 1000) i));},
		'11: alice creates a 1000-stage funnel', 'd');
	($out, $err) = $compiled->(
		q{SELECT funnel.stage_position('s500'::alice.big), funnel.can_transition('s1000'::alice.big, 's1')});
	is($out, '500|f', '11: session 1 uses the 1000-stage funnel');
	like($err, qr/funnel: compiled funnel "?(alice\.)?big\b/, '11: the 1000-stage funnel is compiled');
	ok_as('alice', q{SELECT funnel.allow_transition('s1000'::alice.big, 's1')},
		'11: alice changes one edge of the 1000-stage funnel', 'd');
	($out, $err) = $compiled->(q{SELECT funnel.can_transition('s1000'::alice.big, 's1')});
	is($out, 't', '11: session 1 sees the changed edge');
	like($err, qr/funnel: compiled funnel "?(alice\.)?big\b/, '11: the 1000-stage funnel is recompiled');
	unlike($err, qr/funnel: compiled funnel "?(alice\.)?deal\b/, '11: A is not recompiled after the big funnel changed');
	$s1->quit;
}

# ===========================================================================
# 12. The guard trusts creating_extension of any extension
# ===========================================================================
SKIP:
{
	my $sharedir = $node->config_data('--sharedir');
	skip "the test cannot write to $sharedir/extension (root-owned): no throwaway extension to install", 3
	  unless -w "$sharedir/extension";
	# a non-superuser extension whose script runs code the installing role
	# chooses (here through a setting): while it runs, creating_extension is
	# true, but the funnel catalog must still refuse the creator's writes
	my $ctl = "$sharedir/extension/funnel_probe_$$.control";
	my $sqlf = "$sharedir/extension/funnel_probe_$$--1.0.sql";
	open my $fh, '>', $ctl or die "$ctl: $!";
	print $fh "default_version = '1.0'\nsuperuser = false\nrelocatable = true\n";
	close $fh;
	open $fh, '>', $sqlf or die "$sqlf: $!";
	print $fh "DO \$\$ BEGIN EXECUTE current_setting('funnel_probe.sql'); END \$\$;\n";
	close $fh;
	my ($rc, $out, $err) = as_role(
		'creator', qq{
SET funnel_probe.sql = 'UPDATE funnel.stage_def SET probability = 0.99 WHERE stage_type = ''alice.deal''::regtype; INSERT INTO funnel.transition_def VALUES (''alice.deal'', ''won'', ''a'', true)';
CREATE EXTENSION funnel_probe_$$;}, 'd');
	isnt($rc, 0, '12: creator\'s extension script writing alice\'s funnel rows is refused');
	is(su_sql('d', q{SELECT funnel.probability('b'::alice.deal), funnel.can_transition('won'::alice.deal, 'a')}),
		'0.55|f', '12: alice\'s funnel is unchanged');
	$node->psql('d', "DROP EXTENSION IF EXISTS funnel_probe_$$");
	unlink $ctl, $sqlf;
	pass('12: throwaway extension removed');
}

# ===========================================================================
# 13. A crash through an aggregate's result: PL/pgSQL hands it on
# ===========================================================================
# The aggregates whose result is their state (funnel.pipeline, summary,
# pipeline_as_of, winrate_curve, stage_outcomes, stage_times, next_steps,
# detail_report and their rollups) have a final function.  A TEMP-only role
# passes each result through a PL/pgSQL function of its own that returns its
# argument: PL/pgSQL takes ownership of a read-write expanded object it is
# handed back (SPI_datumTransfer reparents the object's memory context).  On
# PostgreSQL 15 the final function once returned a read-write copy whose
# context was the executor's per-tuple context itself: that context became
# its own child and the backend crashed.  Goal of the attacker: crash the
# server.  Every result must come back whole and equal to the aggregate's.
{
	my @types = qw(pipeline summary pipeline_flow winrate_curve stage_outcomes stage_value next_steps detail_report);
	my $fns = join("\n", map {
		"CREATE FUNCTION pg_temp.pass_$_(v funnel.$_) RETURNS funnel.$_ LANGUAGE plpgsql AS 'BEGIN RETURN v; END';"
	} @types);
	my $agg = {
		pipeline       => ['funnel.pipeline(s, a, c, x)', 'd'],
		summary        => ['funnel.summary(j)', 'jr'],
		pipeline_flow  => ["funnel.pipeline_as_of(timestamptz '2024-02-01', c, NULL::funnel.sales_stage, s)", 'd'],
		winrate_curve  => ['funnel.winrate_curve(s, c, x)', 'd'],
		stage_outcomes => ['funnel.stage_outcomes(j)', 'jr'],
		stage_value    => ['funnel.stage_times(j, 100)', 'jr'],
		next_steps     => ["funnel.next_steps(i % 3, 'label ' || (i % 5), 'key ' || i)", 'd'],
		detail_report  => ['funnel.detail_report(w)', 'wd'],
	};
	my $sql = qq{
CREATE TEMP TABLE d AS
SELECT i, i % 3 AS k,
       (ARRAY['lead', 'qualified', 'proposal', 'negotiation', 'closed_won', 'closed_lost']::funnel.sales_stage[])[1 + i % 6] AS s,
       (i * 10)::numeric AS a, timestamptz '2024-01-01' + i * interval '1 day' AS c,
       CASE WHEN i % 6 >= 4 THEN timestamptz '2024-06-01' + i * interval '1 day' END AS x
FROM generate_series(1, 60) i;
CREATE TEMP TABLE jr AS
SELECT e % 3 AS k, funnel.journey(s, c) AS j FROM (SELECT i / 4 AS e, s, c FROM d) v GROUP BY e;
CREATE TEMP TABLE wd AS
SELECT i % 3 AS k, funnel.window_funnel_detail(interval '30 days', c, s = 'lead', s = 'qualified') AS w
FROM d GROUP BY i;
$fns
};
	for my $t (@types)
	{
		my ($expr, $from) = @{ $agg->{$t} };
		$sql .= "SELECT '$t', bool_and(pg_temp.pass_$t(v)::text = v::text), count(*) FROM (SELECT $expr AS v FROM $from GROUP BY k) g;\n";
		$sql .= "SELECT '$t window', bool_and(pass::text = v::text), count(*) FROM (SELECT pg_temp.pass_$t($expr OVER w) AS pass, $expr OVER w AS v FROM $from WINDOW w AS (ORDER BY k)) g;\n";
	}
	my ($rc, $out, $err) = as_role('temponly', $sql, 'd');
	my @want = map { ("$_|t|3", "$_ window|t|" . ($agg->{$_}[1] eq 'd' ? 60 : $agg->{$_}[1] eq 'jr' ? 16 : 60)) } @types;
	is($node->safe_psql('d', 'SELECT 1'), '1', '13: the server is up after PL/pgSQL handed on every state aggregate\'s result');
	is($out, join("\n", @want), '13: each result, passed through PL/pgSQL, equals the aggregate\'s (grouped and as a window aggregate)')
	  or diag("exit $rc, stderr: " . substr($err, 0, 2000));
}

# ===========================================================================
# Every role is still what it was, the server never crashed, and the main
# database dumps and restores with every row
# ===========================================================================
for my $r (@roles)
{
	is(rolsuper($r), 'f', "end: $r is not superuser");
}
dump_restores_every_row('d', 'end');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'end: the server is up');
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal/, 'end: no backend was terminated by a signal');

$node->stop;
done_testing();
