#!/usr/bin/perl
# test/doctest.pl: run every ```sql block of a Markdown file, in order, in one fresh
# database, and check it (in the spirit of Timescale Toolkit's sql-doctester).
#
# A ```sql block followed (blank lines aside) by an ```output block must print exactly
# that output (trailing blanks ignored; "psql:<stdin>:N: " prefixes removed).  A block
# without an output block must run without ERROR.  Each block is one TAP test line.
# Blocks run in separate psql sessions, so SET does not carry over.
# Connection: the usual PGHOST/PGPORT/PGUSER environment.
use strict;
use warnings;

my $file = shift // 'README.md';
open my $fh, '<', $file or die "cannot read $file: $!";
my @lines = <$fh>;
close $fh;

my @blocks;    # { line, sql, expected }
for (my $i = 0; $i < @lines; $i++)
{
	next unless $lines[$i] =~ /^```sql\s*$/;
	my $start = $i + 1;
	my $sql = '';
	for ($i++; $i < @lines && $lines[$i] !~ /^```\s*$/; $i++) { $sql .= $lines[$i]; }
	my $block = { line => $start, sql => $sql };
	my $j = $i + 1;
	$j++ while $j < @lines && $lines[$j] =~ /^\s*$/;
	if ($j < @lines && $lines[$j] =~ /^```output\s*$/)
	{
		my $out = '';
		for ($j++; $j < @lines && $lines[$j] !~ /^```\s*$/; $j++) { $out .= $lines[$j]; }
		$block->{expected} = $out;
		$i = $j;
	}
	push @blocks, $block;
}

my $db = 'funnel_doctest';
sub admin
{
	local $ENV{PGOPTIONS} = '-c client_min_messages=warning';
	return system('psql', '-X', '-q', '-d', 'postgres', '-c', shift) == 0;
}
admin("DROP DATABASE IF EXISTS $db") or die "psql failed";
admin("CREATE DATABASE $db") or die "createdb failed";

sub normalize
{
	my $s = shift;
	$s =~ s/^psql:<stdin>:\d+: //mg;
	$s =~ s/[ \t]+$//mg;
	$s =~ s/\n+\z//;
	$s =~ s/\A\n+//;
	return $s;
}

my ($n, $failed) = (0, 0);
print "1..", scalar(@blocks), "\n";
for my $b (@blocks)
{
	$n++;
	my $tmp = "/tmp/doctest.$$.sql";
	open my $out, '>', $tmp or die;
	print $out $b->{sql};
	close $out;
	my $got = `psql -X -q -d $db -v ON_ERROR_STOP=0 -f - < $tmp 2>&1`;
	unlink $tmp;
	my $ok;
	if (defined $b->{expected})
	{
		$ok = normalize($got) eq normalize($b->{expected});
	}
	else
	{
		$ok = $got !~ /^(psql:<stdin>:\d+: )?(ERROR|FATAL|PANIC):/m;
	}
	my $first = (split /\n/, $b->{sql})[0] // '';
	if ($ok)
	{
		print "ok $n - $file:$b->{line} $first\n";
	}
	else
	{
		$failed++;
		print "not ok $n - $file:$b->{line} $first\n";
		print "# --- expected\n", map({ "# $_\n" } split /\n/, normalize($b->{expected} // '(no ERROR)'));
		print "# --- got\n", map({ "# $_\n" } split /\n/, normalize($got));
	}
}
admin("DROP DATABASE IF EXISTS $db");
exit($failed ? 1 : 0);
